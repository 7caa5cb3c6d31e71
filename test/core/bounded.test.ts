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

  it('takes each bound as the most allowed: one more is too much', () => {
    const small = { maxDepth: 2, maxValues: 4, maxChars: 5 };
    // Values: the array and its items.
    expect(exceeds([1, 2, 3], small)).to.equal(undefined);
    expect(exceeds([1, 2, 3, 4], small)).to.equal('size');
    // Depth: the root is at depth 0; an object at depth 2 is one too deep.
    expect(exceeds({ a: { b: 1 } }, small)).to.equal(undefined);
    expect(exceeds({ a: { b: {} } }, small)).to.equal('depth');
    expect(exceeds([[[]]], { ...small, maxValues: 10 })).to.equal('depth');
    // Characters: keys and strings together.
    expect(exceeds({ ab: 'cde' }, small)).to.equal(undefined);
    expect(exceeds({ ab: 'cdef' }, small)).to.equal('size');
    expect(exceeds({ abcdef: 1 }, small)).to.equal('size');
    expect(exceeds('abcde', small)).to.equal(undefined);
    expect(exceeds('abcdef', small)).to.equal('size');
    // Counted before the items are walked: a wide array is refused at once, for its size.
    const wide = { maxDepth: 1, maxValues: 4, maxChars: 5 };
    expect(exceeds([{}, {}, {}, {}], wide)).to.equal('size');
    expect(exceeds([{}, {}, {}], wide)).to.equal('depth');
    expect(exceeds(null, small)).to.equal(undefined);
    expect(exceeds(7, { maxDepth: 0, maxValues: 1, maxChars: 0 })).to.equal(undefined);
    expect(exceeds(7, { maxDepth: 0, maxValues: 0, maxChars: 0 })).to.equal('size');
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
