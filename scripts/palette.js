// Node-RED nodes that are not dependencies of this package (the e-mail node, FlowFuse
// Dashboard 2.0) and test-time tools, installed as the palette manager would: with npm,
// from the registry, each into a cache folder of its own, once. The demo
// (scripts/start.js) and the tests (test/helpers/palette.ts) both install through here.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/** What can be installed: folder under the cache → package name and version range. */
const PACKAGES = {
  email: { name: 'node-red-node-email', spec: 'node-red-node-email@5' },
  // Pinned to a minor: the browser test reads the page this version draws.
  dashboard: { name: '@flowfuse/node-red-dashboard', spec: '@flowfuse/node-red-dashboard@~1.31.0' },
  hoodiecrow: { name: 'hoodiecrow-imap', spec: 'hoodiecrow-imap@2' },
};

const NPM_ARGS = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
/** Written after a successful install: an interrupted one is not taken for a cache hit. */
const MARKER = 'installed.json';

function plan(cacheDir, key) {
  const pkg = PACKAGES[key];
  if (!pkg) throw new Error(`palette: unknown package ${key}`);
  const base = path.join(cacheDir, key);
  return {
    ...pkg,
    base,
    dir: path.join(base, 'node_modules', ...pkg.name.split('/')),
    marker: path.join(base, MARKER),
  };
}

function cached(p) {
  try {
    return JSON.parse(fs.readFileSync(p.marker, 'utf8')).spec === p.spec;
  } catch {
    return false;
  }
}

function prepare(p) {
  fs.mkdirSync(p.base, { recursive: true });
  fs.rmSync(p.marker, { force: true });
  fs.writeFileSync(path.join(p.base, 'package.json'), '{ "private": true }\n');
}

function done(p) {
  fs.writeFileSync(p.marker, `${JSON.stringify({ spec: p.spec })}\n`);
  return p.dir;
}

/** Folder of package `key` in `cacheDir`, installed first if it is not there (blocks). */
function installedSync(cacheDir, key) {
  const p = plan(cacheDir, key);
  if (cached(p)) return p.dir;
  prepare(p);
  execFileSync('npm', [...NPM_ARGS, p.spec], {
    cwd: p.base,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  return done(p);
}

/**
 * Folder of package `key` in `cacheDir`, installed first if it is not there. `opts.log`
 * hears when an install starts; `opts.onChild` gets npm's child process (to stop it).
 */
async function installed(cacheDir, key, opts = {}) {
  const p = plan(cacheDir, key);
  if (cached(p)) return p.dir;
  opts.log?.(`installing ${p.spec} into ${path.relative(process.cwd(), p.base) || '.'} (once)…`);
  prepare(p);
  const child = spawn('npm', [...NPM_ARGS, p.spec], {
    cwd: p.base,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  opts.onChild?.(child);
  const code = await new Promise((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (c) => resolve(c));
  });
  opts.onChild?.(undefined);
  if (code !== 0) {
    const err = new Error(`npm could not install ${p.spec} (exit code ${code})`);
    err.spec = p.spec;
    throw err;
  }
  return done(p);
}

/**
 * Makes package folder `dir` (name `name`) visible to the Node-RED of `userDir`, as a
 * link in its node_modules. A real folder there (installed some other way) is kept.
 */
function linkInto(userDir, name, dir) {
  const at = path.join(userDir, 'node_modules', ...name.split('/'));
  fs.mkdirSync(path.dirname(at), { recursive: true });
  let stat;
  try {
    stat = fs.lstatSync(at);
  } catch {
    // not there yet
  }
  if (stat && !stat.isSymbolicLink()) return;
  if (stat && fs.readlinkSync(at) === dir) return;
  if (stat) fs.rmSync(at);
  fs.symlinkSync(dir, at, 'junction');
}

module.exports = { PACKAGES, installed, installedSync, linkInto };
