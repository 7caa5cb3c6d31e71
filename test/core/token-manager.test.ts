import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { validateSettings, type RawSettings } from '../../nodes/core/config';
import { AuthError, errors } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import type { TokenRequest } from '../../nodes/core/token-request';
import type { HttpResponse } from '../../nodes/core/token-response';
import { TokenManager, type ManagerState } from '../../nodes/core/token-manager';
import { fakeClock, type FakeClock } from './fake-clock';

type Reply = HttpResponse | AuthError | ((req: TokenRequest) => HttpResponse | AuthError);

/** A transport that answers from a script, optionally after a delay, and records requests. */
function scripted(replies: Reply[], delayMs = 5) {
  const requests: TokenRequest[] = [];
  let closed = false;
  const transport: Transport = {
    send(req, _timeout, signal) {
      requests.push(req);
      const r = replies.length > 1 ? replies.shift()! : replies[0]!;
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const v = typeof r === 'function' ? r(req) : r;
          if (v instanceof AuthError) reject(v);
          else resolve(v);
        }, delayMs);
        signal.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new AuthError('closed', 'CLOSED', 'closed'));
        });
      });
    },
    close() {
      closed = true;
    },
  };
  return { transport, requests, isClosed: () => closed };
}

const ok = (body: Record<string, unknown>): HttpResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, ...body })),
});
const fail = (status: number, body: unknown = '', headers = {}): HttpResponse => ({
  status,
  headers,
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const bodyOf = (r: TokenRequest) => Object.fromEntries(new URLSearchParams(r.body));
const settings = (extra: RawSettings = {}) =>
  validateSettings(
    { grantType: 'password', tokenUrl: 'http://127.0.0.1/token', ...extra },
    { clientId: 'c', clientSecret: 's', username: 'u', password: 'p' },
  );
const fastRetry = { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 };

describe('token manager', () => {
  let managers: TokenManager[] = [];
  const make = (m: TokenManager) => (managers.push(m), m);
  afterEach(() => {
    for (const m of managers) m.close();
    managers = [];
  });

  it('shares one in-flight request among concurrent callers', async () => {
    const s = scripted([ok({ access_token: 'A' })], 20);
    const m = make(new TokenManager({ settings: settings(), transport: s.transport }));
    const all = await Promise.all(Array.from({ length: 1000 }, () => m.getToken()));
    expect(s.requests).to.have.length(1);
    expect(new Set(all.map((t) => t.access_token))).to.deep.equal(new Set(['A']));
  });

  it('normalises the header to Bearer but keeps the token type as sent', async () => {
    const s = scripted([ok({ access_token: 'A', token_type: 'bEaReR' })]);
    const m = make(new TokenManager({ settings: settings(), transport: s.transport }));
    const t = await m.getToken();
    expect(t.token_type).to.equal('bEaReR');
    expect(t.authorization).to.equal('Bearer A');
  });

  it('refreshes a used token in the background before expiry and keeps handing out the current token', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = simulated(
      clock,
      (n) => ok({ access_token: n === 1 ? 'A' : 'B', expires_in: n === 1 ? 1 : 60 }),
      50,
    );
    const m = make(new TokenManager({ settings: settings(), transport: s.transport, clock }));
    const p = m.getToken();
    await clock.advance(50);
    expect((await p).access_token).to.equal('A');
    // In use: a message takes it from the cache (an unused token lapses, see below).
    expect(m.current()?.access_token).to.equal('A');
    // refreshBefore 60 s is capped at half of the 1 s lifetime: refresh starts at 0.5 s.
    await clock.advanceTo(t0 + 50 + 499);
    expect(s.requests).to.have.length(1);
    await clock.advanceTo(t0 + 50 + 500);
    expect(s.requests).to.have.length(2);
    expect(m.current()?.access_token).to.equal('A');
    await clock.advance(50);
    expect(m.current()?.access_token).to.equal('B');
  });

  it('uses the refresh token first and keeps a rotated one', async () => {
    // Tokens longer than a letter: the previous access token is redacted from the answer.
    const s = scripted([
      ok({ access_token: 'at-A', refresh_token: 'R1', expires_in: 1 }),
      ok({ access_token: 'at-B', refresh_token: 'R2', expires_in: 1 }),
      ok({ access_token: 'at-C', expires_in: 60 }),
    ]);
    const m = make(
      new TokenManager({ settings: settings({ refreshBefore: 0 }), transport: s.transport }),
    );
    await m.getToken();
    await m.getToken(true);
    await m.getToken(true);
    expect(s.requests.map((r) => bodyOf(r).grant_type)).to.deep.equal([
      'password',
      'refresh_token',
      'refresh_token',
    ]);
    expect(bodyOf(s.requests[1]!).refresh_token).to.equal('R1');
    expect(bodyOf(s.requests[2]!).refresh_token).to.equal('R2');
    expect(m.current()?.access_token).to.equal('at-C');
  });

  it('falls back to the full grant when the refresh token is refused', async () => {
    const s = scripted([
      ok({ access_token: 'A', refresh_token: 'R1' }),
      fail(400, { error: 'invalid_grant' }),
      ok({ access_token: 'B' }),
    ]);
    const m = make(new TokenManager({ settings: settings(), transport: s.transport }));
    await m.getToken();
    expect((await m.getToken(true)).access_token).to.equal('B');
    expect(s.requests.map((r) => bodyOf(r).grant_type)).to.deep.equal([
      'password',
      'refresh_token',
      'password',
    ]);
  });

  it('retries transient failures with backoff, then succeeds', async () => {
    const s = scripted([fail(503), fail(502), ok({ access_token: 'A' })]);
    const m = make(
      new TokenManager({ settings: settings(), transport: s.transport, retry: fastRetry }),
    );
    expect((await m.getToken()).access_token).to.equal('A');
    expect(s.requests).to.have.length(3);
  });

  it('gives up after a bounded number of attempts', async () => {
    const s = scripted([new AuthError('network', 'ECONNREFUSED', 'refused', { transient: true })]);
    const m = make(
      new TokenManager({ settings: settings(), transport: s.transport, retry: fastRetry }),
    );
    const err = await m.getToken().catch((e: AuthError) => e);
    expect(err).to.include({ code: 'ECONNREFUSED' });
    expect(s.requests).to.have.length(4);
  });

  it('waits as long as Retry-After says', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = simulated(clock, (n) =>
      n === 1 ? fail(429, '', { 'retry-after': '1' }) : ok({ access_token: 'A' }),
    );
    const m = make(
      new TokenManager({ settings: settings(), transport: s.transport, clock, retry: fastRetry }),
    );
    const p = m.getToken();
    await clock.advanceTo(t0 + 2000);
    expect((await p).access_token).to.equal('A');
    // Answered after 50 ms, then 1 s as asked (the backoff alone would be 5 ms at most).
    expect(s.requests.map((r) => r.at - t0)).to.deep.equal([0, 1050]);
  });

  it('does not retry a permanent error and pauses until the cool-down has passed', async () => {
    let now = 1_000_000;
    const s = scripted([fail(400, { error: 'invalid_grant' }), ok({ access_token: 'A' })]);
    const states: ManagerState[] = [];
    const m = make(
      new TokenManager({
        settings: settings({ cooldown: 60 }),
        transport: s.transport,
        clock: { now: () => now },
        onState: (st) => states.push(st),
      }),
    );
    for (let i = 0; i < 100; i++) {
      const e = await m.getToken(i % 2 === 0).catch((x: AuthError) => x);
      expect(e).to.include({ code: 'invalid_grant' });
    }
    expect(s.requests).to.have.length(1);
    const last = states.at(-1);
    expect(last?.state === 'error' && last.pausedUntil).to.equal(1_060_000);
    now += 60_000;
    expect((await m.getToken()).access_token).to.equal('A');
    expect(s.requests).to.have.length(2);
  });

  it('keeps serving a valid token when a background refresh fails', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = simulated(
      clock,
      (n) => (n === 1 ? ok({ access_token: 'A', expires_in: 2 }) : fail(503)),
      5,
    );
    const m = make(
      new TokenManager({
        settings: settings({ refreshBefore: 1 }),
        transport: s.transport,
        clock,
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      }),
    );
    const p = m.getToken();
    await clock.advance(5);
    await p;
    m.current();
    await clock.advanceTo(t0 + 1100);
    expect(s.requests).to.have.length(2);
    expect(m.current()?.access_token).to.equal('A');
  });

  it('cancels in-flight requests on close and rejects their callers', async () => {
    const s = scripted([ok({ access_token: 'A' })], 10_000);
    const m = new TokenManager({ settings: settings(), transport: s.transport });
    const p = m.getToken().catch((e: AuthError) => e);
    m.close();
    expect(await p).to.include({ code: 'CLOSED' });
    expect(s.isClosed()).to.equal(true);
    expect(await m.getToken().catch((e: AuthError) => e.code)).to.equal('CLOSED');
  });
});

/**
 * A transport on simulated time: each request is answered `delayMs` of the fake clock
 * later by `reply(n)` (n counts from 1). Records each request's time and form, and how
 * many were in flight at once.
 */
function simulated(
  clock: FakeClock,
  reply: (n: number) => HttpResponse | AuthError = (n) =>
    ok({ access_token: `T${n}`, expires_in: 60, refresh_token: `R${n}` }),
  delayMs = 50,
) {
  const requests: { at: number; grant: string | undefined }[] = [];
  let inflight = 0;
  let maxInflight = 0;
  const transport: Transport = {
    send(req, _timeout, signal) {
      requests.push({ at: clock.now(), grant: bodyOf(req).grant_type });
      const v = reply(requests.length);
      maxInflight = Math.max(maxInflight, ++inflight);
      return new Promise((resolve, reject) => {
        const abort = () => {
          timer.cancel();
          inflight--;
          reject(new AuthError('closed', 'CLOSED', 'closed'));
        };
        const timer = clock.setTimer(() => {
          signal.removeEventListener('abort', abort);
          inflight--;
          if (v instanceof AuthError) reject(v);
          else resolve(v);
        }, delayMs);
        signal.addEventListener('abort', abort, { once: true });
      });
    },
    close() {},
  };
  return { transport, requests, maxInflight: () => maxInflight };
}

describe('token manager: token requests in proportion to use', () => {
  const LIFETIME = 60_000;
  let managers: TokenManager[] = [];
  afterEach(() => {
    for (const m of managers) m.close();
    managers = [];
  });

  /** A manager on a fake clock; `message()` does what get token does, counting waits. */
  function setup(opts: { reply?: (n: number) => HttpResponse | AuthError; delayMs?: number } = {}) {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = simulated(clock, opts.reply, opts.delayMs);
    const states: ManagerState[] = [];
    const m = new TokenManager({
      settings: settings(),
      transport: s.transport,
      clock,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onState: (st) => states.push(st),
    });
    managers.push(m);
    let waited = 0;
    const failed: AuthError[] = [];
    const message = () => {
      if (m.current()) return;
      waited++;
      m.getToken().catch((e: AuthError) => failed.push(e));
    };
    /** A message every `everyMs` until `untilMs` after the start (simulated). */
    const steady = async (everyMs: number, untilMs: number) => {
      while (clock.now() + everyMs <= t0 + untilMs) {
        await clock.advance(everyMs);
        message();
      }
    };
    return { clock, t0, s, m, states, message, steady, waits: () => waited, failed };
  }

  it('after the last use renews at most once, then nothing for one, two and ten lifetimes', async () => {
    const { clock, s, states, message, steady, waits, failed } = setup();
    message();
    await steady(1000, 2 * LIFETIME);
    const atLastUse = s.requests.length;
    await clock.advance(LIFETIME);
    const one = s.requests.length;
    await clock.advance(LIFETIME);
    const two = s.requests.length;
    await clock.advance(8 * LIFETIME);
    const ten = s.requests.length;
    expect(one - atLastUse).to.be.at.most(1);
    expect(two).to.equal(one);
    expect(ten).to.equal(one);
    // The token ran out unused: the state says so, and not even a timer is left.
    expect(states.at(-1)?.state).to.equal('lapsed');
    expect(clock.pending()).to.equal(0);
    expect(waits()).to.equal(1);
    expect(failed).to.have.length(0);
  });

  it('lets a token only the waiting message took lapse without renewing it', async () => {
    const { clock, s, m, states, message, waits } = setup();
    message();
    await clock.advance(10 * LIFETIME);
    expect(s.requests).to.have.length(1);
    expect(waits()).to.equal(1);
    const expiresAt = (states.find((x) => x.state === 'valid') as { expiresAt: number }).expiresAt;
    expect(states.at(-1)).to.deep.equal({ state: 'lapsed', expiresAt });
    expect(m.current()).to.equal(undefined);
    expect(clock.pending()).to.equal(0);
  });

  it('used again after a lapse: one request, refresh token first, and the message waits once', async () => {
    const { clock, s, m, states, message, steady, waits, t0 } = setup();
    message();
    await clock.advance(10 * LIFETIME);
    expect(states.at(-1)?.state).to.equal('lapsed');
    message();
    expect(waits()).to.equal(2);
    expect(states.at(-1)?.state).to.equal('requesting');
    await steady(100, 10 * LIFETIME + 20_000);
    expect(waits()).to.equal(2);
    expect(s.requests.map((r) => r.grant)).to.deep.equal(['password', 'refresh_token']);
    expect(m.current()?.access_token).to.equal('T2');
    expect(clock.now() - t0).to.equal(10 * LIFETIME + 20_000);
  });

  it('a steady user never waits at the expiry boundary, one request in flight at a time', async () => {
    const { s, message, steady, waits, failed } = setup();
    message();
    await steady(100, 10 * LIFETIME);
    // Lead: refreshBefore (60 s) capped at half the lifetime, so one renewal every 30 s
    // and a round trip (50 ms): 600 s / 30.05 s.
    expect(s.requests.length).to.be.within(20, 21);
    expect(waits()).to.equal(1);
    expect(s.maxInflight()).to.equal(1);
    expect(failed).to.have.length(0);
    expect(new Set(s.requests.slice(1).map((r) => r.grant))).to.deep.equal(
      new Set(['refresh_token']),
    );
  });

  it('a background refresh in flight when the last user leaves completes, and is the last', async () => {
    // A slow server: the renewal started at 32 s is answered at 34 s.
    const { clock, t0, s, m, states, message } = setup({ delayMs: 2000 });
    message();
    await clock.advanceTo(t0 + 10_000);
    message();
    await clock.advanceTo(t0 + 32_500);
    expect(s.requests).to.have.length(2);
    // The last message, while the renewal is in flight.
    message();
    await clock.advanceTo(t0 + 40_000);
    const kept = states.at(-1);
    expect(kept).to.deep.equal({ state: 'valid', expiresAt: t0 + 32_000 + 2000 + LIFETIME });
    await clock.advance(10 * LIFETIME);
    expect(s.requests).to.have.length(2);
    expect(states.at(-1)).to.deep.equal({ state: 'lapsed', expiresAt: t0 + 94_000 });
    expect(m.current()).to.equal(undefined);
    expect(clock.pending()).to.equal(0);
  });

  for (const usedAgain of [true, false]) {
    it(`retries a renewal that failed during an outage ${usedAgain ? 'while the token is used' : 'not at all when it is no longer used'}`, async () => {
      const { clock, t0, s, states, message, steady, waits } = setup({
        reply: (n) =>
          n === 2
            ? fail(503)
            : ok({ access_token: `T${n}`, expires_in: 60, refresh_token: `R${n}` }),
      });
      message();
      await steady(1000, 30_000);
      await clock.advanceTo(t0 + 31_000);
      // The renewal at 30.05 s failed; the token is valid until 60.05 s.
      expect(s.requests).to.have.length(2);
      expect(states.at(-1)).to.include({ state: 'error', expiresAt: t0 + 50 + LIFETIME });
      if (usedAgain) await steady(1000, 50_000);
      await clock.advanceTo(t0 + 10 * LIFETIME);
      if (usedAgain) {
        // Retried at 42.6 s (half the usable life left), while messages kept taking the token.
        expect(s.requests).to.have.length(4);
        expect(s.requests[2]!.at - t0).to.be.within(42_000, 43_000);
        expect(waits()).to.equal(1);
      } else {
        expect(s.requests).to.have.length(2);
        expect(states.at(-1)?.state).to.equal('lapsed');
      }
      expect(clock.pending()).to.equal(0);
    });
  }
});

describe('token manager: failures a refresh or a retry must survive', () => {
  let managers: TokenManager[] = [];
  afterEach(() => {
    for (const m of managers) m.close();
    managers = [];
  });
  const manager = (transport: Transport, clock: FakeClock, extra: RawSettings = {}) => {
    const states: ManagerState[] = [];
    const m = new TokenManager({
      settings: settings({ cooldown: 300, ...extra }),
      transport,
      clock,
      retry: { attempts: 3, baseDelayMs: 100, maxDelayMs: 400 },
      random: () => 0.5,
      onState: (st) => states.push(st),
    });
    managers.push(m);
    return { m, states };
  };
  /** Runs `p` while moving the fake clock on, so backoffs and Retry-After waits pass. */
  const drive = async <T>(clock: FakeClock, p: Promise<T>, ms = 120_000): Promise<T> => {
    let settled = false;
    const out = p.finally(() => (settled = true));
    for (let i = 0; i < ms / 1000 && !settled; i++) await clock.advance(1000);
    return out;
  };

  for (const [what, failure] of [
    ['a 503', () => fail(503)],
    ['a timeout', () => errors.timeout(10_000)],
  ] as const) {
    it(`keeps the refresh token and does not fall back to the password grant when a refresh meets ${what}`, async () => {
      const clock = fakeClock();
      const s = simulated(clock, (n) =>
        n === 1
          ? ok({ access_token: 'A', refresh_token: 'R1' })
          : n <= 4
            ? failure()
            : ok({ access_token: 'B', refresh_token: 'R2' }),
      );
      const { m, states } = manager(s.transport, clock);
      await drive(clock, m.getToken());
      const err = await drive(
        clock,
        m.getToken(true).catch((e: AuthError) => e),
      );
      expect(err).to.be.instanceOf(AuthError);
      expect((err as AuthError).transient).to.equal(true);
      // Three attempts with the refresh token, none with the password.
      expect(s.requests.map((r) => r.grant)).to.deep.equal([
        'password',
        'refresh_token',
        'refresh_token',
        'refresh_token',
      ]);
      expect(m.hasRefreshToken).to.equal(true);
      // An outage does not pause the object: the next message tries the refresh token again.
      expect(states.some((st) => st.state === 'error' && st.pausedUntil !== undefined)).to.equal(
        false,
      );
      expect((await drive(clock, m.getToken(true))).access_token).to.equal('B');
      expect(s.requests.at(-1)!.grant).to.equal('refresh_token');
    });
  }

  it('drops a refused refresh token and falls back to the password grant once', async () => {
    const clock = fakeClock();
    const s = simulated(clock, (n) =>
      n === 1
        ? ok({ access_token: 'A', refresh_token: 'R1' })
        : n === 2
          ? fail(400, { error: 'invalid_grant' })
          : ok({ access_token: `T${n}` }),
    );
    const { m } = manager(s.transport, clock);
    await drive(clock, m.getToken());
    expect((await drive(clock, m.getToken(true))).access_token).to.equal('T3');
    expect(m.hasRefreshToken).to.equal(false);
    expect((await drive(clock, m.getToken(true))).access_token).to.equal('T4');
    expect(s.requests.map((r) => r.grant)).to.deep.equal([
      'password',
      'refresh_token',
      'password',
      'password',
    ]);
  });

  for (const error of ['server_error', 'temporarily_unavailable']) {
    it(`retries a 503 whose body is the OAuth error ${error} like any 5xx, without a cool-down`, async () => {
      const clock = fakeClock();
      const s = simulated(clock, (n) => (n < 3 ? fail(503, { error }) : ok({ access_token: 'A' })));
      const { m, states } = manager(s.transport, clock);
      expect((await drive(clock, m.getToken())).access_token).to.equal('A');
      expect(s.requests).to.have.length(3);
      expect(states.map((st) => st.state)).to.deep.equal(['requesting', 'valid']);
    });
  }

  it('pauses after a permanent OAuth error in a 400 and says until when', async () => {
    const clock = fakeClock();
    const s = simulated(clock, () => fail(400, { error: 'invalid_client' }));
    const { m, states } = manager(s.transport, clock, { cooldown: 120 });
    const t0 = clock.now();
    const err = await drive(
      clock,
      m.getToken().catch((e: AuthError) => e),
    );
    expect(err).to.include({ code: 'invalid_client', transient: false });
    expect(s.requests).to.have.length(1);
    const last = states.at(-1)!;
    expect(last.state === 'error' && last.pausedUntil).to.equal(t0 + 50 + 120_000);
  });

  it('waits until the HTTP date a Retry-After names before trying again', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    // 20 s ahead; the backoff alone (50 to 100 ms) would try again far sooner.
    const at = new Date(t0 + 20_000).toUTCString();
    const s = simulated(clock, (n) =>
      n === 1 ? fail(429, '', { 'retry-after': at }) : ok({ access_token: 'A' }),
    );
    const { m } = manager(s.transport, clock);
    const p = m.getToken();
    await clock.advanceTo(t0 + 19_900);
    expect(s.requests).to.have.length(1);
    await clock.advanceTo(t0 + 20_100);
    expect(s.requests).to.have.length(2);
    expect(s.requests[1]!.at).to.equal(t0 + 20_000);
    expect((await p).access_token).to.equal('A');
  });

  it('waits at most 60 s however far ahead a Retry-After date is', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const at = new Date(t0 + 3_600_000).toUTCString();
    const s = simulated(clock, (n) =>
      n === 1 ? fail(503, '', { 'retry-after': at }) : ok({ access_token: 'A' }),
    );
    const { m } = manager(s.transport, clock);
    const p = m.getToken();
    await clock.advanceTo(t0 + 61_000);
    expect(s.requests.map((r) => r.at - t0)).to.deep.equal([0, 60_050]);
    expect((await p).access_token).to.equal('A');
  });

  it('backs off exponentially between attempts when the server gives no Retry-After', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = simulated(clock, () => fail(502));
    const m = new TokenManager({
      settings: settings(),
      transport: s.transport,
      clock,
      retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 3000 },
      random: () => 1,
    });
    managers.push(m);
    const err = await drive(
      clock,
      m.getToken().catch((e: AuthError) => e),
    );
    expect(err).to.include({ code: 'HTTP_502' });
    // Each answer takes 50 ms; then 1 s, 2 s and 3 s (capped) with the largest jitter.
    expect(s.requests.map((r) => r.at - t0)).to.deep.equal([0, 1050, 3100, 6150]);
  });
});

describe('token manager: discovery, certificates, lifetimes and close', () => {
  const ISSUER = 'https://login.example.com';
  const discoverySettings = () =>
    validateSettings(
      { grantType: 'client_credentials', issuer: ISSUER },
      { clientId: 'c', clientSecret: 'listed-secret' },
    );
  /** Answers discovery GETs with `doc()` and token POSTs with `token(n)`. */
  function server(doc: () => HttpResponse | AuthError, token = () => ok({ access_token: 'A' })) {
    const requests: TokenRequest[] = [];
    const transport: Transport = {
      send(req) {
        requests.push(req);
        const r = req.method === 'GET' ? doc() : token();
        return r instanceof AuthError ? Promise.reject(r) : Promise.resolve(r);
      },
      close() {},
    };
    return { transport, requests };
  }
  const document = (extra: Record<string, unknown> = {}) =>
    ok({ issuer: ISSUER, token_endpoint: `${ISSUER}/oauth/token`, ...extra });

  it('discovers the token endpoint once, tells the listener, and sends the token request there', async () => {
    const srv = server(() =>
      document({ token_endpoint_auth_methods_supported: ['private_key_jwt', 'listed-secret'] }),
    );
    const found: string[] = [];
    const m = new TokenManager({
      settings: discoverySettings(),
      transport: srv.transport,
      onDiscovered: (d) => {
        found.push(d.tokenEndpoint.href);
        throw new Error('a listener that fails');
      },
    });
    try {
      expect(m.tokenUrl).to.equal(undefined);
      expect(m.discovered).to.equal(undefined);
      await m.getToken();
      await m.getToken(true);
      expect(srv.requests.map((r) => `${r.method ?? 'POST'} ${r.url.href}`)).to.deep.equal([
        `GET ${ISSUER}/.well-known/openid-configuration`,
        `POST ${ISSUER}/oauth/token`,
        `POST ${ISSUER}/oauth/token`,
      ]);
      expect(found).to.deep.equal([`${ISSUER}/oauth/token`]);
      expect(m.tokenUrl?.href).to.equal(`${ISSUER}/oauth/token`);
      expect(m.discovered?.tokenEndpoint.href).to.equal(`${ISSUER}/oauth/token`);
      // The listed name that is the client secret is not repeated.
      expect(m.clientAuthMismatch()).to.deep.equal({
        chosen: 'client_secret_basic',
        listed: ['private_key_jwt'],
        suggestion: 'private_key_jwt',
      });
    } finally {
      m.close();
    }
  });

  it('says nothing about client authentication when the server lists only a secret, or the chosen one', async () => {
    for (const methods of [['listed-secret'], ['client_secret_basic', 'none']]) {
      const srv = server(() => document({ token_endpoint_auth_methods_supported: methods }));
      const m = new TokenManager({ settings: discoverySettings(), transport: srv.transport });
      try {
        await m.getToken();
        expect(m.clientAuthMismatch(), methods.join()).to.equal(undefined);
      } finally {
        m.close();
      }
    }
  });

  it('tries a failed discovery again with the next message', async () => {
    let up = false;
    const srv = server(() => (up ? document() : fail(503)));
    const m = new TokenManager({ settings: discoverySettings(), transport: srv.transport });
    try {
      const e = await m.getToken().catch((x: AuthError) => x);
      expect(e).to.include({ code: 'DISCOVERY_FAILED' });
      up = true;
      expect((await m.getToken()).access_token).to.equal('A');
      expect(srv.requests.filter((r) => r.method === 'GET')).to.have.length(2);
    } finally {
      m.close();
    }
  });

  it('refuses to send with an expired client certificate, without a request', async () => {
    const clock = fakeClock();
    const s = simulated(clock);
    const m = new TokenManager({
      settings: { ...settings(), clientCertNotAfter: clock.now() },
      transport: s.transport,
      clock,
      retry: fastRetry,
    });
    try {
      const e = await m.getToken().catch((x: AuthError) => x);
      expect(e).to.include({ code: 'CLIENT_CERT_EXPIRED', transient: false });
      expect(s.requests).to.have.length(0);
    } finally {
      m.close();
    }
  });

  it('sends while the client certificate is still valid', async () => {
    const clock = fakeClock();
    const s = simulated(clock);
    const m = new TokenManager({
      settings: { ...settings(), clientCertNotAfter: clock.now() + 1 },
      transport: s.transport,
      clock,
    });
    try {
      const p = m.getToken();
      await clock.advance(100);
      expect((await p).access_token).to.equal('T1');
    } finally {
      m.close();
    }
  });

  it('hands a token out until shortly before its expiry: a tenth of its life, at most 5 s', async () => {
    for (const [lifetime, skew] of [
      [20, 2000],
      [3600, 5000],
    ] as const) {
      const clock = fakeClock();
      const s = simulated(clock, () => ok({ access_token: 'A', expires_in: lifetime }), 0);
      const m = new TokenManager({
        settings: settings({ refreshBefore: 0 }),
        transport: s.transport,
        clock,
      });
      try {
        const p = m.getToken();
        await clock.advance(0);
        const t = await p;
        expect(t.expiresAtMs).to.equal(clock.now() + lifetime * 1000);
        await clock.advanceTo(t.expiresAtMs - skew - 1);
        expect(m.current()?.access_token, `${lifetime} s`).to.equal('A');
        await clock.advanceTo(t.expiresAtMs - skew);
        expect(m.current(), `${lifetime} s`).to.equal(undefined);
      } finally {
        m.close();
      }
    }
  });

  it('starts the background refresh refreshBefore ahead, at most half the lifetime ahead', async () => {
    for (const [lifetime, refreshBefore, lead] of [
      [600, 60, 60_000],
      [60, 60, 30_000],
    ] as const) {
      const clock = fakeClock();
      const t0 = clock.now();
      const s = simulated(clock, (n) => ok({ access_token: `T${n}`, expires_in: lifetime }), 0);
      const m = new TokenManager({
        settings: settings({ refreshBefore }),
        transport: s.transport,
        clock,
      });
      try {
        const p = m.getToken();
        await clock.advance(0);
        await p;
        m.current();
        await clock.advanceTo(t0 + lifetime * 1000 - lead - 1);
        expect(s.requests, `${lifetime}/${refreshBefore}`).to.have.length(1);
        await clock.advanceTo(t0 + lifetime * 1000 - lead);
        expect(s.requests, `${lifetime}/${refreshBefore}`).to.have.length(2);
      } finally {
        m.close();
      }
    }
  });

  it('after close: rejects every call with CLOSED, closes the transport and leaves no timer', async () => {
    const clock = fakeClock();
    const s = simulated(clock, () => ok({ access_token: 'A' }), 0);
    let closed = 0;
    const m = new TokenManager({
      settings: settings(),
      transport: { ...s.transport, close: () => closed++ },
      clock,
    });
    const p = m.getToken();
    await clock.advance(0);
    await p;
    expect(clock.pending()).to.equal(1);
    m.close();
    expect(closed).to.equal(1);
    expect(clock.pending()).to.equal(0);
    expect(await m.getToken().catch((e: AuthError) => e.code)).to.equal('CLOSED');
  });

  it('keeps messages failing at once with the same error during the cool-down, then tries again', async () => {
    const clock = fakeClock();
    const t0 = clock.now();
    const s = simulated(
      clock,
      (n) => (n === 1 ? fail(401, { error: 'invalid_client' }) : ok({ access_token: 'A' })),
      0,
    );
    const m = new TokenManager({
      settings: settings({ cooldown: 10 }),
      transport: s.transport,
      clock,
    });
    try {
      const first = m.getToken().catch((e: AuthError) => e);
      await clock.advance(0);
      const e1 = await first;
      await clock.advanceTo(t0 + 9_999);
      const e2 = await m.getToken().catch((e: AuthError) => e);
      expect(e2).to.equal(e1);
      expect(s.requests).to.have.length(1);
      await clock.advanceTo(t0 + 10_000);
      const p = m.getToken();
      await clock.advance(0);
      expect((await p).access_token).to.equal('A');
    } finally {
      m.close();
    }
  });
});

describe('token manager: what it keeps and what it hides', () => {
  let managers: TokenManager[] = [];
  afterEach(() => {
    for (const m of managers) m.close();
    managers = [];
  });
  const make = (m: TokenManager) => (managers.push(m), m);
  const run = async <T>(clock: FakeClock, p: Promise<T>) => {
    let done = false;
    const out = p.finally(() => (done = true));
    for (let i = 0; i < 200 && !done; i++) await clock.advance(100);
    return out;
  };

  it('keeps the refresh token when a refresh answer brings none', async () => {
    const clock = fakeClock();
    const s = simulated(clock, (n) =>
      n === 1 ? ok({ access_token: 'A', refresh_token: 'R1' }) : ok({ access_token: `T${n}` }),
    );
    const m = new TokenManager({ settings: settings(), transport: s.transport, clock });
    managers.push(m);
    await run(clock, m.getToken());
    await run(clock, m.getToken(true));
    await run(clock, m.getToken(true));
    expect(s.requests.map((r) => r.grant)).to.deep.equal([
      'password',
      'refresh_token',
      'refresh_token',
    ]);
    expect(m.requests).to.equal(3);
  });

  it('answers repeated calls from the cache without a request', async () => {
    const clock = fakeClock();
    const s = simulated(clock);
    const m = new TokenManager({ settings: settings(), transport: s.transport, clock });
    managers.push(m);
    const a = await run(clock, m.getToken());
    const b = await run(clock, m.getToken());
    expect(b).to.equal(a);
    expect(s.requests).to.have.length(1);
  });

  it('writes Bearer only for the token type bearer, in any casing', async () => {
    for (const [type, header] of [
      ['BEARER', 'Bearer A'],
      ['xbearer', 'xbearer A'],
      ['bearerx', 'bearerx A'],
      ['MAC', 'MAC A'],
    ]) {
      const clock = fakeClock();
      const s = simulated(clock, () => ok({ access_token: 'A', token_type: type }));
      const m = new TokenManager({ settings: settings(), transport: s.transport, clock });
      managers.push(m);
      expect((await run(clock, m.getToken())).authorization, type).to.equal(header);
    }
  });

  it('redacts the refresh token and the discarded access token a failing forced refresh echoes', async () => {
    const clock = fakeClock();
    const s = simulated(clock, (n) =>
      n === 1
        ? ok({ access_token: 'AT-echo-1', refresh_token: 'RT-echo-1', expires_in: 60 })
        : fail(503, {
            error: 'server_error',
            error_description: 'saw RT-echo-1, AT-echo-1 and pw-echo-1',
          }),
    );
    const m = new TokenManager({
      settings: validateSettings(
        { grantType: 'password', tokenUrl: 'http://127.0.0.1/token', cooldown: 0 },
        { clientId: 'c', clientSecret: 'cs-echo-1', username: 'u', password: 'pw-echo-1' },
      ),
      transport: s.transport,
      clock,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    });
    managers.push(m);
    await run(clock, m.getToken());
    const e = (await run(
      clock,
      m.getToken(true).catch((x: AuthError) => x),
    )) as AuthError;
    expect(e.message).to.not.match(/RT-echo-1|AT-echo-1/);
    expect(e.message).to.contain('saw [redacted], [redacted] and [redacted]');
    expect(m.redact('x RT-echo-1 y')).to.equal('x [redacted] y');
  });

  it('stops waiting for a retry at once when closed, with CLOSED and no further request', async () => {
    const clock = fakeClock();
    const s = simulated(clock, () => fail(503), 0);
    const m = new TokenManager({
      settings: settings(),
      transport: s.transport,
      clock,
      retry: { attempts: 4, baseDelayMs: 10_000, maxDelayMs: 10_000 },
    });
    const p = m.getToken().catch((e: AuthError) => e);
    await clock.advance(0);
    expect(s.requests).to.have.length(1);
    m.close();
    expect(await p).to.include({ code: 'CLOSED' });
    await clock.advance(60_000);
    expect(s.requests).to.have.length(1);
    expect(clock.pending()).to.equal(0);
  });
  it('redacts the signed client assertion a server echoes in its error', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sent: string[] = [];
    const s = scripted([
      (req) => {
        const a = new URLSearchParams(req.body).get('client_assertion') ?? '';
        sent.push(a);
        return fail(400, { error: 'invalid_client', error_description: `rejected ${a} here` });
      },
    ]);
    const m = make(
      new TokenManager({
        settings: validateSettings(
          {
            grantType: 'client_credentials',
            tokenUrl: 'http://127.0.0.1/token',
            clientAuth: 'private_key_jwt',
            assertionAlg: 'ES256',
          },
          {
            clientId: 'c',
            privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
          },
        ),
        transport: s.transport,
      }),
    );
    const e = (await m.getToken().catch((x: AuthError) => x)) as AuthError;
    expect(sent).to.have.length(1);
    expect(sent[0]).to.match(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(e.message).to.not.contain(sent[0]);
    expect(e.message).to.contain('rejected [redacted] here');
  });

  it('with a cool-down of 0, pauses nothing after a permanent error: the next call asks again', async () => {
    const s = scripted([fail(400, { error: 'invalid_grant' }), ok({ access_token: 'A' })]);
    const states: ManagerState[] = [];
    const m = make(
      new TokenManager({
        settings: settings({ cooldown: 0 }),
        transport: s.transport,
        clock: { now: () => 1_000_000 },
        onState: (st) => states.push(st),
      }),
    );
    expect(await m.getToken().catch((x: AuthError) => x)).to.include({ code: 'invalid_grant' });
    const last = states.at(-1);
    expect(last?.state).to.equal('error');
    expect(last).to.not.have.property('pausedUntil');
    expect((await m.getToken()).access_token).to.equal('A');
    expect(s.requests).to.have.length(2);
  });
  it('a message at the refresh time starts the background refresh; after it fails, the next one no sooner than the retry time', async () => {
    let now = 1_000_000;
    const s = scripted([ok({ access_token: 'A', expires_in: 3600 }), fail(503)], 1);
    const states: ManagerState[] = [];
    const m = make(
      new TokenManager({
        settings: settings({ refreshBefore: 60 }),
        transport: s.transport,
        clock: { now: () => now },
        onState: (st) => states.push(st),
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      }),
    );
    await m.getToken();
    const settled = async () => {
      for (let i = 0; i < 100 && states.at(-1)?.state !== 'error'; i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(states.at(-1)?.state).to.equal('error');
    };
    const refreshAt = 1_000_000 + 3_600_000 - 60_000;
    now = refreshAt - 1;
    expect(m.current()?.access_token).to.equal('A');
    expect(s.requests).to.have.length(1);
    now = refreshAt;
    expect(m.current()?.access_token).to.equal('A');
    expect(s.requests).to.have.length(2);
    await settled();
    // Usable 55 s more: try again after half of that, not with every message.
    now = refreshAt + 27_499;
    expect(m.current()?.access_token).to.equal('A');
    expect(s.requests).to.have.length(2);
    now = refreshAt + 27_500;
    expect(m.current()?.access_token).to.equal('A');
    expect(s.requests).to.have.length(3);
  });
  it('redacts the Basic credentials a server echoes from the header it was sent', async () => {
    const s = scripted([
      (req) =>
        fail(400, {
          error: 'invalid_client',
          error_description: `got ${String(req.headers.authorization ?? req.headers.Authorization)}`,
        }),
    ]);
    const m = make(
      new TokenManager({
        settings: validateSettings(
          {
            grantType: 'client_credentials',
            tokenUrl: 'http://127.0.0.1/token',
            clientAuth: 'client_secret_basic',
          },
          { clientId: 'client-9', clientSecret: 'secret-basic-9' },
        ),
        transport: s.transport,
      }),
    );
    const e = (await m.getToken().catch((x: AuthError) => x)) as AuthError;
    expect(e.message, e.message).to.contain('got Basic [redacted]');
  });

  it('sends nothing and rejects with CLOSED when closed while it signs the client assertion', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const s = scripted([ok({ access_token: 'A' })]);
    const m = make(
      new TokenManager({
        settings: validateSettings(
          {
            grantType: 'client_credentials',
            tokenUrl: 'http://127.0.0.1/token',
            clientAuth: 'private_key_jwt',
            assertionAlg: 'ES256',
          },
          {
            clientId: 'c',
            privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
          },
        ),
        transport: s.transport,
      }),
    );
    const p = m.getToken().catch((x: AuthError) => x);
    m.close();
    expect(await p).to.include({ code: 'CLOSED' });
    expect(s.requests).to.have.length(0);
  });
});
