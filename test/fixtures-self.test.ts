/**
 * Self-test of the test fixtures: the real OAuth server (test/fixtures/oauth-server.ts) and the
 * raw misbehaving server (test/fixtures/raw-server.ts).
 */
import { DEMO, startOAuthServer, type OAuthServer } from './fixtures/oauth-server';
import { handlers, startRawServer, type RawServer } from './fixtures/raw-server';

// chai 6 is ESM-only; a static import type-checks only with "module": "node20" (or nodenext),
// so load it dynamically (works under both).
let expect: typeof import('chai', { with: { 'resolution-mode': 'import' } }).expect;
before(async () => {
  ({ expect } = await import('chai'));
});

const basic = (id: string, secret: string): string =>
  'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');
const CONF_BASIC = basic(DEMO.confidential.clientId, DEMO.confidential.clientSecret);

interface TokenBody {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
}

async function post(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: TokenBody; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as TokenBody) : {},
    text,
  };
}

const passwordFields = {
  grant_type: 'password',
  username: DEMO.user.username,
  password: DEMO.user.password,
};

describe('fixture: OAuth server', () => {
  let srv: OAuthServer;
  beforeEach(async () => {
    srv = await startOAuthServer();
  });
  afterEach(async () => {
    await srv.close();
  });

  it('exposes token, refresh and api URLs on 127.0.0.1', () => {
    expect(srv.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(srv.tokenUrl).to.equal(`${srv.url}/token`);
    expect(srv.refreshUrl).to.equal(`${srv.url}/refresh`);
    expect(srv.apiUrl).to.equal(`${srv.url}/api`);
  });

  it('issues a bearer token for the password grant with client_secret_basic', async () => {
    const r = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    expect(r.status).to.equal(200);
    expect(r.headers.get('content-type')).to.match(/^application\/json/);
    expect(r.headers.get('cache-control')).to.equal('no-store');
    expect(r.body.token_type).to.equal('Bearer');
    expect(r.body.access_token).to.be.a('string').and.equal(srv.issuedAccessTokens[0]);
    expect(r.body.refresh_token).to.be.a('string').and.equal(srv.issuedRefreshTokens[0]);
    expect(r.body.expires_in).to.equal(3600);
    expect(r.body.scope).to.equal('read');
    expect(srv.requests).to.have.length(1);
    expect(srv.requests[0]).to.include({
      grantType: 'password',
      clientId: 'conf-client',
      authorization: CONF_BASIC,
      path: '/token',
      method: 'POST',
      status: 200,
    });
    expect(srv.requests[0].body).to.deep.equal(passwordFields);
  });

  it('accepts client_secret_post (client_id and client_secret in the body)', async () => {
    const r = await post(srv.tokenUrl, {
      ...passwordFields,
      client_id: DEMO.confidential.clientId,
      client_secret: DEMO.confidential.clientSecret,
    });
    expect(r.status).to.equal(200);
    expect(r.body.access_token).to.be.a('string');
    expect(srv.requests[0].clientId).to.equal('conf-client');
    expect(srv.requests[0].authorization).to.equal(undefined);
  });

  it('accepts Basic credentials that are form-urlencoded as RFC 6749 §2.3.1 asks', async () => {
    const encoded = basic(
      encodeURIComponent(DEMO.confidential.clientId),
      new URLSearchParams({ s: DEMO.confidential.clientSecret }).toString().slice(2), // '!' → %21
    );
    expect(encoded).to.not.equal(CONF_BASIC);
    const r = await post(srv.tokenUrl, passwordFields, { authorization: encoded });
    expect(r.status).to.equal(200);
  });

  it('issues tokens to the public client with client_id only and no secret', async () => {
    const r = await post(srv.tokenUrl, { ...passwordFields, client_id: 'public-client' });
    expect(r.status).to.equal(200);
    expect(r.body.refresh_token).to.be.a('string');
    const refreshed = await post(srv.tokenUrl, {
      grant_type: 'refresh_token',
      refresh_token: r.body.refresh_token!,
      client_id: 'public-client',
    });
    expect(refreshed.status).to.equal(200);
  });

  it('refuses client_credentials for the public client', async () => {
    const r = await post(srv.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'public-client',
    });
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_client');
  });

  it('refuses the confidential client when it omits its secret', async () => {
    const r = await post(srv.tokenUrl, { ...passwordFields, client_id: 'conf-client' });
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_client');
  });

  it('issues client_credentials tokens without a refresh token, echoing the scope', async () => {
    const r = await post(
      srv.tokenUrl,
      { grant_type: 'client_credentials', scope: 'read write' },
      { authorization: CONF_BASIC },
    );
    expect(r.status).to.equal(200);
    expect(r.body.scope).to.equal('read write');
    expect(r.body).to.not.have.property('refresh_token');
    expect(r.body.expires_in).to.equal(3600);
    expect(srv.issuedRefreshTokens).to.have.length(0);
  });

  it('answers 400 invalid_scope for a scope the client may not have', async () => {
    const r = await post(
      srv.tokenUrl,
      { ...passwordFields, scope: 'read superuser' },
      { authorization: CONF_BASIC },
    );
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_scope');
    expect(srv.requests[0].status).to.equal(400);
  });

  it('answers 400 invalid_grant for a wrong password', async () => {
    const r = await post(
      srv.tokenUrl,
      { ...passwordFields, password: 'wrong' },
      { authorization: CONF_BASIC },
    );
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_grant');
    expect(r.body.error_description).to.be.a('string');
  });

  it('answers 401 invalid_client with WWW-Authenticate for a wrong secret sent with Basic', async () => {
    const r = await post(srv.tokenUrl, passwordFields, {
      authorization: basic('conf-client', 'nope'),
    });
    expect(r.status).to.equal(401);
    expect(r.body.error).to.equal('invalid_client');
    expect(r.headers.get('www-authenticate')).to.match(/^Basic /);
  });

  it('answers 400 invalid_client for a wrong secret sent in the body', async () => {
    const r = await post(srv.tokenUrl, {
      ...passwordFields,
      client_id: 'conf-client',
      client_secret: 'nope',
    });
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_client');
  });

  it('rotates refresh tokens at refreshUrl and refuses the used one afterwards', async () => {
    const first = await post(
      srv.tokenUrl,
      { ...passwordFields, scope: 'read write' },
      {
        authorization: CONF_BASIC,
      },
    );
    const rt1 = first.body.refresh_token!;
    const second = await post(
      srv.refreshUrl,
      { grant_type: 'refresh_token', refresh_token: rt1 },
      { authorization: CONF_BASIC },
    );
    expect(second.status).to.equal(200);
    expect(second.body.refresh_token).to.be.a('string').and.not.equal(rt1);
    expect(second.body.access_token).to.not.equal(first.body.access_token);
    expect(second.body.scope).to.equal('read write');
    expect(second.body.expires_in).to.equal(3600);
    expect(srv.requests[1]).to.include({ path: '/refresh', grantType: 'refresh_token' });

    const reused = await post(
      srv.refreshUrl,
      { grant_type: 'refresh_token', refresh_token: rt1 },
      { authorization: CONF_BASIC },
    );
    expect(reused.status).to.equal(400);
    expect(reused.body.error).to.equal('invalid_grant');
    expect(srv.issuedRefreshTokens).to.deep.equal([rt1, second.body.refresh_token]);
  });

  it('makes every refresh token invalid after revokeRefreshTokens()', async () => {
    const first = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    srv.revokeRefreshTokens();
    const r = await post(
      srv.tokenUrl,
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! },
      { authorization: CONF_BASIC },
    );
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_grant');
  });

  it('answers the next n token requests with failNext status, empty body and Retry-After', async () => {
    srv.failNext(2, 503, '1');
    for (let i = 0; i < 2; i++) {
      const r = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
      expect(r.status).to.equal(503);
      expect(r.text).to.equal('');
      expect(r.headers.get('retry-after')).to.equal('1');
    }
    const ok = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    expect(ok.status).to.equal(200);
    expect(srv.requests.map((q) => q.status)).to.deep.equal([503, 503, 200]);
  });

  it('serves the protected api to a valid bearer token and 401s anything else', async () => {
    const t = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    const good = await fetch(srv.apiUrl, {
      headers: { authorization: `Bearer ${t.body.access_token}` },
    });
    expect(good.status).to.equal(200);
    expect(await good.json()).to.deep.equal({ ok: true, user: 'alice', client: 'conf-client' });

    const bad = await fetch(srv.apiUrl, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bad.status).to.equal(401);
    expect(bad.headers.get('www-authenticate')).to.match(/^Bearer /);
    await bad.text();

    const none = await fetch(srv.apiUrl);
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^Bearer /);
    await none.text();
    expect(srv.apiRequests.map((a) => a.status)).to.deep.equal([200, 401, 401]);
  });

  it('names the service account as the api user for client_credentials tokens', async () => {
    const t = await post(
      srv.tokenUrl,
      { grant_type: 'client_credentials' },
      {
        authorization: CONF_BASIC,
      },
    );
    const r = await fetch(srv.apiUrl, {
      headers: { authorization: `Bearer ${t.body.access_token}` },
    });
    expect(await r.json()).to.deep.equal({
      ok: true,
      user: 'service-account-conf-client',
      client: 'conf-client',
    });
  });

  it('issues tokens with the lifetime set by setLifetime() and refuses them at the api once expired', async () => {
    srv.setLifetime(1);
    const t = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    expect(t.body.expires_in).to.equal(1);
    await new Promise((r) => setTimeout(r, 1100));
    const r = await fetch(srv.apiUrl, {
      headers: { authorization: `Bearer ${t.body.access_token}` },
    });
    expect(r.status).to.equal(401);
    await r.text();
  });

  it('delays each token answer by the latency set', async () => {
    srv.setLatency(300);
    const start = Date.now();
    const r = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    expect(r.status).to.equal(200);
    expect(Date.now() - start).to.be.at.least(280);
  });

  it('closes promptly while a delayed token request is still pending', async () => {
    srv.setLatency(10_000);
    const pending = post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    const start = Date.now();
    await srv.close();
    expect(await pending).to.equal('failed');
    expect(Date.now() - start).to.be.below(1000);
  });
});

describe('fixture: OAuth server options', () => {
  let srv: OAuthServer | undefined;
  afterEach(async () => {
    await srv?.close();
    srv = undefined;
  });

  it('leaves out the refresh token for the password grant when issueRefreshToken is false', async () => {
    srv = await startOAuthServer({ issueRefreshToken: false, accessTokenLifetime: 120 });
    const r = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    expect(r.status).to.equal(200);
    expect(r.body).to.not.have.property('refresh_token');
    expect(r.body.expires_in).to.equal(120);
  });

  it('keeps the refresh token valid and issues none when rotation is off', async () => {
    srv = await startOAuthServer({ alwaysIssueNewRefreshToken: false });
    const first = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    const fields = { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! };
    for (let i = 0; i < 2; i++) {
      const r = await post(srv.tokenUrl, fields, { authorization: CONF_BASIC });
      expect(r.status).to.equal(200);
      expect(r.body).to.not.have.property('refresh_token');
    }
  });

  it('refuses an expired refresh token with invalid_grant', async () => {
    srv = await startOAuthServer({ refreshTokenLifetime: 1 });
    const first = await post(srv.tokenUrl, passwordFields, { authorization: CONF_BASIC });
    await new Promise((r) => setTimeout(r, 1100));
    const r = await post(
      srv.tokenUrl,
      { grant_type: 'refresh_token', refresh_token: first.body.refresh_token! },
      { authorization: CONF_BASIC },
    );
    expect(r.status).to.equal(400);
    expect(r.body.error).to.equal('invalid_grant');
  });
});

describe('fixture: raw server', () => {
  let raw: RawServer;
  afterEach(async () => {
    await raw.close();
  });

  it('answers JSON with extra headers and records the request', async () => {
    raw = await startRawServer(handlers.json(200, { a: 1 }, { 'x-test': 'yes' }));
    const r = await fetch(raw.tokenUrl, { method: 'POST', body: 'grant_type=password' });
    expect(r.status).to.equal(200);
    expect(r.headers.get('x-test')).to.equal('yes');
    expect(r.headers.get('content-type')).to.equal('application/json');
    expect(await r.json()).to.deep.equal({ a: 1 });
    expect(raw.requests).to.have.length(1);
    expect(raw.requests[0]).to.include({
      method: 'POST',
      url: '/token',
      body: 'grant_type=password',
    });
  });

  it('serves an HTML error page and plain text', async () => {
    raw = await startRawServer(handlers.html(502));
    const r = await fetch(raw.tokenUrl);
    expect(r.status).to.equal(502);
    expect(r.headers.get('content-type')).to.match(/^text\/html/);
    expect(await r.text()).to.match(/<html>.*502 Bad Gateway/s);

    raw.setHandler(handlers.text(200, 'not json', 'application/json'));
    const t = await fetch(raw.tokenUrl);
    expect(t.headers.get('content-type')).to.equal('application/json');
    expect(await t.text()).to.equal('not json');
  });

  it('uses the handlers of sequence() in order and repeats the last', async () => {
    raw = await startRawServer(
      handlers.sequence(handlers.text(503, ''), handlers.json(200, { ok: 1 })),
    );
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await fetch(raw.tokenUrl);
      await r.text();
      statuses.push(r.status);
    }
    expect(statuses).to.deep.equal([503, 200, 200]);
  });

  it('passes the 1-based request count to handlers', async () => {
    raw = await startRawServer((_req, res, _body, n) => res.end(String(n)));
    expect(await (await fetch(raw.url)).text()).to.equal('1');
    expect(await (await fetch(raw.url)).text()).to.equal('2');
  });

  it('sends a 302 with Location from redirect()', async () => {
    raw = await startRawServer(handlers.redirect('https://elsewhere.example/token'));
    const r = await fetch(raw.tokenUrl, { redirect: 'manual' });
    expect(r.status).to.equal(302);
    expect(r.headers.get('location')).to.equal('https://elsewhere.example/token');
  });

  it('serves a gzip-encoded body that clients decompress', async () => {
    raw = await startRawServer(handlers.gzip(200, JSON.stringify({ access_token: 'z' })));
    const r = await fetch(raw.tokenUrl);
    expect(r.headers.get('content-encoding')).to.equal('gzip');
    expect(await r.json()).to.deep.equal({ access_token: 'z' });
  });

  it('never answers with hang(), and close() still returns promptly', async () => {
    raw = await startRawServer(handlers.hang());
    const err = await fetch(raw.tokenUrl, { signal: AbortSignal.timeout(200) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal('TimeoutError');
    const pending = fetch(raw.tokenUrl).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((r) => setTimeout(r, 50));
    await raw.close();
    expect(await pending).to.equal('failed');
  });

  it('sends headers and part of a body, then hangs, with headersThenHang()', async () => {
    raw = await startRawServer(handlers.headersThenHang());
    const ac = new AbortController();
    const r = await fetch(raw.tokenUrl, { signal: ac.signal });
    expect(r.status).to.equal(200);
    const body = r.text().then(
      () => 'complete',
      () => 'aborted',
    );
    setTimeout(() => ac.abort(), 200);
    expect(await body).to.equal('aborted');
  });

  it('resets the connection mid-response with destroy()', async () => {
    raw = await startRawServer(handlers.destroy());
    const outcome = await fetch(raw.tokenUrl).then(
      (r) =>
        r.text().then(
          () => 'complete',
          () => `body failed after ${r.status}`,
        ),
      () => 'request failed',
    );
    expect(outcome).to.equal('body failed after 200');
  });

  it('answers after a pause with delay()', async () => {
    raw = await startRawServer(handlers.delay(200, handlers.json(200, {})));
    const start = Date.now();
    await (await fetch(raw.url)).text();
    expect(Date.now() - start).to.be.at.least(180);
  });
});
