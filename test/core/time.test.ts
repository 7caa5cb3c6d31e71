import { expect } from 'chai';
import { formatLocal, formatTime, formatUntil } from '../../nodes/core/time';

// Local times, so the tests hold in any time zone.
const at = (y: number, mo: number, d: number, h: number, mi: number, s: number) =>
  new Date(y, mo - 1, d, h, mi, s).getTime();

describe('time formatting', () => {
  it('writes the time of day with two digits each', () => {
    expect(formatTime(at(2027, 1, 2, 3, 4, 5))).to.equal('03:04:05');
    expect(formatTime(at(2027, 12, 31, 23, 59, 59))).to.equal('23:59:59');
  });

  it('writes only the time for today and the date too for another day', () => {
    const now = at(2027, 3, 9, 12, 0, 0);
    expect(formatUntil(at(2027, 3, 9, 23, 5, 6), now)).to.equal('23:05:06');
    expect(formatUntil(at(2027, 3, 10, 0, 0, 1), now)).to.equal('2027-03-10 00:00:01');
    expect(formatUntil(at(2028, 3, 9, 1, 2, 3), now)).to.equal('2028-03-09 01:02:03');
  });

  it('writes a local date and time to the minute', () => {
    expect(formatLocal(at(2027, 1, 2, 3, 4, 59))).to.equal('2027-01-02 03:04');
    expect(formatLocal(at(2027, 11, 30, 14, 45, 0))).to.equal('2027-11-30 14:45');
  });
});
