import { expect } from 'chai';
import fc from 'fast-check';
import {
  compareEvaluated,
  daysLeft,
  evaluate,
  parseExpiryDate,
  severityOf,
  severityRank,
  shouldNotify,
  type EvaluatedExpiry,
  type ExpiryEntry,
  type ExpiryItem,
  type Severity,
} from '../../nodes/core/expiry';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The instant of a valid date, or a test failure naming the reason. */
function at(s: string): number {
  const r = parseExpiryDate(s);
  if (!r.ok) throw new Error(`expected ${s} to parse: ${r.reason}`);
  return r.at;
}

function iso(s: string): string {
  return new Date(at(s)).toISOString();
}

function restoreZone(original: string | undefined): void {
  if (original === undefined) delete process.env.TZ;
  else process.env.TZ = original;
}

/**
 * Runs `fn` with the runtime's time zone set to `tz`, then restores it. Node.js applies a change of
 * `process.env.TZ` at once.
 */
function inZone<T>(tz: string, fn: () => T): T {
  const original = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    restoreZone(original);
  }
}

/** Local wall-clock time of `t` in the runtime's zone, as `YYYY-MM-DDThh:mm:ss`. */
function localWall(t: number): string {
  const d = new Date(Math.floor(t / 1000) * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

function valid(items: EvaluatedExpiry[]): ExpiryItem[] {
  return items.filter((i): i is ExpiryItem => !i.invalid);
}

const ZONES = [
  'UTC',
  'Asia/Tokyo',
  'Pacific/Kiritimati',
  'America/Los_Angeles',
  'Pacific/Honolulu',
  'Europe/Berlin',
  'America/Sao_Paulo',
  'America/Havana',
  'Pacific/Apia',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
];

describe('core/expiry', () => {
  describe('parseExpiryDate', () => {
    it("a date-only expiry means midnight in the runtime's time zone", () => {
      const r = parseExpiryDate('2027-03-01');
      expect(r).to.deep.equal({ ok: true, at: new Date(2027, 2, 1).getTime(), dateOnly: true });
    });

    it("a date-time without offset is wall time in the runtime's time zone", () => {
      const r = parseExpiryDate('2027-03-01T12:34:56.789');
      expect(r).to.deep.equal({
        ok: true,
        at: new Date(2027, 2, 1, 12, 34, 56, 789).getTime(),
        dateOnly: false,
      });
    });

    it("a date-time with Z or an offset is exact whatever the runtime's time zone", () => {
      expect(iso('2027-03-01T12:00:00Z')).to.equal('2027-03-01T12:00:00.000Z');
      expect(iso('2027-03-01T12:00+02:00')).to.equal('2027-03-01T10:00:00.000Z');
      expect(iso('2027-03-01T12:00-05:30')).to.equal('2027-03-01T17:30:00.000Z');
      expect(iso('2027-03-01T00:30:00-00:00')).to.equal('2027-03-01T00:30:00.000Z');
      expect(iso('2027-03-01T00:30+14:00')).to.equal('2027-02-28T10:30:00.000Z');
      expect(iso('2027-03-01T23:59-23:59')).to.equal('2027-03-02T23:58:00.000Z');
    });

    it('seconds and fractions are optional; digits past milliseconds are cut, not rounded', () => {
      expect(iso('2027-03-01T12:00Z')).to.equal('2027-03-01T12:00:00.000Z');
      expect(iso('2027-03-01T12:00:07Z')).to.equal('2027-03-01T12:00:07.000Z');
      expect(iso('2027-03-01T12:00:07.5Z')).to.equal('2027-03-01T12:00:07.500Z');
      expect(iso('2027-03-01T12:00:07.123999999Z')).to.equal('2027-03-01T12:00:07.123Z');
    });

    it('reports whether the value had a time', () => {
      expect(parseExpiryDate('2027-03-01')).to.include({ dateOnly: true });
      expect(parseExpiryDate('2027-03-01T00:00')).to.include({ dateOnly: false });
      expect(parseExpiryDate('2027-03-01T00:00Z')).to.include({ dateOnly: false });
    });

    it('ignores surrounding whitespace', () => {
      expect(at(' 2027-03-01\n')).to.equal(at('2027-03-01'));
      expect(iso('\t2027-03-01T12:00Z ')).to.equal('2027-03-01T12:00:00.000Z');
    });

    it('accepts the first and last years of the allowed range', () => {
      expect(iso('1970-01-01T00:00Z')).to.equal('1970-01-01T00:00:00.000Z');
      expect(iso('1970-01-01T00:00+09:00')).to.equal('1969-12-31T15:00:00.000Z');
      expect(at('1970-01-01')).to.equal(new Date(1970, 0, 1).getTime());
      expect(iso('9999-12-31T23:59:59.999Z')).to.equal('9999-12-31T23:59:59.999Z');
      expect(iso('9999-12-31T00:00-10:00')).to.equal('9999-12-31T10:00:00.000Z');
      expect(at('9999-12-31')).to.equal(new Date(9999, 11, 31).getTime());
      expect(iso('2028-02-29T00:00Z')).to.equal('2028-02-29T00:00:00.000Z');
      expect(at('2028-02-29')).to.equal(new Date(2028, 1, 29).getTime());
    });

    describe("time-zone transitions of the runtime's zone", () => {
      it('on the day Berlin springs forward, midnight exists and the day has 23 hours', () => {
        inZone('Europe/Berlin', () => {
          expect(iso('2027-03-28')).to.equal('2027-03-27T23:00:00.000Z');
          expect(iso('2027-03-29')).to.equal('2027-03-28T22:00:00.000Z');
          expect(at('2027-03-29') - at('2027-03-28')).to.equal(23 * HOUR);
        });
      });

      it('on the day Berlin falls back, the day has 25 hours', () => {
        inZone('Europe/Berlin', () => {
          expect(at('2027-11-01') - at('2027-10-31')).to.equal(25 * HOUR);
        });
      });

      it('a date-only expiry whose midnight was skipped starts when the day starts (São Paulo)', () => {
        // Brazil's last DST began at 2018-11-04 00:00 -03:00, straight to 01:00 -02:00.
        inZone('America/Sao_Paulo', () => {
          const t = at('2018-11-04');
          expect(new Date(t).toISOString()).to.equal('2018-11-04T03:00:00.000Z');
          expect(localWall(t)).to.equal('2018-11-04T01:00:00');
          expect(localWall(t - 1000)).to.equal('2018-11-03T23:59:59');
        });
      });

      it('a date-only expiry on a day the zone skipped entirely is the start of the next day', () => {
        // Samoa jumped the date line: 2011-12-29 24:00 -10:00 became 2011-12-31 00:00 +14:00.
        inZone('Pacific/Apia', () => {
          expect(iso('2011-12-30')).to.equal('2011-12-30T10:00:00.000Z');
          expect(iso('2011-12-31')).to.equal('2011-12-30T10:00:00.000Z');
        });
        inZone('Pacific/Kiritimati', () => {
          expect(iso('1994-12-31')).to.equal('1994-12-31T10:00:00.000Z');
        });
      });

      it('a midnight that happens twice is the first one (Havana falls back 01:00 → 00:00)', () => {
        inZone('America/Havana', () => {
          const t = at('2027-11-07');
          expect(new Date(t).toISOString()).to.equal('2027-11-07T04:00:00.000Z');
          expect(localWall(t - 1000)).to.equal('2027-11-06T23:59:59');
        });
      });

      it('a date-time in a spring-forward gap moves forward by the gap, like new Date()', () => {
        inZone('Europe/Berlin', () => {
          expect(iso('2027-03-28T02:30')).to.equal('2027-03-28T01:30:00.000Z');
          expect(localWall(at('2027-03-28T02:30'))).to.equal('2027-03-28T03:30:00');
        });
      });

      it('a date-time that happens twice on a fall-back day is the earlier instant', () => {
        inZone('Europe/Berlin', () => {
          expect(iso('2027-10-31T02:30')).to.equal('2027-10-31T00:30:00.000Z');
          expect(iso('2027-10-31T03:00')).to.equal('2027-10-31T02:00:00.000Z');
        });
      });

      it('half-hour transitions are handled (Lord Howe Island)', () => {
        // Lord Howe goes from +10:30 to +11:00 at 02:00 on the first Sunday of October.
        inZone('Australia/Lord_Howe', () => {
          expect(iso('2027-10-03')).to.equal('2027-10-02T13:30:00.000Z');
          expect(iso('2027-10-04')).to.equal('2027-10-03T13:00:00.000Z');
        });
      });
    });

    describe('refuses what is not a date, with a reason', () => {
      const cases: [unknown, string, RegExp][] = [
        [undefined, 'not_string', /not a string but undefined/],
        [null, 'not_string', /not a string but null/],
        [20270301, 'not_string', /not a string but a number/],
        [new Date(2027, 2, 1), 'not_string', /not a string but an object/],
        [['2027-03-01'], 'not_string', /not a string but an array/],
        ['', 'empty', /empty/],
        ['   ', 'empty', /empty/],
        ['next Tuesday', 'bad_format', /"next Tuesday" is not an ISO 8601 date \(expected YYYY/],
        ['March 1, 2027', 'bad_format', /not an ISO 8601 date/],
        ['01.03.2027', 'bad_format', /not an ISO 8601 date/],
        ['2027-3-1', 'bad_format', /not an ISO 8601 date/],
        ['20270301', 'bad_format', /not an ISO 8601 date/],
        ['2027-03', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01 12:00', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01T12', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01T12:00+0200', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01T12:00:00.Z', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01T12:00:00.1234567890Z', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01Z', 'bad_format', /not an ISO 8601 date/],
        ['+002027-03-01', 'bad_format', /not an ISO 8601 date/],
        ['２０２７-03-01', 'bad_format', /not an ISO 8601 date/],
        ['2027-03-01T12:00:00Zjunk', 'bad_format', /not an ISO 8601 date/],
        ['2027-02-30', 'bad_date', /2027-02-30 does not exist/],
        ['2027-02-29', 'bad_date', /2027-02-29 does not exist/],
        ['2100-02-29', 'bad_date', /2100-02-29 does not exist/],
        ['2027-04-31', 'bad_date', /2027-04-31 does not exist/],
        ['2027-03-00', 'bad_date', /2027-03-00 does not exist/],
        ['2027-13-01', 'bad_date', /month 13 does not exist/],
        ['2027-00-10', 'bad_date', /month 00 does not exist/],
        ['2027-03-01T24:00', 'bad_date', /hour 24 is outside 00..23/],
        ['2027-03-01T12:60', 'bad_date', /minute 60 is outside 00..59/],
        ['2027-03-01T12:00:60Z', 'bad_date', /second 60 is outside 00..59/],
        ['2027-03-01T12:00+24:00', 'bad_date', /offset \+24:00 is outside/],
        ['2027-03-01T12:00-01:60', 'bad_date', /offset -01:60 is outside/],
        ['1969-12-31', 'year_range', /year 1969 is outside 1970..9999/],
        ['0000-01-01', 'year_range', /year 0000 is outside 1970..9999/],
      ];
      for (const [input, code, reason] of cases) {
        it(`refuses ${JSON.stringify(input) ?? String(input)} (${code})`, () => {
          const r = parseExpiryDate(input);
          expect(r.ok).to.equal(false);
          if (r.ok) return;
          expect(r.code).to.equal(code);
          expect(r.reason).to.match(reason);
        });
      }

      it('keeps long user text in a reason short', () => {
        const r = parseExpiryDate('x'.repeat(10_000));
        expect(r.ok).to.equal(false);
        if (!r.ok) expect(r.reason.length).to.be.lessThan(200);
      });
    });
  });

  describe('daysLeft', () => {
    it('is the number of started days until the instant', () => {
      const t = at('2027-03-01T00:00Z');
      expect(daysLeft(t, t - 2 * DAY)).to.equal(2);
      expect(daysLeft(t, t - 2 * DAY + 1)).to.equal(2);
      expect(daysLeft(t, t - 2 * DAY - 1)).to.equal(3);
      expect(daysLeft(t, t - 1)).to.equal(1);
      expect(daysLeft(t, t + DAY)).to.equal(-1);
      expect(daysLeft(t, t + DAY + 1)).to.equal(-1);
    });

    it('is 0, never -0, at the instant and during the day after it', () => {
      const t = at('2027-03-01T00:00Z');
      expect(Object.is(daysLeft(t, t), 0)).to.equal(true);
      expect(Object.is(daysLeft(t, t + 1), 0)).to.equal(true);
      expect(Object.is(daysLeft(t, t + DAY - 1), 0)).to.equal(true);
    });

    it('counts a 23-hour spring-forward day as one day', () => {
      // Berlin's midnights around 2027-03-28, when it moves from +01:00 to +02:00.
      const expiry = at('2027-03-29T00:00+02:00');
      expect(daysLeft(expiry, at('2027-03-28T00:00+01:00'))).to.equal(1);
    });

    it('counts midnight to midnight over a 25-hour fall-back day as two days, by the formula', () => {
      // ceil((expiresAt − now) / 1 day) uses 24-hour days; 25 hours round up to 2. Berlin's
      // midnights around 2027-10-31, when it moves from +02:00 back to +01:00.
      const expiry = at('2027-11-01T00:00+01:00');
      expect(daysLeft(expiry, at('2027-10-31T00:00+02:00'))).to.equal(2);
      expect(daysLeft(expiry, at('2027-10-31T09:00+01:00'))).to.equal(1);
    });
  });

  describe('severityOf at every boundary', () => {
    const warnDays = 30;
    const criticalDays = 7;
    // [clock as wall time, daysLeft, severity] for an expiry at 00:00 on 2027-03-01.
    const dateOnlyClocks: [string, number, Severity][] = [
      ['2027-01-29T00:00', 31, 'ok'],
      ['2027-01-29T23:59:59.999', 31, 'ok'],
      ['2027-01-30T00:00', 30, 'warning'],
      ['2027-01-31T00:00', 29, 'warning'],
      ['2027-02-21T00:00', 8, 'warning'],
      ['2027-02-21T23:59:59', 8, 'warning'],
      ['2027-02-22T00:00', 7, 'critical'],
      ['2027-02-23T00:00', 6, 'critical'],
      ['2027-02-28T00:00', 1, 'critical'],
      ['2027-02-28T23:59:59.999', 1, 'critical'],
      ['2027-03-01T00:00', 0, 'expired'],
      ['2027-03-01T12:00', 0, 'expired'],
      ['2027-03-02T00:00', -1, 'expired'],
    ];
    // No offset: the runtime's zone, and the expiry is date-only. Otherwise expiry and clocks carry
    // the offset, east and west of UTC.
    const offsets = ['', 'Z', '+09:00', '+14:00', '-08:00', '-10:00'];
    for (const offset of offsets) {
      const where = offset ? `at ${offset}` : "in the runtime's zone";
      it(`an expiry at midnight warns, turns critical and expires on the right day ${where}`, () => {
        const expiry = at(offset ? `2027-03-01T00:00${offset}` : '2027-03-01');
        for (const [clock, left, severity] of dateOnlyClocks) {
          const now = at(clock + offset);
          expect(daysLeft(expiry, now), clock).to.equal(left);
          expect(severityOf(expiry, now, warnDays, criticalDays), clock).to.equal(severity);
        }
      });

      it(`a date-time expiry changes severity at its own time of day ${where}`, () => {
        const expiry = at(`2027-03-01T12:00${offset}`);
        const clocks: [string, number, Severity][] = [
          ['2027-01-30T11:59:59', 31, 'ok'],
          ['2027-01-30T12:00', 30, 'warning'],
          ['2027-02-22T11:59', 8, 'warning'],
          ['2027-02-22T12:00', 7, 'critical'],
          ['2027-02-23T12:00', 6, 'critical'],
          ['2027-03-01T11:59:59.999', 1, 'critical'],
          ['2027-03-01T12:00', 0, 'expired'],
          ['2027-03-02T12:00', -1, 'expired'],
        ];
        for (const [clock, left, severity] of clocks) {
          const now = at(clock + offset);
          expect(daysLeft(expiry, now), clock).to.equal(left);
          expect(severityOf(expiry, now, warnDays, criticalDays), clock).to.equal(severity);
        }
      });
    }

    it('expires at the start of a day São Paulo began at 01:00', () => {
      inZone('America/Sao_Paulo', () => {
        const expiry = at('2018-11-04');
        expect(severityOf(expiry, at('2018-11-04T02:59:59.999Z'), 30, 7)).to.equal('critical');
        expect(severityOf(expiry, at('2018-11-04T03:00Z'), 30, 7)).to.equal('expired');
        expect(daysLeft(expiry, at('2018-11-03'))).to.equal(1);
      });
    });

    it('critical wins when criticalDays is not below warnDays', () => {
      const t = at('2027-03-01T00:00Z');
      expect(severityOf(t, t - 10 * DAY, 7, 14)).to.equal('critical');
      expect(severityOf(t, t - 20 * DAY, 7, 14)).to.equal('ok');
    });

    it('zero thresholds only ever say ok or expired', () => {
      const t = at('2027-03-01T00:00Z');
      expect(severityOf(t, t - 1, 0, 0)).to.equal('ok');
      expect(severityOf(t, t, 0, 0)).to.equal('expired');
    });
  });

  describe('severityRank', () => {
    it('orders ok < warning < critical < expired', () => {
      const order: Severity[] = ['ok', 'warning', 'critical', 'expired'];
      expect(order.map(severityRank)).to.deep.equal([0, 1, 2, 3]);
    });

    it('ranks an unknown value below ok', () => {
      expect(severityRank('unknown' as Severity)).to.equal(-1);
      expect(severityRank('toString' as Severity)).to.equal(-1);
    });
  });

  describe('evaluate', () => {
    // Date-only entries are midnights in the runtime's zone: Berlin here.
    let original: string | undefined;
    before(() => {
      original = process.env.TZ;
      process.env.TZ = 'Europe/Berlin';
    });
    after(() => restoreZone(original));

    const options = { warnDays: 30, criticalDays: 7 };
    const now = at('2027-02-25T09:00+01:00');

    it('gives each entry its instant in UTC, days left and severity, sorted by instant', () => {
      const entries: ExpiryEntry[] = [
        { expiresAt: '2028-01-01', appliesTo: ['password'] },
        { expiresAt: '2027-03-01', appliesTo: ['clientSecret', 'refreshToken'], note: 'rotate' },
        { expiresAt: '2027-02-20T12:00:00Z', appliesTo: ['clientCertificate'] },
        { expiresAt: '2027-03-20T10:00+01:00', appliesTo: ['myOwnKey'] },
      ];
      expect(evaluate(entries, now, options)).to.deep.equal([
        {
          appliesTo: ['clientCertificate'],
          expiresAt: '2027-02-20T12:00:00.000Z',
          at: Date.UTC(2027, 1, 20, 12),
          dateOnly: false,
          raw: '2027-02-20T12:00:00Z',
          daysLeft: -4,
          severity: 'expired',
        },
        {
          appliesTo: ['clientSecret', 'refreshToken'],
          expiresAt: '2027-02-28T23:00:00.000Z',
          at: Date.UTC(2027, 1, 28, 23),
          dateOnly: true,
          raw: '2027-03-01',
          daysLeft: 4,
          severity: 'critical',
          note: 'rotate',
        },
        {
          appliesTo: ['myOwnKey'],
          expiresAt: '2027-03-20T09:00:00.000Z',
          at: Date.UTC(2027, 2, 20, 9),
          dateOnly: false,
          raw: '2027-03-20T10:00+01:00',
          daysLeft: 24,
          severity: 'warning',
        },
        {
          appliesTo: ['password'],
          expiresAt: '2027-12-31T23:00:00.000Z',
          at: Date.UTC(2027, 11, 31, 23),
          dateOnly: true,
          raw: '2028-01-01',
          daysLeft: 310,
          severity: 'ok',
        },
      ]);
    });

    it('lists an unparseable entry last with its reason, without hiding the others', () => {
      const entries = [
        { expiresAt: '2027-02-30', appliesTo: ['password'], note: 'typo' },
        { expiresAt: '2027-03-01', appliesTo: ['clientSecret'] },
      ];
      const items = evaluate(entries, now, options);
      expect(items).to.have.length(2);
      expect(items[0]).to.include({ expiresAt: '2027-02-28T23:00:00.000Z', severity: 'critical' });
      expect(items[1]).to.deep.equal({
        invalid: true,
        appliesTo: ['password'],
        code: 'bad_date',
        reason: '2027-02-30 does not exist',
        raw: '2027-02-30',
        note: 'typo',
      });
    });

    it('survives malformed stored entries', () => {
      const junk = [
        null,
        ' 2027-03-01',
        { appliesTo: 'password' },
        { expiresAt: 42, appliesTo: [1, 'password'], note: 7 },
        { expiresAt: '2027-03-05', appliesTo: ['a', null, 'b'] },
      ] as unknown as ExpiryEntry[];
      const items = evaluate(junk, now, options);
      expect(items.map((i) => (i.invalid ? i.code : i.severity))).to.deep.equal([
        'warning',
        'bad_entry',
        'bad_entry',
        'not_string',
        'not_string',
      ]);
      expect(items[0].appliesTo).to.deep.equal(['a', 'b']);
      expect(items[3]).to.deep.include({ appliesTo: [], raw: undefined });
      expect(items[4]).to.deep.include({ appliesTo: ['password'], raw: 42 });
      expect(items[4]).to.not.have.property('note');
      expect(evaluate(undefined as unknown as ExpiryEntry[], now, options)).to.deep.equal([]);
    });

    it('copies appliesTo, so editing a result cannot change the stored entry', () => {
      const entry = { expiresAt: '2027-03-01', appliesTo: ['password'] };
      const [item] = evaluate([entry], now, options);
      item.appliesTo.push('clientSecret');
      expect(entry.appliesTo).to.deep.equal(['password']);
    });

    it('keeps the stored order for entries at the same instant', () => {
      const entries: ExpiryEntry[] = [
        { expiresAt: '2027-03-01', appliesTo: ['b'] },
        { expiresAt: '2027-02-28T23:00Z', appliesTo: ['a'] },
        { expiresAt: 'soon', appliesTo: ['y'] },
        { expiresAt: 'later', appliesTo: ['x'] },
      ];
      expect(evaluate(entries, now, options).map((i) => i.appliesTo[0])).to.deep.equal([
        'b',
        'a',
        'y',
        'x',
      ]);
    });

    it("uses the runtime's time zone", () => {
      const [item] = valid(evaluate([{ expiresAt: '2027-03-01', appliesTo: [] }], now, options));
      expect(item.at).to.equal(new Date(2027, 2, 1).getTime());
      expect(item.at).to.equal(Date.UTC(2027, 1, 28, 23));
    });

    it('sorts merged lists of several objects the same way', () => {
      const a = evaluate([{ expiresAt: '2027-04-01', appliesTo: ['a'] }], now, options);
      const b = evaluate(
        [
          { expiresAt: 'x', appliesTo: ['bad'] },
          { expiresAt: '2027-03-01', appliesTo: ['b'] },
        ],
        now,
        options,
      );
      expect([...a, ...b].sort(compareEvaluated).map((i) => i.appliesTo[0])).to.deep.equal([
        'b',
        'a',
        'bad',
      ]);
    });
  });

  describe('shouldNotify', () => {
    const remind = 24 * HOUR;
    const now = at('2027-02-25T09:00Z');
    const expiresAt = '2027-03-01T00:00:00.000Z';

    it('never reports an item that is ok', () => {
      expect(shouldNotify(undefined, { severity: 'ok', expiresAt }, now, remind)).to.equal(false);
      const prev = { severity: 'critical' as const, expiresAt, at: now - 10 * DAY };
      expect(shouldNotify(prev, { severity: 'ok', expiresAt }, now, remind)).to.equal(false);
    });

    it('reports an item that needs attention the first time it is seen', () => {
      for (const severity of ['warning', 'critical', 'expired'] as const) {
        expect(shouldNotify(undefined, { severity, expiresAt }, now, remind)).to.equal(true);
      }
    });

    it('stays quiet about the same item at the same severity until remindEvery has passed', () => {
      const prev = { severity: 'warning' as const, expiresAt, at: now - remind + 1 };
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now, remind)).to.equal(false);
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now + 1, remind)).to.equal(
        true,
      );
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now + DAY, remind)).to.equal(
        true,
      );
    });

    it('reports at once when the severity rises', () => {
      const prev = { severity: 'warning' as const, expiresAt, at: now - HOUR };
      expect(shouldNotify(prev, { severity: 'critical', expiresAt }, now, remind)).to.equal(true);
      expect(shouldNotify(prev, { severity: 'expired', expiresAt }, now, remind)).to.equal(true);
    });

    it('does not report early when the severity drops but the date did not change', () => {
      // Only possible when the thresholds were edited; the reminder comes on schedule.
      const prev = { severity: 'critical' as const, expiresAt, at: now - HOUR };
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now, remind)).to.equal(false);
    });

    it('reports at once when the date changed, even if the new date is further away', () => {
      const prev = { severity: 'critical' as const, expiresAt, at: now - HOUR };
      const later = { severity: 'warning' as const, expiresAt: '2027-03-20T00:00:00.000Z' };
      const earlier = { severity: 'critical' as const, expiresAt: '2027-02-28T00:00:00.000Z' };
      expect(shouldNotify(prev, later, now, remind)).to.equal(true);
      expect(shouldNotify(prev, earlier, now, remind)).to.equal(true);
    });

    it('reminds when the clock was set back past the last report', () => {
      const prev = { severity: 'warning' as const, expiresAt, at: now + 30 * DAY };
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now, remind)).to.equal(true);
    });

    it('treats a remembered severity it does not know as below any warning', () => {
      const prev = { severity: 'soon' as Severity, expiresAt, at: now - HOUR };
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now, remind)).to.equal(true);
    });

    it('with remindEvery 0 reports at every check', () => {
      const prev = { severity: 'warning' as const, expiresAt, at: now };
      expect(shouldNotify(prev, { severity: 'warning', expiresAt }, now, 0)).to.equal(true);
    });
  });

  describe('properties', () => {
    const MIN = Date.UTC(1970, 0, 1);
    const MAX = Date.UTC(9999, 11, 31);
    const instant = fc.integer({ min: MIN, max: MAX });
    const threshold = fc.integer({ min: 0, max: 400 });
    const zone = fc.constantFrom(...ZONES);
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    const dateText = fc
      .date({ min: new Date(MIN), max: new Date(MAX), noInvalidDate: true })
      .map(
        (d) => `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
      );

    it('severity never improves as time advances', () => {
      fc.assert(
        fc.property(
          instant,
          instant,
          fc.nat({ max: 400 * DAY }),
          threshold,
          threshold,
          (t, now, step, warn, crit) => {
            const before = severityRank(severityOf(t, now, warn, crit));
            const after = severityRank(severityOf(t, now + step, warn, crit));
            expect(after).to.be.at.least(before);
          },
        ),
      );
    });

    it('daysLeft never grows as time advances, and is ≤ 0 exactly once expired', () => {
      fc.assert(
        fc.property(instant, instant, fc.nat({ max: 400 * DAY }), (t, now, step) => {
          expect(daysLeft(t, now + step)).to.be.at.most(daysLeft(t, now));
          expect(daysLeft(t, now) <= 0).to.equal(severityOf(t, now, 30, 7) === 'expired');
        }),
      );
    });

    it('a UTC date-time round-trips through toISOString', () => {
      fc.assert(
        fc.property(instant, (t) => {
          const text = new Date(t).toISOString();
          expect(parseExpiryDate(text)).to.deep.equal({ ok: true, at: t, dateOnly: false });
        }),
      );
    });

    it("a date-only value is the first instant of that day in the runtime's zone", () => {
      fc.assert(
        fc.property(dateText, zone, (date, tz) =>
          inZone(tz, () => {
            const t = at(date);
            const start = localWall(t);
            const justBefore = localWall(t - 1000);
            expect(start.slice(0, 10) >= date, `${start} in ${tz}`).to.equal(true);
            expect(justBefore.slice(0, 10) < date, `${justBefore} in ${tz}`).to.equal(true);
            // Exactly midnight whenever the zone's clocks show midnight that day.
            const midnight = at(`${date}T00:00`);
            if (localWall(midnight) === `${date}T00:00:00`) expect(t).to.equal(midnight);
          }),
        ),
      );
    });

    it("a wall-clock time of the runtime's zone parses back to an instant showing that time", () => {
      fc.assert(
        fc.property(instant, zone, (t, tz) =>
          inZone(tz, () => {
            const text = localWall(t);
            fc.pre(/^\d{4}-/.test(text) && text >= '1970');
            const back = at(text);
            expect(localWall(back), `${text} in ${tz}`).to.equal(text);
            // A time shown twice (clocks set back) resolves to the first showing.
            expect(back).to.be.at.most(Math.floor(t / 1000) * 1000);
          }),
        ),
      );
    });

    it('never throws, whatever the value', () => {
      const nearlyIso = fc.stringMatching(
        /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{0,12})?)?(Z|[+-]\d{2}:?\d{2})?)?$/,
      );
      fc.assert(
        fc.property(fc.oneof(fc.anything(), fc.string(), nearlyIso, dateText), (value) => {
          const r = parseExpiryDate(value);
          if (r.ok) {
            expect(Number.isFinite(r.at)).to.equal(true);
          } else {
            expect(r.reason).to.be.a('string').and.not.equal('');
          }
        }),
      );
    });

    it('evaluate never throws on arbitrary stored entries', () => {
      fc.assert(
        fc.property(fc.array(fc.anything()), instant, (entries, now) => {
          const items = evaluate(entries as ExpiryEntry[], now, { warnDays: 30, criticalDays: 7 });
          expect(items).to.have.length(entries.length);
        }),
      );
    });
  });
});
