/**
 * The delegated grants in a real Node-RED runtime against a real OpenID Provider
 * (oidc-provider on 127.0.0.1: PKCE required, rotating refresh tokens, device flow),
 * signed in through the package's admin routes as the editor does.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuthObjectNode } from '../../nodes/auth-object-api';
import { POLL_TIMING } from '../../nodes/signin-routes';
import { STORE_FILE } from '../../nodes/signin-store';
import {
  enterUserCode,
  signInAt,
  startDelegatedProvider,
  type DelegatedProvider,
} from '../fixtures/oidc-delegated';
import { flowOf, helper, load, emitted, type Loaded } from '../helpers/runtime';

const REDIRECT = 'http://127.0.0.1:1880/auth-objects/callback';

describe('delegated access: authorization code with PKCE', function () {
  this.timeout(30_000);
  let op: DelegatedProvider;
  let userDir: string;
  let l: Loaded;

  before(() => {
    POLL_TIMING.secondMs = 20;
  });
  after(() => {
    POLL_TIMING.secondMs = 1000;
    helper.settings({});
  });
  beforeEach(async () => {
    op = await startDelegatedProvider({ redirectUris: [REDIRECT] });
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auth-objects-deleg-'));
    helper.settings({ userDir });
  });
  afterEach(async () => {
    await helper.unload();
    await op.close();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const acObject = (extra: Record<string, unknown> = {}) => ({
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
    return res;
  }

  /** The editor's Sign in: authorize, the person at the provider, the callback. */
  async function signIn(login = 'ann') {
    const a = await authorize();
    expect(a.status, a.text).to.equal(200);
    const back = await signInAt(op, a.body.url as string, login);
    expect(back.href.startsWith(REDIRECT)).to.equal(true);
    return helper.request().get(`/auth-objects/callback${back.search}`);
  }

  it('fails every message with SIGN_IN_REQUIRED and sends nothing until someone signs in', async () => {
    l = await load(flowOf(acObject()), { auth: op.publicClient });
    l.send();
    l.send();
    await l.settled(2);
    expect(l.errors.map((m) => (m.error as { code?: string }).code)).to.deep.equal([
      'SIGN_IN_REQUIRED',
      'SIGN_IN_REQUIRED',
    ]);
    expect(op.tokenBodies).to.have.length(0);
    const st = await helper.request().get('/auth-objects/sign-in/auth').expect(200);
    expect(st.body).to.deep.equal({ state: 'none' });
    expect(l.statuses().some((s) => /sign ?in ?required/i.test(String(s.text)))).to.equal(true);
  });

  it('signs in through the routes and puts the tokens on messages', async () => {
    l = await load(flowOf(acObject()), { auth: op.publicClient });
    const a = await authorize();
    const url = new URL(a.body.url as string);
    expect(url.origin + url.pathname).to.equal(op.authorizeUrl);
    const q = url.searchParams;
    expect(q.get('response_type')).to.equal('code');
    expect(q.get('code_challenge_method')).to.equal('S256');
    expect(q.get('code_challenge')).to.match(/^[\w-]{43}$/);
    expect(q.get('state')).to.match(/^[\w-]{43}$/);
    expect(q.get('nonce')).to.match(/^[\w-]{43}$/);
    expect(q.get('redirect_uri')).to.equal(REDIRECT);
    const back = await signInAt(op, url.href, 'ann');
    const cb = await helper.request().get(`/auth-objects/callback${back.search}`);
    expect(cb.status, cb.text).to.equal(200);
    expect(cb.headers['cache-control']).to.equal('no-store');
    expect(cb.headers['referrer-policy']).to.equal('no-referrer');
    expect(cb.headers['content-security-policy']).to.match(/script-src 'nonce-[\w-]+'/);
    expect(cb.text).to.contain('postMessage');
    expect(cb.text).to.contain('"origin":"http://127.0.0.1:1880"');
    expect(cb.text).to.contain('"ok":true');
    // The code was exchanged with the verifier, once.
    const exchange = new URLSearchParams(op.tokenBodies[0]);
    expect(exchange.get('grant_type')).to.equal('authorization_code');
    expect(exchange.get('code_verifier')).to.match(/^[\w-]{43}$/);
    const st = await helper.request().get('/auth-objects/sign-in/auth').expect(200);
    expect(st.body.state).to.equal('signed-in');
    expect(st.body.who).to.equal('ann');
    l.send();
    await l.settled(1);
    const token = l.out[0]!.token as Record<string, unknown>;
    expect(token.access_token).to.equal(op.issuedAccessTokens[0]);
    expect(JSON.stringify(l.out[0])).to.not.contain(op.issuedRefreshTokens[0]);
    expect(op.tokenBodies).to.have.length(1);
    for (const secret of [...op.issuedRefreshTokens, ...op.issuedAccessTokens]) {
      expect(cb.text).to.not.contain(secret);
      expect(JSON.stringify(st.body)).to.not.contain(secret);
    }
  });
});
