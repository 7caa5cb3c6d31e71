/**
 * Sliding-window budgets for Test connection. A test reserves a slot in every
 * budget it needs before it sends anything; one that does not fit takes none
 * (a turned-away test costs nothing), and a slot can be handed back afterwards
 * (a test the server did not refuse gives back its "refused" slot).
 */

export interface Budget {
  /** Which budget, as the answer names it (`user`, `endpoint`, `refused`...). */
  name: string;
  /** The bucket: the budget's name plus who or what it counts. */
  key: string;
  limit: number;
  windowMs: number;
}

export type Reservation =
  { ok: true; release(): void } | { ok: false; budget: Budget; waitMs: number };

/** Buckets are swept of expired slots once there are more than this many. */
const SWEEP_AT = 1000;

export class RateLimiter {
  private readonly buckets = new Map<string, { at: number }[]>();
  /** The longest window seen: a bucket older than this is empty. */
  private longest = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Buckets held: bounded by the keys used within the longest window (about). */
  get size(): number {
    return this.buckets.size;
  }

  /** One slot in each budget, or none at all and the budget that is full. */
  reserve(budgets: readonly Budget[]): Reservation {
    const now = this.now();
    for (const b of budgets) this.longest = Math.max(this.longest, b.windowMs);
    if (this.buckets.size > SWEEP_AT) this.sweep(now);
    let full: { budget: Budget; waitMs: number } | undefined;
    for (const b of budgets) {
      const live = this.live(b, now);
      if (live.length >= b.limit) {
        const waitMs = live[live.length - b.limit]!.at + b.windowMs - now;
        if (!full || waitMs > full.waitMs) full = { budget: b, waitMs: Math.max(waitMs, 1) };
      }
    }
    if (full) return { ok: false, ...full };
    const slots = budgets.map((b) => {
      const slot = { at: now };
      this.buckets.get(b.key)!.push(slot);
      return [b.key, slot] as const;
    });
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        for (const [key, slot] of slots) {
          const list = this.buckets.get(key);
          const i = list ? list.indexOf(slot) : -1;
          if (i >= 0) list!.splice(i, 1);
        }
      },
    };
  }

  private live(b: Budget, now: number): { at: number }[] {
    const list = (this.buckets.get(b.key) ?? []).filter((s) => now - s.at < b.windowMs);
    this.buckets.set(b.key, list);
    return list;
  }

  private sweep(now: number): void {
    for (const [key, list] of this.buckets) {
      if (list.every((s) => now - s.at >= this.longest)) this.buckets.delete(key);
    }
  }
}
