/**
 * The expiry check reads each object's entries once (planEntries, at deploy) and sorts all
 * items once with a typed-array sort. These tests hold it to the straightforward check it
 * replaced: evaluate() per object, keys numbered per object, one comparator sort.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { evaluate, type ExpiryEntry } from '../../nodes/core/expiry';
import {
  byInstant,
  planEntries,
  runCheck,
  type CheckedObject,
  type ReportItem,
} from '../../nodes/core/expiry-report';

const DAY = 86_400_000;
const NOW = Date.UTC(2027, 0, 10, 12, 0, 0);
const opts = { warnDays: 30, criticalDays: 7 };

/** The check as it was written before: the specification of runCheck's result. */
function reference(objects: readonly CheckedObject[], now: number) {
  const findings: { key: string; item: ReportItem; at: number }[] = [];
  const invalid: { id: string; appliesTo: string[]; raw: unknown; reason: string }[] = [];
  const counts = { ok: 0, warning: 0, critical: 0, expired: 0 };
  for (const object of objects) {
    const seen: string[] = [];
    for (const e of evaluate(object.entries, now, opts)) {
      if (e.invalid) {
        invalid.push({ id: object.id, appliesTo: e.appliesTo, raw: e.raw, reason: e.reason });
        continue;
      }
      const base = `${object.id}:${e.appliesTo.join('+')}@${e.expiresAt}`;
      let n = 1;
      for (const b of seen) if (b === base) n++;
      seen.push(base);
      counts[e.severity]++;
      findings.push({
        key: n > 1 ? `${base}#${n}` : base,
        at: e.at,
        item: {
          authObject: { id: object.id, name: object.name },
          appliesTo: e.appliesTo,
          expiresAt: e.expiresAt,
          daysLeft: e.daysLeft,
          severity: e.severity,
          note: e.note ?? '',
        },
      });
    }
  }
  findings.sort((a, b) => a.at - b.at);
  return { findings, invalid, counts };
}

function shape(r: ReturnType<typeof runCheck>) {
  return {
    findings: r.findings.map((f) => ({ key: f.key, item: f.item, at: f.detail.at })),
    invalid: r.invalid.map((i) => ({
      id: i.object.id,
      appliesTo: i.appliesTo,
      raw: i.raw,
      reason: i.reason,
    })),
    counts: r.counts,
  };
}

/** Dates in every form, few enough that duplicates and equal instants are common. */
const date = fc.oneof(
  fc.integer({ min: -40, max: 60 }).map((d) => new Date(NOW + d * DAY).toISOString()),
  fc.integer({ min: -40, max: 60 }).map((d) => new Date(NOW + d * DAY).toISOString().slice(0, 10)),
  fc.constantFrom('2027-01-12T00:00+02:00', '2027-02-30', 'next tuesday', ' 2027-01-11 '),
  fc.anything(),
);
const entry = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        expiresAt: date,
        appliesTo: fc.oneof(
          fc.array(fc.constantFrom('password', 'clientSecret', 'a+b', 'a', 'b', 'x')),
          fc.array(fc.anything(), { maxLength: 3 }),
          fc.anything(),
        ),
        note: fc.oneof(fc.string({ maxLength: 5 }), fc.anything()),
      },
      { requiredKeys: ['expiresAt'] },
    ),
  },
  { weight: 1, arbitrary: fc.anything() },
);
const objects = fc.array(fc.array(entry, { maxLength: 5 }), { maxLength: 6 }).map((lists) =>
  lists.map((entries, i) => ({
    id: `o${i % 4}`,
    name: `Object ${i}`,
    entries: entries as ExpiryEntry[],
  })),
);

describe('expiry check: entries planned once, items sorted once', () => {
  it('gives what the straightforward check gives, with and without a plan made at deploy', () => {
    fc.assert(
      fc.property(objects, fc.boolean(), (list, planned) => {
        const checked: CheckedObject[] = list.map((o) =>
          planned ? { ...o, plan: planEntries(o.id, o.entries) } : o,
        );
        expect(shape(runCheck(checked, NOW, opts))).to.deep.equal(reference(list, NOW));
      }),
      { numRuns: 300 },
    );
  });

  it('hands out new items and parameter lists on every check of the same plan', () => {
    const object: CheckedObject = {
      id: 'a',
      name: 'A',
      entries: [{ expiresAt: '2027-01-12', appliesTo: ['password'] }],
    };
    const planned = { ...object, plan: planEntries('a', object.entries) };
    const [first] = runCheck([planned], NOW, opts).findings;
    first!.item.appliesTo.push('changed by a flow');
    first!.item.authObject.name = 'changed by a flow';
    const [second] = runCheck([planned], NOW, opts).findings;
    expect(second!.item).to.deep.equal({
      authObject: { id: 'a', name: 'A' },
      appliesTo: ['password'],
      expiresAt: first!.item.expiresAt,
      daysLeft: 2,
      severity: 'critical',
      note: '',
    });
  });

  it('ignores a plan made for another object id', () => {
    const entries = [{ expiresAt: '2027-01-12', appliesTo: ['password'] }];
    const r = runCheck(
      [{ id: 'b', name: 'B', entries, plan: planEntries('a', entries) }],
      NOW,
      opts,
    );
    expect(r.findings[0]!.key).to.match(/^b:password@/);
  });

  it('sorts by instant as a stable comparator sort does', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -5, max: 5 }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
        ),
        (ats) => {
          const list = ats.map((at, i) => ({ detail: { at }, i }));
          const expected = [...list].sort((a, b) => a.detail.at - b.detail.at);
          expect(byInstant(list).map((x) => x.i)).to.deep.equal(expected.map((x) => x.i));
        },
      ),
    );
  });
});
