import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { getEventListeners } from 'node:events';
import { validateSettings } from '../../nodes/core/config';
import { AuthError, errors } from '../../nodes/core/errors';
import { JWT_BEARER_GRANT } from '../../nodes/core/rules';
import type { Transport } from '../../nodes/core/http';
import { TokenManager, type ManagerState } from '../../nodes/core/token-manager';
import type { TokenRequest } from '../../nodes/core/token-request';
import { processTokenResponse, type HttpResponse } from '../../nodes/core/token-response';
import { fakeClock, type FakeClock } from './fake-clock';

const json = (status: number, body: object): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

/** Answers request n with reply(n) after delay(n) ms of fake time; records requests. */
function server(
  clock: FakeClock,
  reply: (n: number) => HttpResponse,
  delay: (n: number) => number = () => 50,
) {
  const requests: TokenRequest[] = [];
  const transport: Transport = {
    send(req) {
      requests.push(req);
      const n = requests.length;
      const r = reply(n);
      return new Promise((resolve) => clock.setTimer(() => resolve(r), delay(n)));
    },
    close() {},
  };
  const grants = () => requests.map((r) => new URLSearchParams(r.body).get('grant_type'));
  return { transport, requests, grants };
}

const drive = async <T>(clock: FakeClock, p: Promise<T>): Promise<T> => {
  let settled = false;
  const out = p.finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) await clock.advance(100);
  return out;
};

const ok = (n: number, extra = {}) =>
  json(200, { access_token: `at-${n}`, token_type: 'Bearer', expires_in: 300, ...extra });

function cc(extra: Record<string, unknown> = {}) {
  return validateSettings(
    {
      grantType: 'client_credentials',
      tokenUrl: 'https://idp.example/token',
      refreshBefore: 60,
      cooldown: 0,
      ...extra,
    },
    { clientId: 'c', clientSecret: 's' },
  );
}

function delegatedSettings(extra: Record<string, unknown> = {}) {
  return validateSettings(
    {
      ...extra,
      grantType: 'authorization_code',
      tokenUrl: 'https://idp.example.com/token',
      authorizeUrl: 'https://idp.example.com/authorize',
      clientAuth: 'none',
      scope: 'offline_access',
    },
    { clientId: 'c' },
  );
}

describe('token manager guards', () => {
  const managers: TokenManager[] = [];
  afterEach(() => managers.splice(0).forEach((m) => m.close()));
  function make(opts: ConstructorParameters<typeof TokenManager>[0]): TokenManager {
    const m = new TokenManager(opts);
    managers.push(m);
    return m;
  }

  it('keeps the refresh token through a transient failure and renews with it, not the full grant', async () => {
    const clock = fakeClock();
    const s = server(clock, (n) =>
      n === 2 ? json(503, { error: 'busy' }) : ok(n, { refresh_token: 'rt' }),
    );
    const m = make({
      settings: validateSettings(
        { grantType: 'password', tokenUrl: 'https://idp.example/token', cooldown: 0 },
        { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' },
      ),
      transport: s.transport,
      clock,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    await drive(clock, m.getToken());
    const e = await drive(
      clock,
      m.getToken(true).catch((err: AuthError) => err),
    );
    expect((e as AuthError).transient).to.equal(true);
    expect(s.grants()).to.deep.equal(['password', 'refresh_token']);
    expect((await drive(clock, m.getToken(true))).access_token).to.equal('at-3');
    expect(s.grants()).to.deep.equal(['password', 'refresh_token', 'refresh_token']);
    expect(m.hasRefreshToken).to.equal(true);
  });

  it('does not pause after a transient failure: the next message asks the server again', async () => {
    const clock = fakeClock();
    const s = server(clock, (n) => (n === 1 ? json(503, { error: 'busy' }) : ok(n)));
    const m = make({
      settings: cc({ cooldown: 600 }),
      transport: s.transport,
      clock,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const e = await drive(
      clock,
      m.getToken().catch((err: AuthError) => err),
    );
    expect((e as AuthError).transient).to.equal(true);
    expect((await drive(clock, m.getToken())).access_token).to.equal('at-2');
    expect(s.requests).to.have.length(2);
  });

  it('reports no valid token after a renewal that failed once the token was past its usable life', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    // 300 s token: renewal at 240 s, usable until 295 s. The renewal's 503 arrives exactly then.
    const s = server(
      clock,
      (n) => (n === 1 ? ok(1) : json(503, { error: 'busy' })),
      (n) => (n === 1 ? 0 : 55_000 - 1000),
    );
    const states: ManagerState[] = [];
    const m = make({
      settings: cc(),
      transport: s.transport,
      clock,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onState: (st) => states.push(st),
    });
    await drive(clock, m.getToken());
    await clock.advanceTo(t0 + 241_000);
    expect(m.current()?.access_token).to.equal('at-1'); // used: renewed in the background
    expect(s.requests).to.have.length(2);
    await clock.advanceTo(t0 + 300_000);
    const last = states.at(-1)!;
    expect(last.state).to.equal('error');
    expect(last).to.not.have.property('expiresAt');
    // No retry scheduled for a token that is gone; no lapse of it either.
    expect(states.some((st) => st.state === 'lapsed')).to.equal(false);
    await clock.advance(60_000);
    expect(s.requests).to.have.length(2);
  });

  it('does not report a token lapsed while its renewal is under way', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = server(
      clock,
      (n) => ok(n),
      (n) => (n === 1 ? 0 : 20_000),
    );
    const states: ManagerState[] = [];
    const m = make({
      settings: cc(),
      transport: s.transport,
      clock,
      onState: (st) => states.push(st),
    });
    await drive(clock, m.getToken());
    // Unused at 240 s: the lapse is set for 295 s. A message at 290 s starts a renewal.
    await clock.advanceTo(t0 + 290_000);
    expect(m.current()?.access_token).to.equal('at-1');
    await clock.advanceTo(t0 + 320_000);
    expect(states.map((st) => st.state)).to.not.include('lapsed');
    expect(m.current()?.access_token).to.equal('at-2');
  });

  it('keeps the error status after a forced renewal failed: no later "lapsed" for the dropped token', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = server(clock, (n) => (n === 1 ? ok(1) : json(401, { error: 'invalid_client' })));
    const states: ManagerState[] = [];
    const m = make({
      settings: cc(),
      transport: s.transport,
      clock,
      onState: (st) => states.push(st),
    });
    await drive(clock, m.getToken());
    await clock.advanceTo(t0 + 250_000); // unused: the lapse waits for 295 s
    const e = await drive(
      clock,
      m.getToken(true).catch((err: AuthError) => err),
    );
    expect((e as AuthError).code).to.not.equal(undefined);
    await clock.advanceTo(t0 + 400_000);
    expect(states.at(-1)!.state).to.equal('error');
    expect(states.map((st) => st.state)).to.not.include('lapsed');
  });

  it('leaves no listener on the abort signal after retry waits', async () => {
    const clock = fakeClock();
    const s = server(clock, (n) => (n < 3 ? json(503, { error: 'busy' }) : ok(n)));
    const m = make({
      settings: cc(),
      transport: s.transport,
      clock,
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 100 },
    });
    expect((await drive(clock, m.getToken())).access_token).to.equal('at-3');
    const signal = (m as unknown as { abort: AbortController }).abort.signal;
    expect(getEventListeners(signal, 'abort')).to.have.length(0);
  });

  it('leaves no timer after close, even when an answer still arrives', async () => {
    const clock = fakeClock();
    let answer: ((r: HttpResponse) => void) | undefined;
    const transport: Transport = {
      // An answer already on its way: it ignores the abort.
      send: () => new Promise((resolve) => (answer = resolve)),
      close() {},
    };
    const m = make({ settings: cc(), transport, clock });
    const p = m.getToken().catch(() => undefined);
    await clock.advance(10);
    m.close();
    answer!(ok(1));
    await p;
    await clock.advance(10);
    expect(clock.pending()).to.equal(0);
  });

  it('reports no error state once closed while a request was under way', async () => {
    const clock = fakeClock();
    // Like the HTTP transport: the object's abort rejects the request with CLOSED.
    const transport: Transport = {
      send: (_req, _ms, signal) =>
        new Promise((_resolve, reject) =>
          signal?.addEventListener('abort', () => reject(errors.closed('token request cancelled'))),
        ),
      close() {},
    };
    const states: ManagerState[] = [];
    const m = make({
      settings: cc({ cooldown: 600 }),
      transport,
      clock,
      onState: (st) => states.push(st),
    });
    const p = m.getToken().catch((err: AuthError) => err);
    await clock.advance(10);
    m.close();
    expect(await p).to.include({ code: 'CLOSED' });
    expect(states.map((st) => st.state)).to.deep.equal(['requesting']);
  });

  it('send refuses once closed, without a request, and counts each request it sends', async () => {
    const sent: TokenRequest[] = [];
    const transport: Transport = {
      send: (req) => (sent.push(req), Promise.resolve(json(200, { device_code: 'd' }))),
      close() {},
    };
    const m = make({ settings: cc(), transport });
    const req: TokenRequest = {
      url: new URL('https://idp.example/device'),
      headers: {},
      body: 'a=b',
    };
    const res = await m.send(req);
    expect(res.status).to.equal(200);
    expect(m.requests).to.equal(1);
    m.close();
    const e = await m.send(req).catch((err: AuthError) => err);
    expect((e as AuthError).code).to.equal('CLOSED');
    expect(sent).to.have.length(1);
    expect(m.requests).to.equal(1);
  });

  it('send sends nothing when the object closes while it signs the client assertion', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sent: TokenRequest[] = [];
    const transport: Transport = {
      send: (req) => (sent.push(req), Promise.resolve(json(200, {}))),
      close() {},
    };
    const keyed = make({
      settings: validateSettings(
        {
          grantType: 'client_credentials',
          tokenUrl: 'https://idp.example/token',
          clientAuth: 'private_key_jwt',
          assertionAlg: 'ES256',
        },
        {
          clientId: 'c',
          privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
        },
      ),
      transport,
    });
    const p = keyed
      .send({ url: new URL('https://idp.example/device'), headers: {}, body: 'a=b' })
      .catch((err: AuthError) => err);
    keyed.close();
    expect(await p).to.include({ code: 'CLOSED' });
    expect(sent).to.have.length(0);
  });

  /** A server whose error text echoes the whole request body. */
  const echo: Transport = {
    send: (req) =>
      Promise.resolve(json(400, { error: 'invalid_grant', error_description: `got ${req.body}` })),
    close() {},
  };

  it("keeps a JWT bearer grant's signed assertion out of an error that echoes it", async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const m = make({
      settings: validateSettings(
        {
          grantType: JWT_BEARER_GRANT,
          tokenUrl: 'https://idp.example/token',
          assertionAlg: 'ES256',
          clientAuth: 'client_secret_basic',
          cooldown: 0,
        },
        {
          clientId: 'c',
          clientSecret: 's3cret',
          privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
        },
      ),
      transport: echo,
    });
    const e = (await m.getToken().catch((err: AuthError) => err)) as AuthError;
    expect(e.message).to.include('got ');
    // A JWT's header always starts so (base64url of '{"').
    expect(e.message).to.not.match(/eyJ[\w-]+\.[\w-]+/);
  });

  it('keeps the device code out of an error of a device poll that echoes it', async () => {
    const m = make({ settings: delegatedSettings(), transport: echo });
    const e = (await m
      .exchange({
        url: new URL('https://idp.example.com/token'),
        headers: {},
        body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DevCode-7f3a9c',
      })
      .catch((err: AuthError) => err)) as AuthError;
    expect(e.message).to.include('got ');
    expect(e.message).to.not.include('DevCode-7f3a9c');
  });

  describe('of a delegated grant', () => {
    const stored: [string, number | undefined][] = [];
    beforeEach(() => (stored.length = 0));
    function delegated(
      clock: FakeClock,
      transport: Transport,
      refreshToken?: string,
      refused = false,
    ) {
      return make({
        settings: delegatedSettings(),
        transport,
        clock,
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        delegated: {
          ...(refreshToken ? { refreshToken } : {}),
          refused,
          onRefreshToken: (rt, at) => stored.push([rt, at]),
          onRefused: () => {},
        },
      });
    }

    it('writes nothing to the store when a renewal hands back the same refresh token', async () => {
      const clock = fakeClock();
      const s = server(clock, (n) => ok(n, { refresh_token: 'rt-0' }));
      const m = delegated(clock, s.transport, 'rt-0');
      expect((await drive(clock, m.getToken())).access_token).to.equal('at-1');
      expect(s.grants()).to.deep.equal(['refresh_token']);
      expect(stored).to.deep.equal([]);
    });

    it('stores the new expiry when a renewal hands back the same refresh token with one', async () => {
      const clock = fakeClock();
      const s = server(clock, (n) => ok(n, { refresh_token: 'rt-0', refresh_expires_in: 600 }));
      const m = delegated(clock, s.transport, 'rt-0');
      await drive(clock, m.getToken());
      expect(stored).to.have.length(1);
      expect(stored[0]![0]).to.equal('rt-0');
      expect(stored[0]![1]).to.be.a('number');
    });

    it('after a sign-in without a refresh token asks for a sign-in, no longer says it was refused', async () => {
      const clock = fakeClock();
      const s = server(clock, (n) => ok(n));
      const m = delegated(clock, s.transport, undefined, true);
      expect(m.signInError()?.key).to.equal('signInAgain');
      m.signIn(processTokenResponse(ok(0), clock.now(), ''));
      expect(m.signInError()?.key).to.equal('signInRequired');
      expect(s.requests).to.have.length(0);
    });

    it('names no retry time when the server refused the refresh token: only a sign-in helps', async () => {
      const clock = fakeClock();
      const s = server(clock, () => json(400, { error: 'invalid_grant' }));
      const states: ManagerState[] = [];
      const m = make({
        settings: delegatedSettings({ cooldown: 600 }),
        transport: s.transport,
        clock,
        onState: (st) => states.push(st),
        delegated: { refreshToken: 'rt-0', onRefreshToken: () => {}, onRefused: () => {} },
      });
      const e = await drive(
        clock,
        m.getToken().catch((err: AuthError) => err),
      );
      expect((e as AuthError).code).to.equal('SIGN_IN_REQUIRED');
      expect(states.at(-1)).to.deep.include({ state: 'error' });
      expect(states.at(-1)).to.not.have.property('pausedUntil');
      // A sign-in then works at once, nothing paused.
      m.signIn(processTokenResponse(ok(5, { refresh_token: 'rt-5' }), clock.now(), ''));
      expect((await m.getToken()).access_token).to.equal('at-5');
    });

    it('refuses a sign-in once closed and writes nothing to the store', () => {
      const clock = fakeClock();
      const s = server(clock, (n) => ok(n));
      const m = delegated(clock, s.transport);
      m.close();
      const set = processTokenResponse(ok(0, { refresh_token: 'rt-9' }), clock.now(), '');
      expect(() => m.signIn(set))
        .to.throw(AuthError)
        .with.property('code', 'CLOSED');
      expect(stored).to.deep.equal([]);
      expect(m.current()).to.equal(undefined);
    });
  });
});
