/**
 * The delegated grants in a real Node-RED runtime against a real OpenID Provider
 * (oidc-provider on 127.0.0.1: PKCE required, rotating refresh tokens, device flow),
 * signed in through the package's admin routes as the editor does.
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuthObjectNode } from '../../nodes/auth-object-api';
import { SIGN_IN_TIMING } from '../../nodes/signin-routes';
import { KEY_FILE, SignInStore, STORE_FILE } from '../../nodes/signin-store';
import {
  enterUserCode,
  signInAt,
  startDelegatedProvider,
  type DelegatedProvider,
} from '../fixtures/oidc-delegated';
import { handlers, startRawServer, type RawServer } from '../fixtures/raw-server';
import { expectNoSecrets, flowOf, helper, load, type Loaded } from '../helpers/runtime';
import { leaks } from '../helpers/secret-forms';

const REDIRECT = 'http://127.0.0.1:1880/auth-objects/callback';
type Json = Record<string, unknown>;

/** Every file under `dir`, as text. */
function filesOf(dir: string): string {
  let all = '';
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) all += fs.readFileSync(path.join(e.parentPath ?? dir, e.name), 'latin1');
  }
  return all;
}

describe('delegated access', function () {
  this.timeout(30_000);
  let op: DelegatedProvider;
  let userDir: string;
  let l: Loaded;
  /** Everything the routes answered, scanned for tokens after each test. */
  let answers: string[];

  before(() => {
    SIGN_IN_TIMING.secondMs = 20;
  });
  after(() => {
    SIGN_IN_TIMING.secondMs = 1000;
    helper.settings({});
  });
  beforeEach(async () => {
    op = await startDelegatedProvider({ redirectUris: [REDIRECT] });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-deleg-'));
    helper.settings({ userDir });
    answers = [];
  });
  afterEach(async function () {
    const passed = this.currentTest?.state === 'passed';
    // Every log line, status and error of the runtime, read before it is unloaded.
    const log = (helper.log() as unknown as { args: unknown[][] }).args
      .map((a) =>
        JSON.stringify(a, (_k, v: unknown) =>
          v instanceof Error ? { ...v, message: v.message } : v,
        ),
      )
      .join('\n');
    const emitted = [log, JSON.stringify(l?.statuses() ?? []), ...(l?.captured ?? [])].join('\n');
    const files = filesOf(userDir);
    // Cleaned up before anything is checked: a failed check must not leave servers running.
    await helper.unload();
    await op.close();
    fs.rmSync(userDir, { recursive: true, force: true });
    if (!passed) return;
    const secrets = [...op.issuedRefreshTokens, op.confidentialClient.clientSecret];
    expect(leaks(emitted, secrets), 'the runtime emitted a secret').to.deep.equal([]);
    // No token in any answer, page or file of the user directory, in any form.
    const issued = [...op.issuedRefreshTokens, ...op.issuedAccessTokens];
    expect(leaks(answers.join('\n'), issued), 'a route answered a token').to.deep.equal([]);
    expect(leaks(files, op.issuedRefreshTokens), 'a token in clear').to.deep.equal([]);
  });

  const acObject = (extra: Json = {}) => ({
    grantType: 'authorization_code',
    tokenUrl: op.tokenUrl,
    authorizeUrl: op.authorizeUrl,
    clientAuth: 'none',
    scope: 'openid profile offline_access api:read',
    // oidc-provider (like Google) issues a refresh token only with consent asked for.
    authorizeParams: [{ name: 'prompt', value: 'consent' }],
    ...extra,
  });

  async function authorize(id = 'auth', redirectUri = REDIRECT) {
    const res = await helper.request().post('/auth-objects/authorize').send({ id, redirectUri });
    answers.push(res.text);
    return res;
  }
  async function callback(search: string) {
    const res = await helper.request().get(`/auth-objects/callback${search}`);
    answers.push(res.text, JSON.stringify(res.headers));
    return res;
  }
  async function state(id = 'auth'): Promise<Json> {
    const res = await helper.request().get(`/auth-objects/sign-in/${id}`);
    answers.push(res.text);
    return res.body as Json;
  }
  async function expiries(): Promise<Json> {
    const res = await helper.request().get('/auth-objects/expiries').expect(200);
    answers.push(res.text);
    return res.body as Json;
  }
  /** The editor's Sign in: authorize, the person at the provider, the callback. */
  async function signIn(login = 'ann') {
    const a = await authorize();
    expect(a.status, a.text).to.equal(200);
    const back = await signInAt(op, a.body.url as string, login);
    expect(back.href.startsWith(REDIRECT)).to.equal(true);
    return callback(back.search);
  }
  const object = () => helper.getNode('auth') as unknown as AuthObjectNode;
  const codes = () => l.errors.map((m) => (m.error as { code?: string }).code);
  const refreshBodies = () =>
    op.tokenBodies
      .map((b) => new URLSearchParams(b))
      .filter((b) => b.get('grant_type') === 'refresh_token');

  describe('authorization code with PKCE', () => {
    it('fails every message with SIGN_IN_REQUIRED and sends nothing until someone signs in', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      l.send();
      l.send();
      await l.settled(2);
      expect(codes()).to.deep.equal(['SIGN_IN_REQUIRED', 'SIGN_IN_REQUIRED']);
      expect(op.tokenBodies).to.have.length(0);
      expect(await state()).to.deep.equal({ state: 'none' });
      expect(l.statuses().some((s) => /sign ?in ?required/i.test(String(s.text)))).to.equal(true);
      const row = ((await expiries()).objects as Json[]).find((o) => o.id === 'auth');
      expect(row?.signIn).to.deep.equal({ state: 'none' });
    });

    it('signs in through the routes and puts the tokens on messages, never the refresh token', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      const a = await authorize();
      const url = new URL(a.body.url as string);
      expect(url.origin + url.pathname).to.equal(op.authorizeUrl);
      const q = url.searchParams;
      expect(q.get('response_type')).to.equal('code');
      expect(q.get('client_id')).to.equal('public-app');
      expect(q.get('code_challenge_method')).to.equal('S256');
      expect(q.get('code_challenge')).to.match(/^[\w-]{43}$/);
      expect(q.get('state')).to.match(/^[\w-]{43}$/);
      expect(q.get('nonce')).to.match(/^[\w-]{43}$/);
      expect(q.get('redirect_uri')).to.equal(REDIRECT);
      expect(q.get('prompt')).to.equal('consent');
      expect(await state()).to.deep.equal({ state: 'pending' });
      const back = await signInAt(op, url.href, 'ann');
      const cb = await callback(back.search);
      expect(cb.status, cb.text).to.equal(200);
      expect(cb.headers['content-type']).to.match(/^text\/html/);
      expect(cb.headers['cache-control']).to.equal('no-store');
      expect(cb.headers['referrer-policy']).to.equal('no-referrer');
      const csp = String(cb.headers['content-security-policy']);
      expect(csp).to.match(/default-src 'none'/);
      const nonce = /script-src 'nonce-([\w-]+)'/.exec(csp)?.[1];
      expect(cb.text).to.contain(`<script nonce="${nonce}">`);
      expect(cb.text).to.contain('window.opener.postMessage(d.msg,d.origin)');
      expect(cb.text).to.contain(
        '{"origin":"http://127.0.0.1:1880","msg":{"type":"auth-objects-sign-in","id":"auth","ok":true}}',
      );
      // The code was exchanged once, with the verifier whose challenge went to the provider.
      expect(op.tokenBodies).to.have.length(1);
      const exchange = new URLSearchParams(op.tokenBodies[0]);
      expect(exchange.get('grant_type')).to.equal('authorization_code');
      expect(exchange.get('redirect_uri')).to.equal(REDIRECT);
      const { createHash } = await import('node:crypto');
      expect(
        createHash('sha256').update(exchange.get('code_verifier')!).digest('base64url'),
      ).to.equal(q.get('code_challenge'));
      const st = await state();
      expect(st.state).to.equal('signed-in');
      expect(st.who).to.equal('ann');
      expect(Date.parse(String(st.at))).to.be.greaterThan(0);
      l.send();
      await l.settled(1);
      const token = l.out[0]!.token as Json;
      expect(token.access_token).to.equal(op.issuedAccessTokens[0]);
      expect(JSON.stringify(l.out[0])).to.not.contain(op.issuedRefreshTokens[0]);
      expect(op.tokenBodies).to.have.length(1);
      expectNoSecrets(l, [...op.issuedRefreshTokens]);
    });

    it('puts each rotated refresh token in the store at once, across many refreshes', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      await signIn();
      for (let i = 0; i < 8; i++) await object().getToken(true);
      const refreshes = refreshBodies();
      expect(refreshes).to.have.length(8);
      // Each refresh used the token the previous answer rotated in.
      refreshes.forEach((b, i) => {
        expect(b.get('refresh_token'), `refresh ${i + 1}`).to.equal(op.issuedRefreshTokens[i]);
      });
      expect(new Set(op.issuedRefreshTokens).size).to.equal(9);
      // The file as a restarted runtime reads it: the last rotated token (writes are async).
      const stored = async () => {
        for (let i = 0; i < 100; i++) {
          const rt = new SignInStore({ userDir, secret: () => undefined }).get(
            'auth',
          )?.refreshToken;
          if (rt === op.issuedRefreshTokens[8]) return rt;
          await new Promise((r) => setTimeout(r, 20));
        }
        return undefined;
      };
      expect(await stored()).to.equal(op.issuedRefreshTokens[8]);
      expect((await state()).state).to.equal('signed-in');
    });

    it('keeps the sign-in across a restart, a partial and a full redeploy, using the rotated token', async () => {
      const flow = flowOf(acObject());
      l = await load(flow, { auth: op.publicClient });
      await signIn();
      await object().getToken(true);
      await helper.unload();
      // A new runtime on the same user directory: no sign-in, the rotated token renews.
      l = await load(flow, { auth: op.publicClient });
      expect((await state()).state).to.equal('signed-in');
      l.send();
      await l.settled(1);
      expect(l.out).to.have.length(1);
      expect(refreshBodies().at(-1)!.get('refresh_token')).to.equal(op.issuedRefreshTokens[1]);
      const renamed = flow.map((n) => (n.id === 'auth' ? { ...n, name: 'renamed' } : n));
      await helper.setFlows(renamed, 'nodes', { auth: op.publicClient });
      expect((await state()).state).to.equal('signed-in');
      await helper.setFlows(flow, 'full', { auth: op.publicClient });
      expect((await state()).state).to.equal('signed-in');
      await object().getToken(true);
      expect(refreshBodies().at(-1)!.get('refresh_token')).to.equal(op.issuedRefreshTokens[2]);
    });

    it('deletes the sign-in with the object', async () => {
      const flow = flowOf(acObject());
      l = await load(flow, { auth: op.publicClient });
      await signIn();
      const stored = () => JSON.parse(fs.readFileSync(path.join(userDir, STORE_FILE), 'utf8'));
      expect(Object.keys(stored().entries)).to.deep.equal(['auth']);
      const without = flow.filter((n) => n.id !== 'auth' && n.id !== 'get');
      await helper.setFlows(without, 'full', {});
      expect(stored().entries).to.deep.equal({});
      await helper.setFlows(flow, 'full', { auth: op.publicClient });
      expect((await state()).state).to.equal('none');
    });

    it('drops the sign-in when a deploy changes the client ID, the token URL or the grant', async () => {
      const changes: [Json, Record<string, string>][] = [
        [{}, op.confidentialClient],
        [{ tokenUrl: `${op.issuer}/token?x=1` }, op.publicClient],
        [{ refreshTokenUrl: `${op.issuer}/token?r=1` }, op.publicClient],
        [{ grantType: 'device_code', deviceAuthorizationUrl: op.deviceUrl }, op.publicClient],
      ];
      for (const [change, creds] of changes) {
        const flow = flowOf(acObject());
        l = await load(flow, { auth: op.publicClient });
        await signIn();
        expect((await state()).state).to.equal('signed-in');
        const changed = flow.map((n) => (n.id === 'auth' ? { ...n, ...change } : n));
        await helper.setFlows(changed, 'full', { auth: creds });
        expect((await state()).state, JSON.stringify(change)).to.equal('none');
        await helper.unload();
      }
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      expect((await state()).state).to.equal('none');
    });

    it('turns a revoked refresh token into SIGN_IN_REQUIRED with one request, and an expired "sign in again" entry', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      await signIn();
      await op.revoke(op.issuedRefreshTokens[0]!);
      const before = op.tokenBodies.length;
      const err = await object()
        .getToken(true)
        .catch((e: unknown) => e as { code?: string });
      expect((err as { code?: string }).code).to.equal('SIGN_IN_REQUIRED');
      expect(op.tokenBodies.length - before).to.equal(1);
      for (let i = 0; i < 5; i++) l.send();
      await l.settled(5);
      expect(codes()).to.deep.equal(Array(5).fill('SIGN_IN_REQUIRED'));
      expect(op.tokenBodies.length - before, 'no request per message').to.equal(1);
      expect((await state()).state).to.equal('required');
      expect(l.statuses().some((s) => /sign ?in ?again/i.test(String(s.text)))).to.equal(true);
      const e = await expiries();
      const item = (e.items as Json[]).find(
        (i) =>
          (i.authObject as Json).id === 'auth' && (i.appliesTo as string[])[0] === 'refreshToken',
      );
      expect(item?.severity).to.equal('expired');
      expect(String(item?.note)).to.match(/sign in again/);
      // Restarted, it still says so, and still sends nothing.
      await helper.unload();
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      expect((await state()).state).to.equal('required');
      l.send();
      await l.settled(1);
      expect(codes()).to.deep.equal(['SIGN_IN_REQUIRED']);
      expect(op.tokenBodies.length - before).to.equal(1);
      // Signing in again ends it.
      await signIn();
      expect((await state()).state).to.equal('signed-in');
      l.send();
      await l.settled(2);
      expect(l.out).to.have.length(1);
    });

    it("encrypts with Node-RED's credential secret, or with a key file of its own when encryption is off", async () => {
      for (const [credentialSecret, k] of [
        ['a-credential-secret', 'secret'],
        [false, 'file'],
      ] as const) {
        helper.settings({ userDir, credentialSecret });
        l = await load(flowOf(acObject()), { auth: op.publicClient });
        await signIn();
        const doc = JSON.parse(fs.readFileSync(path.join(userDir, STORE_FILE), 'utf8'));
        expect(doc.entries.auth.k).to.equal(k);
        expect(fs.statSync(path.join(userDir, STORE_FILE)).mode & 0o777).to.equal(0o600);
        const key = path.join(userDir, KEY_FILE);
        expect(fs.existsSync(key)).to.equal(k === 'file');
        if (k === 'file') expect(fs.statSync(key).mode & 0o777).to.equal(0o600);
        // Read back with that secret only.
        const secret = () => credentialSecret;
        expect(new SignInStore({ userDir, secret }).get('auth')?.refreshToken).to.equal(
          op.issuedRefreshTokens.at(-1),
        );
        await helper.unload();
      }
      helper.settings({ userDir });
      l = await load(flowOf(acObject()), { auth: op.publicClient });
    });

    it('keeps showing a working sign-in while a new one is started and abandoned', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      await signIn();
      const a = await authorize();
      expect(a.status).to.equal(200);
      const st = await state();
      expect(st.state).to.equal('signed-in');
      expect(st.who).to.equal('ann');
    });

    it('refuses a wrong, reused or expired state and stores nothing', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      const wrong = await callback('?state=not-issued&code=whatever');
      expect(wrong.status).to.equal(400);
      expect(wrong.text).to.match(/unknown, was already used or has expired/);
      expect(wrong.text).to.not.contain('<script');
      const none = await callback('');
      expect(none.status).to.equal(400);
      // Reused: the first use signs in, a replay changes nothing.
      const a = await authorize();
      const back = await signInAt(op, a.body.url as string, 'ann');
      expect((await callback(back.search)).status).to.equal(200);
      const sent = op.tokenBodies.length;
      const replay = await callback(back.search);
      expect(replay.status).to.equal(400);
      expect(op.tokenBodies.length).to.equal(sent);
      // Expired: issued, then left past its lifetime.
      SIGN_IN_TIMING.stateTtlMs = 0;
      try {
        const b = await authorize();
        const back2 = await signInAt(op, b.body.url as string, 'bob');
        const late = await callback(back2.search);
        expect(late.status).to.equal(400);
      } finally {
        SIGN_IN_TIMING.stateTtlMs = 10 * 60_000;
      }
      expect(op.tokenBodies.length).to.equal(sent);
      expect((await state()).who).to.equal('ann');
    });

    it('refuses a wrong state before anyone signed in without writing the store', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      await callback('?state=forged&code=forged');
      await callback('?state=forged&error=access_denied');
      expect(op.tokenBodies).to.have.length(0);
      expect(fs.existsSync(path.join(userDir, STORE_FILE))).to.equal(false);
      expect(await state()).to.deep.equal({ state: 'none' });
    });

    it('reports a refused sign-in to the editor, as the page and as the state', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      const a = await authorize();
      const back = await signInAt(op, a.body.url as string, 'ann', true);
      expect(back.searchParams.get('error')).to.equal('access_denied');
      const cb = await callback(back.search);
      expect(cb.status).to.equal(400);
      expect(cb.text).to.contain('"ok":false,"code":"access_denied"');
      const st = await state();
      expect(st.state).to.equal('denied');
      expect(st.code).to.equal('access_denied');
      expect(op.tokenBodies).to.have.length(0);
    });

    it('answers DEPLOY_FIRST for an object not deployed or deployed with another grant', async () => {
      l = await load(
        flowOf({
          grantType: 'client_credentials',
          tokenUrl: op.tokenUrl,
          clientAuth: 'client_secret_basic',
        }),
        { auth: op.confidentialClient },
      );
      for (const id of ['auth', 'nope', 'get']) {
        const r = await authorize(id);
        expect(r.status).to.equal(409);
        expect(r.body.code).to.equal('DEPLOY_FIRST');
        const d = await helper.request().post('/auth-objects/device').send({ id });
        expect(d.status).to.equal(409);
        expect(d.body.code).to.equal('DEPLOY_FIRST');
        expect((await helper.request().get(`/auth-objects/sign-in/${id}`)).status).to.equal(404);
      }
    });

    it('keeps at most 10 sign-ins of one user waiting, then says when to try again', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      for (let i = 0; i < 10; i++) expect((await authorize()).status).to.equal(200);
      const full = await authorize();
      expect(full.status).to.equal(429);
      expect(full.body.code).to.equal('RATE_LIMITED');
      expect(Number(full.headers['retry-after'])).to.be.within(590, 600);
      expect(op.tokenBodies).to.have.length(0);
    });

    it('refuses redirect URIs that are not the callback route', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      for (const redirectUri of [
        'https://evil.example/steal',
        'javascript:alert(1)//auth-objects/callback',
        'https://u:p@host/auth-objects/callback',
        'https://host/auth-objects/callback?x=1',
        'https://host/auth-objects/callback#x',
        42,
        undefined,
      ]) {
        const r = await helper
          .request()
          .post('/auth-objects/authorize')
          .send({ id: 'auth', redirectUri });
        expect(r.status, String(redirectUri)).to.equal(400);
        expect(r.body.code).to.equal('BAD_REQUEST');
      }
      const ok = await authorize('auth', 'https://nodered.example.com/admin/auth-objects/callback');
      expect(ok.status).to.equal(200);
    });

    it('refuses an answer naming another issuer (RFC 9207) and ignores other parameters', async () => {
      l = await load(flowOf(acObject({ tokenUrl: '', authorizeUrl: '', issuer: op.issuer })), {
        auth: op.publicClient,
      });
      const a = await authorize();
      const back = await signInAt(op, a.body.url as string, 'ann');
      // oidc-provider names itself in `iss`.
      expect(back.searchParams.get('iss')).to.equal(op.issuer);
      const forged = new URLSearchParams(back.search);
      forged.set('iss', 'https://attacker.example');
      const cb = await callback(`?${forged}`);
      expect(cb.status).to.equal(400);
      expect(op.tokenBodies).to.have.length(0);
      expect((await state()).state).to.equal('error');
      const b = await authorize();
      const back2 = await signInAt(op, b.body.url as string, 'ann');
      const ok = await callback(`${back2.search}&unknown=1`);
      expect(ok.status, ok.text).to.equal(200);
    });

    it('signs in with a confidential client and the issuer discovered', async () => {
      l = await load(
        flowOf(
          acObject({
            tokenUrl: '',
            authorizeUrl: '',
            issuer: op.issuer,
            clientAuth: 'client_secret_basic',
          }),
        ),
        { auth: op.confidentialClient },
      );
      const cb = await signIn('carol');
      expect(cb.status, cb.text).to.equal(200);
      expect((await state()).who).to.equal('carol');
      l.send();
      await l.settled(1);
      expect(l.out).to.have.length(1);
      expectNoSecrets(l, [op.confidentialClient.clientSecret, ...op.issuedRefreshTokens]);
    });
  });

  describe('Test connection of a delegated grant', () => {
    it('names the endpoints, discovered or typed, and sends no token request', async () => {
      l = await load(flowOf(acObject()), { auth: op.publicClient });
      const forms = [
        { grantType: 'authorization_code', issuer: op.issuer, clientAuth: 'none' },
        { grantType: 'device_code', issuer: op.issuer, clientAuth: 'none' },
        {
          grantType: 'refresh_token',
          tokenUrl: op.tokenUrl,
          clientAuth: 'none',
          credentials: { clientId: 'public-app', refreshToken: 'typed-refresh-token' },
        },
      ];
      const answers2: Json[] = [];
      for (const f of forms) {
        const res = await helper
          .request()
          .post('/auth-objects/test')
          .send({ credentials: { clientId: 'public-app' }, ...f })
          .expect(200);
        answers.push(res.text);
        answers2.push(res.body as Json);
      }
      expect(answers2[0]).to.include({
        ok: true,
        delegated: true,
        tokenEndpoint: op.tokenUrl,
        authorizeEndpoint: `${op.issuer}/auth`,
      });
      expect(answers2[1]).to.include({
        ok: true,
        deviceAuthorizationEndpoint: `${op.issuer}/device/auth`,
      });
      expect(answers2[2]).to.include({ ok: true, delegated: true, tokenEndpoint: op.tokenUrl });
      expect(String(answers2[2]!.message)).to.match(/does not sign in/);
      expect(op.tokenBodies).to.have.length(0);
    });
  });

  describe('device code', () => {
    const dcObject = (extra: Json = {}) => ({
      grantType: 'device_code',
      tokenUrl: op.tokenUrl,
      deviceAuthorizationUrl: op.deviceUrl,
      clientAuth: 'none',
      scope: 'openid profile offline_access api:read',
      ...extra,
    });
    async function start(id = 'auth') {
      const res = await helper.request().post('/auth-objects/device').send({ id });
      answers.push(res.text);
      return res;
    }
    async function settledState(): Promise<Json> {
      for (let i = 0; i < 200; i++) {
        const s = await state();
        if (s.state !== 'pending') return s;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('still pending');
    }

    it('shows the code, polls while the person signs in, then puts tokens on messages', async () => {
      l = await load(flowOf(dcObject()), { auth: op.publicClient });
      const r = await start();
      expect(r.status, r.text).to.equal(200);
      expect(r.body.user_code).to.be.a('string');
      expect(r.body.verification_uri).to.equal(`${op.issuer}/device`);
      expect(r.body.verification_uri_complete).to.contain('user_code=');
      expect(r.body.expires_in).to.be.a('number');
      expect(r.body.interval).to.equal(5);
      expect(Object.keys(r.body as Json)).to.not.include('device_code');
      expect((await state()).state).to.equal('pending');
      await enterUserCode(
        op,
        r.body.verification_uri as string,
        r.body.user_code as string,
        'dora',
      );
      const st = await settledState();
      expect(st.state).to.equal('signed-in');
      expect(st.who).to.equal('dora');
      const polls = op.tokenBodies.map((b) => new URLSearchParams(b));
      expect(
        polls.every((b) => b.get('grant_type') === 'urn:ietf:params:oauth:grant-type:device_code'),
      ).to.equal(true);
      l.send();
      await l.settled(1);
      expect(l.out).to.have.length(1);
      await object().getToken(true);
      expect(refreshBodies()).to.have.length(1);
    });

    it('signs in a private_key_jwt client, the device authorization request signed too', async () => {
      await op.close();
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      op = await startDelegatedProvider({ redirectUris: [REDIRECT], jwtPublicKey: publicKey });
      l = await load(flowOf(dcObject({ clientAuth: 'private_key_jwt' })), {
        auth: {
          clientId: 'jwt-app',
          privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        },
      });
      const r = await start();
      expect(r.status, r.text).to.equal(200);
      await enterUserCode(op, r.body.verification_uri as string, r.body.user_code as string, 'fay');
      const st = await settledState();
      expect(st.state, JSON.stringify(st)).to.equal('signed-in');
      expect(op.tokenBodies.every((b) => new URLSearchParams(b).has('client_assertion'))).to.equal(
        true,
      );
    });

    it('reports a denied device sign-in and stores nothing', async () => {
      l = await load(flowOf(dcObject()), { auth: op.publicClient });
      const r = await start();
      await enterUserCode(
        op,
        r.body.verification_uri as string,
        r.body.user_code as string,
        'x',
        true,
      );
      const st = await settledState();
      expect(st.state).to.equal('denied');
      expect(fs.existsSync(path.join(userDir, STORE_FILE))).to.equal(false);
    });
  });

  describe('device code against a scripted server', () => {
    let raw: RawServer;
    afterEach(async () => raw?.close());

    /** A device endpoint, then token answers from `polls` in turn. */
    async function scripted(polls: Json[]) {
      let i = 0;
      raw = await startRawServer((req, res) => {
        if (req.url === '/device') {
          return handlers.json(200, {
            device_code: 'dev-code-7f1e',
            user_code: 'WDJB-MJHT',
            verification_uri: `${raw.url}/activate`,
            expires_in: 60,
            interval: 1,
          })(req, res, '', 0);
        }
        const p = polls[Math.min(i++, polls.length - 1)]!;
        handlers.json('error' in p ? 400 : 200, p)(req, res, '', 0);
      });
    }
    const load2 = () =>
      load(
        flowOf({
          grantType: 'device_code',
          tokenUrl: raw.tokenUrl,
          deviceAuthorizationUrl: `${raw.url}/device`,
          clientAuth: 'none',
        }),
        { auth: { clientId: 'tv' } },
      );
    async function outcome(): Promise<Json> {
      for (let i = 0; i < 300; i++) {
        const s = await state();
        if (s.state !== 'pending') return s;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('still pending');
    }
    const tokenPolls = () => raw.requests.filter((r) => r.url === '/token');

    it('keeps polling through authorization_pending and slow_down, then signs in', async () => {
      await scripted([
        { error: 'authorization_pending' },
        { error: 'slow_down' },
        { error: 'authorization_pending' },
        {
          access_token: 'at-1',
          refresh_token: 'rt-1',
          expires_in: 300,
          refresh_expires_in: 86400 * 3,
        },
      ]);
      l = await load2();
      const r = await helper.request().post('/auth-objects/device').send({ id: 'auth' });
      expect(r.body).to.deep.equal({
        user_code: 'WDJB-MJHT',
        verification_uri: `${raw.url}/activate`,
        expires_in: 60,
        interval: 1,
      });
      const st = await outcome();
      expect(st.state).to.equal('signed-in');
      expect(tokenPolls()).to.have.length(4);
      for (const p of tokenPolls()) {
        expect(new URLSearchParams(p.body).get('device_code')).to.equal('dev-code-7f1e');
      }
      // refresh_expires_in: an automatic refreshToken expiry in three days.
      expect(Date.parse(String(st.refreshExpiresAt)) - Date.now()).to.be.within(
        2.9 * 86400_000,
        3.1 * 86400_000,
      );
      const item = ((await expiries()).items as Json[]).find(
        (i) => (i.appliesTo as string[])[0] === 'refreshToken',
      );
      expect(item?.daysLeft).to.equal(3);
      expect(item?.severity).to.equal('critical');
    });

    it('stops at access_denied and at expired_token', async () => {
      for (const [error, expected] of [
        ['access_denied', 'denied'],
        ['expired_token', 'expired'],
      ] as const) {
        await scripted([{ error: 'authorization_pending' }, { error }]);
        l = await load2();
        await helper.request().post('/auth-objects/device').send({ id: 'auth' }).expect(200);
        const st = await outcome();
        expect(st.state).to.equal(expected);
        expect(st.code).to.equal(error);
        expect(tokenPolls()).to.have.length(2);
        await helper.unload();
        await raw.close();
      }
    });

    it('stops polling when the object is redeployed', async () => {
      await scripted([{ error: 'authorization_pending' }]);
      l = await load2();
      await helper.request().post('/auth-objects/device').send({ id: 'auth' }).expect(200);
      await new Promise((r) => setTimeout(r, 100));
      await helper.unload();
      // A poll already on the wire may still arrive; none starts afterwards (one every
      // 20 ms otherwise).
      await new Promise((r) => setTimeout(r, 60));
      const n = tokenPolls().length;
      await new Promise((r) => setTimeout(r, 240));
      expect(tokenPolls().length).to.equal(n);
    });

    it('answers the provider refusal of the device authorization request', async () => {
      raw = await startRawServer(handlers.json(401, { error: 'invalid_client' }));
      l = await load2();
      const r = await helper.request().post('/auth-objects/device').send({ id: 'auth' });
      expect(r.status).to.equal(502);
      expect(r.body.code).to.equal('invalid_client');
      expect((await state()).state).to.equal('error');
    });
  });

  describe('refresh token pasted', () => {
    let raw: RawServer;
    afterEach(async () => raw?.close());

    it('renews with the pasted token, keeps the rotated one across a restart, and a newly pasted one wins', async () => {
      let n = 0;
      raw = await startRawServer((req, res, body) => {
        n++;
        const rt = new URLSearchParams(body).get('refresh_token');
        if (rt === 'revoked')
          return handlers.json(400, { error: 'invalid_grant' })(req, res, '', 0);
        handlers.json(200, {
          access_token: `at-${n}`,
          refresh_token: `rotated-${n}`,
          expires_in: 300,
          refresh_token_expires_in: 86400 * 40,
        })(req, res, '', 0);
      });
      const flow = flowOf({
        grantType: 'refresh_token',
        tokenUrl: raw.tokenUrl,
        clientAuth: 'none',
      });
      l = await load(flow, { auth: { clientId: 'app', refreshToken: 'pasted-1' } });
      expect((await state()).state).to.equal('signed-in');
      l.send();
      await l.settled(1);
      expect(new URLSearchParams(raw.requests[0]!.body).get('refresh_token')).to.equal('pasted-1');
      await helper.unload();
      l = await load(flow, { auth: { clientId: 'app', refreshToken: 'pasted-1' } });
      l.send();
      await l.settled(1);
      expect(new URLSearchParams(raw.requests[1]!.body).get('refresh_token')).to.equal('rotated-1');
      await helper.unload();
      l = await load(flow, { auth: { clientId: 'app', refreshToken: 'pasted-2' } });
      l.send();
      await l.settled(1);
      expect(new URLSearchParams(raw.requests[2]!.body).get('refresh_token')).to.equal('pasted-2');
      const text = filesOf(userDir);
      for (const s of ['pasted-1', 'pasted-2', 'rotated-1', 'rotated-2', 'rotated-3']) {
        expect(leaks(text, [s]), s).to.deep.equal([]);
      }
      await helper.unload();
      l = await load(flow, { auth: { clientId: 'app', refreshToken: 'revoked' } });
      l.send();
      await l.settled(1);
      expect(codes()).to.deep.equal(['SIGN_IN_REQUIRED']);
    });
  });
});
