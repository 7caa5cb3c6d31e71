import { expect } from 'chai';
import fc from 'fast-check';
import {
  evaluate,
  parseEntryDate,
  parseExpiryDate,
  type ExpiryEntry,
} from '../../nodes/core/expiry';

const NOW = Date.UTC(2027, 0, 10, 12, 0, 0);
const opts = { warnDays: 30, criticalDays: 7 };

describe('expiry dates parsed once per entry', () => {
  it('gives what parsing gives, for any stored value', () => {
    fc.assert(
      fc.property(fc.anything(), (entry) => {
        const expected = parseExpiryDate(
          typeof entry === 'object' && entry !== null
            ? (entry as { expiresAt?: unknown }).expiresAt
            : undefined,
        );
        expect(parseEntryDate(entry)).to.deep.equal(expected);
        expect(parseEntryDate(entry)).to.deep.equal(expected);
      }),
    );
  });

  it('parses an entry again when its date was changed in place', () => {
    const entry: ExpiryEntry = { expiresAt: '2027-01-12T00:00Z', appliesTo: ['password'] };
    const [before] = evaluate([entry], NOW, opts);
    entry.expiresAt = '2027-03-01T00:00Z';
    const [after] = evaluate([entry], NOW, opts);
    expect(before).to.include({ severity: 'critical', expiresAt: '2027-01-12T00:00:00.000Z' });
    expect(after).to.include({ severity: 'ok', expiresAt: '2027-03-01T00:00:00.000Z' });
  });

  it('hands out new item objects on every check', () => {
    const entries: ExpiryEntry[] = [{ expiresAt: '2027-01-12', appliesTo: ['password'] }];
    const [a] = evaluate(entries, NOW, opts);
    const [b] = evaluate(entries, NOW, opts);
    expect(a).to.deep.equal(b);
    expect(a).to.not.equal(b);
    expect(a!.appliesTo).to.not.equal(b!.appliesTo);
  });
});
