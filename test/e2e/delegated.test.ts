/**
 * The delegated grants in a real Node-RED (the packed package, adminAuth on, credential
 * secret set) against oidc-provider, signed in through the admin routes by the
 * least-privileged user who may (`auth-object.write`): restart, file scan, revoked token
 * with its reminder mail, and the new routes attacked. Every socket is on 127.0.0.1.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import {
  enterUserCode,
  signInAt,
  startDelegatedProvider,
  type DelegatedProvider,
} from '../fixtures/oidc-delegated';
import { adminAuth, adminTokens } from '../helpers/admin-users';
import { emailNode, installEmailNode, startMailServer, type MailServer } from '../helpers/email';
import {
  deploy,
  fetchRouted,
  startNodeRed,
  startPacked,
  type NodeRed,
} from '../helpers/node-red-process';
import { leaks } from '../helpers/secret-forms';
import { Teardown } from '../helpers/teardown';

const userDir = path.resolve(__dirname, '../../test-output/e2e-delegated');
/** `tester` may read flows and sign in (auth-object.write); `reader` only read. */
const USERS = {
  admin: '*',
  reader: 'read',
  tester: ['flows.read', 'auth-object.write'],
};
const MQTT_PW = 'mqtt-Secret-55?';
type Json = Record<string, unknown>;

describe('delegated access in a real Node-RED, attacked through its new routes', function () {
  this.timeout(180_000);
  let nr: NodeRed;
  let op: DelegatedProvider;
  let smtp: MailServer;
  const tokens: Record<string, string> = {};
  /** Every answer of the new routes and every page, scanned for secrets at the end. */
  const answers: string[] = [];
  let redirect = '';
  const teardown = new Teardown();

  /** For a restart: the first start has them from `startPacked`. */
  const settings = () => ({ adminAuth: adminAuth(USERS) });

  before(async () => {
    smtp = teardown.closes(await startMailServer());
    // Node-RED stops before the provider closes, as it started before it.
    teardown.add(() => op?.close());
    const started = await startPacked(teardown, {
      userDir,
      install: [installEmailNode],
      users: USERS,
    });
    nr = started;
    // A test restarts Node-RED: stop the one running at the end.
    teardown.add(() => nr?.stop());
    redirect = `${nr.url}/auth-objects/callback`;
    op = await startDelegatedProvider({ redirectUris: [redirect] });
    Object.assign(tokens, started.tokens);
    await deployAsAdmin();
  });

  after(async () => {
    await teardown.run();
    const seen = answers.join('\n') + (nr?.output() ?? '');
    const secrets = [op.confidentialClient.clientSecret, MQTT_PW, ...op.issuedRefreshTokens];
    expect(leaks(seen, secrets), 'an answer, page or log line holds a secret').to.deep.equal([]);
    expect(leaks(seen, op.issuedAccessTokens), 'an answer holds an access token').to.deep.equal([]);
  });

  async function deployAsAdmin() {
    const object = (id: string, extra: Json, credentials: Json) => ({
      id,
      type: 'auth-object',
      name: `${id} object`,
      grantType: 'authorization_code',
      tokenUrl: op.tokenUrl,
      authorizeUrl: op.authorizeUrl,
      clientAuth: 'none',
      scope: 'openid profile offline_access api:read',
      authorizeParams: [{ name: 'prompt', value: 'consent' }],
      notify: 'owner@example.com',
      credentials,
      ...extra,
    });
    const flows = [
      { id: 'tab', type: 'tab', label: 'delegated' },
      object('pub', {}, op.publicClient),
      object('conf', { clientAuth: 'client_secret_basic' }, op.confidentialClient),
      object(
        'dev',
        {
          grantType: 'device_code',
          deviceAuthorizationUrl: op.deviceUrl,
          clientAuth: 'client_secret_basic',
        },
        op.confidentialClient,
      ),
      {
        id: 'broker',
        type: 'mqtt-broker',
        name: 'broker',
        broker: '127.0.0.1',
        port: '1883',
        credentials: { user: 'mq', password: MQTT_PW },
      },
      {
        id: 'in1',
        type: 'http in',
        z: 'tab',
        url: '/token',
        method: 'get',
        x: 100,
        y: 100,
        wires: [['get']],
      },
      { id: 'get', type: 'auth-get-token', z: 'tab', auth: 'pub', x: 300, y: 100, wires: [['ok']] },
      {
        id: 'ok',
        type: 'change',
        z: 'tab',
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'token', tot: 'str' }],
        x: 500,
        y: 100,
        wires: [['res']],
      },
      {
        id: 'catch',
        type: 'catch',
        z: 'tab',
        scope: ['get'],
        uncaught: false,
        x: 100,
        y: 200,
        wires: [['code']],
      },
      {
        id: 'code',
        type: 'change',
        z: 'tab',
        rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'error.code', tot: 'msg' }],
        x: 300,
        y: 200,
        wires: [['res']],
      },
      { id: 'res', type: 'http response', z: 'tab', x: 700, y: 100, wires: [] },
      {
        id: 'in2',
        type: 'http in',
        z: 'tab',
        url: '/check',
        method: 'get',
        x: 100,
        y: 300,
        wires: [['chk']],
      },
      {
        id: 'chk',
        type: 'auth-expiry-check',
        z: 'tab',
        x: 300,
        y: 300,
        wires: [['mail'], ['res2']],
      },
      emailNode(smtp.port),
      { id: 'res2', type: 'http response', z: 'tab', x: 500, y: 360, wires: [] },
    ];
    await deploy(nr, flows, tokens.admin);
    // Node-RED answers the deploy before it starts the flows: wait for the objects.
    for (const id of ['pub', 'conf', 'dev']) await whenStarted(id);
  }

  /** Bounded: an object that never starts fails the test with Node-RED's output. */
  async function whenStarted(id: string) {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${nr.url}/auth-objects/sign-in/${id}`, {
        headers: { authorization: `Bearer ${tokens.admin}` },
      });
      await res.text();
      if (res.status !== 404) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`auth object ${id} did not start:\n${nr.output()}`);
  }

  async function call(
    method: string,
    route: string,
    who: keyof typeof USERS | 'anonymous',
    body?: unknown,
    raw?: string,
  ): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
    const res = await fetch(`${nr.url}${route}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(who === 'anonymous' ? {} : { authorization: `Bearer ${tokens[who]}` }),
        ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(raw !== undefined
        ? { body: raw }
        : body !== undefined
          ? { body: JSON.stringify(body) }
          : {}),
    });
    const text = await res.text();
    answers.push(text);
    let json: Json = {};
    try {
      json = JSON.parse(text) as Json;
    } catch {
      // a page
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** `tester` signs `id` in, as `login` at the provider; the browser returns to the callback. */
  async function signIn(id: string, login: string) {
    const a = await call('POST', '/auth-objects/authorize', 'tester', {
      id,
      redirectUri: redirect,
    });
    expect(a.status, a.text).to.equal(200);
    const back = await signInAt(op, a.json.url as string, login);
    expect(back.href.startsWith(redirect)).to.equal(true);
    return call('GET', `/auth-objects/callback${back.search}`, 'anonymous');
  }

  it('lets only users with auth-object.write start a sign-in, and auth-object.read see its state', async () => {
    for (const route of ['/auth-objects/authorize', '/auth-objects/device']) {
      expect((await call('POST', route, 'anonymous', { id: 'pub' })).status).to.equal(401);
      // Node-RED refuses a token without the permission with 401 (older versions 403).
      expect((await call('POST', route, 'reader', { id: 'pub' })).status).to.be.oneOf([401, 403]);
    }
    expect((await call('GET', '/auth-objects/sign-in/pub', 'anonymous')).status).to.equal(401);
    const st = await call('GET', '/auth-objects/sign-in/pub', 'reader');
    expect(st.status).to.equal(200);
    expect(st.json).to.deep.equal({ state: 'none' });
    // The callback is the one anonymous route; without a state it issued it does nothing.
    const cb = await call('GET', '/auth-objects/callback?state=x&code=y', 'anonymous');
    expect(cb.status).to.equal(400);
    expect(op.tokenBodies).to.have.length(0);
  });

  it('signs in, hands out tokens, and keeps the sign-in across a restart with the rotated token', async () => {
    const cb = await signIn('pub', 'ann');
    expect(cb.status, cb.text).to.equal(200);
    expect(cb.headers.get('cache-control')).to.equal('no-store');
    expect(cb.headers.get('referrer-policy')).to.equal('no-referrer');
    expect(cb.headers.get('content-security-policy')).to.match(/default-src 'none'/);
    expect(cb.text).to.contain(`"origin":"${nr.url}"`);
    expect((await fetchRouted(nr, '/token')).status).to.equal(200);
    const st = await call('GET', '/auth-objects/sign-in/pub', 'reader');
    expect(st.json.state).to.equal('signed-in');
    expect(st.json.who).to.equal('ann');
    const ex = await call('GET', '/auth-objects/expiries', 'reader');
    const row = (ex.json.objects as Json[]).find((o) => o.id === 'pub');
    expect((row?.signIn as Json).state).to.equal('signed-in');

    await nr.stop();
    nr = await startNodeRed(userDir, settings());
    Object.assign(tokens, await adminTokens(nr, USERS));
    const before = op.tokenBodies.length;
    const r = await fetchRouted(nr, '/token');
    expect(await r.text()).to.equal('token');
    const refresh = new URLSearchParams(op.tokenBodies[before]);
    expect(refresh.get('grant_type')).to.equal('refresh_token');
    expect(refresh.get('refresh_token')).to.equal(op.issuedRefreshTokens[0]);
    // After the restart's refresh, the store holds the rotated one, still encrypted.
    await new Promise((res) => setTimeout(res, 200));
    const files = fs
      .readdirSync(userDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !(e.parentPath ?? '').includes('node_modules'))
      .map((e) => fs.readFileSync(path.join(e.parentPath ?? userDir, e.name), 'latin1'))
      .join('\n');
    expect(files).to.contain('"k": "secret"');
    expect(leaks(files, op.issuedRefreshTokens), 'a refresh token in clear').to.deep.equal([]);
    expect(leaks(files, op.issuedAccessTokens), 'an access token in a file').to.deep.equal([]);
  });

  it('turns a revoked refresh token into SIGN_IN_REQUIRED with one request, and mails "sign in again"', async () => {
    await op.revoke(op.issuedRefreshTokens.at(-1)!);
    // The cached access token may still be good: a restart drops it, as a token expiry would.
    await nr.stop();
    nr = await startNodeRed(userDir, settings());
    Object.assign(tokens, await adminTokens(nr, USERS));
    const before = op.tokenBodies.length;
    expect(await (await fetchRouted(nr, '/token')).text()).to.equal('SIGN_IN_REQUIRED');
    expect(await (await fetchRouted(nr, '/token')).text()).to.equal('SIGN_IN_REQUIRED');
    expect(op.tokenBodies.length - before).to.equal(1);
    expect((await call('GET', '/auth-objects/sign-in/pub', 'reader')).json.state).to.equal(
      'required',
    );
    const mails = smtp.mails.length;
    expect((await fetchRouted(nr, '/check')).status).to.equal(200);
    await smtp.received(mails + 1);
    const mail = smtp.mails
      .slice(mails)
      .map((m) => `${m.subject}\n${m.text}`)
      .join('\n');
    expect(mail).to.match(/refresh token/i);
    expect(mail).to.match(/sign in again/);
    expect(op.tokenBodies.length - before).to.equal(1);
  });

  it('sends the confidential client secret only to the deployed token endpoint', async () => {
    const a = await call('POST', '/auth-objects/authorize', 'tester', {
      id: 'conf',
      redirectUri: 'http://attacker.example/auth-objects/callback',
    });
    expect(a.status).to.equal(200);
    // The provider refuses a redirect URI it does not know: no code goes anywhere else.
    const res = await fetch(a.json.url as string, { redirect: 'manual' });
    expect(res.status).to.equal(400);
    await res.text();
    const cb = await signIn('conf', 'carol');
    expect(cb.status, cb.text).to.equal(200);
    expect(a.text).to.not.contain(op.confidentialClient.clientSecret);
  });

  it("never reads another node's credentials: an MQTT broker or a tab id gets DEPLOY_FIRST", async () => {
    for (const id of ['broker', 'tab', 'get', '__proto__', 'x'.repeat(300)]) {
      const a = await call('POST', '/auth-objects/authorize', 'tester', {
        id,
        redirectUri: redirect,
      });
      expect(a.status, id).to.equal(409);
      expect(a.json.code).to.equal('DEPLOY_FIRST');
      const d = await call('POST', '/auth-objects/device', 'tester', { id });
      expect(d.status, id).to.equal(409);
      expect(
        (await call('GET', `/auth-objects/sign-in/${encodeURIComponent(id)}`, 'reader')).status,
      ).to.equal(404);
    }
  });

  it('survives bodies built to crash it, answering each with a 4xx', async () => {
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    for (const route of ['/auth-objects/authorize', '/auth-objects/device']) {
      for (const raw of [
        '',
        'null',
        '[]',
        '"x"',
        deep,
        JSON.stringify({ id: 'pub', x: 'y'.repeat(20000) }),
      ]) {
        const r = await call('POST', route, 'tester', undefined, raw);
        expect(r.status, `${route} ${raw.slice(0, 20)}`).to.be.within(400, 499);
      }
      const form = await fetch(`${nr.url}${route}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.tester}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'id=pub&redirectUri=x',
      });
      expect(form.status).to.equal(400);
    }
    const odd = [
      '?state[]=a&code=b',
      '?state=a&state=b',
      `?state=${'s'.repeat(100000)}`,
      '?error=<script>alert(1)</script>&state=x',
    ];
    for (const q of odd) {
      const r = await call('GET', `/auth-objects/callback${q}`, 'anonymous');
      // A URL too long for Node.js's HTTP parser is refused before any route (431).
      expect(r.status, q.slice(0, 40)).to.be.within(400, 431);
      expect(r.text).to.not.contain('<script>alert');
    }
    // Still up.
    expect((await call('GET', '/auth-objects/sign-in/pub', 'reader')).status).to.equal(200);
  });

  it("escapes a provider's error words in the page and sends them only to the editor's origin", async () => {
    const a = await call('POST', '/auth-objects/authorize', 'tester', {
      id: 'pub',
      redirectUri: redirect,
    });
    const state = new URL(a.json.url as string).searchParams.get('state')!;
    const evil = '</script><script>alert(1)</script>\u2028\u001b[31m';
    const r = await call(
      'GET',
      `/auth-objects/callback?state=${state}&error=access_denied&error_description=${encodeURIComponent(evil)}`,
      'anonymous',
    );
    expect(r.status).to.equal(400);
    expect(r.text).to.not.contain('<script>alert');
    expect(r.text).to.not.contain('\u001b');
    expect(r.text.match(/<script/g)).to.have.length(1);
    // The origin of the redirect URI the state was issued for (Node-RED's first port).
    expect(r.text).to.contain(`"origin":"${new URL(redirect).origin}"`);
    expect((await call('GET', '/auth-objects/sign-in/pub', 'reader')).json.state).to.equal(
      'denied',
    );
  });

  it('signs a confidential client in with a device code, the secret only to the provider', async () => {
    const d = await call('POST', '/auth-objects/device', 'tester', { id: 'dev' });
    expect(d.status, d.text).to.equal(200);
    expect(Object.keys(d.json).sort()).to.deep.equal([
      'expires_in',
      'interval',
      'user_code',
      'verification_uri',
      'verification_uri_complete',
    ]);
    await enterUserCode(op, d.json.verification_uri as string, d.json.user_code as string, 'erin');
    // oidc-provider asks for 5 s between polls: the first poll after that gets the tokens.
    let st: Json = {};
    for (let i = 0; i < 60; i++) {
      st = (await call('GET', '/auth-objects/sign-in/dev', 'reader')).json;
      if (st.state !== 'pending') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(st.state).to.equal('signed-in');
    expect(st.who).to.equal('erin');
  });

  it('limits how many sign-ins one user may start, with Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const r = await call('POST', '/auth-objects/authorize', 'tester', {
        id: 'pub',
        redirectUri: redirect,
      });
      if (r.status === 429) limited = r;
      else expect(r.status).to.equal(200);
    }
    expect(limited?.json.code).to.equal('RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).to.be.within(1, 600);
    // The admin is not locked out by the tester.
    const admin = await call('POST', '/auth-objects/authorize', 'admin', {
      id: 'pub',
      redirectUri: redirect,
    });
    expect(admin.status).to.equal(200);
  });
});
