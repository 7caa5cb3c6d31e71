import { expect } from 'chai';
import { parseExpiryDate } from '../../nodes/core/expiry';
import { NO_PARAMS, cachedTranslator, type Translate } from '../../nodes/core/expiry-report';

describe('the words of a refused date', () => {
  it('quote text of up to 40 characters whole, and the first 40 of longer text with an ellipsis', () => {
    const forty = 'y'.repeat(40);
    const r40 = parseExpiryDate(forty);
    expect(!r40.ok && r40.reason).to.equal(`"${forty}" is not an ISO 8601 date (${expected()})`);
    const r41 = parseExpiryDate(`${forty}zzz`);
    expect(!r41.ok && r41.reason.startsWith(`"${forty}…" is not`)).to.equal(true);
  });
});

/** The format hint at the end of a bad_format reason, as the parser words it. */
function expected(): string {
  const r = parseExpiryDate('nope');
  return !r.ok ? r.reason.slice(r.reason.indexOf('(') + 1, -1) : '';
}

describe('cached translator, messages without parameters', () => {
  it('looks a message without parameters up once and gives the same text each time', () => {
    let calls = 0;
    const t: Translate = (key) => {
      calls++;
      return `text of ${key}`;
    };
    const words = cachedTranslator(t);
    for (let i = 0; i < 5; i++) {
      expect(words('severity.warning', NO_PARAMS)).to.equal('text of severity.warning');
      expect(words('param.and', NO_PARAMS)).to.equal('text of param.and');
    }
    expect(calls).to.equal(2);
  });
});
