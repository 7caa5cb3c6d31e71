import { expect } from 'chai';
import { validateSettings } from '../../nodes/core/config';
import { AuthError } from '../../nodes/core/errors';
import type { Transport } from '../../nodes/core/http';
import { TokenManager, type ManagerState } from '../../nodes/core/token-manager';
import type { HttpResponse } from '../../nodes/core/token-response';
import { fakeClock, type FakeClock } from './fake-clock';

const json = (status: number, body: object): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify(body)),
});

/** Answers request n with reply(n) after 50 ms of fake time; counts requests. */
function server(clock: FakeClock, reply: (n: number) => HttpResponse) {
  let n = 0;
  const transport: Transport = {
    send() {
      const r = reply(++n);
      return new Promise((resolve) => clock.setTimer(() => resolve(r), 50));
    },
    close() {},
  };
  return { transport, requests: () => n };
}

const drive = async <T>(clock: FakeClock, p: Promise<T>): Promise<T> => {
  let settled = false;
  const out = p.finally(() => (settled = true));
  for (let i = 0; i < 100 && !settled; i++) await clock.advance(100);
  return out;
};

describe('token manager: cool-down after a failed background refresh', () => {
  let m: TokenManager | undefined;
  afterEach(() => m?.close());

  it('sends no further request for messages during the cool-down, and they keep the valid token', async () => {
    const clock = fakeClock();
    const s = server(clock, (n) =>
      n === 1
        ? json(200, { access_token: 'A', token_type: 'Bearer', expires_in: 300 })
        : json(401, { error: 'invalid_client' }),
    );
    const states: ManagerState[] = [];
    m = new TokenManager({
      settings: validateSettings(
        {
          grantType: 'client_credentials',
          tokenUrl: 'https://idp.example/token',
          refreshBefore: 60,
          cooldown: 600,
        },
        { clientId: 'c', clientSecret: 's' },
      ),
      transport: s.transport,
      clock,
      onState: (st) => states.push(st),
    });
    const t0 = clock.now();
    expect((await drive(clock, m.getToken())).access_token).to.equal('A');
    await clock.advance(1000);
    expect(m.current()?.access_token).to.equal('A'); // a message uses it
    // Used, so at the refresh time (240 s) it is renewed in the background: refused.
    await clock.advanceTo(t0 + 241_000);
    expect(s.requests()).to.equal(2);
    expect(states.at(-1)).to.deep.include({ state: 'error' });
    expect((states.at(-1) as { pausedUntil?: number }).pausedUntil).to.be.a('number');
    // Messages while A lasts: A, and no request to a server that just refused the client.
    for (let i = 0; i < 5; i++) {
      await clock.advance(5000);
      expect(m.current()?.access_token).to.equal('A');
    }
    expect(s.requests()).to.equal(2);
    const after = await drive(
      clock,
      (async () => {
        await clock.advanceTo(t0 + 300_000);
        return m!.getToken().catch((e: AuthError) => e);
      })(),
    );
    expect(after).to.be.instanceOf(AuthError);
    expect((after as AuthError).code).to.equal('invalid_client');
    expect(s.requests()).to.equal(2);
  });
  it('renews in the background again for the first message once the cool-down has passed', async () => {
    const clock = fakeClock();
    const s = server(clock, (n) =>
      n === 2
        ? json(401, { error: 'invalid_client' })
        : json(200, { access_token: `T${n}`, token_type: 'Bearer', expires_in: 3600 }),
    );
    const states: ManagerState[] = [];
    m = new TokenManager({
      settings: validateSettings(
        {
          grantType: 'client_credentials',
          tokenUrl: 'https://idp.example/token',
          refreshBefore: 600,
          cooldown: 100,
        },
        { clientId: 'c', clientSecret: 's' },
      ),
      transport: s.transport,
      clock,
      onState: (st) => states.push(st),
    });
    const t0 = clock.now();
    await drive(clock, m.getToken());
    await clock.advance(1000);
    m.current();
    await clock.advanceTo(t0 + 3001_000);
    expect(s.requests()).to.equal(2);
    const until = (states.at(-1) as { pausedUntil?: number }).pausedUntil!;
    await clock.advanceTo(until - 1);
    expect(m.current()?.access_token).to.equal('T1');
    expect(s.requests()).to.equal(2);
    await clock.advanceTo(until);
    expect(m.current()?.access_token).to.equal('T1');
    expect(s.requests()).to.equal(3);
    await clock.advance(1000);
    expect(m.current()?.access_token).to.equal('T3');
  });
});
