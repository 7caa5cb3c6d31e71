import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { emailNode, installEmailNode, startMailServer, type MailServer } from '../helpers/email';
import { deploy, fetchRouted, startPacked, type NodeRed } from '../helpers/node-red-process';
import { checkRoute, errorRoute } from '../helpers/flows';
import { installDashboard } from '../helpers/palette';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, '../../test-output/e2e-user');
const conf = DEMO.confidential;
const user = DEMO.user;
const WRONG = 'wrong-e2e-Pw!77';

describe('the packed package in a real Node-RED', function () {
  this.timeout(120_000);
  let nr: NodeRed;
  let server: OAuthServer;
  let smtp: MailServer;
  const teardown = new Teardown();

  before(async () => {
    server = teardown.closes(await startOAuthServer());
    smtp = teardown.closes(await startMailServer());
    // The dashboard example (06) needs Dashboard 2.0's nodes, installed as a user would.
    nr = await startPacked(teardown, { userDir, install: [installEmailNode, installDashboard] });
  });
  after(() => teardown.run());

  it('registers every node type from the installed package without errors', async () => {
    const res = await fetch(`${nr.url}/nodes`, { headers: { accept: 'application/json' } });
    const sets = (await res.json()) as {
      module: string;
      types: string[];
      enabled: boolean;
      err?: string;
    }[];
    const ours = sets.filter((s) => s.module === 'node-red-contrib-auth-objects');
    expect(ours.flatMap((s) => s.types)).to.have.members([
      'auth-object',
      'auth-get-token',
      'auth-expiry-check',
    ]);
    for (const s of ours) {
      expect(s.enabled).to.equal(true);
      expect(s.err).to.equal(undefined);
    }
  });

  it('serves the icons, labels and help of the nodes', async () => {
    const icons = (await (await fetch(`${nr.url}/icons`)).json()) as Record<string, string[]>;
    expect(icons['node-red-contrib-auth-objects']).to.include.members([
      'auth-object.svg',
      'auth-get-token.svg',
    ]);
    const svg = await fetch(`${nr.url}/icons/node-red-contrib-auth-objects/auth-get-token.svg`);
    expect(await svg.text()).to.contain('<svg');
    const html = await (
      await fetch(`${nr.url}/nodes`, { headers: { accept: 'text/html' } })
    ).text();
    expect(html).to.contain('data-help-name="auth-object"');
    expect(html).to.contain('data-help-name="auth-get-token"');
    expect(html).to.contain('data-template-name="auth-object"');
    const messages = (await (await fetch(`${nr.url}/nodes/messages?lng=en-US`)).json()) as Record<
      string,
      Record<string, { label?: Record<string, string> }>
    >;
    const catalog = JSON.stringify(messages);
    expect(catalog).to.contain('"tokenUrl":"Token URL"');
    expect(catalog).to.contain('"paletteLabel":"get token"');
  });

  it('puts a token on the message in front of an http request node, and leaks no secret', async () => {
    await deploy(nr, [
      { id: 'tab', type: 'tab', label: 'e2e' },
      {
        id: 'auth',
        type: 'auth-object',
        name: 'e2e object',
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        scope: 'read',
        credentials: { ...conf, ...user },
      },
      {
        id: 'bad',
        type: 'auth-object',
        name: 'wrong password',
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        credentials: { ...conf, username: user.username, password: WRONG },
      },
      {
        id: 'in1',
        type: 'http in',
        z: 'tab',
        url: '/e2e',
        method: 'get',
        x: 100,
        y: 100,
        wires: [['get1']],
      },
      {
        id: 'get1',
        type: 'auth-get-token',
        z: 'tab',
        auth: 'auth',
        x: 300,
        y: 100,
        wires: [['req']],
      },
      {
        id: 'req',
        type: 'http request',
        z: 'tab',
        method: 'GET',
        url: server.apiUrl,
        ret: 'obj',
        x: 500,
        y: 100,
        wires: [['res1']],
      },
      { id: 'res1', type: 'http response', z: 'tab', x: 700, y: 100, wires: [] },
      ...errorRoute({ z: 'tab', route: '/e2e-bad', auth: 'bad', prefix: 'bad', y: 200 }),
    ]);

    const ok = await fetchRouted(nr, '/e2e');
    expect(ok.status).to.equal(200);
    expect(await ok.json()).to.include({ ok: true });
    expect(server.apiRequests.at(-1)!.authorization).to.match(/^Bearer /);

    const bad = (await (await fetch(`${nr.url}/e2e-bad`)).json()) as {
      code: string;
      message: string;
    };
    expect(bad.code).to.equal('invalid_grant');
    expect(bad.message).to.contain('invalid_grant');

    const flows = await (await fetch(`${nr.url}/flows`)).text();
    const creds = await (await fetch(`${nr.url}/credentials/auth-object/auth`)).text();
    expect(JSON.parse(creds)).to.include({ clientId: conf.clientId, has_password: true });
    const onDisk = ['flows.json', 'flows_cred.json'].map((f) =>
      fs.readFileSync(path.join(userDir, f), 'utf8'),
    );
    const secrets = [conf.clientSecret, user.password, WRONG, ...server.issuedRefreshTokens];
    for (const [where, text] of Object.entries({
      flows,
      creds,
      disk: onDisk.join('\n'),
      log: nr.output(),
    })) {
      for (const s of secrets)
        expect(text.includes(s), `${where} contains a secret`).to.equal(false);
    }
    // The access token travels only on the message, never into the log.
    for (const token of server.issuedAccessTokens) expect(nr.output()).to.not.contain(token);
  });

  it('e-mails reminders for secrets that expire soon through the e-mail node, once per remind period', async () => {
    const object = (id: string, name: string, days: number, notify: string) => ({
      id,
      type: 'auth-object',
      name,
      grantType: 'client_credentials',
      tokenUrl: server.tokenUrl,
      notify,
      expiries: [{ expiresAt: dateLocal(days), appliesTo: ['clientSecret'], note: `${name} note` }],
      credentials: { ...conf },
    });
    const flows = (twentyDays: number) => [
      { id: 'tab', type: 'tab', label: 'expiry' },
      object('o3', 'Three days', 3, 'three@example.com'),
      object('o20', 'Twenty days', twentyDays, 'twenty@example.com'),
      object('o90', 'Ninety days', 90, 'ninety@example.com'),
      object('oX', 'Already expired', -2, 'expired@example.com, boss@example.com'),
      ...checkRoute({ z: 'tab', route: '/check', reminders: 'mail' }),
      emailNode(smtp.port),
    ];
    await deploy(nr, flows(20));
    const summary = (await (await fetchRouted(nr, '/check')).json()) as {
      severity: string;
    }[];
    expect(summary.map((i) => i.severity)).to.deep.equal(['expired', 'critical', 'warning', 'ok']);

    await smtp.received(3);
    const bySubject = [...smtp.mails].sort((a, b) =>
      String(a.subject).localeCompare(String(b.subject)),
    );
    const view = bySubject.map((m) => ({
      to: (Array.isArray(m.to) ? m.to : [m.to]).flatMap((a) => a!.value.map((v) => v.address)),
      subject: m.subject,
    }));
    expect(view).to.deep.equal([
      {
        to: ['three@example.com'],
        subject: `[critical] Three days: client secret expires in 3 days (${dateLocal(3)})`,
      },
      {
        to: ['expired@example.com', 'boss@example.com'],
        subject: `[expired] Already expired: client secret expired on ${dateLocal(-2)}`,
      },
      {
        to: ['twenty@example.com'],
        subject: `[warning] Twenty days: client secret expires in 20 days (${dateLocal(20)})`,
      },
    ]);
    const body = bySubject[0]!.text!;
    expect(body).to.contain(
      'The client secret of the authentication object "Three days" expires on',
    );
    expect(body).to.contain('Note: Three days note');
    expect(body).to.contain('What to do:');

    // Within remindEvery: a summary, no mail.
    await (await fetch(`${nr.url}/check`)).json();
    await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.mails).to.have.length(3);

    // The twenty-day secret now expires in five: critical, reported at once.
    const changed = flows(5);
    const res = await fetch(`${nr.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'nodes' },
      body: JSON.stringify(changed),
    });
    expect(res.ok).to.equal(true);
    // The deploy answers before the restarted auth objects are up: ask until all four are seen.
    for (let i = 0; i < 50; i++) {
      const items = (await (await fetch(`${nr.url}/check`)).json()) as unknown[];
      if (items.length === 4) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await smtp.received(4);
    expect(smtp.mails[3]!.subject).to.equal(
      `[critical] Twenty days: client secret expires in 5 days (${dateLocal(5)})`,
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.mails).to.have.length(4);
  });

  it('offers the example flows, and each deploys without errors', async () => {
    const dir = path.join(userDir, 'node_modules/node-red-contrib-auth-objects/examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).to.be.at.least(1);
    for (const file of files) {
      const flow = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<
        string,
        unknown
      >[];
      expect(
        flow.filter((n) => 'credentials' in n),
        `${file} carries credentials`,
      ).to.have.length(0);
      // Imported examples land on a tab; give them one as the editor does. Then the user
      // enters the auth objects' credentials, which example files never carry.
      const tab = { id: 'example-tab', type: 'tab', label: file };
      const nodes = flow.map((n) => ({
        ...n,
        ...(n.z === '' || n.z === undefined ? { z: 'example-tab' } : {}),
        ...(n.type === 'auth-object'
          ? {
              credentials: {
                clientId: 'my-client',
                clientSecret: 'my-client-secret',
                username: 'me',
                password: 'my-password',
                // The static kinds' and the JWT bearer grant's, entered the same way.
                apiKey: 'my-api-key',
                token: 'my-personal-access-token',
                privateKey: EXAMPLE_KEY,
                // Example 13's pasted refresh token.
                refreshToken: 'my-refresh-token',
              },
            }
          : {}),
        // The mailbox of the e-mail nodes, entered after import like the auth objects' secrets.
        ...(n.type === 'e-mail' || n.type === 'e-mail in'
          ? { credentials: { userid: 'mailbox@example.com', password: '' } }
          : {}),
      }));
      const before = nr.output().length;
      await deploy(nr, [tab, ...nodes]);
      // A dashboard's first check runs half a second after deploy: let it run too.
      const dashboard = flow.some((n) => n.type === 'ui-base');
      await new Promise((r) => setTimeout(r, dashboard ? 1500 : 500));
      if (dashboard) expect((await fetch(`${nr.url}/dashboard`)).status, file).to.equal(200);
      const log = nr.output().slice(before);
      expect(log, file).to.not.match(/\[error\]|\[warn\]/);
      const deployed = (await (await fetch(`${nr.url}/flows`)).json()) as { id: string }[];
      expect(deployed.map((n) => n.id)).to.include.members(flow.map((n) => n.id as string));
    }
  });
});

/** A service account's private key, as a user pastes it into example 09. */
const EXAMPLE_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

/** The local date `days` from now, `YYYY-MM-DD`: a date-only expiry. */
function dateLocal(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
