import { expect } from 'chai';
import { validateSettings, type RawSettings } from '../../nodes/core/config';
import { AuthError } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import type { TokenRequest } from '../../nodes/core/token-request';
import type { HttpResponse } from '../../nodes/core/token-response';
import { TokenManager, type ManagerState } from '../../nodes/core/token-manager';

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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

  it('refreshes in the background before expiry and keeps handing out the current token', async () => {
    const s = scripted(
      [ok({ access_token: 'A', expires_in: 1 }), ok({ access_token: 'B', expires_in: 60 })],
      50,
    );
    const m = make(new TokenManager({ settings: settings(), transport: s.transport }));
    expect((await m.getToken()).access_token).to.equal('A');
    // refreshBefore 60 s is capped at half of the 1 s lifetime: refresh starts at 0.5 s.
    await sleep(520);
    expect(s.requests).to.have.length(2);
    expect(m.current()?.access_token).to.equal('A');
    await sleep(80);
    expect(m.current()?.access_token).to.equal('B');
  });

  it('uses the refresh token first and keeps a rotated one', async () => {
    const s = scripted([
      ok({ access_token: 'A', refresh_token: 'R1', expires_in: 1 }),
      ok({ access_token: 'B', refresh_token: 'R2', expires_in: 1 }),
      ok({ access_token: 'C', expires_in: 60 }),
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
    expect(m.current()?.access_token).to.equal('C');
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
    const s = scripted([fail(429, '', { 'retry-after': '1' }), ok({ access_token: 'A' })]);
    const m = make(
      new TokenManager({ settings: settings(), transport: s.transport, retry: fastRetry }),
    );
    const start = Date.now();
    await m.getToken();
    expect(Date.now() - start).to.be.at.least(990);
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
    const s = scripted([ok({ access_token: 'A', expires_in: 2 }), fail(503)], 5);
    const m = make(
      new TokenManager({
        settings: settings({ refreshBefore: 1 }),
        transport: s.transport,
        retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      }),
    );
    await m.getToken();
    await sleep(1100);
    expect(s.requests.length).to.be.at.least(2);
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
