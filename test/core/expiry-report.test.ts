import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import {
  composeReminder,
  overview,
  runCheck,
  SEVERITY_COLORS,
  selectDue,
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

const obj = (id: string, entries: CheckedObject['entries'], notify = ''): CheckedObject => ({
  id,
  name: `Object ${id}`,
  notify,
  endpoint: 'client_credentials @ login.example.com',
  server: { tokenUrl: 'https://login.example.com/oauth2/token' },
  entries,
});

describe('expiry report', () => {
  it('lists every item sorted by expiry with counts, ok included', () => {
    const r = runCheck(
      [
        obj('a', [{ expiresAt: iso(NOW + 90 * DAY), appliesTo: ['clientSecret'] }]),
        obj('b', [
          { expiresAt: iso(NOW + 3 * DAY), appliesTo: ['password'] },
          { expiresAt: iso(NOW - DAY), appliesTo: ['refreshToken'], note: 'old' },
        ]),
        obj('c', [{ expiresAt: iso(NOW + 20 * DAY), appliesTo: ['clientSecret', 'password'] }]),
      ],
      NOW,
      opts,
    );
    expect(r.findings.map((f) => f.item.severity)).to.deep.equal([
      'expired',
      'critical',
      'warning',
      'ok',
    ]);
    expect(r.counts).to.deep.equal({ expired: 1, critical: 1, warning: 1, ok: 1 });
    expect(r.findings[0]!.item).to.deep.equal({
      authObject: { id: 'b', name: 'Object b' },
      appliesTo: ['refreshToken'],
      expiresAt: iso(NOW - DAY),
      daysLeft: -1,
      severity: 'expired',
      note: 'old',
    });
  });

  it('leaves unreadable dates out and reports them', () => {
    const r = runCheck(
      [obj('a', [{ expiresAt: '2027-02-30', appliesTo: ['password'] }])],
      NOW,
      opts,
    );
    expect(r.findings).to.have.length(0);
    expect(r.invalid).to.have.length(1);
    expect(r.invalid[0]!.raw).to.equal('2027-02-30');
  });

  it('reminds once per remind period, at once for a higher severity or a changed date', () => {
    const entry = (days: number) => [
      obj('a', [{ expiresAt: iso(NOW + days * DAY), appliesTo: ['password'] }]),
    ];
    const hour = 3_600_000;
    let memory = {};
    const step = (days: number, at: number) => {
      const s = selectDue(runCheck(entry(days), at, opts).findings, memory, at, 24 * hour);
      memory = s.memory;
      return s.due.length;
    };
    expect(step(20, NOW)).to.equal(1);
    expect(step(20, NOW + hour)).to.equal(0);
    expect(step(20, NOW + 25 * hour)).to.equal(1);
    // Moved closer: critical now, reported at once.
    expect(step(5, NOW + 26 * hour)).to.equal(1);
    // Moved far away: ok and forgotten; coming back is reported again.
    expect(step(200, NOW + 27 * hour)).to.equal(0);
    expect(memory).to.deep.equal({});
    expect(step(5, NOW + 28 * hour)).to.equal(1);
  });

  it('with hourly checks and a 24 h remind period, reminds again 24 h after the last reminder', () => {
    const entry = [obj('a', [{ expiresAt: iso(NOW + 20 * DAY), appliesTo: ['password'] }])];
    const hour = 3_600_000;
    let memory = {};
    const sentAt: number[] = [];
    // Two days of hourly checks: the silent checks in between must not restart the clock.
    for (let h = 0; h <= 48; h++) {
      const at = NOW + h * hour;
      const s = selectDue(runCheck(entry, at, opts).findings, memory, at, 24 * hour);
      memory = s.memory;
      if (s.due.length) sentAt.push(h);
    }
    expect(sentAt).to.deep.equal([0, 24, 48]);
  });

  it('reminds again exactly when the remind period has passed, not a moment earlier', () => {
    const entry = [obj('a', [{ expiresAt: iso(NOW + 20 * DAY), appliesTo: ['password'] }])];
    const first = selectDue(runCheck(entry, NOW, opts).findings, {}, NOW, DAY);
    const at = (t: number) => selectDue(runCheck(entry, t, opts).findings, first.memory, t, DAY);
    expect(at(NOW + DAY - 1).due).to.have.length(0);
    expect(at(NOW + DAY).due).to.have.length(1);
    // A clock set back (memory from the future) reminds rather than staying silent for ever.
    expect(at(NOW - 1000).due).to.have.length(1);
  });

  it('forgets the reminder of an item that is ok again, so its next warning is sent', () => {
    const entry = [obj('a', [{ expiresAt: iso(NOW + 20 * DAY), appliesTo: ['password'] }])];
    const warned = selectDue(runCheck(entry, NOW, opts).findings, {}, NOW, DAY);
    expect(warned.due).to.have.length(1);
    // Warnings from 10 days ahead only: the item is ok now, and its record goes.
    const okNow = selectDue(
      runCheck(entry, NOW + 1000, { ...opts, warnDays: 10 }).findings,
      warned.memory,
      NOW + 1000,
      DAY,
    );
    expect(okNow).to.deep.equal({ due: [], memory: {} });
    const again = selectDue(
      runCheck(entry, NOW + 2000, opts).findings,
      okNow.memory,
      NOW + 2000,
      DAY,
    );
    expect(again.due).to.have.length(1);
  });

  it('keys an item by object, parameters and date, numbering exact duplicates', () => {
    const at = iso(NOW + 3 * DAY);
    const r = runCheck(
      [
        obj('a', [
          { expiresAt: at, appliesTo: ['password'] },
          { expiresAt: at, appliesTo: ['password'] },
          { expiresAt: at, appliesTo: ['password'] },
          { expiresAt: at, appliesTo: ['clientSecret', 'password'], note: 'both' },
        ]),
        obj('b', [{ expiresAt: at, appliesTo: ['password'] }]),
      ],
      NOW,
      opts,
    );
    const expiresAt = r.findings[0]!.item.expiresAt;
    expect(r.findings.map((f) => f.key)).to.deep.equal([
      `a:password@${expiresAt}`,
      `a:password@${expiresAt}#2`,
      `a:password@${expiresAt}#3`,
      `a:clientSecret+password@${expiresAt}`,
      `b:password@${expiresAt}`,
    ]);
    expect(r.findings.map((f) => f.item.note)).to.deep.equal(['', '', '', 'both', '']);
    // Each duplicate is its own reminder.
    expect(selectDue(r.findings, {}, NOW, DAY).due).to.have.length(5);
  });

  it('keeps an unchecked object in memory for 30 days, then forgets it', () => {
    const entry = [obj('a', [{ expiresAt: iso(NOW + 3 * DAY), appliesTo: ['password'] }])];
    const first = selectDue(runCheck(entry, NOW, opts).findings, {}, NOW, DAY);
    const later = (ms: number) =>
      Object.keys(selectDue([], first.memory, NOW + ms, DAY, new Set()).memory);
    expect(later(30 * DAY - 1)).to.have.length(1);
    expect(later(30 * DAY)).to.have.length(0);
  });

  it('remembers nothing for an ok item and keeps the memory of one not due again', () => {
    const ok = runCheck(
      [obj('a', [{ expiresAt: iso(NOW + 300 * DAY), appliesTo: ['password'] }])],
      NOW,
      opts,
    );
    expect(selectDue(ok.findings, {}, NOW, DAY)).to.deep.equal({ due: [], memory: {} });
    const warn = runCheck(
      [obj('a', [{ expiresAt: iso(NOW + 20 * DAY), appliesTo: ['password'] }])],
      NOW,
      opts,
    );
    const first = selectDue(warn.findings, {}, NOW, DAY);
    const again = selectDue(warn.findings, first.memory, NOW + 1000, DAY);
    expect(again.due).to.have.length(0);
    expect(again.memory).to.deep.equal(first.memory);
  });

  it('does not repeat a reminder when an object was missing from one check', () => {
    const objects = [
      obj('a', [{ expiresAt: iso(NOW + 3 * DAY), appliesTo: ['password'] }]),
      obj('b', [{ expiresAt: iso(NOW + 3 * DAY), appliesTo: ['password'] }]),
    ];
    const step = (
      list: CheckedObject[],
      memory: Record<string, never> | ReturnType<typeof selectDue>['memory'],
      at: number,
    ) =>
      selectDue(runCheck(list, at, opts).findings, memory, at, DAY, new Set(list.map((o) => o.id)));
    const first = step(objects, {}, NOW);
    expect(first.due).to.have.length(2);
    // During a deploy only "a" is up.
    const partial = step([objects[0]!], first.memory, NOW + 1000);
    expect(partial.due).to.have.length(0);
    expect(step(objects, partial.memory, NOW + 2000).due).to.have.length(0);
    // An object gone for good is forgotten after a while.
    expect(Object.keys(step([objects[0]!], first.memory, NOW + 31 * DAY).memory)).to.have.length(1);
  });

  it('does not re-send an item when a second entry for the same parameter is added', () => {
    const first = { expiresAt: iso(NOW + 20 * DAY), appliesTo: ['clientSecret'] };
    const once = selectDue(runCheck([obj('a', [first])], NOW, opts).findings, {}, NOW, DAY);
    expect(once.due).to.have.length(1);
    const earlier = { expiresAt: iso(NOW + 10 * DAY), appliesTo: ['clientSecret'] };
    const both = runCheck([obj('a', [earlier, first])], NOW + 1000, opts);
    const again = selectDue(both.findings, once.memory, NOW + 1000, DAY);
    expect(again.due.map((f) => f.item.expiresAt)).to.deep.equal([earlier.expiresAt]);
  });

  it('keeps two entries for the same parameters apart', () => {
    const r = runCheck(
      [
        obj('a', [
          { expiresAt: iso(NOW + 2 * DAY), appliesTo: ['clientSecret'] },
          { expiresAt: iso(NOW + 20 * DAY), appliesTo: ['clientSecret'] },
        ]),
      ],
      NOW,
      opts,
    );
    expect(new Set(r.findings.map((f) => f.key)).size).to.equal(2);
    expect(selectDue(r.findings, {}, NOW, DAY).due).to.have.length(2);
  });

  it('words a reminder a person understands at a glance', () => {
    const t = english();
    const r = runCheck(
      [
        obj('a', [
          { expiresAt: '2027-01-15', appliesTo: ['clientSecret'], note: 'rotate in the portal' },
          { expiresAt: iso(NOW - 2 * DAY), appliesTo: ['password', 'myToken'] },
        ]),
      ],
      NOW,
      opts,
    );
    const [expired, critical] = r.findings.map((f) =>
      composeReminder(f, t, (d) => (d.dateOnly ? d.raw : 'then')),
    );
    expect(critical!.topic).to.match(
      /^\[critical\] Object a: client secret expires in \d days \(2027-01-15\)$/,
    );
    expect(critical!.payload).to.contain('Note: rotate in the portal');
    expect(critical!.payload).to.contain('What to do:');
    // The URL the object uses, not its label.
    expect(critical!.payload).to.contain('Token URL: https://login.example.com/oauth2/token');
    expect(critical!.payload).to.not.contain('client_credentials @');
    expect(expired!.topic).to.equal('[expired] Object a: password and myToken expired on then');
    expect(expired!.payload).to.contain('2 days ago');
  });
  it('words the whole reminder: one day in the singular, the issuer of a discovered endpoint, no note line without a note', () => {
    const t = english();
    const o = { ...obj('d', [{ expiresAt: iso(NOW - DAY), appliesTo: [] }]) };
    o.server = { issuer: 'https://id.example' };
    const [f] = runCheck([o], NOW, opts).findings;
    const m = composeReminder(f!, t, () => 'yesterday');
    expect(m.topic).to.equal('[expired] Object d: secret expired on yesterday');
    const lines = m.payload.split('\n');
    expect(lines[0]).to.match(/ expired on yesterday, 1 day ago\. /);
    // A secret without a named parameter reads as one: "The secret of", "a new secret".
    expect(lines[0]).to.match(/^The secret of the authentication object "Object d"/);
    expect(m.payload).to.contain('get a new secret from the provider');
    expect(lines.filter((l) => l.startsWith('Note:'))).to.deep.equal([]);
    expect(lines.slice(-2)).to.deep.equal([
      'Issuer (the token URL is discovered from it): https://id.example',
      'Sent by the expiry check node of Node-RED.',
    ]);
  });
});

describe('expiry overview for a dashboard', () => {
  // Local midnight of NOW's day, and a local date `days` later: what weeks count from.
  const local = new Date(NOW);
  const midnight = (days: number) =>
    new Date(local.getFullYear(), local.getMonth(), local.getDate() + days).getTime();
  const dateText = (d: { dateOnly: boolean; raw: string; at: number }) =>
    d.dateOnly ? d.raw : `local ${iso(d.at)}`;

  it('flattens every item into a row a table shows: name, what in words, date, days left, severity as a word and a colour', () => {
    const r = runCheck(
      [
        obj('a', [
          { expiresAt: '2027-01-30', appliesTo: ['clientSecret', 'password'], note: 'portal' },
          { expiresAt: iso(NOW - 2 * DAY), appliesTo: ['myToken'] },
        ]),
        obj('b', [{ expiresAt: iso(NOW + 3 * DAY), appliesTo: [] }]),
      ],
      NOW,
      opts,
    );
    const o = overview(r.findings, NOW, english(), dateText);
    expect(o.rows).to.deep.equal([
      {
        object: 'Object a',
        objectId: 'a',
        what: 'myToken',
        date: `local ${iso(NOW - 2 * DAY)}`,
        expiresAt: iso(NOW - 2 * DAY),
        daysLeft: -2,
        severity: 'expired',
        status: '✖ expired',
        color: SEVERITY_COLORS.expired,
        note: '',
      },
      {
        object: 'Object b',
        objectId: 'b',
        what: 'secret',
        date: `local ${iso(NOW + 3 * DAY)}`,
        expiresAt: iso(NOW + 3 * DAY),
        daysLeft: 3,
        severity: 'critical',
        status: '▲ critical',
        color: SEVERITY_COLORS.critical,
        note: '',
      },
      {
        object: 'Object a',
        objectId: 'a',
        what: 'client secret and password',
        date: '2027-01-30',
        expiresAt: iso(midnight(20)),
        daysLeft: r.findings[2]!.item.daysLeft,
        severity: 'warning',
        status: '● warning',
        color: SEVERITY_COLORS.warning,
        note: 'portal',
      },
    ]);
    expect(o.counts).to.deep.equal({ expired: 1, critical: 1, warning: 1, ok: 0 });
    // Flat: a table column needs no path into nested objects.
    for (const row of o.rows) {
      for (const v of Object.values(row)) expect(typeof v).to.be.oneOf(['string', 'number']);
    }
  });

  it('tells every severity apart without colour, by mark and word, and by colour', () => {
    const entries = [-1, 3, 20, 90].map((d) => ({
      expiresAt: iso(NOW + d * DAY),
      appliesTo: ['clientSecret'],
    }));
    const o = overview(runCheck([obj('a', entries)], NOW, opts).findings, NOW, english(), dateText);
    const marks = o.rows.map((r) => r.status.split(' ')[0]);
    expect(new Set(marks).size).to.equal(4);
    expect(o.rows.map((r) => r.status.split(' ')[1])).to.deep.equal([
      'expired',
      'critical',
      'warning',
      'ok',
    ]);
    expect(new Set(o.rows.map((r) => r.color)).size).to.equal(4);
    for (const r of o.rows) expect(r.color).to.match(/^#[0-9a-f]{6}$/);
  });

  it('counts expiries per week for 13 weeks from today, leaving out the expired and the later ones', () => {
    const at = (ms: number) => ({ expiresAt: iso(ms), appliesTo: ['clientSecret'] });
    const r = runCheck(
      [
        obj('a', [
          at(NOW - DAY), // expired: not ahead
          at(NOW + 1000), // this week
          at(midnight(7) - 1), // last instant of the first week
          at(midnight(7)), // first instant of the second week
          at(midnight(90)), // day 90: week 13
          at(midnight(91)), // past the 13 weeks
        ]),
      ],
      NOW,
      opts,
    );
    const { weeks } = overview(r.findings, NOW, english(), dateText);
    expect(weeks).to.have.length(13);
    const day = (ms: number) => {
      const d = new Date(ms);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
    };
    expect(weeks.map((w) => w.week)).to.deep.equal(
      Array.from({ length: 13 }, (_, i) => day(midnight(7 * i))),
    );
    expect(weeks.map((w) => w.count)).to.deep.equal([2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('gives an empty table, zero counts and empty weeks when there is nothing to show', () => {
    const o = overview([], NOW, english(), dateText);
    expect(o.rows).to.deep.equal([]);
    expect(o.counts).to.deep.equal({ expired: 0, critical: 0, warning: 0, ok: 0 });
    expect(o.weeks.map((w) => w.count)).to.deep.equal(Array(13).fill(0));
  });
});
