/**
 * The sign-in steps without I/O (PKCE, the authorization URL, the device answers) and the
 * token manager of a delegated grant: renewal only by refresh token.
 */
import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import {
  MAX_DEVICE_SECONDS,
  authorizationUrl,
  checkRedirectUri,
  isOpenId,
  parseDeviceAuthorization,
  pkcePair,
  pollVerdict,
  randomToken,
  whoFromIdToken,
} from '../../nodes/core/delegated';
import { AuthError, OAuthResponseError, errors } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import { TokenManager, type ManagerState } from '../../nodes/core/token-manager';
import {
  codeRequest,
  deviceAuthorizationRequest,
  deviceTokenRequest,
  type TokenRequest,
} from '../../nodes/core/token-request';
import { processTokenResponse, type HttpResponse } from '../../nodes/core/token-response';

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});
const bodyOf = (r: TokenRequest) => Object.fromEntries(new URLSearchParams(r.body));
const ac = (extra: Record<string, unknown> = {}, creds: Record<string, string> = {}) =>
  validateSettings(
    {
      grantType: 'authorization_code',
      tokenUrl: 'https://idp.example.com/token',
      authorizeUrl: 'https://idp.example.com/authorize?tenant=a',
      clientAuth: 'none',
      scope: 'openid offline_access',
      authorizeParams: [{ name: 'prompt', value: 'consent' }],
      ...extra,
    },
    { clientId: 'app', ...creds },
  );

describe('sign-in steps', () => {
  it('makes a 43-character verifier and its S256 challenge, different every time', () => {
    const a = pkcePair();
    const b = pkcePair();
    expect(a.verifier).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).to.equal(createHash('sha256').update(a.verifier).digest('base64url'));
    expect(a.verifier).to.not.equal(b.verifier);
    expect(randomToken()).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  it('builds the authorization URL with the request parameters, the endpoint query and authorizeParams', () => {
    const url = authorizationUrl(ac(), {
      redirectUri: 'https://nr.example.com/auth-objects/callback',
      state: 'st',
      challenge: 'ch',
      nonce: 'no',
    });
    expect(url.origin + url.pathname).to.equal('https://idp.example.com/authorize');
    expect([...url.searchParams]).to.deep.equal([
      ['tenant', 'a'],
      ['response_type', 'code'],
      ['client_id', 'app'],
      ['redirect_uri', 'https://nr.example.com/auth-objects/callback'],
      ['scope', 'openid offline_access'],
      ['state', 'st'],
      ['code_challenge', 'ch'],
      ['code_challenge_method', 'S256'],
      ['nonce', 'no'],
      ['prompt', 'consent'],
    ]);
    expect(isOpenId('openid x')).to.equal(true);
    expect(isOpenId('profile')).to.equal(false);
  });

  it('accepts only redirect URIs of the callback route', () => {
    expect(checkRedirectUri('http://localhost:1880/auth-objects/callback')?.href).to.equal(
      'http://localhost:1880/auth-objects/callback',
    );
    expect(checkRedirectUri('https://nr.example.com/red/auth-objects/callback')).to.not.equal(
      undefined,
    );
    for (const bad of [
      'https://nr.example.com/auth-objects/callback/',
      'https://nr.example.com/other',
      'https://nr.example.com/auth-objects/callback?a=1',
      'https://nr.example.com/auth-objects/callback#a',
      'ftp://nr.example.com/auth-objects/callback',
      'https://u:p@nr.example.com/auth-objects/callback',
      `https://nr.example.com/${'a'.repeat(3000)}/auth-objects/callback`,
      5,
      null,
    ]) {
      expect(checkRedirectUri(bad), String(bad)).to.equal(undefined);
    }
  });

  it('exchanges the code with the verifier and the redirect URI, with the client authentication', () => {
    const s = ac({ clientAuth: 'client_secret_basic' }, { clientSecret: 's3' });
    const r = codeRequest(s, 'the-code', 'the-verifier', 'https://nr/auth-objects/callback');
    expect(bodyOf(r)).to.deep.equal({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'https://nr/auth-objects/callback',
      code_verifier: 'the-verifier',
    });
    expect(r.headers.Authorization).to.match(/^Basic /);
    const pub = codeRequest(ac(), 'c', 'v', 'https://nr/auth-objects/callback');
    expect(bodyOf(pub).client_id).to.equal('app');
  });

  it('asks for a device code with scope and authorizeParams, polls with the device grant', () => {
    const s = validateSettings(
      {
        grantType: 'device_code',
        tokenUrl: 'https://idp.example.com/token',
        deviceAuthorizationUrl: 'https://idp.example.com/device',
        clientAuth: 'none',
        scope: 'offline_access',
        authorizeParams: [{ name: 'audience', value: 'api' }],
        extraParams: [{ name: 'resource', value: 'r' }],
      },
      { clientId: 'tv' },
    );
    const d = deviceAuthorizationRequest(s);
    expect(d.url.href).to.equal('https://idp.example.com/device');
    expect(bodyOf(d)).to.deep.equal({ scope: 'offline_access', audience: 'api', client_id: 'tv' });
    const p = deviceTokenRequest(s, 'dc');
    expect(bodyOf(p)).to.deep.equal({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: 'dc',
      resource: 'r',
      client_id: 'tv',
    });
  });

  it('reads a device authorization answer, bounded, with RFC 8628 defaults', () => {
    const good = {
      device_code: 'dc',
      user_code: 'WDJB-MJHT',
      verification_uri: 'https://idp.example.com/device',
      expires_in: 900,
    };
    expect(parseDeviceAuthorization(json(200, good), false)).to.deep.equal({
      deviceCode: 'dc',
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://idp.example.com/device',
      expiresIn: 900,
      interval: 5,
    });
    const long = parseDeviceAuthorization(
      json(200, { ...good, expires_in: 86400, interval: 0.2 }),
      false,
    );
    expect(long?.expiresIn).to.equal(MAX_DEVICE_SECONDS);
    expect(long?.interval).to.equal(1);
    // Google names it verification_url.
    expect(
      parseDeviceAuthorization(
        json(200, {
          ...good,
          verification_uri: undefined,
          verification_url: good.verification_uri,
        }),
        false,
      )?.verificationUri,
    ).to.equal(good.verification_uri);
    for (const bad of [
      { ...good, device_code: '' },
      { ...good, user_code: '<script>\n' },
      { ...good, verification_uri: 'javascript:alert(1)' },
      { ...good, verification_uri: 'http://idp.example.com/device' },
      { ...good, expires_in: 0 },
      { ...good, expires_in: '900' },
    ]) {
      expect(parseDeviceAuthorization(json(200, bad), false), JSON.stringify(bad)).to.equal(
        undefined,
      );
    }
    expect(parseDeviceAuthorization(json(400, good), false)).to.equal(undefined);
  });

  it('waits on authorization_pending, slows down by 5 s on slow_down, stops on denial, expiry and errors', () => {
    const oauth = (e: string) => new OAuthResponseError(e, undefined, undefined, 400);
    expect(pollVerdict(oauth('authorization_pending'), 5)).to.deep.equal({
      next: 'wait',
      interval: 5,
    });
    expect(pollVerdict(oauth('slow_down'), 5)).to.deep.equal({ next: 'wait', interval: 10 });
    expect(pollVerdict(oauth('slow_down'), 58)).to.deep.equal({ next: 'wait', interval: 60 });
    expect(pollVerdict(oauth('access_denied'), 5)).to.deep.equal({ next: 'denied' });
    expect(pollVerdict(oauth('expired_token'), 5)).to.deep.equal({ next: 'expired' });
    expect(pollVerdict(errors.timeout(1000), 5)).to.deep.equal({ next: 'wait', interval: 5 });
    const bad = oauth('invalid_client');
    expect(pollVerdict(bad, 5)).to.deep.equal({ next: 'error', error: bad });
    expect(pollVerdict(errors.closed(), 5).next).to.equal('error');
  });

  it('reads who signed in from an ID token, and nothing from anything else', () => {
    const jwt = (claims: object) =>
      `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(whoFromIdToken(jwt({ sub: 's', email: 'e@x', preferred_username: 'ann' }))).to.equal(
      'ann',
    );
    expect(whoFromIdToken(jwt({ sub: 's', email: 'e@x' }))).to.equal('e@x');
    expect(whoFromIdToken(jwt({ sub: 's' }))).to.equal('s');
    expect(whoFromIdToken(jwt({ sub: 'a\nforged' }))).to.equal(undefined);
    expect(whoFromIdToken('not-a-jwt')).to.equal(undefined);
    expect(whoFromIdToken(undefined)).to.equal(undefined);
  });

  it('reads refresh_expires_in and refresh_token_expires_in as the refresh token lifetime', () => {
    const base = { access_token: 'a', refresh_token: 'r', expires_in: 60 };
    const at = (b: object) => processTokenResponse(json(200, { ...base, ...b }), 0, '');
    expect(at({ refresh_expires_in: 1800 }).refreshExpiresIn).to.equal(1800);
    expect(at({ refresh_token_expires_in: '7776000' }).refreshExpiresIn).to.equal(7776000);
    expect(at({ refresh_expires_in: 0 }).refreshExpiresIn).to.equal(undefined);
    expect(at({ refresh_expires_in: 'soon' }).refreshExpiresIn).to.equal(undefined);
    expect(at({}).refreshExpiresIn).to.equal(undefined);
  });
});

describe('token manager of a delegated grant', () => {
  /** Answers from the script in turn (the last one repeats); records requests. */
  function scripted(...replies: (HttpResponse | AuthError)[]) {
    const requests: TokenRequest[] = [];
    const transport: Transport = {
      send(req) {
        requests.push(req);
        const r = replies.length > 1 ? replies.shift()! : replies[0]!;
        return r instanceof AuthError ? Promise.reject(r) : Promise.resolve(r);
      },
      close() {},
    };
    return { transport, requests };
  }
  const managers: TokenManager[] = [];
  afterEach(() => managers.splice(0).forEach((m) => m.close()));
  const rotated: [string, number | undefined][] = [];
  let refused = 0;
  beforeEach(() => {
    rotated.length = 0;
    refused = 0;
  });
  function make(transport: Transport, refreshToken?: string, wasRefused = false) {
    const states: ManagerState[] = [];
    const m = new TokenManager({
      settings: ac(),
      transport,
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      onState: (s) => states.push(s),
      delegated: {
        ...(refreshToken ? { refreshToken } : {}),
        refused: wasRefused,
        onRefreshToken: (rt, at) => rotated.push([rt, at]),
        onRefused: () => refused++,
      },
    });
    managers.push(m);
    return { m, states };
  }
  const token = (n: number, extra = {}) =>
    json(200, { access_token: `at-${n}`, refresh_token: `rt-${n}`, expires_in: 3600, ...extra });

  it('answers SIGN_IN_REQUIRED at once, without a request, until someone signs in', async () => {
    const t = scripted(token(1));
    const { m, states } = make(t.transport);
    for (let i = 0; i < 3; i++) {
      const e = await m.getToken().catch((err: AuthError) => err);
      expect((e as AuthError).code).to.equal('SIGN_IN_REQUIRED');
      expect((e as AuthError).key).to.equal('signInRequired');
    }
    expect(t.requests).to.have.length(0);
    expect(states.every((s) => s.state === 'error')).to.equal(true);
    const set = processTokenResponse(token(0), Date.now(), '');
    const at = m.signIn(set);
    expect(at.access_token).to.equal('at-0');
    expect(rotated).to.deep.equal([['rt-0', undefined]]);
    expect((await m.getToken()).access_token).to.equal('at-0');
    expect(t.requests).to.have.length(0);
  });

  it('records a sign-in that hands back the refresh token it already had', () => {
    const { m } = make(scripted(token(1)).transport, 'rt-0');
    m.signIn(
      processTokenResponse(json(200, { access_token: 'at-x', refresh_token: 'rt-0' }), 0, ''),
    );
    expect(rotated.map((r) => r[0])).to.deep.equal(['rt-0']);
  });

  it('renews only with the refresh token and hands each rotated one to the store', async () => {
    const t = scripted(token(1, { refresh_expires_in: 600 }), token(2));
    const { m } = make(t.transport, 'rt-0');
    expect((await m.getToken()).access_token).to.equal('at-1');
    expect((await m.getToken(true)).access_token).to.equal('at-2');
    expect(t.requests.map((r) => bodyOf(r))).to.deep.equal([
      { grant_type: 'refresh_token', refresh_token: 'rt-0', client_id: 'app' },
      { grant_type: 'refresh_token', refresh_token: 'rt-1', client_id: 'app' },
    ]);
    expect(rotated.map((r) => r[0])).to.deep.equal(['rt-1', 'rt-2']);
    expect(rotated[0]![1]! - Date.now()).to.be.within(590_000, 600_000);
    expect(rotated[1]![1]).to.equal(undefined);
  });

  it('keeps the refresh token when the server rotates nothing, without writing the store', async () => {
    const t = scripted(json(200, { access_token: 'at-unrotated', expires_in: 3600 }));
    const { m } = make(t.transport, 'rt-0');
    await m.getToken();
    await m.getToken(true);
    expect(t.requests.map((r) => bodyOf(r).refresh_token)).to.deep.equal(['rt-0', 'rt-0']);
    expect(rotated).to.deep.equal([]);
  });

  it('turns invalid_grant into "sign in again": one request, then none', async () => {
    const t = scripted(json(400, { error: 'invalid_grant' }));
    const { m } = make(t.transport, 'rt-0');
    for (let i = 0; i < 4; i++) {
      const e = await m.getToken().catch((err: AuthError) => err);
      expect((e as AuthError).code).to.equal('SIGN_IN_REQUIRED');
      expect((e as AuthError).key).to.equal('signInAgain');
    }
    expect(t.requests).to.have.length(1);
    expect(refused).to.equal(1);
    expect(m.signInError()?.key).to.equal('signInAgain');
  });

  it('lets a sign-in made while a renewal is under way stand, whatever the renewal gets back', async () => {
    for (const answer of [json(400, { error: 'invalid_grant' }), token(9)]) {
      let release: () => void = () => {};
      const requests: TokenRequest[] = [];
      const transport: Transport = {
        send(req) {
          requests.push(req);
          return new Promise((resolve) => {
            release = () => resolve(answer);
          });
        },
        close() {},
      };
      rotated.length = 0;
      refused = 0;
      const { m } = make(transport, 'rt-old');
      const renewing = m.getToken();
      await new Promise((r) => setImmediate(r));
      m.signIn(processTokenResponse(token(1), Date.now(), ''));
      release();
      expect((await renewing).access_token).to.equal('at-1');
      expect((await m.getToken()).access_token).to.equal('at-1');
      expect(refused).to.equal(0);
      expect(rotated.map((r) => r[0])).to.deep.equal(['rt-1']);
      expect(m.signInError()).to.equal(undefined);
      expect(requests).to.have.length(1);
    }
  });

  it('starts in "sign in again" when the store says the server refused the last token', async () => {
    const t = scripted(token(1));
    const { m } = make(t.transport, undefined, true);
    const e = await m.getToken().catch((err: AuthError) => err);
    expect((e as AuthError).key).to.equal('signInAgain');
    expect(t.requests).to.have.length(0);
  });

  it('keeps the refresh token through outages and other refusals, and never falls back to a grant', async () => {
    const t = scripted(
      json(503, {}),
      json(503, {}),
      json(503, {}),
      json(401, { error: 'invalid_client' }),
      token(1),
    );
    const { m } = make(t.transport, 'rt-0');
    const first = await m.getToken().catch((e: AuthError) => e);
    expect((first as AuthError).code).to.equal('HTTP_503');
    const second = await m.getToken().catch((e: AuthError) => e);
    expect((second as AuthError).code).to.equal('invalid_client');
    expect(refused).to.equal(0);
    expect(t.requests.every((r) => bodyOf(r).grant_type === 'refresh_token')).to.equal(true);
    expect(t.requests.every((r) => bodyOf(r).refresh_token === 'rt-0')).to.equal(true);
  });

  it('exchanges a sign-in request once, never retried (a code is single use)', async () => {
    const t = scripted(json(503, {}), token(1));
    const { m } = make(t.transport);
    const e = await m
      .exchange(codeRequest(ac(), 'c', 'v', 'https://nr/auth-objects/callback'))
      .catch((err: AuthError) => err);
    expect((e as AuthError).code).to.equal('HTTP_503');
    expect(t.requests).to.have.length(1);
  });

  it('redacts the code and the verifier a server echoes', async () => {
    const t = scripted(
      json(400, { error: 'invalid_request', error_description: 'bad code the-code-123 v-456' }),
    );
    const { m } = make(t.transport);
    const e = await m
      .exchange(codeRequest(ac(), 'the-code-123', 'v-456', 'https://nr/auth-objects/callback'))
      .catch((err: AuthError) => err);
    expect((e as AuthError).message).to.not.contain('the-code-123');
    expect((e as AuthError).message).to.not.contain('v-456');
  });
});
