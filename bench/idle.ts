/**
 * Scenario 7 (`idle.*`): token requests in proportion to use. 10 objects per traffic shape
 * with 60 s tokens for 10 minutes of simulated time: the token manager runs on a fake clock
 * (its renewal, lapse and retry timers included), against the real OAuth server over real
 * HTTP; simulated time stands still while a real request is in flight, and the answer
 * arrives a simulated round trip after it was sent. No real waiting: the 10 minutes take
 * about a second.
 */
import { validateSettings } from '../nodes/core/config';
import { createTransport, type Transport } from '../nodes/core/http';
import { TokenManager } from '../nodes/core/token-manager';
import { DEMO } from '../test/fixtures/oauth-server';
import { fakeClock, flush } from '../test/core/fake-clock';
import { figure, median, round, type Figure } from './report';
import type { Context } from './scenarios';

const OBJECTS = 10;
const LIFETIME_S = 60;
const DURATION_MS = 10 * 60_000;
const STEADY_MS = 100;
const BURST_EVERY_MS = 5 * 60_000;
/** Simulated round trip of a token request. */
const RTT_MS = 50;

type Shape = 'steady' | 'bursty' | 'unused';
const SHAPES: Shape[] = ['steady', 'bursty', 'unused'];

interface Obj {
  shape: Shape;
  manager: TokenManager;
  waited: number;
  failed: number;
}

export async function idle(ctx: Context): Promise<Figure[]> {
  ctx.server.setLatency(0);
  ctx.server.setLifetime(LIFETIME_S);
  const pending = new Set<Promise<unknown>>();
  // Simulated time moves only when no real request is in flight.
  const settle = async () => {
    await flush();
    while (pending.size) {
      await Promise.allSettled([...pending]);
      await flush();
    }
  };
  const clock = fakeClock(Date.now(), settle);
  const t0 = clock.now();
  const simulated = (inner: Transport): Transport => ({
    send(req, timeoutMs, signal) {
      const sentAt = clock.now();
      const real = inner.send(req, timeoutMs, signal);
      const forget = () => pending.delete(real);
      pending.add(real);
      real.then(forget, forget);
      return real.then(
        (res) =>
          new Promise((resolve) => {
            clock.setTimer(() => resolve(res), Math.max(0, sentAt + RTT_MS - clock.now()));
          }),
      );
    },
    close: () => inner.close(),
  });
  const settings = validateSettings(
    { grantType: 'client_credentials', tokenUrl: ctx.server.tokenUrl },
    { clientId: DEMO.confidential.clientId, clientSecret: DEMO.confidential.clientSecret },
  );
  const before = ctx.server.requests.length;
  // "Deploy": every object is created at t0; none fetches a token before a message asks.
  const objects: Obj[] = [];
  for (const shape of SHAPES) {
    for (let i = 0; i < OBJECTS; i++) {
      const manager = new TokenManager({
        settings,
        transport: simulated(createTransport()),
        clock,
      });
      objects.push({ shape, manager, waited: 0, failed: 0 });
    }
  }
  /** What get token does with a message: the cached token, or wait for one. */
  const message = (o: Obj) => {
    if (o.manager.current()) return;
    o.waited++;
    o.manager.getToken().catch(() => o.failed++);
  };
  let messages = 0;
  try {
    for (let t = 0; t < DURATION_MS; t += STEADY_MS) {
      await clock.advanceTo(t0 + t);
      for (const o of objects) {
        if (o.shape === 'steady' || (o.shape === 'bursty' && t % BURST_EVERY_MS === 0)) {
          message(o);
          messages++;
        }
      }
    }
    await clock.advanceTo(t0 + DURATION_MS);
  } finally {
    for (const o of objects) o.manager.close();
  }
  const atServer = ctx.server.requests.length - before;

  const lead = Math.min(60, LIFETIME_S / 2);
  const bursts = Math.ceil(DURATION_MS / BURST_EVERY_MS);
  const floor: Record<Shape, number> = {
    // One per (lifetime - lead): the first request included.
    steady: Math.ceil(DURATION_MS / 1000 / (LIFETIME_S - lead)),
    bursty: bursts,
    unused: 0,
  };
  const waitTarget: Record<Shape, number> = { steady: 1, bursty: bursts, unused: 0 };
  const figures: Figure[] = [];
  const spread = (xs: number[]) => `${Math.min(...xs)} / ${median(xs)} / ${Math.max(...xs)}`;
  for (const shape of SHAPES) {
    const of = objects.filter((o) => o.shape === shape);
    const requests = of.map((o) => o.manager.requests);
    const waited = of.map((o) => o.waited);
    const failed = of.reduce((n, o) => n + o.failed, 0);
    const r = median(requests);
    const w = median(waited);
    const what = {
      steady: `a message every ${STEADY_MS} ms; floor ${DURATION_MS / 1000} s / (${LIFETIME_S} s - lead ${lead} s)`,
      bursty: `one message every ${BURST_EVERY_MS / 60_000} min; floor one per burst`,
      unused: 'no message after deploy; floor 0',
    }[shape];
    figures.push(
      figure(
        `idle.${shape}_requests`,
        r,
        'per object',
        `<= ${floor[shape]}`,
        r <= floor[shape] && failed === 0,
        `min/median/max ${spread(requests)} of ${OBJECTS} objects; ${what}`,
      ),
      figure(
        `idle.${shape}_waited`,
        w,
        'messages',
        `<= ${waitTarget[shape]}`,
        w <= waitTarget[shape],
        `per object, min/median/max ${spread(waited)}; ${failed} failed`,
      ),
    );
  }
  const sum = objects.reduce((n, o) => n + o.manager.requests, 0);
  figures.push(
    figure(
      'idle.server_requests',
      atServer,
      'requests',
      `== ${sum}`,
      atServer === sum,
      `at the OAuth server for ${messages} messages over ${round(DURATION_MS / 60_000, 1)} simulated min`,
    ),
  );
  return figures;
}
