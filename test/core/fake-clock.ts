/**
 * A clock for the token manager that only moves when told: `now()` and timers
 * (the manager's `Clock.setTimer`) on simulated time. `advance(ms)` runs every timer
 * due in order, letting promises (and, through `settle`, real I/O) finish before the
 * next, so hours of token lifetimes take milliseconds. Used by the unit tests and by
 * the bench's idle scenario.
 */
import type { Clock, Timer } from '../../nodes/core/token-manager';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export interface FakeClock extends Clock {
  now(): number;
  setTimer(fn: () => void, ms: number): Timer;
  /** Moves the clock `ms` forward, running each timer due on the way at its own time. */
  advance(ms: number): Promise<void>;
  /** Moves the clock to `at` (no earlier than now), as `advance`. */
  advanceTo(at: number): Promise<void>;
  /** Timers set and not yet run or cancelled. */
  pending(): number;
}

/** Lets queued promise callbacks and immediates run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

/**
 * `settle` runs before each step (default: `flush`); the bench passes one that also waits
 * for real HTTP requests in flight, so simulated time does not run ahead of them.
 */
export function fakeClock(start = 1_700_000_000_000, settle = flush): FakeClock {
  let now = start;
  let seq = 0;
  // Few timers at a time (one or two per manager): a sorted array is enough.
  let timers: Entry[] = [];
  const next = (until: number): Entry | undefined => {
    timers = timers.filter((t) => !t.cancelled);
    let best: Entry | undefined;
    for (const t of timers) {
      if (t.at <= until && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq))) {
        best = t;
      }
    }
    return best;
  };
  const clock: FakeClock = {
    now: () => now,
    setTimer(fn, ms) {
      const e: Entry = { at: now + Math.max(0, ms), seq: seq++, fn, cancelled: false };
      timers.push(e);
      return {
        cancel: () => {
          e.cancelled = true;
        },
      };
    },
    async advanceTo(at) {
      for (;;) {
        await settle();
        const t = next(at);
        if (!t) break;
        t.cancelled = true;
        now = Math.max(now, t.at);
        t.fn();
      }
      now = Math.max(now, at);
      await settle();
    },
    advance: (ms) => clock.advanceTo(now + ms),
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
  return clock;
}
