/**
 * An embedded Node-RED runtime (the `node-red` package's own API, as an
 * application that embeds Node-RED uses it) with this package built from the
 * working tree into `<userDir>/node_modules`, where the runtime finds it as it
 * finds a package installed from the palette. No editor, no HTTP listener: flows
 * are deployed through the runtime's nodes API.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventEmitter } from 'node:events';

const root = path.resolve(__dirname, '..');

export type FlowNode = Record<string, unknown> & { id: string; type: string };
export type Msg = Record<string, unknown>;
type Done = (err?: Error) => void;
type InputHandler = (msg: Msg, send: (m: Msg) => void, done: Done) => void;

/** The part of a runtime node the bench uses. */
export interface LiveNode {
  id: string;
  receive(msg: Msg): void;
  on(event: 'input', handler: InputHandler): void;
}

/** The part of the `node-red` module the bench uses (its typings cover the editor API only). */
interface RedApp {
  init(settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: {
    setFlows(flows: FlowNode[], creds: Record<string, unknown>, type: string): Promise<unknown>;
    getNode(id: string): unknown;
    getType(type: string): unknown;
  };
  runtime: { events: EventEmitter };
}

export interface Runtime {
  /** Replaces every flow and resolves once the new flows have started. */
  deploy(flows: FlowNode[], credentials?: Record<string, Record<string, string>>): Promise<void>;
  node<T = LiveNode>(id: string): T;
  /** A counting sink on node `id` (a node that does nothing itself, e.g. `comment`). */
  sink(id: string, onMessage?: (msg: Msg) => void): Sink;
  /** The first warnings and errors the runtime logged. */
  logged: string[];
  stop(): Promise<void>;
}

export interface Sink {
  count: number;
  /** Resolves once `n` messages have arrived in total; rejects after `timeoutMs`. */
  until(n: number, timeoutMs?: number): Promise<void>;
}

/**
 * Builds the working tree's package into `<userDir>/node_modules` as scripts/build.js builds
 * `dist/`, but in a folder of its own: other builds of `dist/` while the bench runs do not
 * pull files from under it.
 */
function install(userDir: string): void {
  const pkg = path.join(userDir, 'node_modules', 'node-red-contrib-auth-objects');
  const dist = path.join(pkg, 'dist');
  fs.mkdirSync(pkg, { recursive: true });
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', root, '--outDir', dist],
    { stdio: 'inherit' },
  );
  for (const file of fs.readdirSync(path.join(root, 'nodes'))) {
    if (file.endsWith('.html'))
      fs.copyFileSync(path.join(root, 'nodes', file), path.join(dist, file));
  }
  for (const dir of ['locales', 'icons']) {
    fs.cpSync(path.join(root, dir), path.join(dist, dir), { recursive: true });
  }
  fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
  // Its dependencies (axios, croner, ...) come from the repository's own node_modules.
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'), 'dir');
}

export async function startRuntime(): Promise<Runtime> {
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-bench-'));
  try {
    install(userDir);
    return await start(userDir);
  } catch (err) {
    fs.rmSync(userDir, { recursive: true, force: true });
    throw err;
  }
}

async function start(userDir: string): Promise<Runtime> {
  // Also when the watchdog ends the process.
  process.once('exit', () => fs.rmSync(userDir, { recursive: true, force: true }));
  const logged: string[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as RedApp;
  RED.init({
    userDir,
    flowFile: 'flows.json',
    // Only the bench's throw-away test credentials, in a temporary folder removed at the end.
    credentialSecret: false,
    httpAdminRoot: false,
    httpNodeRoot: false,
    // A failing message is logged by Node-RED even when a Catch node handles it: thousands
    // in the outage scenario. Keep the first few for diagnosis instead of printing them.
    logging: {
      console: { level: 'off' },
      bench: {
        level: 'warn',
        metrics: false,
        audit: false,
        handler: () => (entry: { msg?: unknown }) => {
          if (logged.length < 5) logged.push(String(entry.msg));
        },
      },
    },
    editorTheme: { tours: false },
  });
  const events = RED.runtime.events;
  const started = () => new Promise<void>((resolve) => events.once('flows:started', resolve));
  const first = started();
  await RED.start();
  await first;
  if (!RED.nodes.getType('auth-object')) {
    throw new Error(`the runtime did not load the package: ${logged.join('; ')}`);
  }

  const node = <T = LiveNode>(id: string): T => {
    const n = RED.nodes.getNode(id);
    if (!n) throw new Error(`node ${id} is not running`);
    return n as T;
  };

  return {
    logged,
    node,
    async deploy(flows, credentials = {}) {
      const next = started();
      await RED.nodes.setFlows(flows, credentials, 'full');
      await next;
    },
    sink(id, onMessage) {
      const waiters: { n: number; resolve: () => void }[] = [];
      const sink: Sink = {
        count: 0,
        until(n, timeoutMs = 60_000) {
          if (sink.count >= n) return Promise.resolve();
          return new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => {
              waiters.splice(waiters.indexOf(w), 1);
              reject(new Error(`sink ${id}: ${sink.count} of ${n} messages after ${timeoutMs} ms`));
            }, timeoutMs);
            const w = {
              n,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            };
            waiters.push(w);
          });
        },
      };
      node(id).on('input', (msg, _send, done) => {
        sink.count++;
        onMessage?.(msg);
        done();
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (sink.count >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
        }
      });
      return sink;
    },
    async stop() {
      try {
        await RED.stop();
      } finally {
        fs.rmSync(userDir, { recursive: true, force: true });
      }
    },
  };
}

/** A flow tab and the node fields a flow node needs (`z`, `x`, `y`). */
export function tab(nodes: Record<string, unknown>[]): FlowNode[] {
  return [
    { id: 'bench', type: 'tab', label: 'bench' },
    ...nodes.map((n) =>
      'z' in n || n.type === 'auth-object' ? n : { z: 'bench', x: 100, y: 100, ...n },
    ),
  ] as FlowNode[];
}
