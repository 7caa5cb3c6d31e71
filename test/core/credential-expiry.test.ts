import { expect } from 'chai';
import { credentialExpiry, entryDate, shouldNotify } from '../../nodes/core/expiry';

const at = (s: string) => Date.parse(s);

describe('when a static credential is known to stop working', () => {
  it('is the earliest readable expiry among the entries that name one of its parameters', () => {
    const entries = [
      { expiresAt: '2027-05-01T00:00Z', appliesTo: ['apiKey'] },
      { expiresAt: '2027-03-01T00:00Z', appliesTo: ['clientSecret'] }, // another parameter
      { expiresAt: '2027-04-01T00:00Z', appliesTo: ['note', ' apiKey '] },
      { expiresAt: 'soon', appliesTo: ['apiKey'] }, // unreadable: ignored
      { expiresAt: '2027-06-01T00:00Z', appliesTo: ['apiKey'] },
    ];
    expect(credentialExpiry(entries, ['apiKey'])).to.equal(at('2027-04-01T00:00Z'));
    expect(credentialExpiry(entries, ['token', 'clientSecret'])).to.equal(at('2027-03-01T00:00Z'));
  });

  it('is undefined without an entry for it, or with entries that are not lists of names, without failing on them', () => {
    expect(credentialExpiry([], ['apiKey'])).to.equal(undefined);
    expect(
      credentialExpiry(
        [
          null,
          'x',
          { expiresAt: '2027-04-01T00:00Z' },
          { expiresAt: '2027-04-01T00:00Z', appliesTo: 'apiKey' },
          { expiresAt: '2027-04-01T00:00Z', appliesTo: [7, null, 'password'] },
        ],
        ['apiKey'],
      ),
    ).to.equal(undefined);
  });
});

describe('an expiry date as a report shows it', () => {
  it('is the date as typed without surrounding spaces, the same object until the date changes', () => {
    const e = { expiresAt: '  2027-01-15 ' };
    const first = entryDate(e);
    expect(first.ok && first.date.raw).to.equal('2027-01-15');
    expect(entryDate(e)).to.equal(first);
    e.expiresAt = '2027-01-16';
    const second = entryDate(e);
    expect(second).to.not.equal(first);
    expect(second.ok && second.date.raw).to.equal('2027-01-16');
  });
});

describe('reminders at the same instant', () => {
  it('are not sent twice by two checks at the same moment', () => {
    const now = at('2027-01-10T12:00Z');
    const previous = {
      severity: 'critical' as const,
      expiresAt: '2027-01-12T00:00:00.000Z',
      at: now,
    };
    expect(
      shouldNotify(
        previous,
        { severity: 'critical', expiresAt: previous.expiresAt },
        now,
        86_400_000,
      ),
    ).to.equal(false);
  });
});
