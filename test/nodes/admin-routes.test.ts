import { expect } from 'chai';
import type { AuthObjectNode } from '../../nodes/auth-object-api';
import { DEMO, startOAuthServer, type OAuthServer } from '../fixtures/oauth-server';
import { handlers, startRawServer, type RawHandler, type RawServer } from '../fixtures/raw-server';
import { flowOf, helper, load, type Loaded } from '../helpers/runtime';

const conf = DEMO.confidential;
const user = DEMO.user;
const SECRETS = [conf.clientSecret, user.password];

describe('admin routes', function () {
  this.timeout(20_000);
  let server: OAuthServer;
  const bodies: string[] = [];

  beforeEach(async () => {
    server = await startOAuthServer();
    // Deployed with the real secrets, so "unchanged" fields can use them.
    await load(
      flowOf({
        grantType: 'password',
        tokenUrl: server.tokenUrl,
        expiries: [
          {
            expiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString(),
            appliesTo: ['password'],
          },
          { expiresAt: 'next tuesday', appliesTo: ['clientSecret'] },
        ],
      }),
      { auth: { ...conf, ...user } },
    );
  });
  afterEach(async () => {
    await helper.unload();
    await server.close();
  });
  after(() => {
    const all = bodies.join('\n');
    for (const s of SECRETS)
      expect(all.includes(s), 'a response contains a secret').to.equal(false);
  });

  async function test(body: Record<string, unknown>, status = 200) {
    const res = await helper.request().post('/auth-objects/test').send(body).expect(status);
    bodies.push(res.text);
    for (const token of server.issuedAccessTokens) expect(res.text).to.not.contain(token);
    return res.body as Record<string, unknown>;
  }
  const form = (credentials: Record<string, string>, extra: Record<string, unknown> = {}) => ({
    id: 'auth',
    grantType: 'password',
    tokenUrl: server.tokenUrl,
    scope: 'read write',
    clientAuth: 'client_secret_basic',
    credentials,
    ...extra,
  });

  it('tests the form before deploy and reports type, lifetime and scope, never the token', async () => {
    const r = await test(form({ ...conf, ...user }));
    expect(r).to.deep.equal({
      ok: true,
      tokenType: 'Bearer',
      expiresIn: 3600,
      scope: 'read write',
      scopeStated: true,
      requestedScope: 'read write',
      refreshToken: true,
      tokenEndpoint: server.tokenUrl,
    });
    expect(server.requests).to.have.length(1);
  });

  it('uses the stored secret for a password field the user left unchanged', async () => {
    const r = await test(
      form({
        clientId: conf.clientId,
        clientSecret: '__PWRD__',
        username: user.username,
        password: '__PWRD__',
      }),
    );
    expect(r.ok).to.equal(true);
    expect(server.requests[0]!.authorization).to.match(/^Basic /);
  });

  it('reports a wrong password with the OAuth error code, after exactly one request', async () => {
    const r = await test(form({ ...conf, username: user.username, password: 'wrong-in-form' }));
    expect(r).to.include({ ok: false, code: 'invalid_grant' });
    expect(String(r.message)).to.contain('invalid_grant');
    expect(server.requests).to.have.length(1);
  });

  it('names the field of a configuration problem and makes no request', async () => {
    const r = await test(form({ ...conf, ...user }, { tokenUrl: 'http://example.com/token' }));
    expect(r).to.include({ ok: false, code: 'CONFIG_INVALID', field: 'tokenUrl' });
    expect(server.requests).to.have.length(0);
  });

  it('says "could not connect" in its own words when nothing listens', async () => {
    const r = await test(form({ ...conf, ...user }, { tokenUrl: 'http://127.0.0.1:9/token' }));
    expect(r).to.include({ ok: false, code: 'ECONNREFUSED' });
  });

  it('refuses bodies that are not an object', async () => {
    const res = await helper
      .request()
      .post('/auth-objects/test')
      .set('content-type', 'application/json')
      .send('[1,2]');
    expect(res.status).to.equal(400);
  });

  it('validates what it is sent: wrong types, unknown node ids, oversized bodies', async () => {
    const typed = await test({
      id: 42,
      grantType: [],
      tokenUrl: 42,
      extraParams: 'x',
      credentials: 'x',
    });
    expect(typed).to.include({ ok: false, code: 'CONFIG_INVALID' });
    const unknown = await test(
      form(
        {
          clientId: conf.clientId,
          clientSecret: '__PWRD__',
          username: user.username,
          password: '__PWRD__',
        },
        { id: 'no-such-node' },
      ),
    );
    expect(unknown).to.include({ ok: false, code: 'SECRET_REQUIRED' });
    expect(unknown.fields).to.deep.equal(['clientSecret', 'password']);
    const big = await helper
      .request()
      .post('/auth-objects/test')
      .send(form({ ...conf, ...user }, { scope: 'x'.repeat(100_000) }));
    expect(big.status).to.equal(413);
    expect(server.requests).to.have.length(0);
  });

  it('stops after 5 refused tests against one server, and lets successful ones run freely', async () => {
    const wrong = form({ ...conf, username: user.username, password: 'wrong-in-form' });
    const statuses = [];
    for (let i = 0; i < 7; i++) {
      const res = await helper.request().post('/auth-objects/test').send(wrong);
      bodies.push(res.text);
      statuses.push(res.status);
    }
    // Earlier tests in this file (one refusal) count too.
    expect(statuses.filter((s) => s === 200)).to.have.length.at.most(5);
    const last = await helper.request().post('/auth-objects/test').send(wrong).expect(429);
    expect(last.body).to.include({ code: 'RATE_LIMITED', limit: 'refusedUser' });
    expect(Number(last.headers['retry-after'])).to.be.greaterThan(0);
    expect(server.requests.length).to.be.at.most(5);
  });

  it('lists deployed expiries sorted by date, with unreadable dates apart, and no secrets', async () => {
    const res = await helper.request().get('/auth-objects/expiries').expect(200);
    bodies.push(res.text);
    expect(res.body.objects).to.deep.equal([
      {
        id: 'auth',
        name: 'test object',
        endpoint: `password @ ${new URL(server.tokenUrl).host}`,
        token: { state: 'idle' },
      },
    ]);
    expect(res.body.items).to.have.length(1);
    expect(res.body.items[0]).to.include({ severity: 'critical', daysLeft: 3 });
    expect(res.body.invalid).to.have.length(1);
    expect(res.body.invalid[0]).to.include({ expiresAt: 'next tuesday' });
  });
});

describe('the sidebar list: token state of each object', function () {
  this.timeout(20_000);
  let server: OAuthServer;
  afterEach(async () => {
    await helper.unload();
    await server.close();
  });

  const tokenOf = async () => {
    const res = await helper.request().get('/auth-objects/expiries').expect(200);
    for (const secret of [
      ...SECRETS,
      ...server.issuedAccessTokens,
      ...server.issuedRefreshTokens,
    ]) {
      expect(res.text).to.not.contain(secret);
    }
    return res.body.objects.map((o: { token: unknown }) => o.token);
  };

  it('says idle until a message took a token, then valid until its expiry, then idle once it lapsed', async () => {
    server = await startOAuthServer({ accessTokenLifetime: 2 });
    const l = await load(flowOf({ grantType: 'password', tokenUrl: server.tokenUrl }), {
      auth: { ...conf, ...user },
    });
    expect(await tokenOf()).to.deep.equal([{ state: 'idle' }]);
    l.send();
    await l.settled(1);
    const [valid] = await tokenOf();
    expect(valid).to.have.keys('state', 'expiresAt');
    expect(valid.state).to.equal('valid');
    // The object's own expiry, to the millisecond.
    const state = (l.node('auth') as AuthObjectNode).tokenState();
    expect(state.state).to.equal('valid');
    expect(valid.expiresAt).to.equal(
      new Date((state as { expiresAt: number }).expiresAt).toISOString(),
    );
    // Only the message that waited took it: it lapses instead of being renewed.
    for (let i = 0; i < 50 && (await tokenOf())[0].state !== 'idle'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await tokenOf()).to.deep.equal([{ state: 'idle' }]);
    expect(server.requests).to.have.length(1);
  });

  it('gives the error code and the end of the cool-down of a refused object, not its message', async () => {
    server = await startOAuthServer();
    const l = await load(flowOf({ grantType: 'password', tokenUrl: server.tokenUrl }), {
      auth: { ...conf, ...user, password: 'wrong' },
    });
    l.send();
    await l.settled(1);
    const [token] = await tokenOf();
    expect(token).to.have.keys('state', 'code', 'pausedUntil');
    expect(token).to.include({ state: 'error', code: 'invalid_grant' });
    const state = (l.node('auth') as AuthObjectNode).tokenState() as { pausedUntil: number };
    expect(token.pausedUntil).to.equal(new Date(state.pausedUntil).toISOString());
  });
});

describe('Test connection: what the server left out or does not list', function () {
  this.timeout(20_000);
  let raw: RawServer;
  let loaded: Loaded | undefined;
  const creds = { clientId: 'cid', clientSecret: 'raw-secret-5Tq' };
  const token = { access_token: 'raw-at-8Hw', token_type: 'Bearer', expires_in: 60 };

  /** An OpenID provider on `raw`: its discovery document lists `methods`, `/token` runs `tokens`. */
  const provider =
    (methods: unknown, tokens: RawHandler = handlers.json(200, token)): RawHandler =>
    (req, res, body, n) => {
      if (req.url === '/.well-known/openid-configuration') {
        const issuer = `http://${req.headers.host}`;
        const doc = {
          issuer,
          token_endpoint: `${issuer}/token`,
          token_endpoint_auth_methods_supported: methods,
        };
        return handlers.json(200, doc)(req, res, body, n);
      }
      tokens(req, res, body, n);
    };

  beforeEach(async () => {
    raw = await startRawServer(handlers.json(200, token));
  });
  afterEach(async () => {
    loaded = undefined;
    await helper.unload();
    await raw.close();
  });

  async function test(body: Record<string, unknown>) {
    if (!loaded) loaded = await load(flowOf({ tokenUrl: raw.tokenUrl }), { auth: creds });
    const res = await helper.request().post('/auth-objects/test').send(body).expect(200);
    expect(res.text).to.not.contain(creds.clientSecret).and.not.contain(token.access_token);
    return res.body as Record<string, unknown>;
  }
  const form = (extra: Record<string, unknown>) => ({
    grantType: 'client_credentials',
    clientAuth: 'client_secret_basic',
    credentials: creds,
    ...extra,
  });

  it('says when the server stated no scope, and which one was requested', async () => {
    const r = await test(form({ tokenUrl: raw.tokenUrl, scope: 'api:write' }));
    expect(r).to.include({
      ok: true,
      scope: 'api:write',
      scopeStated: false,
      requestedScope: 'api:write',
    });
  });

  it('tells a stated scope from the requested one', async () => {
    raw.setHandler(handlers.json(200, { ...token, scope: 'api:read' }));
    const r = await test(form({ tokenUrl: raw.tokenUrl, scope: '  api:write   api:read ' }));
    expect(r).to.include({
      ok: true,
      scope: 'api:read',
      scopeStated: true,
      requestedScope: 'api:write api:read',
    });
  });

  it('warns when discovery does not list the chosen client auth, and sends it unchanged', async () => {
    raw.setHandler(provider(['none']));
    const r = await test(form({ issuer: raw.url, tokenUrl: '' }));
    expect(r).to.include({ ok: true });
    expect(r.warning).to.equal(
      'the server lists only none among its client authentication methods, not client_secret_basic: choose none',
    );
    const sent = raw.requests.find((q) => q.url === '/token')!;
    expect(sent.headers.authorization).to.match(/^Basic /);
  });

  it('suggests the first listed client auth this package supports, also when the test failed', async () => {
    raw.setHandler(
      provider(
        ['self_signed_tls_client_auth', 'tls_client_auth', 'private_key_jwt', 'client_secret_post'],
        handlers.json(401, { error: 'invalid_client' }),
      ),
    );
    const r = await test(form({ issuer: raw.url, tokenUrl: '' }));
    expect(r).to.include({ ok: false, code: 'invalid_client' });
    expect(r.warning).to.equal(
      'the server lists only self_signed_tls_client_auth, tls_client_auth, private_key_jwt, client_secret_post among its client authentication methods, not client_secret_basic: choose client_secret_post',
    );
  });

  it('gives no warning when the chosen client auth is listed, or nothing is listed', async () => {
    raw.setHandler(provider(['client_secret_post', 'client_secret_basic']));
    expect(await test(form({ issuer: raw.url, tokenUrl: '' }))).to.not.have.property('warning');
    raw.setHandler(provider(undefined));
    expect(await test(form({ issuer: raw.url, tokenUrl: '' }))).to.not.have.property('warning');
    raw.setHandler(provider(['no such method!', 42]));
    expect(await test(form({ issuer: raw.url, tokenUrl: '' }))).to.not.have.property('warning');
  });

  it('warns once in the log of a deployed object whose client auth the server does not list', async () => {
    raw.setHandler(provider(['client_secret_post']));
    loaded = await load(
      flowOf({ grantType: 'client_credentials', issuer: raw.url, tokenUrl: '' }),
      {
        auth: creds,
      },
    );
    loaded.send();
    loaded.send();
    await loaded.settled(2);
    expect(loaded.errors).to.deep.equal([]);
    const warnings = (
      helper.log() as unknown as { args: { level: number; id?: string; msg: unknown }[][] }
    ).args
      .map((a) => a[0]!)
      .filter((e) => e.level === 30 && e.id === 'auth')
      .map((e) => String(e.msg));
    expect(warnings).to.deep.equal([
      'the server lists only client_secret_post among its client authentication methods, not client_secret_basic: choose client_secret_post',
    ]);
    // What is sent stays as configured.
    const sent = raw.requests.filter((q) => q.url === '/token');
    expect(sent.every((q) => /^Basic /.test(String(q.headers.authorization)))).to.equal(true);
  });
});
