import { expect } from 'chai';
import helper from 'node-red-node-test-helper';
import authObject from '../../nodes/auth-object';
import expiryCheck from '../../nodes/auth-expiry-check';
import { formatTime } from '../../nodes/core/time';
import { inEnglish } from '../helpers/english';
import { requireFromNodeRed } from '../helpers/node-red-version';

/** Every status the check node showed, from construction on (Node-RED's runtime events). */
const statuses: { text?: string; fill?: string; shape?: string }[] = [];
(
  requireFromNodeRed('@node-red/util') as {
    events: { on(e: string, f: (ev: { id: string; status: (typeof statuses)[0] }) => void): void };
  }
).events.on('node-status', (e) => {
  if (e.id === 'check') statuses.push(e.status);
});
const lastStatus = () => statuses[statuses.length - 1] ?? {};

const DAY = 86_400_000;
const inDays = (d: number) => new Date(Date.now() + d * DAY).toISOString();
type Msg = Record<string, unknown> & { expiry?: { severity: string; daysLeft: number } };

interface Outputs {
  attention: Msg[];
  summary: Msg[];
  check(msg?: Record<string, unknown>): Promise<void>;
  /** Errors the check node raised for a message (a failed check). */
  raised: { err: Error & { code?: string }; msg?: unknown }[];
  /** What the check node logged at error level, deploy included. */
  logged(): string[];
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

async function load(
  check: Record<string, unknown>,
  {
    english = false,
    auth = objects,
  }: { english?: boolean; auth?: { id: string; type: string }[] } = {},
): Promise<Outputs> {
  statuses.length = 0;
  const flow = [
    { id: 'tab', type: 'tab' },
    ...auth,
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
  await helper.load(
    english ? [inEnglish(authObject), inEnglish(expiryCheck)] : [authObject, expiryCheck],
    flow,
  );
  const out: Outputs = {
    attention: [],
    summary: [],
    check: async () => {},
    raised: [],
    logged: () =>
      (helper.log() as unknown as { args: { level: number; id?: string; msg: unknown }[][] }).args
        .map((a) => a[0]!)
        .filter((e) => e.id === 'check' && e.level === 20)
        .map((e) => String(e.msg)),
  };
  (helper.getNode('check') as unknown as NodeJS.EventEmitter).on(
    'call:error',
    (c: { args: unknown[] }) => {
      if (c.args[1] !== undefined) {
        out.raised.push({ err: c.args[0] as Error & { code?: string }, msg: c.args[1] });
      }
    },
  );
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

  it('reminds of the expiry of every kind: an API key, a Basic password, a personal access token', async () => {
    const auth = [
      { kind: 'apiKey', name: 'Weather', apiKeyName: 'X-Key', param: 'apiKey', days: 2 },
      { kind: 'basic', name: 'Legacy', param: 'password', days: 5 },
      { kind: 'bearer', name: 'GitHub', param: 'token', days: 20 },
    ].map(({ param, days, ...o }, i) => ({
      id: `static${i}`,
      type: 'auth-object',
      notify: 'owner@example.com',
      expiries: [{ expiresAt: inDays(days), appliesTo: [param] }],
      ...o,
    }));
    const out = await load({}, { english: true, auth });
    await out.check();
    expect(out.attention).to.have.length(3);
    const topics = out.attention.map((m) => String(m.topic));
    expect(topics[0]).to.match(/^\[critical\] Weather: API key expires/);
    expect(topics[1]).to.match(/^\[critical\] Legacy: password expires/);
    expect(topics[2]).to.match(/^\[warning\] GitHub: token expires/);
    expect(out.attention.every((m) => m.to === 'owner@example.com')).to.equal(true);
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

  it('puts the same items on the summary shaped for a dashboard: flat rows, counts, weeks', async () => {
    const out = await load({}, { english: true });
    await out.check();
    const summary = out.summary[0]!;
    const items = summary.payload as { authObject: { name: string }; daysLeft: number }[];
    const { rows, counts, weeks } = summary.overview as {
      rows: Record<string, unknown>[];
      counts: Record<string, number>;
      weeks: { week: string; count: number }[];
    };
    expect(rows.map((r) => [r.object, r.daysLeft])).to.deep.equal(
      items.map((i) => [i.authObject.name, i.daysLeft]),
    );
    expect(rows.map((r) => r.status)).to.deep.equal([
      '✖ expired',
      '▲ critical',
      '● warning',
      '✓ ok',
    ]);
    expect(rows[1]).to.include({ object: 'Soon', objectId: 'soon', what: 'client secret' });
    expect(counts).to.deep.equal({ expired: 1, critical: 1, warning: 1, ok: 1 });
    // 3 and 20 days ahead fall in the 13 weeks, 90 days ahead in the last one.
    expect(weeks.reduce((n, w) => n + w.count, 0)).to.equal(3);
  });

  it('makes msg.overview an ordinary property: JSON and message clones carry it, a flow can replace or delete it', async () => {
    const out = await load({});
    for (let i = 0; i < 4; i++) await out.check();
    const [json, cloned, replaced, deleted] = out.summary as Record<string, unknown>[];
    expect(Object.keys(json!)).to.include('overview');
    const parsed = JSON.parse(JSON.stringify(json)) as { overview: { rows: unknown[] } };
    expect(parsed.overview.rows).to.have.length(4);
    const { util } = requireFromNodeRed('@node-red/util') as {
      util: { cloneMessage<T>(m: T): T };
    };
    const clone = util.cloneMessage(cloned!) as { overview: { counts: Record<string, number> } };
    expect(clone.overview.counts).to.deep.equal({ expired: 1, critical: 1, warning: 1, ok: 1 });
    // Replaced and deleted before anything read them.
    replaced!.overview = 'replaced';
    expect(replaced!.overview).to.equal('replaced');
    delete deleted!.overview;
    expect(deleted).to.not.have.property('overview');
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

  it('turns only the schedule off for a cron expression that is not valid, and still checks on input', async () => {
    const out = await load({ schedule: '61 9 * * *' }, { english: true });
    // At deploy: an error in the log naming the field, a status naming it.
    const logged = out.logged();
    expect(logged).to.have.length(1);
    expect(logged[0]).to.match(
      /^Schedule \(schedule\) is not a valid cron expression \(.*minute: 61\)/,
    );
    expect(lastStatus()).to.deep.equal({
      fill: 'red',
      shape: 'ring',
      text: 'Schedule not valid: checks on input only',
    });
    // An inject still checks.
    await out.check();
    expect(out.raised).to.deep.equal([]);
    expect(out.attention).to.have.length(3);
    expect(out.summary).to.have.length(1);
    expect(lastStatus().shape).to.equal('ring');
    expect(lastStatus().text).to.match(/ · Schedule not valid$/);
  });

  it('names a time zone this runtime does not know, and still checks on input', async () => {
    const out = await load(
      { schedule: '0 9 * * *', timezone: 'Mars/Olympus_Mons' },
      { english: true },
    );
    expect(out.logged()[0]).to.match(/^Time zone \(timezone\) is not a time zone/);
    expect(lastStatus().text).to.equal('Time zone not valid: checks on input only');
    await out.check();
    expect(out.raised).to.deep.equal([]);
    expect(out.summary).to.have.length(1);
  });

  for (const [field, value, label] of [
    ['warnDays', '-1', 'Warn'],
    ['criticalDays', 'soon', 'Critical'],
    ['remindEvery', '99999', 'Remind'],
  ] as const) {
    it(`refuses ${field} ${value}: a status naming it, and checks that fail with CONFIG_INVALID`, async () => {
      const out = await load({ [field]: value }, { english: true });
      expect(lastStatus()).to.deep.equal({
        fill: 'red',
        shape: 'ring',
        text: `${label} not valid: no checks`,
      });
      expect(out.logged()[0]).to.match(new RegExp(`^${label} \\(${field}\\) must be a number`));
      const node = helper.getNode('check') as unknown as { receive(m: object): void };
      node.receive({ payload: 'go' });
      await new Promise((r) => setTimeout(r, 50));
      expect(out.summary).to.have.length(0);
      expect(out.raised).to.have.length(1);
      expect(out.raised[0]!.err.code).to.equal('CONFIG_INVALID');
      expect(out.raised[0]!.err.message).to.contain(`${label} (${field})`);
      expect(out.raised[0]!.msg).to.include({ payload: 'go' });
    });
  }

  it('says after every check when it checked and what it sent, a second check included', async () => {
    const out = await load({}, { english: true });
    await out.check();
    const first = lastStatus();
    expect(first).to.include({ fill: 'red', shape: 'dot' });
    expect(first.text).to.match(
      /^checked \d\d:\d\d:\d\d · 3 reminders sent · 1 expired, 1 critical, 1 warning$/,
    );
    const before = Date.now();
    await out.check();
    const second = lastStatus().text!;
    expect(second).to.match(
      /^checked \d\d:\d\d:\d\d · nothing new to report · 1 expired, 1 critical, 1 warning$/,
    );
    // The runtime's local time of the check.
    const time = second.slice('checked '.length, 'checked '.length + 8);
    expect([formatTime(before), formatTime(Date.now())]).to.include(time);
    expect(out.attention).to.have.length(3);
  });

  it('words reminders with readable parameter names and the token URL the object uses', async () => {
    const auth = [
      {
        ...objects[0],
        tokenUrl: 'https://login.example.com/tenant/oauth2/token?api-version=2',
        expiries: [
          { expiresAt: inDays(3), appliesTo: ['clientSecret', 'refreshToken'] },
          { expiresAt: inDays(4), appliesTo: ['password', 'clientCertificate', 'vendorKey'] },
        ],
      },
      {
        id: 'found',
        type: 'auth-object',
        name: 'Discovered',
        grantType: 'client_credentials',
        issuer: 'https://idp.example.com/realms/r1',
        tokenUrl: '',
        expiries: [{ expiresAt: inDays(5), appliesTo: ['clientSecret'] }],
      },
    ];
    const out = await load({}, { english: true, auth });
    await out.check();
    const [first, second, third] = out.attention;
    expect(first!.topic).to.match(/^\[critical\] Soon: client secret and refresh token expires/);
    expect(second!.topic).to.match(
      /^\[critical\] Soon: password and client certificate and vendorKey expires/,
    );
    const body = String(first!.payload);
    expect(body).to.not.match(/clientSecret|refreshToken|client_credentials @/);
    expect(body).to.contain('Token URL: https://login.example.com/tenant/oauth2/token\n');
    expect(String(third!.payload)).to.contain(
      'Issuer (the token URL is discovered from it): https://idp.example.com/realms/r1',
    );
  });
});
