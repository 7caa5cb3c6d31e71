/**
 * Mail with OAuth 2.0 in a real Node-RED from the packed package: expiry check → get token
 * → `e-mail` node logging in with XOAUTH2 to an SMTP server that takes only access tokens
 * the test authorization server issued and that have not expired; and get token →
 * `e-mail in` reading an IMAP mailbox (hoodiecrow-imap, installed at test time) with XOAUTH2.
 */
import { expect } from 'chai';
import type net from 'node:net';
import path from 'node:path';
import { createRequire } from 'node:module';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import {
  hoodiecrowPackage,
  installEmailNode,
  startMailServer,
  type MailServer,
} from '../helpers/email';
import { checkRoute, errorRoute } from '../helpers/flows';
import { deploy, fetchRouted, startPacked, type NodeRed } from '../helpers/node-red-process';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, '../../test-output/e2e-mail-user');
const conf = DEMO.confidential;
const WRONG = 'wrong-mail-secret-Kp2!';
const MAILBOX = 'reminders@example.com';
const LIFETIME = 4; // seconds: short, so a test sees the token renewed
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The local date `days` from now, `YYYY-MM-DD`: a date-only expiry. */
function dateLocal(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** An `e-mail` node logging in with XOAUTH2, the token from `msg.token.access_token`. */
function xoauth2Mail(id: string, port: number, saslformat: boolean): Record<string, unknown> {
  return {
    id,
    type: 'e-mail',
    z: 'tab',
    server: '127.0.0.1',
    port: String(port),
    secure: false,
    tls: false,
    authtype: 'XOAUTH2',
    saslformat,
    token: 'token.access_token',
    name: '',
    dname: '',
    credentials: { userid: MAILBOX },
    x: 700,
    y: 100,
    wires: [],
  };
}

describe('mail with OAuth 2.0 (XOAUTH2) through get token', function () {
  this.timeout(120_000);
  let nr: NodeRed;
  let oauth: OAuthServer;
  let smtp: MailServer;
  const teardown = new Teardown();

  before(async () => {
    oauth = teardown.closes(await startOAuthServer({ accessTokenLifetime: LIFETIME }));
    smtp = teardown.closes(
      await startMailServer({
        xoauth2: (user, token) => user === MAILBOX && oauth.isValidAccessToken(token),
      }),
    );
    nr = await startPacked(teardown, { userDir, install: [installEmailNode] });
  });
  after(() => teardown.run());

  /**
   * GET /check runs an expiry check (reminders at every check) whose reminders go
   * through get token (default settings: Set header on) to `mailNode`; a Catch node on
   * get token answers GET /bad, whose get token uses a wrong client secret.
   */
  function flows(mailNode: Record<string, unknown>): Record<string, unknown>[] {
    const object = (id: string, name: string, days: number, notify: string) => ({
      id,
      type: 'auth-object',
      name,
      grantType: 'client_credentials',
      tokenUrl: oauth.tokenUrl,
      refreshBefore: '60',
      notify,
      expiries: [{ expiresAt: dateLocal(days), appliesTo: ['clientSecret'], note: `${name} note` }],
      credentials: { ...conf },
    });
    return [
      { id: 'tab', type: 'tab', label: 'mail' },
      object('o3', 'Three days', 3, 'three@example.com'),
      object('oX', 'Already expired', -2, 'expired@example.com, boss@example.com'),
      {
        id: 'mailer',
        type: 'auth-object',
        name: 'Mailbox account',
        grantType: 'client_credentials',
        tokenUrl: oauth.tokenUrl,
        credentials: { ...conf },
      },
      {
        id: 'wrong',
        type: 'auth-object',
        name: 'wrong secret',
        grantType: 'client_credentials',
        tokenUrl: oauth.tokenUrl,
        credentials: { clientId: conf.clientId, clientSecret: WRONG },
      },
      ...checkRoute({
        z: 'tab',
        route: '/check',
        reminders: 'get',
        check: { authObjects: ['o3', 'oX'], remindEvery: '0' },
      }),
      {
        id: 'get',
        type: 'auth-get-token',
        z: 'tab',
        auth: 'mailer',
        x: 500,
        y: 100,
        wires: [[mailNode.id]],
      },
      mailNode,
      ...errorRoute({
        z: 'tab',
        route: '/bad',
        auth: 'wrong',
        prefix: 'bad',
        y: 300,
        next: mailNode.id as string,
      }),
    ];
  }

  it('mails expiry reminders with a token from get token, never the token itself; renews it once per lifetime', async () => {
    const before = nr.output().length;
    await deploy(nr, flows(xoauth2Mail('mail', smtp.port, false)));
    const started = Date.now();
    // Two checks right away: 4 mails with one token.
    await fetchRouted(nr, '/check');
    await smtp.received(2);
    await (await fetch(`${nr.url}/check`)).json();
    await smtp.received(4);
    const first = oauth.issuedAccessTokens.slice();
    expect(first, 'one token for the first four mails').to.have.length(1);

    const bySubject = smtp.mails
      .slice(0, 2)
      .sort((a, b) => String(a.subject).localeCompare(String(b.subject)));
    const view = bySubject.map((m) => ({
      to: (Array.isArray(m.to) ? m.to : [m.to]).flatMap((a) => a!.value.map((v) => v.address)),
      from: m.from?.value[0]?.address,
      subject: m.subject,
    }));
    // The expiry check's topic, payload and `to` come through get token unchanged.
    expect(view).to.deep.equal([
      {
        to: ['three@example.com'],
        from: MAILBOX,
        subject: `[critical] Three days: client secret expires in 3 days (${dateLocal(3)})`,
      },
      {
        to: ['expired@example.com', 'boss@example.com'],
        from: MAILBOX,
        subject: `[expired] Already expired: client secret expired on ${dateLocal(-2)}`,
      },
    ]);
    expect(bySubject[0]!.text).to.contain(
      'The client secret of the authentication object "Three days" expires on',
    );
    expect(bySubject[0]!.text).to.contain('Note: Three days note');
    expect(bySubject[1]!.text).to.contain('What to do:');

    // The token's lifetime passes: the next mails log in with a renewed token.
    await sleep(LIFETIME * 1000 + 1000);
    expect(oauth.isValidAccessToken(first[0]!), 'the first token has expired').to.equal(false);
    await (await fetch(`${nr.url}/check`)).json();
    await smtp.received(6);
    const elapsed = Date.now() - started;

    expect(smtp.logins.length, 'one login per mail').to.equal(6);
    expect(smtp.logins.every((l) => l.ok && l.user === MAILBOX)).to.equal(true);
    expect(smtp.logins.slice(0, 4).map((l) => l.token)).to.deep.equal(Array(4).fill(first[0]));
    const renewed = smtp.logins.slice(4).map((l) => l.token);
    expect(renewed[0]).to.not.equal(first[0]);
    expect(renewed[1]).to.equal(renewed[0]);
    // One token request per lifetime (a background renewal at half of it at most), not per mail.
    const granted = oauth.requests.filter((r) => r.status === 200);
    expect(granted.length).to.be.at.least(2);
    expect(granted.length).to.be.at.most(Math.ceil(elapsed / ((LIFETIME * 1000) / 2)));

    // No access token in any mail, headers or body; no Authorization header at all.
    for (const raw of smtp.raw) {
      for (const token of oauth.issuedAccessTokens) expect(raw).to.not.contain(token);
      expect(raw).to.not.match(/^authorization:/im);
    }
    for (const mail of smtp.mails) expect(mail.headers.has('authorization')).to.equal(false);
    const log = nr.output().slice(before);
    expect(
      log.match(/\[warn\] \[auth-get-token:get\] An e-mail node follows this node/g),
      'one warning at deploy',
    ).to.have.length(1);
    for (const token of oauth.issuedAccessTokens) expect(nr.output()).to.not.contain(token);
  });

  it('sends no mail with a wrong client secret: a Catch node gets invalid_client, the log no secret', async () => {
    const mails = smtp.mails.length;
    const res = (await (await fetchRouted(nr, '/bad')).json()) as { code: string; message: string };
    expect(res.code).to.equal('invalid_client');
    await sleep(500);
    expect(smtp.mails).to.have.length(mails);
    for (const s of [WRONG, conf.clientSecret]) expect(nr.output()).to.not.contain(s);
  });

  it('with SASL format on, the e-mail node cannot log in to a standard XOAUTH2 server', async () => {
    await deploy(nr, flows(xoauth2Mail('mail2', smtp.port, true)));
    const logins = smtp.logins.length;
    const mails = smtp.mails.length;
    await fetchRouted(nr, '/check');
    for (let i = 0; i < 50 && smtp.logins.length < logins + 2; i++) await sleep(100);
    await sleep(300);
    expect(smtp.mails).to.have.length(mails);
    const tried = smtp.logins.slice(logins);
    expect(tried.length).to.be.at.least(1);
    expect(tried.every((l) => !l.ok)).to.equal(true);
    // The SASL string arrives base64-encoded twice: the token is not what the server sees.
    for (const l of tried) expect(oauth.issuedAccessTokens).to.not.include(l.token);
  });
});

describe('reading a mailbox with OAuth 2.0 (XOAUTH2) through get token', function () {
  this.timeout(120_000);
  const imapUser = 'reader@example.com';
  let nr: NodeRed;
  let oauth: OAuthServer;
  let imap: Awaited<ReturnType<typeof startImapServer>>;
  const teardown = new Teardown();

  before(async () => {
    const userDir = path.resolve(__dirname, '../../test-output/e2e-imap-user');
    oauth = teardown.closes(await startOAuthServer());
    imap = teardown.closes(
      await startImapServer(imapUser, (token) => oauth.isValidAccessToken(token)),
    );
    nr = await startPacked(teardown, { userDir, install: [installEmailNode] });
  });
  after(() => teardown.run());

  it('e-mail in logs in with the token get token fetched (SASL format on) and reads the mail', async () => {
    await deploy(nr, [
      { id: 'tab', type: 'tab', label: 'imap' },
      {
        id: 'reader',
        type: 'auth-object',
        name: 'Mailbox reader',
        grantType: 'client_credentials',
        tokenUrl: oauth.tokenUrl,
        credentials: { ...conf },
      },
      {
        id: 'in',
        type: 'http in',
        z: 'tab',
        url: '/read',
        method: 'get',
        x: 100,
        y: 100,
        wires: [['get']],
      },
      {
        id: 'get',
        type: 'auth-get-token',
        z: 'tab',
        auth: 'reader',
        x: 300,
        y: 100,
        wires: [['imap']],
      },
      {
        id: 'imap',
        type: 'e-mail in',
        z: 'tab',
        protocol: 'IMAP',
        server: '127.0.0.1',
        port: String(imap.port),
        useSSL: false,
        autotls: 'never',
        authtype: 'XOAUTH2',
        saslformat: true,
        token: 'token.access_token',
        box: 'INBOX',
        disposition: 'None',
        criteria: 'ALL',
        repeat: '0',
        fetch: 'trigger',
        inputs: 1,
        credentials: { userid: imapUser },
        x: 500,
        y: 100,
        wires: [['fmt']],
      },
      {
        id: 'fmt',
        type: 'change',
        z: 'tab',
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: '{"subject": topic}', tot: 'jsonata' }],
        x: 700,
        y: 100,
        wires: [['res']],
      },
      { id: 'res', type: 'http response', z: 'tab', x: 900, y: 100, wires: [] },
    ]);
    const res = (await (await fetchRouted(nr, '/read')).json()) as { subject: string };
    expect(res.subject).to.equal('Hello over IMAP');
    expect(oauth.issuedAccessTokens).to.have.length(1);
    expect(imap.logins).to.deep.equal(oauth.issuedAccessTokens);
    expect(nr.output()).to.not.contain(oauth.issuedAccessTokens[0]!);
  });
});

/**
 * hoodiecrow-imap on 127.0.0.1 with one mail in INBOX and its XOAUTH2 plugin: it takes the
 * standard SASL string (`user=…^Aauth=Bearer <token>^A^A`, base64) and accepts `user` with
 * an access token `valid` accepts.
 */
async function startImapServer(
  user: string,
  valid: (token: string) => boolean,
): Promise<{ close(): Promise<void>; port: number; logins: string[] }> {
  const load = createRequire(__filename)(hoodiecrowPackage()) as (o: Record<string, unknown>) => {
    server: net.Server;
    listen(p: number, h: string, cb: () => void): void;
  };
  // The plugin compares the token with users[user].xoauth2.accessToken: answer with the
  // token being checked when it is valid.
  let last = '';
  const logins: string[] = [];
  const users = {
    [user]: {
      password: 'not-used',
      get xoauth2() {
        return { accessToken: last };
      },
    },
  };
  const hoodiecrow = load({
    plugins: ['SASL-IR', 'XOAUTH2', 'IDLE'],
    users,
    storage: {
      INBOX: {
        messages: [
          {
            raw: 'From: sender@example.com\r\nTo: reader@example.com\r\nSubject: Hello over IMAP\r\n\r\nHi.\r\n',
            flags: [],
          },
        ],
      },
      '': { separator: '/', folders: {} },
    },
  });
  // Wrap the XOAUTH2 check: decode the SASL string as the plugin does, keep the token.
  const sockets = new Set<net.Socket>();
  hoodiecrow.server.prependListener('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.prependListener('data', (d: Buffer) => {
      const m = /AUTHENTICATE XOAUTH2 (\S+)/i.exec(d.toString('latin1'));
      if (!m) return;
      const parts = Buffer.from(m[1]!, 'base64').toString('utf8').split('\x01');
      const token = (parts[1] ?? '').replace(/^auth=Bearer /, '');
      logins.push(token);
      last = valid(token) ? token : '';
    });
  });
  await new Promise<void>((resolve) => hoodiecrow.listen(0, '127.0.0.1', resolve));
  const port = (hoodiecrow.server.address() as net.AddressInfo).port;
  return {
    port,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        hoodiecrow.server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
