import { expect } from 'chai';
import helper from 'node-red-node-test-helper';
import authObject from '../../nodes/auth-object';
import expiryCheck from '../../nodes/auth-expiry-check';

const DAY = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();
type Msg = Record<string, unknown> & { expiry?: { severity: string; daysLeft: number } };

interface Outputs {
  attention: Msg[];
  summary: Msg[];
  check(msg?: Record<string, unknown>): Promise<void>;
}

const objects = [
  {
    id: 'soon',
    type: 'auth-object',
    name: 'Soon',
    grantType: 'client_credentials',
    tokenUrl: 'https://login.example.com/token',
    notify: 'owner@example.com',
    expiries: [
      { expiresAt: inDays(3), appliesTo: ['clientSecret'], note: 'portal' },
      { expiresAt: inDays(90), appliesTo: ['refreshToken'] },
    ],
  },
  {
    id: 'later',
    type: 'auth-object',
    name: 'Later',
    grantType: 'password',
    tokenUrl: 'https://login.example.com/token',
    expiries: [
      { expiresAt: inDays(20), appliesTo: ['password'] },
      { expiresAt: inDays(-1), appliesTo: ['clientSecret'] },
    ],
  },
];

async function load(check: Record<string, unknown>): Promise<Outputs> {
  const flow = [
    { id: 'tab', type: 'tab' },
    ...objects,
    {
      id: 'check',
      type: 'auth-expiry-check',
      z: 'tab',
      x: 100,
      y: 100,
      wires: [['a'], ['s']],
      ...check,
    },
    { id: 'a', type: 'helper', z: 'tab', x: 300, y: 100 },
    { id: 's', type: 'helper', z: 'tab', x: 300, y: 200 },
  ];
  await helper.load([authObject, expiryCheck], flow);
  const out: Outputs = { attention: [], summary: [], check: async () => {} };
  let waiting: (() => void) | undefined;
  helper.getNode('a').on('input', (m: Msg) => out.attention.push(m));
  helper.getNode('s').on('input', (m: Msg) => {
    out.summary.push(m);
    waiting?.();
  });
  out.check = (msg = {}) =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      helper.getNode('check').receive({ payload: 'go', ...msg });
    });
  return out;
}

describe('expiry check in a real runtime', function () {
  this.timeout(10_000);
  afterEach(() => helper.unload());

  it('sends one message per item that needs attention, shaped for an e-mail node', async () => {
    const out = await load({});
    await out.check();
    expect(out.attention.map((m) => m.expiry!.severity)).to.deep.equal([
      'expired',
      'critical',
      'warning',
    ]);
    const critical = out.attention[1]!;
    expect(critical.to).to.equal('owner@example.com');
    expect(critical.topic).to.be.a('string').that.has.length.above(0);
    expect(critical.payload).to.be.a('string').that.has.length.above(0);
    expect(critical.expiry).to.deep.include({
      authObject: { id: 'soon', name: 'Soon' },
      appliesTo: ['clientSecret'],
      daysLeft: 3,
      severity: 'critical',
      note: 'portal',
    });
    expect(out.attention[0]).to.not.have.property('to');
  });

  it('sends a summary of every item sorted by date, ok included, on the triggering message', async () => {
    const out = await load({});
    await out.check({ topic: 'daily', keep: 1 });
    const summary = out.summary[0]!;
    expect(summary).to.include({ topic: 'daily', keep: 1 });
    const items = summary.payload as { severity: string; expiresAt: string }[];
    expect(items.map((i) => i.severity)).to.deep.equal(['expired', 'critical', 'warning', 'ok']);
    const dates = items.map((i) => i.expiresAt);
    expect(dates).to.deep.equal([...dates].sort());
  });

  it('checks only the selected objects', async () => {
    const out = await load({ authObjects: ['soon'] });
    await out.check();
    expect((out.summary[0]!.payload as unknown[]).length).to.equal(2);
    expect(out.attention).to.have.length(1);
  });

  it('does not remind again within remindEvery', async () => {
    const out = await load({ remindEvery: 24 });
    await out.check();
    await out.check();
    expect(out.attention).to.have.length(3);
    expect(out.summary).to.have.length(2);
  });

  it('uses the thresholds set on the node', async () => {
    const out = await load({ warnDays: 2, criticalDays: 1 });
    await out.check();
    expect(out.attention.map((m) => m.expiry!.severity)).to.deep.equal(['expired']);
  });

  it('checks on deploy when asked', async () => {
    const out = await load({ checkOnDeploy: true });
    await new Promise<void>((resolve) => {
      const wait = () => (out.summary.length ? resolve() : setTimeout(wait, 10));
      wait();
    });
    expect(out.attention).to.have.length(3);
  });

  it('checks on its own cron schedule', async () => {
    const out = await load({ schedule: '* * * * * *' });
    await new Promise<void>((resolve) => {
      const wait = () => (out.summary.length ? resolve() : setTimeout(wait, 20));
      wait();
    });
    expect(out.summary[0]!.payload).to.have.length(4);
  });

  it('refuses a bad schedule at deploy and fails checks with the error', async () => {
    const out = await load({ schedule: 'every day' });
    const node = helper.getNode('check') as unknown as NodeJS.EventEmitter & {
      receive(m: object): void;
    };
    const errors: unknown[] = [];
    node.on('call:error', (c: { args: unknown[] }) => errors.push(c.args[0]));
    node.receive({});
    await new Promise((r) => setTimeout(r, 50));
    expect(out.summary).to.have.length(0);
    expect(errors.length).to.be.at.least(1);
  });
});
