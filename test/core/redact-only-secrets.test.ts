import { expect } from 'chai';
import { createRedactor } from '../../nodes/core/redact';

describe('redactor without id and secret pairs', () => {
  it('leaves base64 text alone that encodes no secret', () => {
    // "Uzp0" is base64 of "S:t": not a secret of this set, so it stays.
    const redact = createRedactor({ secrets: ['s3cret-value'] });
    expect(redact('error Uzp0 for s3cret-value')).to.equal('error Uzp0 for [redacted]');
  });
});
