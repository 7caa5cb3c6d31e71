/**
 * Loads the package's nodes into a real Node-RED runtime (node-red-node-test-helper)
 * and captures everything the runtime emits, so each test can check that no secret
 * reached a log line, a status, an error or the deployed flow.
 */
import { expect } from 'chai';
import type { NodeAPI } from 'node-red';
import helper from 'node-red-node-test-helper';
import authObject from '../../nodes/auth-object';
import getToken from '../../nodes/auth-get-token';
import { nodeRedVersion, requireFromNodeRed } from './node-red-version';

/** Node-RED's runtime events (@node-red/util): every node status, from construction on. */
const runtimeEvents = (
  requireFromNodeRed('@node-red/util') as {
    events: {
      on(e: string, f: (ev: { id: string; status: Record<string, unknown> }) => void): void;
    };
  }
).events;
let statusLog: Record<string, unknown>[] = [];

/** The node API as every node module gets it: the deployed definitions come from it. */
let nodeApi: NodeAPI | undefined;
const captureApi = (RED: NodeAPI) => {
  nodeApi = RED;
};
runtimeEvents.on('node-status', (e) => statusLog.push(e.status));

const catchNode = requireFromNodeRed('@node-red/nodes/core/common/25-catch.js');

export { helper };

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface Loaded {
  /** Messages out of get token, in order. */
  out: Record<string, unknown>[];
  /** Messages a Catch node received. */
  errors: Record<string, unknown>[];
  /** What Catch nodes received, as text. */
  captured: string[];
  /** Every status any node showed since load, oldest first. */
  statuses(): Record<string, unknown>[];
  send(msg?: Record<string, unknown>): void;
  /** Resolves once `n` messages in total came out (either output or Catch). */
  settled(n: number): Promise<void>;
  node(id: string): unknown;
}

/** A flow: auth-object `auth`, get token `get` → helper `out`, Catch → helper `caught`. */
export function flowOf(
  auth: Record<string, unknown>,
  get: Record<string, unknown> = {},
): FlowNode[] {
  return [
    { id: 'tab', type: 'tab', label: 'test' },
    { id: 'auth', type: 'auth-object', name: 'test object', ...auth },
    {
      id: 'get',
      type: 'auth-get-token',
      z: 'tab',
      x: 100,
      y: 100,
      auth: 'auth',
      wires: [['out']],
      ...get,
    },
    { id: 'out', type: 'helper', z: 'tab', x: 300, y: 100 },
    {
      id: 'catch',
      type: 'catch',
      z: 'tab',
      x: 100,
      y: 200,
      scope: null,
      uncaught: false,
      wires: [['caught']],
    },
    { id: 'caught', type: 'helper', z: 'tab', x: 300, y: 200 },
  ];
}

/**
 * `flowOf` with an `http request` node `req` between get token and `out`, its URL empty so
 * it takes `msg.url`; `request` changes that node's settings.
 */
export function apiFlow(
  auth: Record<string, unknown>,
  get: Record<string, unknown> = {},
  request: Record<string, unknown> = {},
): FlowNode[] {
  const flow = flowOf(auth, { wires: [['req']], ...get });
  flow.push({
    id: 'req',
    type: 'http request',
    z: 'tab',
    x: 200,
    y: 100,
    method: 'GET',
    ret: 'txt',
    url: '',
    wires: [['out']],
    ...request,
  });
  return flow;
}

/**
 * Node-RED copies `err.code` onto a Catch node's `msg.error` from 4.0 on; 3.x copies only
 * `message`, `source`, `stack` and `cause` (README, Compatibility).
 */
export const catchCopiesCode = Number(nodeRedVersion.split('.')[0]) >= 4;

/** Node-RED's own nodes some tests need besides Catch. */
export const coreNodes = {
  tls: requireFromNodeRed('@node-red/nodes/core/network/05-tls.js'),
  proxy: requireFromNodeRed('@node-red/nodes/core/network/06-httpproxy.js'),
  link: requireFromNodeRed('@node-red/nodes/core/common/60-link.js'),
};

export async function load(
  flow: FlowNode[],
  credentials: Record<string, Record<string, string>>,
  extraNodes: unknown[] = [],
): Promise<Loaded> {
  const captured: string[] = [];
  const out: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const check = () => {
    for (const w of waiters.slice()) {
      if (out.length + errors.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  statusLog = [];
  await helper.load(
    [authObject, getToken, catchNode, captureApi, ...extraNodes],
    flow,
    credentials,
  );
  /** Errors get token raised, by message id (Node-RED 3.x gives Catch nodes no code). */
  const raised = new Map<unknown, unknown>();
  (helper.getNode('get') as unknown as NodeLike).on('call:error', (call: { args: unknown[] }) => {
    const [err, msg] = call.args as [unknown, { _msgid?: unknown } | undefined];
    if (msg) raised.set(msg._msgid, err);
  });
  (helper.getNode('out') as unknown as NodeLike).on('input', (m: Record<string, unknown>) => {
    out.push(m);
    check();
  });
  (helper.getNode('caught') as unknown as NodeLike).on('input', (m: Record<string, unknown>) => {
    if (!catchCopiesCode) addRaisedCode(m, raised.get(m._msgid));
    errors.push(m);
    captured.push(`caught ${JSON.stringify(m.error)}`);
    check();
  });
  const get = helper.getNode('get') as unknown as NodeLike;
  return {
    out,
    errors,
    captured,
    send: (msg = {}) => get.receive({ payload: 'x', ...msg }),
    settled: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        check();
      }),
    node: (id) => helper.getNode(id),
    statuses: () => statusLog.slice(),
  };
}

interface NodeLike {
  on(event: string, fn: (arg: never) => void): void;
  receive(msg: Record<string, unknown>): void;
}

/**
 * On Node-RED 3.x only: puts the `code` of the error the node raised for this message onto
 * `msg.error`, as Node-RED 4.0 and later do, so the node tests check the package's error
 * codes on every version. What a Catch node really gets on 3.x is checked, without this, by
 * test/e2e/tarball.test.ts.
 */
function addRaisedCode(m: Record<string, unknown>, raised: unknown): void {
  const error = m.error as Record<string, unknown> | undefined;
  if (!error || error.code !== undefined || !(raised instanceof Error)) return;
  const code = (raised as { code?: unknown }).code;
  if (code !== undefined) error.code = code;
}

/** Everything the runtime logged since load, every status and error, and the deployed flow. */
export function emitted(l: Loaded): string {
  const log = helper.log() as unknown as { args: unknown[][] };
  const lines = log.args.map((a) => JSON.stringify(a, replacer));
  for (const status of statusLog) lines.push(`status ${JSON.stringify(status)}`);
  const flows: unknown[] = [];
  nodeApi?.nodes.eachNode((n) => flows.push(n));
  expect(flows.length, 'the deployed flow').to.be.greaterThan(0);
  return [...lines, ...l.captured, JSON.stringify(flows)].join('\n');
}

function replacer(_k: string, v: unknown) {
  return v instanceof Error ? { ...v, message: v.message, stack: v.stack } : v;
}

/** Fails when any secret appears in what the runtime emitted. */
export function expectNoSecrets(l: Loaded, secrets: string[]): void {
  const text = emitted(l);
  for (const s of secrets) {
    expect(text.includes(s), `secret "${s.slice(0, 3)}…" leaked`).to.equal(false);
  }
}
