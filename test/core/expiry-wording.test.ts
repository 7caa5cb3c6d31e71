/**
 * The words of reminders and of the dashboard overview: what a person reads.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import {
  cachedTranslator,
  composeReminder,
  overview,
  planEntries,
  runCheck,
  type CheckedObject,
  type Translate,
} from '../../nodes/core/expiry-report';

const DAY = 86_400_000;
const NOW = Date.UTC(2027, 0, 10, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const opts = { warnDays: 30, criticalDays: 7 };

/** The English catalogue, interpolated as i18next does (`__name__`). */
function english(): Translate {
  const file = path.resolve(__dirname, '../../locales/en-US/auth-expiry-check.json');
  const root = JSON.parse(fs.readFileSync(file, 'utf8'))['auth-expiry-check'];
  return (key, params) => {
    const text = key.split('.').reduce((o, k) => o?.[k], root) as unknown;
    if (typeof text !== 'string') throw new Error(`missing message ${key}`);
    return text.replace(/__(\w+)__/g, (_m, p: string) => String(params[p] ?? ''));
  };
}
const obj = (id: string, entries: CheckedObject['entries']): CheckedObject => ({
  id,
  name: `Object ${id}`,
  notify: '',
  endpoint: 'client_credentials @ login.example.com',
  server: { tokenUrl: 'https://login.example.com/oauth2/token' },
  entries,
});

describe('expiry wording', () => {
  it('separates the paragraphs of a reminder with blank lines', () => {
    const [f] = runCheck(
      [obj('a', [{ expiresAt: iso(NOW + 3 * DAY), appliesTo: ['password'], note: 'ask Bob' }])],
      NOW,
      opts,
    ).findings;
    const lines = composeReminder(f!, english(), () => 'then').payload.split('\n');
    expect(lines[0]).to.match(/^The password of the authentication object "Object a" expires/);
    expect(lines.slice(1, 6)).to.deep.equal(['', 'Note: ask Bob', '', lines[4], '']);
    expect(lines[4]).to.match(/^What to do: get a new password/);
    expect(lines[6]).to.equal('Token URL: https://login.example.com/oauth2/token');
  });

  it('names each parameter list of the overview as it is, even lists that join alike', () => {
    const r = runCheck(
      [
        obj('a', [
          { expiresAt: iso(NOW + 3 * DAY), appliesTo: ['ab', 'c'] },
          { expiresAt: iso(NOW + 4 * DAY), appliesTo: ['a', 'bc'] },
          { expiresAt: iso(NOW + 5 * DAY), appliesTo: ['abc'] },
        ]),
      ],
      NOW,
      opts,
    );
    const o = overview(r.findings, NOW, english(), () => 'then');
    expect(o.rows.map((row) => row.what)).to.deep.equal(['ab and c', 'a and bc', 'abc']);
  });

  it('leaves an item expiring at this very instant out of the weeks ahead', () => {
    const r = runCheck([obj('a', [{ expiresAt: iso(NOW), appliesTo: ['password'] }])], NOW, opts);
    const o = overview(r.findings, NOW, english(), () => 'then');
    expect(o.counts.expired).to.equal(1);
    expect(o.weeks.map((w) => w.count)).to.deep.equal(Array(13).fill(0));
  });

  it('plans nothing from an entry list that is not a list', () => {
    for (const entries of [undefined, null, 'x', { expiresAt: '2027-01-01' }]) {
      const plan = planEntries('a', entries as unknown as unknown[]);
      expect(plan.items, String(entries)).to.deep.equal([]);
      expect(plan.invalid).to.have.length(0);
    }
  });

  it('the cached translator gives the singular and the plural of a counted message in any order', () => {
    const forms: Record<string, [string, string]> = { days: ['__count__ day', '__count__ days'] };
    const t: Translate = (key, params) => {
      const [one, other] = forms[key]!;
      const text = params.count === 1 ? one : other;
      return text.replace(/__(\w+)__/g, (m, p: string) =>
        params[p] === undefined ? m : String(params[p]),
      );
    };
    const words = cachedTranslator(t);
    expect([2, 1, 5, 1].map((count) => words('days', { count }))).to.deep.equal([
      '2 days',
      '1 day',
      '5 days',
      '1 day',
    ]);
  });
  it('the cached translator fills a formatted or spaced placeholder as t does, after a first lookup without its value', () => {
    // Like i18next: a placeholder's name is trimmed, `name, format` formats, a missing value stays.
    const messages: Record<string, string> = {
      shout: 'Hello __name, upper__',
      spaced: 'Hi __ name __',
    };
    const t: Translate = (key, params) =>
      messages[key]!.replace(/__(.+?)__/g, (m, inner: string) => {
        const [n, format] = inner.split(',').map((x) => x.trim());
        const v = params[n!];
        if (v === undefined) return m;
        return format === 'upper' ? String(v).toUpperCase() : String(v);
      });
    const words = cachedTranslator(t);
    for (const key of ['shout', 'spaced']) {
      expect(words(key, { other: 'x' })).to.equal(t(key, { other: 'x' }));
      expect(words(key, { name: 'bob' }), key).to.equal(t(key, { name: 'bob' }));
    }
  });
});
