import { expect } from 'chai';
import { RateLimiter, type Budget } from '../../nodes/core/rate-limit';

const budget = (name: string, limit: number, windowMs = 60_000): Budget => ({
  name,
  key: name,
  limit,
  windowMs,
});

describe('test budgets', () => {
  let now = 0;
  const limiter = () => new RateLimiter(() => now);
  beforeEach(() => (now = 1_000_000));

  it('turns a test away once a budget is full, naming the budget and the wait', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) expect(l.reserve([budget('user', 3)]).ok).to.equal(true);
    now += 10_000;
    const r = l.reserve([budget('user', 3)]);
    expect(r.ok).to.equal(false);
    if (!r.ok) {
      expect(r.budget.name).to.equal('user');
      expect(r.waitMs).to.equal(50_000);
    }
  });

  it('takes nothing from any budget for a test it turns away', () => {
    const l = limiter();
    const small = budget('endpoint', 1);
    const big = budget('all', 10);
    expect(l.reserve([small, big]).ok).to.equal(true);
    for (let i = 0; i < 20; i++) expect(l.reserve([small, big]).ok).to.equal(false);
    // Only the first test counts against the big budget: 9 more fit.
    for (let i = 0; i < 9; i++) expect(l.reserve([big]).ok).to.equal(true);
    expect(l.reserve([big]).ok).to.equal(false);
  });

  it('gives a slot back when it is released, once', () => {
    const l = limiter();
    const b = budget('refused', 2);
    const first = l.reserve([b]);
    expect(first.ok && l.reserve([b]).ok).to.equal(true);
    expect(l.reserve([b]).ok).to.equal(false);
    if (first.ok) {
      first.release();
      first.release();
    }
    expect(l.reserve([b]).ok).to.equal(true);
    expect(l.reserve([b]).ok).to.equal(false);
  });

  it('frees slots as the window slides', () => {
    const l = limiter();
    const b = budget('user', 2, 1000);
    l.reserve([b]);
    now += 600;
    l.reserve([b]);
    expect(l.reserve([b]).ok).to.equal(false);
    now += 401;
    expect(l.reserve([b]).ok).to.equal(true);
  });

  it('forgets buckets nobody used for a window, so many keys cost no lasting memory', () => {
    const l = limiter();
    for (let i = 0; i < 3000; i++) l.reserve([{ ...budget('endpoint', 1, 1000), key: `k${i}` }]);
    now += 2000;
    l.reserve([budget('user', 1, 1000)]);
    expect(l.size).to.be.at.most(2);
  });
  it('names the budget with the longest wait when several are full', () => {
    const l = limiter();
    const short = budget('user', 1, 1000);
    const long = budget('endpoint', 1, 60_000);
    expect(l.reserve([short, long]).ok).to.equal(true);
    for (const order of [
      [short, long],
      [long, short],
    ]) {
      const r = l.reserve(order);
      expect(r.ok).to.equal(false);
      if (!r.ok)
        expect({ name: r.budget.name, waitMs: r.waitMs }).to.deep.equal({
          name: 'endpoint',
          waitMs: 60_000,
        });
    }
  });

  it('counts the wait from the slot that must leave for the test to fit', () => {
    const l = limiter();
    for (const dt of [0, 100, 200]) {
      now += dt;
      l.reserve([budget('user', 3, 1000)]);
    }
    // Slots at 0, 100 and 300; with the limit lowered to 2, the one at 100 must leave: at 1100.
    const r = l.reserve([budget('user', 2, 1000)]);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.waitMs).to.equal(800);
  });

  it('never asks to wait less than a millisecond, with a clock that has fractions', () => {
    now = 0.25;
    const l = limiter();
    l.reserve([budget('user', 1, 1)]);
    now = 0.75;
    const r = l.reserve([budget('user', 1, 1)]);
    expect(r.ok).to.equal(false);
    if (!r.ok) expect(r.waitMs).to.equal(1);
  });

  it('frees a slot exactly one window after it was taken', () => {
    const l = limiter();
    const b = budget('user', 1, 1000);
    l.reserve([b]);
    now += 999;
    expect(l.reserve([b]).ok).to.equal(false);
    now += 1;
    expect(l.reserve([b]).ok).to.equal(true);
  });

  it('keeps counting a bucket that still holds a live slot when it sweeps old ones', () => {
    const l = limiter();
    const user = budget('user', 2, 1000);
    l.reserve([user]);
    for (let i = 0; i < 1001; i++) l.reserve([{ ...budget('endpoint', 1, 1000), key: `k${i}` }]);
    now += 600;
    l.reserve([user]);
    now += 500;
    // The slot from 0 has gone, the one from 600 still counts: one more fits, not two.
    expect(l.reserve([user]).ok).to.equal(true);
    expect(l.reserve([user]).ok).to.equal(false);
    expect(l.size).to.equal(1);
  });

  it("gives nobody else's slot back when a slot is released after its window passed", () => {
    const l = limiter();
    const b = budget('refused', 1, 1000);
    const old = l.reserve([b]);
    now += 1000;
    expect(l.reserve([b]).ok).to.equal(true);
    if (old.ok) old.release();
    expect(l.reserve([b]).ok).to.equal(false);
  });
  it('forgets buckets exactly one window old, and a release after that is harmless', () => {
    const l = limiter();
    const first = l.reserve([budget('refused', 1, 1000)]);
    for (let i = 0; i < 1001; i++) l.reserve([{ ...budget('endpoint', 1, 1000), key: `k${i}` }]);
    now += 1000;
    expect(l.reserve([budget('user', 1, 1000)]).ok).to.equal(true);
    expect(l.size).to.equal(1);
    expect(() => first.ok && first.release()).to.not.throw();
    expect(l.reserve([budget('user', 1, 1000)]).ok).to.equal(false);
  });
});
