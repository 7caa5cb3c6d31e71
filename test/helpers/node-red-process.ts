/**
 * A real Node-RED started as its own process, with this package installed from
 * the tarball `npm pack` makes: what a user gets from the palette manager.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { adminAuth, adminTokens, type Users } from './admin-users';
import { nodeRedDir } from './node-red-version';
import type { Teardown } from './teardown';

const root = path.resolve(__dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Packs the package and unpacks it into `<userDir>/node_modules`. The user folder sits
 * inside the repository so the package's own dependencies resolve from its node_modules
 * without a network install.
 */
export function installPacked(userDir: string): void {
  const modules = path.join(userDir, 'node_modules');
  const target = path.join(modules, 'node-red-contrib-auth-objects');
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  const out = execFileSync(
    'npm',
    ['pack', '--silent', '--ignore-scripts', '--pack-destination', userDir],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const tarball = path.join(userDir, out.trim().split('\n').at(-1)!);
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  fs.rmSync(tarball);
}

export interface NodeRed {
  url: string;
  userDir: string;
  /** Everything the process printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts Node-RED on 127.0.0.1 with the given settings; resolves once the admin API answers. */
export async function startNodeRed(
  userDir: string,
  settings: Record<string, unknown> = {},
): Promise<NodeRed> {
  const port = await freePort();
  fs.mkdirSync(userDir, { recursive: true });
  const settingsFile = path.join(userDir, 'settings.js');
  fs.writeFileSync(
    settingsFile,
    `module.exports = ${JSON.stringify(
      {
        uiHost: '127.0.0.1',
        uiPort: port,
        flowFile: 'flows.json',
        credentialSecret: 'e2e-credential-key',
        logging: { console: { level: 'trace', metrics: false, audit: true } },
        editorTheme: { tours: false },
        ...settings,
      },
      null,
      2,
    )};\n`,
  );
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(nodeRedDir, 'red.js'), '--userDir', userDir, '--settings', settingsFile],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_RED_ENABLE_PROJECTS: '' } },
  );
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${output}`);
    try {
      const res = await fetch(`${url}/settings`);
      // With adminAuth on, /settings answers 401: listening is what counts.
      if (res.ok || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    userDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/**
 * A fresh user folder `userDir` with the packed package and the nodes `install` links in
 * (e.g. `installEmailNode`), removed at teardown.
 */
export function packedUserDir(
  teardown: Teardown,
  userDir: string,
  install: ((userDir: string) => void)[] = [],
): string {
  fs.rmSync(userDir, { recursive: true, force: true });
  teardown.add(() => fs.rmSync(userDir, { recursive: true, force: true }));
  installPacked(userDir);
  for (const add of install) add(userDir);
  return userDir;
}

export interface PackedOptions {
  /** The user folder, inside the repository (see `installPacked`). */
  userDir: string;
  install?: ((userDir: string) => void)[];
  settings?: Record<string, unknown>;
  /** adminAuth users: Node-RED asks for a login, and `tokens` holds one per user. */
  users?: Users;
  /** Deployed once Node-RED answers (with `users`, as the first one with every permission). */
  flows?: unknown[];
}

export interface PackedNodeRed extends NodeRed {
  /** A bearer token per adminAuth user; empty without `users`. */
  tokens: Record<string, string>;
}

/** Node-RED running the packed package in a fresh user folder; stopped at teardown. */
export async function startPacked(teardown: Teardown, o: PackedOptions): Promise<PackedNodeRed> {
  packedUserDir(teardown, o.userDir, o.install);
  const settings = o.users ? { ...o.settings, adminAuth: adminAuth(o.users) } : o.settings;
  const nr = await startNodeRed(o.userDir, settings);
  teardown.add(() => nr.stop());
  const tokens = o.users ? await adminTokens(nr, o.users) : {};
  if (o.flows) {
    const admin = Object.keys(o.users ?? {}).find((u) => o.users?.[u] === '*');
    await deploy(nr, o.flows, admin && tokens[admin]);
  }
  return { ...nr, tokens };
}

/** Replaces every flow with `flows` through the admin API, with `token` when adminAuth is on. */
export async function deploy(nr: NodeRed, flows: unknown[], token?: string): Promise<void> {
  const res = await fetch(`${nr.url}/flows`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'Node-RED-Deployment-Type': 'full',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(flows),
  });
  if (!res.ok) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
}

/**
 * GET `route`, asked again while it answers 404: a deploy or start answers before its
 * `http in` routes exist. Each request is bounded, so a message lost in a flow fails fast.
 */
export async function fetchRouted(nr: NodeRed, route: string): Promise<Response> {
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${nr.url}${route}`, { signal: AbortSignal.timeout(10_000) });
    if (res.status !== 404) return res;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${route} stayed 404:\n${nr.output()}`);
}
