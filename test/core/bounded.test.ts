import { expect } from 'chai';
import { exceeds } from '../../nodes/core/bounded';

const BOUNDS = { maxDepth: 6, maxValues: 2000, maxChars: 64 * 1024 };

describe('request body bounds', () => {
  it('refuses a body nested 100,000 deep without overflowing the stack', () => {
    const deep = JSON.parse(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`) as unknown;
    expect(exceeds(deep, BOUNDS)).to.equal('depth');
  });

  it('refuses a body with too many values or too much text', () => {
    expect(exceeds({ a: new Array(100_000).fill(1) }, BOUNDS)).to.equal('size');
    expect(exceeds({ a: 'x'.repeat(70_000) }, BOUNDS)).to.equal('size');
    const keys = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]));
    expect(exceeds(keys, BOUNDS)).to.equal('size');
  });

  it('accepts a Test connection form', () => {
    const form = {
      id: 'a1',
      grantType: 'password',
      tokenUrl: 'https://idp.example.com/token',
      extraParams: [{ name: 'audience', value: 'api' }],
      credentials: { clientId: 'c', clientSecret: '__PWRD__' },
    };
    expect(exceeds(form, BOUNDS)).to.equal(undefined);
  });
});
