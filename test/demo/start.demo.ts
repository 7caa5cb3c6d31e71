/**
 * The demo as a newcomer gets it: `node scripts/start.js` (what `npm start` runs, less
 * the build) in a temporary user folder on free ports, observed through Node-RED's admin
 * API and the demo servers' own endpoints, then stopped with a signal. Then `npm start`
 * itself, stopped in each way an IDE, a process manager or a terminal stops it.
 * Runs with `npm run test:demo`, not with `npm test`.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/node-red-process';
import { signInAt } from '../fixtures/oidc-delegated';

const root = path.resolve(__dirname, '../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type FlowNode = Record<string, unknown> & { id: string; type: string };

interface Stats {
  tokenRequests: {
    grantType: string;
    clientId: string;
    username?: string;
    scope?: string;
    tokenId?: string;
    status: number;
  }[];
  apiRequests: { clientId?: string; user?: string; status: number }[];
}

interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** the SMTP login the mail came with, null without one */
  auth: {
    method: string;
    user: string;
    clientId?: string;
    scope?: string;
    tokenId?: string;
  } | null;
  /** the message as it came over the wire */
  raw: string;
}

interface Demo {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The example files, as the demo reads them. */
function example(prefix: string): FlowNode[] {
  const dir = path.join(root, 'examples');
  const file = fs.readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error(`no example ${prefix}`);
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as FlowNode[];
}

/** The demo-only flow: example 04's reminders with an OAuth token, on the demo servers. */
function mailOAuthFlow(): FlowNode[] {
  const file = path.join(root, 'scripts', 'demo', 'mail-oauth.json');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as FlowNode[];
}

function injectOf(flow: FlowNode[]): string {
  return flow.find((n) => n.type === 'inject')!.id;
}

/** `YYYY-MM-DD`, the local date `days` from today. */
function localDate(days: number): string {
  const t = new Date();
  const d = new Date(t.getFullYear(), t.getMonth(), t.getDate() + days);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/**
 * Starts the demo in its own process group, as a shell does, with `node scripts/start.js`
 * or `npm start`; resolves once the banner is out.
 */
async function startDemo(env: Record<string, string>, how: 'node' | 'npm' = 'node'): Promise<Demo> {
  let output = '';
  const [command, args] =
    how === 'npm' ? ['npm', ['start']] : [process.execPath, ['scripts/start.js']];
  const child = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const demo = { child, output: () => output, exited };
  // First start in a fresh clone installs the e-mail node: allow for that.
  for (let i = 0; i < 900 && !output.includes('Press Ctrl-C to stop.'); i++) {
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  return demo;
}

/** Runs `fn` until it returns a value, at most `tries` times, 200 ms apart. */
async function poll<T>(what: string, tries: number, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  expect(res.status, url).to.equal(200);
  return (await res.json()) as T;
}

/**
 * Logs in to the SMTP server on `port` with AUTH XOAUTH2 (`user`, `token`); resolves with
 * EHLO's reply and the login's final reply code (235 accepted, 535 refused).
 */
function smtpLogin(
  port: number,
  user: string,
  token: string,
): Promise<{ ehlo: string; code: number }> {
  const sasl = Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = '';
    let ehlo = '';
    let step = 0;
    socket.setTimeout(10_000, () => socket.destroy(new Error('SMTP timeout')));
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('utf8');
      // A reply ends with a line `NNN text` (no dash after the code).
      const last = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(buffer);
      if (!last) return;
      const reply = buffer;
      buffer = '';
      const code = Number(last[1]);
      if (step === 0) socket.write('EHLO test\r\n');
      else if (step === 1) {
        ehlo = reply;
        socket.write(`AUTH XOAUTH2 ${sasl}\r\n`);
      } else if (code === 334)
        socket.write('\r\n'); // the error challenge: end the exchange
      else {
        socket.end('QUIT\r\n');
        resolve({ ehlo, code });
      }
      step++;
    });
  });
}

/** Processes whose environment carries `mark`: the demo and everything it started (Linux). */
function processesMarked(mark: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').includes(mark)) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** Whether any process listens on `port` (state 0A in /proc/net/tcp and tcp6). */
function listened(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => {
    const rows = fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').slice(1) : [];
    return rows.some((r) => {
      const [, local, , state] = r.trim().split(/\s+/);
      return state === '0A' && local !== undefined && local.endsWith(hex);
    });
  });
}

/**
 * Whether the demo left `port` free: nothing listens on it. A port the machine's other
 * connections happen to use as their local port (the demo's ports are from the ephemeral
 * range) is not the demo's leftover, so a failed listen counts only with a listener.
 */
async function portFree(port: number): Promise<boolean> {
  for (let i = 0; i < 25; i++) {
    if (await canListen(port)) return true;
    if (!listened(port)) return true;
    await sleep(200);
  }
  return false;
}

/** The exit of `demo`'s top process, or undefined if it still runs after `ms`. */
async function exitWithin(demo: Demo, ms: number): Promise<Awaited<Demo['exited']> | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([demo.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Kills what is left of `demo`'s process group, then waits for `mark`'s processes to end. */
async function killLeftovers(demo: Demo | undefined, mark: string): Promise<void> {
  if (demo) {
    try {
      process.kill(-demo.child.pid!, 'SIGKILL');
    } catch {
      // the group is empty: nothing left
    }
    await exitWithin(demo, 5000);
  }
  for (let i = 0; i < 50 && processesMarked(mark).length > 0; i++) await sleep(100);
}

async function expectAllGone(mark: string, ports: number[]): Promise<void> {
  // The group leader has exited; give its children a moment to be reaped.
  const left = await poll('the demo processes to end', 50, async () => {
    const pids = processesMarked(mark);
    return pids.length === 0 ? pids : undefined;
  }).catch(() => processesMarked(mark));
  expect(left, 'processes left behind').to.deep.equal([]);
  for (const port of ports) expect(await portFree(port), `port ${port} free`).to.equal(true);
}

/** Node-RED's log lines that say something went wrong, less its usual start-up notes. */
function problems(output: string): string[] {
  return output
    .split('\n')
    .filter((l) => /\[(error|warn)\]/.test(l))
    .filter((l) => !/Projects disabled|Encrypted credentials not found/.test(l));
}

const SECRETS = ['demo-app-secret', 'demo-password', 'demo-service-secret'];
/** The scope the demo's mail auth object asks for: its token requests, not the examples'. */
const MAIL_SCOPE = 'mail.send';

describe('npm start: the demo', function () {
  this.timeout(240_000);
  const ex1 = example('01');
  const ex2 = example('02');
  const ex3 = example('03');
  const ex4 = example('04');
  const ex10 = example('10');
  const ex11 = example('11');
  const ex12 = example('12');
  const mailFlow = mailOAuthFlow();
  let userDir: string;
  let ports: {
    PORT: number;
    DEMO_AUTH_PORT: number;
    DEMO_SMTP_PORT: number;
    DEMO_MAIL_PORT: number;
  };
  let env: Record<string, string>;
  let mark: string;
  let nodeRed: string;
  let authUrl: string;
  let inboxUrl: string;
  let revAtStop: string | undefined;
  let running: Demo | undefined;

  before(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-demo-'));
    ports = {
      PORT: await freePort(),
      DEMO_AUTH_PORT: await freePort(),
      DEMO_SMTP_PORT: await freePort(),
      DEMO_MAIL_PORT: await freePort(),
    };
    mark = `demo-test-${randomUUID()}`;
    env = {
      NODE_RED_USER_DIR: userDir,
      DEMO_TEST_MARK: mark,
      // Tokens outlive the test, so no background refresh races the 401 below.
      DEMO_TOKEN_LIFETIME: '600',
      ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    };
    nodeRed = `http://127.0.0.1:${ports.PORT}`;
    authUrl = `http://127.0.0.1:${ports.DEMO_AUTH_PORT}`;
    inboxUrl = `http://127.0.0.1:${ports.DEMO_MAIL_PORT}`;
  });

  afterEach(async () => {
    // A failed test must not leave a demo running.
    await killLeftovers(running, mark);
    running = undefined;
  });

  after(() => fs.rmSync(userDir, { recursive: true, force: true }));

  it('first start: deploys the examples and the demo mail flow, gets tokens, calls the API, retries once on 401, mails reminders (one sent with an OAuth token over XOAUTH2); Ctrl-C stops everything', async () => {
    const demo = (running = await startDemo(env));
    const out = demo.output();
    expect(out, out).to.contain('Press Ctrl-C to stop.');
    expect(out).to.contain(`Node-RED editor      ${nodeRed}`);
    expect(out).to.contain(`Demo auth server     ${authUrl}`);
    expect(out).to.contain(`Mail inbox           ${inboxUrl}`);
    expect(out).to.contain(`Expiry dashboard     ${nodeRed}/dashboard`);
    expect(out).to.contain('user demo-user / demo-password');
    expect(out).to.contain(`sign in (examples 11, 12)  user demo-user at ${authUrl}/oidc`);
    expect(out).to.contain('Deployed the example flows');
    expect(out).to.match(/demo: ready in \d+\.\d s\n/); // no build: no build time
    expect(processesMarked(mark).length, 'start.js and Node-RED').to.be.at.least(2);

    // Every node of every example is deployed, pointing at the demo servers' ports.
    const flows = await json<FlowNode[]>(`${nodeRed}/flows`);
    const ids = flows.map((n) => n.id);
    for (const n of [...ex1, ...ex2, ...ex3, ...ex10, ...ex11, ...ex12, ...mailFlow]) {
      expect(ids).to.include(n.id);
    }
    const objects = flows.filter((n) => n.type === 'auth-object');
    expect(objects.map((n) => n.tokenUrl)).to.deep.equal(
      [
        `${authUrl}/token`,
        `${authUrl}/token`,
        `${authUrl}/oidc/token`,
        `${authUrl}/oidc/token`,
        `${authUrl}/token`,
      ],
      'the examples 01, 02, 11 and 12 and the demo mail flow',
    );
    const ofType = (list: FlowNode[], type: string) => list.find((n) => n.type === type)!;
    const mailObject = ofType(mailFlow, 'auth-object');
    const exampleObjects = objects.filter((o) => o.id !== mailObject.id);
    const requests = flows.filter((n) => n.type === 'http request');
    expect(requests.map((n) => n.url)).to.deep.equal(Array(4).fill(`${authUrl}/api/hello`));
    const mailers = flows.filter((n) => n.type === 'e-mail');
    expect(mailers.map((n) => n.port)).to.deep.equal(Array(2).fill(String(ports.DEMO_SMTP_PORT)));
    // The example's expiry check checks the examples' auth objects only, the demo mail
    // flow's check its own auth object only.
    const checks = new Map(
      flows.filter((n) => n.type === 'auth-expiry-check').map((n) => [n.id, n.authObjects]),
    );
    expect(checks.get(ofType(ex3, 'auth-expiry-check').id)).to.deep.equal(
      exampleObjects.map((o) => o.id),
    );
    expect(checks.get(ofType(mailFlow, 'auth-expiry-check').id)).to.deep.equal([mailObject.id]);
    expect(checks.get(ofType(ex10, 'auth-expiry-check').id)).to.deep.equal(
      exampleObjects.map((o) => o.id),
    );
    expect(checks.size).to.equal(3);
    // The expiry dashboard beside the editor: Dashboard 2.0's page answers.
    const dashboard = await fetch(`${nodeRed}/dashboard`);
    expect(dashboard.status).to.equal(200);
    expect(await dashboard.text()).to.contain('<div id="app"');
    // The demo mail flow is example 04 with local servers: the same mail settings.
    const pick = (n: FlowNode, keys: string[]) => Object.fromEntries(keys.map((k) => [k, n[k]]));
    const mailKeys = ['authtype', 'saslformat', 'token'];
    expect(pick(ofType(mailFlow, 'e-mail'), mailKeys)).to.deep.equal(
      pick(ofType(ex4, 'e-mail'), mailKeys),
    );
    expect(pick(ofType(mailFlow, 'auth-get-token'), ['property', 'setHeader'])).to.deep.equal(
      pick(ofType(ex4, 'auth-get-token'), ['property', 'setHeader']),
    );
    expect(ofType(mailFlow, 'e-mail')).to.include({ authtype: 'XOAUTH2', saslformat: false });
    for (const o of objects) {
      const creds = await json<Record<string, unknown>>(
        `${nodeRed}/credentials/auth-object/${o.id}`,
      );
      // The sign-in examples' public client has no secret.
      expect(creds, String(o.name)).to.include({ has_clientSecret: o.clientAuth !== 'none' });
    }
    const onDisk = fs.readFileSync(path.join(userDir, 'flows.json'), 'utf8');
    for (const s of SECRETS) expect(onDisk).to.not.contain(s);

    // Click both token examples' inject buttons.
    for (const id of [injectOf(ex1), injectOf(ex2)]) {
      expect((await fetch(`${nodeRed}/inject/${id}`, { method: 'POST' })).status).to.equal(200);
    }
    const stats = await poll('two API calls', 100, async () => {
      const s = await json<Stats>(`${authUrl}/demo/stats`);
      return s.apiRequests.length >= 2 ? s : undefined;
    });
    // The examples' token requests; the demo mail flow's (scope mail.send) come on their own.
    const rows = (s: Stats) =>
      s.tokenRequests
        .filter((r) => r.scope !== MAIL_SCOPE)
        .map((r) => [r.grantType, r.clientId, r.username ?? '', r.status]);
    expect(rows(stats).sort()).to.deep.equal([
      ['client_credentials', 'demo-service', '', 200],
      ['password', 'demo-app', 'demo-user', 200],
    ]);
    expect(stats.apiRequests.map((r) => [r.clientId, r.status]).sort()).to.deep.equal([
      ['demo-app', 200],
      ['demo-service', 200],
    ]);

    // Revoke every token: the client-credentials example gets a 401, fetches a new token
    // once (msg.forceRefresh) and gets a 200 with it.
    expect(
      (await fetch(`${authUrl}/demo/revoke`, { method: 'POST', redirect: 'manual' })).status,
    ).to.equal(303);
    await fetch(`${nodeRed}/inject/${injectOf(ex2)}`, { method: 'POST' });
    await poll('the retry', 100, async () => {
      const s = await json<Stats>(`${authUrl}/demo/stats`);
      return s.apiRequests.length >= 4 ? s : undefined;
    });
    await sleep(500); // a second retry, if there were one, would show by now
    const final = await json<Stats>(`${authUrl}/demo/stats`);
    expect(final.apiRequests.slice(2).map((r) => r.status)).to.deep.equal([401, 200]);
    expect(final.apiRequests[3]!.clientId).to.equal('demo-service');
    expect(rows(final).slice(2)).to.deep.equal([['client_credentials', 'demo-service', '', 200]]);

    // Example 11 acts for a person: before anyone signed in, nothing is requested; then the
    // sign-in through the editor's routes and the provider's pages (as a browser would);
    // then its message reaches the API with demo-user's token.
    const signInObject = ofType(ex11, 'auth-object').id;
    const before = (await json<Stats>(`${authUrl}/demo/stats`)).tokenRequests.length;
    await fetch(`${nodeRed}/inject/${injectOf(ex11)}`, { method: 'POST' });
    await sleep(500);
    expect((await json<Stats>(`${authUrl}/demo/stats`)).tokenRequests).to.have.length(before);
    const { url } = await json<{ url: string }>(`${nodeRed}/auth-objects/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: signInObject, redirectUri: `${nodeRed}/auth-objects/callback` }),
    });
    expect(url.startsWith(`${authUrl}/oidc/auth?`), url).to.equal(true);
    const back = (await signInAt({ issuer: `${authUrl}/oidc` }, url, 'demo-user')).href;
    expect(back.startsWith(`${nodeRed}/auth-objects/callback?`), back).to.equal(true);
    expect((await fetch(back)).status).to.equal(200);
    expect(
      await json<Record<string, unknown>>(`${nodeRed}/auth-objects/sign-in/${signInObject}`),
    ).to.include({ state: 'signed-in', who: 'demo-user' });
    await fetch(`${nodeRed}/inject/${injectOf(ex11)}`, { method: 'POST' });
    const signedIn = await poll('the signed-in API call', 100, async () => {
      const s = await json<Stats>(`${authUrl}/demo/stats`);
      return s.apiRequests.some((r) => r.clientId === 'demo-signin') ? s : undefined;
    });
    expect(
      signedIn.apiRequests
        .filter((r) => r.clientId === 'demo-signin')
        .map((r) => [r.user, r.status]),
    ).to.deep.equal([['demo-user', 200]]);
    expect(
      signedIn.tokenRequests.slice(before).map((r) => [r.grantType, r.clientId, r.status]),
    ).to.deep.equal([['authorization_code', 'demo-signin', 200]]);

    // The expiry example ran 5 s after deploy: reminders for 3 and 20 days, none for 90,
    // without a login; the demo mail flow's check too: one reminder, sent with XOAUTH2.
    const all = await poll('three reminders', 150, async () => {
      const m = await json<Mail[]>(`${inboxUrl}/api/mails`);
      return m.length >= 3 ? m : undefined;
    });
    expect(all).to.have.length(3);
    const mails = all.filter((m) => m.auth === null);
    expect(mails.map((m) => [m.to, m.subject]).sort()).to.deep.equal([
      [
        ['app-owner@example.com'],
        `[warning] Demo app (password grant): password expires in 20 days (${localDate(20)})`,
      ],
      [
        ['service-owner@example.com'],
        `[critical] Demo service (client credentials): client secret expires in 3 days (${localDate(3)})`,
      ],
    ]);
    expect(mails.map((m) => m.from)).to.deep.equal(Array(2).fill('node-red@localhost'));

    // The reminder mailed with an OAuth token: the e-mail node logged in with XOAUTH2 as
    // the mailbox, with an access token the demo auth server issued to the mail object.
    const oauthMails = all.filter((m) => m.auth !== null);
    expect(oauthMails).to.have.length(1);
    const oauthMail = oauthMails[0]!;
    expect([oauthMail.to, oauthMail.subject, oauthMail.from]).to.deep.equal([
      ['mail-owner@example.com'],
      `[critical] Demo mail account (client credentials): client secret expires in 5 days (${localDate(5)})`,
      'reminders@demo.local',
    ]);
    expect(oauthMail.auth).to.deep.include({
      method: 'XOAUTH2',
      user: 'reminders@demo.local',
      clientId: 'demo-service',
      scope: MAIL_SCOPE,
    });
    const issued = (await json<Stats>(`${authUrl}/demo/stats`)).tokenRequests.filter(
      (r) => r.scope === MAIL_SCOPE,
    );
    expect(
      issued.map((r) => [r.grantType, r.clientId, r.status, r.tokenId]),
      'one token for the mail object, the one the mail logged in with',
    ).to.deep.equal([['client_credentials', 'demo-service', 200, oauthMail.auth!.tokenId]]);
    // No Authorization header and no token in any mail: the demo's tokens start with demo-at-.
    for (const m of all) {
      expect(m.raw, m.subject).to.not.match(/^authorization:/im);
      expect(m.raw, m.subject).to.not.match(/demo-at-|bearer/i);
    }
    expect(oauthMail.raw).to.contain('Subject: [critical] Demo mail account');
    // The inbox offers XOAUTH2 and refuses a token the demo auth server did not issue.
    const bogus = await smtpLogin(ports.DEMO_SMTP_PORT, 'reminders@demo.local', 'demo-at-bogus');
    expect(bogus.ehlo).to.match(/^250[- ]AUTH XOAUTH2\r?$/m);
    expect(bogus.code).to.equal(535);
    const firstPage = await (await fetch(inboxUrl)).text();
    expect(firstPage).to.contain('XOAUTH2 as reminders@demo.local');
    expect(firstPage).to.contain('no login');

    // A user's edits: the password grant object gets an expiry that has passed, and an
    // auth object of the user's own, expired too, is added. Clicking the expiry example's
    // inject button then mails the first and not the second: the demo's owners are not
    // told about the user's objects.
    const service = objects.find((n) => n.grantType === 'client_credentials')!;
    const own: FlowNode = {
      ...service,
      id: 'b0b0b0b0b0b0b0b0',
      name: "The user's own object",
      notify: 'user@example.com',
      expiries: [{ expiresAt: localDate(-1), appliesTo: ['clientSecret'], note: 'mine' }],
      credentials: { clientId: 'own-client', clientSecret: 'own-secret' },
    };
    const edited = [...flows, own].map((n) =>
      n.type === 'auth-object' && n.grantType === 'password'
        ? {
            ...n,
            expiries: [
              ...(n.expiries as unknown[]),
              {
                expiresAt: localDate(-1),
                appliesTo: ['clientCertificate'],
                note: 'edited by the test',
              },
            ],
          }
        : n,
    );
    const res = await fetch(`${nodeRed}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify(edited),
    });
    expect(res.ok, `deploy: HTTP ${res.status}`).to.equal(true);
    const expired = `[expired] Demo app (password grant): client certificate expired on ${localDate(-1)}`;
    // The deploy answers before the restarted auth object is up: click until it is seen.
    await poll('the reminder for the edit', 20, async () => {
      await fetch(`${nodeRed}/inject/${injectOf(ex3)}`, { method: 'POST' });
      for (let i = 0; i < 5; i++) {
        const m = await json<Mail[]>(`${inboxUrl}/api/mails`);
        if (m.some((x) => x.subject === expired)) return true;
        await sleep(200);
      }
      return undefined;
    });
    await sleep(1000); // the same check's other mails, if it sent any, are in by now
    const inbox = await json<Mail[]>(`${inboxUrl}/api/mails`);
    expect(inbox.map((m) => m.subject).filter((s) => s === expired)).to.have.length(1);
    expect(inbox.map((m) => m.subject).filter((s) => s.includes("user's own"))).to.deep.equal([]);
    expect(inbox.map((m) => m.subject)).to.have.length(4);
    const page = await (await fetch(inboxUrl)).text();
    expect(page).to.contain('client certificate expired on');

    revAtStop = (
      await json<{ rev: string }>(`${nodeRed}/flows`, {
        headers: { 'Node-RED-API-Version': 'v2' },
      })
    ).rev;

    // Ctrl-C in a terminal signals the whole process group.
    process.kill(-demo.child.pid!, 'SIGINT');
    expect(await demo.exited).to.deep.equal({ code: 0, signal: null });
    await expectAllGone(mark, Object.values(ports));
    expect(problems(demo.output())).to.deep.equal([]);
    // The banner shows the demo's credentials once; nothing else prints them.
    for (const s of SECRETS) expect(demo.output().split(s).length - 1, s).to.equal(1);
  });

  it("second start: keeps the user's flows and credentials; SIGTERM stops everything", async function () {
    if (!revAtStop) this.skip();
    const demo = (running = await startDemo(env));
    expect(demo.output(), demo.output()).to.contain('Press Ctrl-C to stop.');
    expect(demo.output()).to.contain('Kept your flows');
    expect(demo.output()).to.not.contain('Deployed the example flows');

    const current = await json<{ rev: string; flows: FlowNode[] }>(`${nodeRed}/flows`, {
      headers: { 'Node-RED-API-Version': 'v2' },
    });
    expect(current.rev).to.equal(revAtStop);
    const app = current.flows.find((n) => n.type === 'auth-object' && n.grantType === 'password')!;
    expect(app.expiries).to.deep.include({
      expiresAt: localDate(-1),
      appliesTo: ['clientCertificate'],
      note: 'edited by the test',
    });

    // The stored credentials still work.
    await fetch(`${nodeRed}/inject/${injectOf(ex1)}`, { method: 'POST' });
    const stats = await poll('an API call', 100, async () => {
      const s = await json<Stats>(`${authUrl}/demo/stats`);
      return s.apiRequests.length >= 1 ? s : undefined;
    });
    expect(stats.apiRequests[0]).to.include({ clientId: 'demo-app', status: 200 });

    demo.child.kill('SIGTERM');
    expect(await demo.exited).to.deep.equal({ code: 0, signal: null });
    await expectAllGone(mark, Object.values(ports));
    expect(problems(demo.output())).to.deep.equal([]);
  });

  it('a port in use stops the start with an error that names the variable to change', async () => {
    for (const variable of Object.keys(ports) as (keyof typeof ports)[]) {
      const blocker = net.createServer();
      await new Promise<void>((resolve, reject) => {
        blocker.once('error', reject);
        blocker.listen(ports[variable], '127.0.0.1', () => resolve());
      });
      try {
        const demo = (running = await startDemo(env));
        expect(await demo.exited).to.deep.equal({ code: 1, signal: null });
        expect(demo.output()).to.contain(`Port ${ports[variable]} on 127.0.0.1 is already in use`);
        expect(demo.output()).to.contain(`${variable}=${ports[variable] + 1} npm start`);
        await expectAllGone(
          mark,
          Object.values(ports).filter((p) => p !== ports[variable]),
        );
      } finally {
        await new Promise<void>((r) => blocker.close(() => r()));
      }
    }
  });
});

describe('npm start: stopping it', function () {
  this.timeout(240_000);
  let ports: number[];
  let env: Record<string, string>;
  let mark: string;
  let userDir: string;
  let running: Demo | undefined;

  beforeEach(async () => {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-demo-stop-'));
    ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    mark = `demo-test-${randomUUID()}`;
    env = {
      NODE_RED_USER_DIR: userDir,
      DEMO_TEST_MARK: mark,
      PORT: String(ports[0]),
      DEMO_AUTH_PORT: String(ports[1]),
      DEMO_SMTP_PORT: String(ports[2]),
      DEMO_MAIL_PORT: String(ports[3]),
    };
  });

  afterEach(async () => {
    // A failed test must not leave a demo running.
    await killLeftovers(running, mark);
    running = undefined;
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  /** Starts the demo; checks that npm (if used), start.js and Node-RED run. */
  async function start(how: 'node' | 'npm'): Promise<Demo> {
    const demo = (running = await startDemo(env, how));
    const out = demo.output();
    expect(out, out).to.contain('Press Ctrl-C to stop.');
    const processes = processesMarked(mark).length;
    expect(processes, 'npm, start.js and Node-RED').to.be.at.least(how === 'npm' ? 3 : 2);
    return demo;
  }

  /** All is gone within 10 s, the ports are free, and Node-RED stopped its flows itself. */
  async function expectStopped(demo: Demo): Promise<void> {
    await expectAllGone(mark, ports);
    expect(demo.output(), 'Node-RED stopped its flows').to.contain('[info] Stopped flows');
    expect(problems(demo.output())).to.deep.equal([]);
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the npm process only (an IDE's stop button, a process manager) stops Node-RED and the demo servers`, async () => {
      const demo = await start('npm');
      process.kill(demo.child.pid!, signal);
      const exit = await exitWithin(demo, 20_000);
      await expectStopped(demo);
      expect(exit, 'npm exited').to.deep.equal({ code: 0, signal: null });
    });
  }

  it('npm start builds, says how long the build and the start took; Ctrl-C (SIGINT to the whole group, so start.js gets it twice) stops cleanly with exit code 0', async () => {
    const demo = await start('npm');
    const times = /demo: ready in (\d+\.\d) s \(build (\d+\.\d) s, start (\d+\.\d) s\)\n/.exec(
      demo.output(),
    );
    expect(times, 'the ready banner').to.not.equal(null);
    const [total, build, started] = times!.slice(1).map(Number);
    expect(build! + started!).to.be.closeTo(total!, 0.11);
    process.kill(-demo.child.pid!, 'SIGINT');
    const exit = await exitWithin(demo, 20_000);
    await expectStopped(demo);
    expect(exit, 'npm exited').to.deep.equal({ code: 0, signal: null });
  });

  it('SIGINT to node scripts/start.js only stops Node-RED and the demo servers', async () => {
    const demo = await start('node');
    process.kill(demo.child.pid!, 'SIGINT');
    const exit = await exitWithin(demo, 20_000);
    await expectStopped(demo);
    expect(exit, 'start.js exited').to.deep.equal({ code: 0, signal: null });
  });

  it('npm killed (SIGKILL): start.js notices its parent is gone and stops everything', async () => {
    const demo = await start('npm');
    process.kill(demo.child.pid!, 'SIGKILL');
    expect(await exitWithin(demo, 5000)).to.deep.equal({ code: null, signal: 'SIGKILL' });
    await expectStopped(demo);
    expect(demo.output()).to.contain('the process that started the demo has ended');
  });

  it('start.js killed (SIGKILL): Node-RED notices and stops; the ports are free again', async () => {
    const demo = await start('node');
    process.kill(demo.child.pid!, 'SIGKILL');
    expect(await exitWithin(demo, 5000)).to.deep.equal({ code: null, signal: 'SIGKILL' });
    await expectStopped(demo);
  });
});
