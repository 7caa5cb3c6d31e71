// `npm run validate`: the Node-RED Flow Library scorecard (`node-red-dev validate`) on the
// built package in this folder. Fails unless every check the tool makes ran and passed.
//
// The tool: node-red-dev is installed from scripts/scorecard/ (its own package.json and
// lock file) into test-output/cache/scorecard/, apart from the project's dev tree: it
// brings about 440 old packages (axios 0.21, request, npm-check, ...).
//
// The catalogue stub: P08 (no similarly named package) and N01 (no node type already
// taken) download https://catalogue.nodered.org/catalogue.json, a URL written into
// node-red-dev with no option or variable to change it, and a site this machine cannot
// reach. node-red-dev's axios honours https_proxy and no_proxy, so a loopback HTTP server
// set as the proxy answers that one URL with an empty catalogue ({"modules": []}) and
// refuses anything else, while the npm registry, which P06, P07, D02 and D03 ask, stays
// direct. Here P08 and N01 therefore only prove that the checks run; the names are
// checked against the real catalogue when the Flow Library adds the package.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const toolSrc = path.join(__dirname, 'scorecard');
const toolDir = path.join(root, 'test-output', 'cache', 'scorecard');
const scorecardFile = path.join(root, 'test-output', 'scorecard.json');
const CATALOGUE = 'https://catalogue.nodered.org/catalogue.json';
// Every check node-red-dev 0.1.6 makes (P02 is disabled in the tool itself).
const CHECKS = ['P01', 'P03', 'P04', 'P05', 'P06', 'P07', 'P08', 'N01', 'N02', 'D01', 'D02', 'D03'];
const TOOL_TIMEOUT_MS = 180_000;

/** npm as the user runs it, not told by an enclosing `npm run` that this repository is the project. */
function npmEnv() {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
  );
}

function installTool() {
  const lock = fs.readFileSync(path.join(toolSrc, 'package-lock.json'));
  const cachedLock = path.join(toolDir, 'package-lock.json');
  const bin = path.join(toolDir, 'node_modules', 'node-red-dev', 'bin', 'run');
  if (fs.existsSync(bin) && fs.existsSync(cachedLock) && lock.equals(fs.readFileSync(cachedLock))) {
    return bin;
  }
  fs.rmSync(toolDir, { recursive: true, force: true });
  fs.mkdirSync(toolDir, { recursive: true });
  for (const f of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(toolSrc, f), path.join(toolDir, f));
  }
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: toolDir,
    env: npmEnv(),
    stdio: 'inherit',
    timeout: 300_000,
  });
  return bin;
}

function registryHosts() {
  let configured = '';
  try {
    configured = execFileSync('npm', ['config', 'get', 'registry'], {
      cwd: root,
      env: npmEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // npm's default below
  }
  const hosts = new Set(['registry.npmjs.org']);
  if (configured) hosts.add(new URL(configured).hostname);
  return [...hosts];
}

/** The loopback "proxy": an empty catalogue for CATALOGUE, 502 for anything else. */
function startCatalogueStub() {
  const served = [];
  const refused = [];
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === CATALOGUE) {
      served.push(req.url);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ modules: [] }));
    } else {
      refused.push(`${req.method} ${req.url}`);
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('catalogue stub: only the catalogue is served here\n');
    }
  });
  server.on('connect', (req, socket) => {
    refused.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ server, served, refused }));
  });
}

function runTool(bin, proxyUrl) {
  const noProxy = ['localhost', '127.0.0.1', ...registryHosts()].join(',');
  const env = {
    ...npmEnv(),
    https_proxy: proxyUrl,
    HTTPS_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    HTTP_PROXY: proxyUrl,
    no_proxy: noProxy,
    NO_PROXY: noProxy,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, 'validate', '--path', root, '--output', scorecardFile],
      { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node-red-dev validate did not finish in ${TOOL_TIMEOUT_MS / 1000} s`));
    }, TOOL_TIMEOUT_MS);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

async function main() {
  for (const f of ['auth-object.js', 'auth-object.html']) {
    if (!fs.existsSync(path.join(root, 'dist', f))) {
      throw new Error(`dist/${f} is missing: run npm run build first`);
    }
  }
  const bin = installTool();
  fs.rmSync(scorecardFile, { force: true });
  const stub = await startCatalogueStub();
  let code;
  try {
    code = await runTool(bin, `http://127.0.0.1:${stub.server.address().port}`);
  } finally {
    stub.server.close();
  }
  const problems = [];
  if (code !== 0) problems.push(`node-red-dev exited with code ${code}`);
  if (stub.served.length === 0) problems.push('P08/N01 never asked the catalogue stub');
  for (const r of stub.refused) problems.push(`unexpected request through the stub: ${r}`);
  let card = {};
  if (fs.existsSync(scorecardFile)) card = JSON.parse(fs.readFileSync(scorecardFile, 'utf8'));
  else problems.push('no scorecard written');
  for (const id of CHECKS) {
    if (!card[id]) problems.push(`${id}: not run`);
    else if (card[id].test !== true) problems.push(`${id}: failed ${JSON.stringify(card[id])}`);
  }
  const passed = CHECKS.filter((id) => card[id]?.test === true).length;
  console.log(`\nscorecard: ${passed} of ${CHECKS.length} checks passed (${scorecardFile})`);
  console.log('P08 and N01 ran against an empty local catalogue (see scripts/validate.js).');
  if (problems.length) {
    for (const p of problems) console.error(`validate: ${p}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(`validate: ${err.message}`);
  process.exitCode = 1;
});
