// `npm start` (node scripts/start.js --build): the demo in one process tree, everything
// on 127.0.0.1.
//  - with --build, first the package's build (scripts/build.js), timed for the banner
//  - a demo OAuth 2.0 authorization server with a protected API (scripts/demo/auth-server.js)
//  - a demo mail inbox: SMTP plus a web page (scripts/demo/mail-inbox.js); it takes mail
//    without a login, or with SMTP AUTH XOAUTH2 and an access token the demo auth server
//    issued and that is still valid
//  - Node-RED from devDependencies, user folder .node-red/ (git-ignored), this package
//    linked from the working tree, node-red-node-email and FlowFuse Dashboard 2.0
//    installed (scripts/palette.js), and on first start the example flows deployed with
//    the demo's credentials (scripts/demo/flows.js); the dashboard at /dashboard.
// Ctrl-C stops all of it, and so do SIGINT or SIGTERM sent to the top process only (npm,
// or this script run with node), and the end of the process that started this script.
//
// How npm runs it: npm forwards SIGINT and SIGTERM to its child, the `sh -c` running the
// script, and to nothing below. dash (Debian's and Ubuntu's sh) does not exec the
// script's last command, so that child would be a shell that dies of SIGTERM (orphaning
// this script and Node-RED) and waits out SIGINT (nothing stops). The start script is
// therefore `exec node scripts/start.js --build || …`: sh becomes this script, npm's
// signals reach it; cmd.exe on Windows knows no exec and runs the part after `||`.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { setInterval, clearInterval } = require('node:timers');
const { startAuthServer, DEMO } = require('./demo/auth-server');
const { startMailInbox } = require('./demo/mail-inbox');
const { demoFlows } = require('./demo/flows');
const { installed, linkInto, PACKAGES } = require('./palette');

const root = path.resolve(__dirname, '..');
const env = process.env;
const build = process.argv.includes('--build');
const userDir = path.resolve(env.NODE_RED_USER_DIR || path.join(root, '.node-red'));
const cacheDir = path.join(root, '.demo', 'cache');

/** Printed to stderr, then the demo stops with exit code 1. */
class StartError extends Error {}

function intFrom(name, fallback, max, what) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new StartError(`${name}=${raw} is not ${what} (1 to ${max}).`);
  }
  return n;
}
const portFrom = (name, fallback) => intFrom(name, fallback, 65535, 'a port number');

function portInUse(port, what, variable) {
  return new StartError(
    `Port ${port} on 127.0.0.1 is already in use, so the ${what} cannot start.\n` +
      `Stop the program that uses it, or choose another port: ${variable}=${port + 1} npm start`,
  );
}

/** Fails early, with the variable to change, if Node-RED's port is taken. */
function checkFree(port, what, variable) {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', (err) =>
      reject(err.code === 'EADDRINUSE' ? portInUse(port, what, variable) : err),
    );
    s.listen(port, '127.0.0.1', () => s.close(() => resolve()));
  });
}

let nodeRed; // the Node-RED child process
let builder; // the build's child process while it runs (--build)
let installer; // the npm child process while it installs a node package
const servers = [];
let stopping;
let signalledAt; // when the first SIGINT/SIGTERM/SIGHUP arrived
let buildTime; // ms, with --build

function log(line) {
  console.log(`[demo] ${line}`);
}

/** Stops Node-RED, then the demo servers; exits with `code`. Safe to call twice. */
function shutdown(code) {
  if (stopping) return stopping;
  stopping = (async () => {
    for (const child of [builder, installer]) {
      if (child && child.exitCode === null) child.kill('SIGTERM');
    }
    if (nodeRed && nodeRed.exitCode === null && nodeRed.signalCode === null) {
      const exited = new Promise((resolve) => nodeRed.once('exit', resolve));
      nodeRed.kill('SIGINT');
      const force = setTimeout(() => nodeRed.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    await Promise.all(servers.map((s) => s.close()));
    process.exit(code);
  })();
  return stopping;
}

function fail(err) {
  if (stopping) return stopping; // Ctrl-C during start-up: nothing to report
  if (err instanceof StartError) console.error(`\n[demo] ${err.message}\n`);
  else console.error('\n[demo] failed:', err);
  return shutdown(1);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) {
      // Ctrl-C in a terminal reaches this script twice under npm: from the terminal and
      // forwarded by npm. Only a later one is a second Ctrl-C.
      if (signalledAt !== undefined && Date.now() - signalledAt < 1000) return;
      // A second Ctrl-C: do not wait for Node-RED any longer.
      if (nodeRed && nodeRed.exitCode === null) nodeRed.kill('SIGKILL');
      process.exit(1);
    }
    signalledAt = Date.now();
    log('stopping…');
    void shutdown(0);
  });
}

// Output to a closed terminal or pipe (its reader was killed) must not crash this script
// before it has stopped Node-RED.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

/**
 * Stops the demo when the process that started it is gone (killed with SIGKILL, or a
 * shell that died of a signal): this script was reparented then.
 */
function watchParent() {
  const parent = process.ppid;
  if (parent <= 1) return; // started by init or a container runtime: nothing to watch
  const gone = () => {
    if (process.ppid !== parent) return true;
    try {
      process.kill(parent, 0);
      return false;
    } catch (err) {
      return err.code === 'ESRCH';
    }
  };
  const timer = setInterval(() => {
    if (stopping || !gone()) return;
    clearInterval(timer);
    log('the process that started the demo has ended; stopping…');
    void shutdown(0);
  }, 500);
  timer.unref();
}
watchParent();

/** Runs scripts/build.js as `npm start` did before starting: its output as it goes. */
async function runBuild() {
  const t0 = performance.now();
  builder = spawn(process.execPath, [path.join(__dirname, 'build.js')], { stdio: 'inherit' });
  const code = await new Promise((resolve) => {
    builder.once('error', () => resolve(-1));
    builder.once('exit', (c, signal) => resolve(signal ? -1 : c));
  });
  builder = undefined;
  if (stopping) return;
  if (code !== 0)
    throw new StartError(`The build failed (exit code ${code}); its output is above.`);
  buildTime = performance.now() - t0;
}

/**
 * A node package the demo flows need, installed once into .demo/cache/ as the palette
 * manager would (scripts/palette.js) and linked into the user folder.
 */
async function installNode(key) {
  let dir;
  try {
    dir = await installed(cacheDir, key, {
      log,
      onChild: (child) => (installer = child),
    });
  } catch (err) {
    if (stopping) return;
    throw new StartError(
      `Could not install ${err.spec ?? key} (npm failed; is the npm registry reachable?).`,
    );
  }
  linkInto(userDir, PACKAGES[key].name, dir);
}

function writeSettings(file) {
  if (fs.existsSync(file)) return; // the user's own edits win
  fs.writeFileSync(
    file,
    `// Node-RED settings for the local demo (written by scripts/start.js on first start).
module.exports = {
  uiHost: '127.0.0.1',
  uiPort: process.env.PORT || 1880,
  flowFile: 'flows.json',
  // Encrypts flows_cred.json; change it for anything but a local try-out.
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || 'local-demo-only',
  // The expiry check remembers sent reminders in node context: keep it across restarts.
  contextStorage: { default: { module: 'localfilesystem' } },
  // Offline demo: no update check, no consent dialog.
  telemetry: { enabled: false },
  editorTheme: { tours: false },
};
`,
  );
}

async function waitUntilReady(url) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (nodeRed.exitCode !== null || nodeRed.signalCode !== null) {
      throw new StartError(
        `Node-RED stopped during start-up (exit code ${nodeRed.exitCode ?? nodeRed.signalCode}); its log is above.`,
      );
    }
    try {
      const res = await fetch(`${url}/settings`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new StartError('Node-RED did not answer within 120 s; its log is above.');
}

/** Fails when a node type the demo flows use did not load (e.g. dist/ missing). */
async function checkNodesLoaded(url) {
  const res = await fetch(`${url}/nodes`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new StartError(`Could not list Node-RED's nodes (HTTP ${res.status}).`);
  const sets = await res.json();
  const needed = ['auth-object', 'auth-get-token', 'auth-expiry-check', 'e-mail', 'ui-table'];
  const broken = needed.filter(
    (type) => !sets.some((s) => s.enabled !== false && !s.err && s.types.includes(type)),
  );
  if (broken.length > 0) {
    throw new StartError(
      `Node-RED could not load ${broken.join(', ')}; its log above says why. ` +
        'If dist/ is missing or stale, run npm start (it builds first) or npm run build.',
    );
  }
}

async function deployDemo(url, flows) {
  const current = await fetch(`${url}/flows`);
  if (!current.ok) throw new StartError(`Could not read the flows (HTTP ${current.status}).`);
  if ((await current.json()).length > 0) return false;
  const res = await fetch(`${url}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify(flows),
  });
  if (!res.ok) {
    throw new StartError(
      `Could not deploy the demo flows (HTTP ${res.status}): ${await res.text()}`,
    );
  }
  return true;
}

/** How long the build (with --build) and the start took; the clock starts with this process. */
function readyIn() {
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const total = performance.now();
  if (buildTime === undefined) return `ready in ${s(total)}`;
  return `ready in ${s(total)} (build ${s(buildTime)}, start ${s(total - buildTime)})`;
}

/**
 * The dashboard's address, once Dashboard 2.0 serves it, when the flows hold one (the
 * demo's do; kept flows may not).
 */
async function dashboardUrl(url) {
  const flows = await fetch(`${url}/flows`).then((r) => (r.ok ? r.json() : []));
  const base = flows.find((n) => n.type === 'ui-base');
  if (!base) return undefined;
  const page = `${url}${base.path || '/dashboard'}`;
  for (let i = 0; i < 40 && !stopping; i++) {
    const res = await fetch(page).catch(() => undefined);
    if (res?.ok) return page;
    await new Promise((r) => setTimeout(r, 250));
  }
  return undefined;
}

function banner({ nodeRedUrl, auth, inbox, deployed, dashboard }) {
  const rel = path.relative(process.cwd(), userDir) || '.';
  const lines = [
    '',
    '──────────────────────────────────────────────────────────────────────────',
    ` node-red-contrib-auth-objects demo: ${readyIn()}`,
    '',
    ` Node-RED editor      ${nodeRedUrl}`,
    ...(dashboard ? [` Expiry dashboard     ${dashboard}`] : []),
    ` Demo auth server     ${auth.url}   (token URL ${auth.tokenUrl}, API ${auth.apiUrl})`,
    ` Mail inbox           ${inbox.url}   (SMTP 127.0.0.1:${inbox.smtpPort}, XOAUTH2 login optional)`,
    '',
    ' Demo credentials, already in the demo flows:',
    `   password grant       client ${DEMO.app.clientId} / ${DEMO.app.clientSecret}, user ${DEMO.user.username} / ${DEMO.user.password}`,
    `   client credentials   client ${DEMO.service.clientId} / ${DEMO.service.clientSecret}`,
    `   sign in (examples 11, 12)  user ${DEMO.user.username} at ${auth.signIn.issuer} (client ${auth.signIn.clientId});`,
    `                        open the auth object, Sign in; device codes go to ${auth.signIn.devicePage}`,
    '',
    deployed
      ? ' Deployed the example flows to the tab "auth-objects demo". Click their inject buttons.\n' +
        ' Reminders reach the mail inbox a few seconds after this first start; one of them\n' +
        ' is sent with an OAuth token (SMTP AUTH XOAUTH2), as example 04 does with Microsoft 365.'
      : ` Kept your flows in ${rel}/ (delete ${path.join(rel, 'flows.json')} to get the demo flows back).`,
    ' Press Ctrl-C to stop.',
    '──────────────────────────────────────────────────────────────────────────',
    '',
  ];
  console.log(lines.join('\n'));
}

async function main() {
  if (build) await runBuild();
  if (stopping) return;
  const ports = {
    nodeRed: portFrom('PORT', 1880),
    auth: portFrom('DEMO_AUTH_PORT', 8090),
    smtp: portFrom('DEMO_SMTP_PORT', 1025),
    mail: portFrom('DEMO_MAIL_PORT', 1080),
  };
  const names = {
    nodeRed: 'PORT',
    auth: 'DEMO_AUTH_PORT',
    smtp: 'DEMO_SMTP_PORT',
    mail: 'DEMO_MAIL_PORT',
  };
  const seen = new Map();
  for (const [k, p] of Object.entries(ports)) {
    if (seen.has(p))
      throw new StartError(`${seen.get(p)} and ${names[k]} are both ${p}; give each its own port.`);
    seen.set(p, names[k]);
  }
  const tokenLifetime = intFrom('DEMO_TOKEN_LIFETIME', 60, 86400, 'a number of seconds');

  await checkFree(ports.nodeRed, 'Node-RED editor', 'PORT');
  let auth;
  try {
    auth = await startAuthServer({
      port: ports.auth,
      tokenLifetime,
      nodeRedPorts: [ports.nodeRed],
    });
  } catch (err) {
    throw err.code === 'EADDRINUSE'
      ? portInUse(ports.auth, 'demo authorization server', 'DEMO_AUTH_PORT')
      : err;
  }
  servers.push(auth);
  let inbox;
  try {
    inbox = await startMailInbox({
      smtpPort: ports.smtp,
      webPort: ports.mail,
      // The token itself stays here: the inbox records only what the auth server says of it.
      xoauth2: (_user, token) => auth.checkAccessToken(token),
    });
  } catch (err) {
    if (err.code !== 'EADDRINUSE') throw err;
    throw err.service === 'smtp'
      ? portInUse(ports.smtp, 'demo SMTP server', 'DEMO_SMTP_PORT')
      : portInUse(ports.mail, 'demo inbox page', 'DEMO_MAIL_PORT');
  }
  servers.push(inbox);

  linkInto(userDir, 'node-red-contrib-auth-objects', root);
  await installNode('email');
  await installNode('dashboard');
  const settings = path.join(userDir, 'settings.js');
  writeSettings(settings);
  const firstStart = !fs.existsSync(path.join(userDir, 'flows.json'));
  if (stopping) return;

  nodeRed = spawn(
    process.execPath,
    [
      // Stops Node-RED when this script ends without stopping it (e.g. SIGKILL).
      '--require',
      path.join(__dirname, 'demo', 'exit-with-parent.js'),
      require.resolve('node-red/red.js'),
      '--userDir',
      userDir,
      '--settings',
      settings,
      '--port',
      String(ports.nodeRed),
    ],
    {
      // The IPC channel closes when this script ends, however it ends.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...env, PORT: String(ports.nodeRed) },
    },
  );
  nodeRed.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(
      `\n[demo] Node-RED stopped (${signal ?? `exit code ${code}`}); stopping the demo.`,
    );
    void shutdown(code === 0 ? 0 : 1);
  });
  const nodeRedUrl = `http://127.0.0.1:${ports.nodeRed}`;
  await waitUntilReady(nodeRedUrl);
  await checkNodesLoaded(nodeRedUrl);
  const deployed =
    firstStart &&
    (await deployDemo(
      nodeRedUrl,
      demoFlows({ authUrl: auth.url, smtpPort: inbox.smtpPort, mailUrl: inbox.url }),
    ));
  const dashboard = await dashboardUrl(nodeRedUrl);
  if (stopping) return;
  banner({ nodeRedUrl, auth, inbox, deployed, dashboard });
}

main().catch(fail);
