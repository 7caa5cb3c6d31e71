import { expect } from 'chai';
import { cachedTranslator, type Translate } from '../../nodes/core/expiry-report';

describe('cached translator', () => {
  /** A stand-in for Node-RED's i18next: `__name__` placeholders, missing ones kept. */
  function counting(messages: Record<string, string>): Translate & { calls: number } {
    const t = ((key: string, params: Record<string, string | number>) => {
      t.calls++;
      const text = messages[key] ?? key;
      return text.replace(/__(.+?)__/g, (m, name: string) => {
        const [n, format] = name.split(',').map((s) => s.trim());
        const v = params[n!];
        if (v === undefined) return m;
        return format === 'upper' ? String(v).toUpperCase() : String(v);
      });
    }) as Translate & { calls: number };
    t.calls = 0;
    return t;
  }

  const messages = {
    subject: '[__severity__] __name__: __what__',
    days: '__count__ days',
    constant: 'Sent by the expiry check node.',
    shout: 'Hello __name, upper__',
  };

  it('gives exactly what t gives, asking t once per message', () => {
    const t = counting(messages);
    const words = cachedTranslator(t);
    const plain = counting(messages);
    for (let i = 0; i < 100; i++) {
      const params = { severity: 'warning', name: `object ${i}`, what: 'password' };
      expect(words('subject', params)).to.equal(plain('subject', params));
      expect(words('days', { count: i % 3 })).to.equal(plain('days', { count: i % 3 }));
      expect(words('constant', {})).to.equal(plain('constant', {}));
    }
    // subject: once bare and once with values; days: once per count; constant: once.
    expect(t.calls).to.equal(2 + 3 + 1);
  });

  it('leaves placeholders without a value as t does', () => {
    const words = cachedTranslator(counting(messages));
    words('subject', { severity: 'ok', name: 'a', what: 'b' });
    expect(words('subject', { severity: 'ok', name: 'a' })).to.equal('[ok] a: __what__');
  });

  it('asks t every time for formatted placeholders and for values i18next would nest', () => {
    const t = counting(messages);
    const words = cachedTranslator(t);
    expect(words('shout', { name: 'ann' })).to.equal('Hello ANN');
    expect(words('shout', { name: 'bob' })).to.equal('Hello BOB');
    const before = t.calls;
    expect(words('subject', { severity: 'x', name: '$t(other)', what: 'y' })).to.equal(
      '[x] $t(other): y',
    );
    expect(t.calls).to.equal(before + 1);
  });

  it('falls back to t when a bare lookup drops the placeholders', () => {
    const t: Translate = (_key, params) =>
      `Dear ${params.name ?? ''}, your ${params.what ?? ''} expires.`;
    const words = cachedTranslator(t);
    expect(words('body', { name: 'Ann', what: 'password' })).to.equal(
      'Dear Ann, your password expires.',
    );
    expect(words('body', { name: 'Bob', what: 'secret' })).to.equal(
      'Dear Bob, your secret expires.',
    );
  });
});
