/**
 * Expiry arithmetic for the `expiries` of an `auth-object`: parsing the stored dates, days left,
 * severity, and when an item is worth (re-)reporting. Used by the `auth-expiry-check` node and the
 * editor sidebar. Pure: no Node-RED import, no logging, no clock of its own (callers pass `now`).
 *
 * Dates are ISO 8601 (https://www.iso.org/iso-8601-date-and-time-format.html), restricted to the
 * extended profile of RFC 3339 §5.6 (https://www.rfc-editor.org/rfc/rfc3339#section-5.6) plus a
 * date-only form and an optional offset.
 */

import type { Severity } from './severity';

export type { Severity };

/** One entry of an `auth-object`'s `expiries`, as stored in the flow. */
export interface ExpiryEntry {
  expiresAt: string;
  appliesTo: string[];
  note?: string;
}

/** Stable machine-readable reason a date was refused; the adapter may translate it. */
export type ExpiryDateErrorCode = 'not_string' | 'empty' | 'bad_format' | 'bad_date' | 'year_range';

/** Result of {@link parseExpiryDate}: the instant, or why the text is not a usable date. */
export type ParsedExpiry =
  | { ok: true; at: number; dateOnly: boolean }
  | { ok: false; code: ExpiryDateErrorCode; reason: string };

/** An entry that parsed: the fields of `msg.expiry` (minus `authObject`) plus helpers. */
export interface ExpiryItem {
  invalid?: never;
  appliesTo: string[];
  /** The instant, ISO 8601 in UTC (`Date.prototype.toISOString`). */
  expiresAt: string;
  /** The instant, epoch milliseconds. */
  at: number;
  /** Whether the user wrote a date without a time (so the instant is a local midnight). */
  dateOnly: boolean;
  /** `expiresAt` as stored (trimmed), for display: "2027-03-01" rather than a UTC instant. */
  raw: string;
  daysLeft: number;
  severity: Severity;
  note?: string;
}

/** An entry whose `expiresAt` could not be used. */
export interface InvalidExpiryItem {
  invalid: true;
  appliesTo: string[];
  code: ExpiryDateErrorCode | 'bad_entry';
  reason: string;
  /** The stored `expiresAt` (or the whole entry when it is not an object), untouched. */
  raw: unknown;
  note?: string;
}

/** One evaluated entry; narrow with `if (item.invalid)`. */
export type EvaluatedExpiry = ExpiryItem | InvalidExpiryItem;

/** Thresholds for {@link evaluate}, in days. */
export interface EvaluateOptions {
  warnDays: number;
  criticalDays: number;
}

/** What was last reported for an item, as remembered in node context. */
export interface ReportedExpiry {
  severity: Severity;
  expiresAt: string;
  /** When it was reported, epoch milliseconds. */
  at: number;
}

const DAY_MS = 86_400_000;
const MIN_YEAR = 1970;
const MAX_YEAR = 9999;

// YYYY-MM-DD, optionally Thh:mm[:ss[.fraction]] and Z or ±hh:mm. Checked by shape first; the
// numbers are range-checked afterwards so the reason can say which part is wrong.
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const EXPECTED = 'expected YYYY-MM-DD or YYYY-MM-DDThh:mm[:ss[.sss]] with optional Z or ±hh:mm';

function fail(code: ExpiryDateErrorCode, reason: string): ParsedExpiry {
  return { ok: false, code, reason };
}

/**
 * Parses an `expiresAt` value into an instant. A date-only value is 00:00 of that day in the
 * Node-RED runtime's own time zone; a date-time without offset is wall time in that zone; `Z` or
 * `±hh:mm` make it exact. Never throws: anything else — not a string, empty, free text, an
 * impossible date such as `2027-02-30`, a year outside 1970..9999 — comes back as
 * `{ok: false, code, reason}`. Surrounding whitespace is ignored.
 *
 * Wall time is resolved as `new Date(y, m, d, h, mi)` does: a wall time that a time-zone transition
 * makes ambiguous is the earlier instant; one in a gap is moved forward by the gap's length, so a
 * date-only value whose midnight falls in a gap is the first instant of that day, i.e. the end of
 * the gap.
 */
export function parseExpiryDate(s: unknown): ParsedExpiry {
  if (typeof s !== 'string') return fail('not_string', `not a string but ${describeType(s)}`);
  const text = s.trim();
  if (text === '') return fail('empty', 'empty date');
  const m = ISO_RE.exec(text);
  if (!m) return fail('bad_format', `"${clip(text)}" is not an ISO 8601 date (${EXPECTED})`);

  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const dateOnly = m[4] === undefined;
  const hour = dateOnly ? 0 : Number(m[4]);
  const minute = dateOnly ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  // Milliseconds are the clock's resolution: further digits are cut, not rounded, so the instant
  // never moves past the written one.
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  const offset = m[8];

  if (year < MIN_YEAR || year > MAX_YEAR) {
    return fail('year_range', `year ${m[1]} is outside ${MIN_YEAR}..${MAX_YEAR}`);
  }
  if (month < 1 || month > 12) return fail('bad_date', `month ${m[2]} does not exist`);
  if (!dateExists(year, month, day)) {
    return fail('bad_date', `${m[1]}-${m[2]}-${m[3]} does not exist`);
  }
  if (hour > 23) return fail('bad_date', `hour ${m[4]} is outside 00..23`);
  if (minute > 59) return fail('bad_date', `minute ${m[5]} is outside 00..59`);
  if (second > 59) return fail('bad_date', `second ${m[6]} is outside 00..59`);

  if (offset !== undefined) {
    const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
    if (offset === 'Z') return { ok: true, at: wall, dateOnly };
    const offHours = Number(offset.slice(1, 3));
    const offMinutes = Number(offset.slice(4, 6));
    if (offHours > 23 || offMinutes > 59) {
      return fail('bad_date', `offset ${offset} is outside -23:59..+23:59`);
    }
    const sign = offset[0] === '-' ? -1 : 1;
    return { ok: true, at: wall - sign * (offHours * 60 + offMinutes) * 60_000, dateOnly };
  }

  // The runtime's own zone: the engine resolves wall time itself.
  const at = new Date(year, month - 1, day, hour, minute, second, millis).getTime();
  return { ok: true, at, dateOnly };
}

/**
 * Whole days left until `at`, rounded up: `ceil((at − now) / 1 day)`, with a day of exactly
 * 86 400 000 ms (so a 23-hour DST day counts as 23/24 of one). 0 at the instant
 * itself, negative afterwards; never `-0`.
 */
export function daysLeft(at: number, now: number): number {
  return Math.ceil((at - now) / DAY_MS) + 0;
}

/**
 * Severity of an expiry at `at`, seen at `now`: `expired` when `at ≤ now`, else `critical` when
 * {@link daysLeft} ≤ `criticalDays`, else `warning` when ≤ `warnDays`, else `ok`.
 */
export function severityOf(
  at: number,
  now: number,
  warnDays: number,
  criticalDays: number,
): Severity {
  if (at <= now) return 'expired';
  const left = daysLeft(at, now);
  if (left <= criticalDays) return 'critical';
  if (left <= warnDays) return 'warning';
  return 'ok';
}

const RANKS: Record<Severity, number> = { ok: 0, warning: 1, critical: 2, expired: 3 };

/**
 * Orders severities: ok 0 < warning 1 < critical 2 < expired 3. Anything else (say, a value
 * remembered by an older version) ranks -1, below `ok`.
 */
export function severityRank(s: Severity): number {
  return Object.prototype.hasOwnProperty.call(RANKS, s) ? RANKS[s] : -1;
}

/**
 * Evaluates every entry at `now`: parsed items with days left and severity, and an
 * `{invalid: true, code, reason, raw}` item for each entry that cannot be used, so one bad entry
 * never hides the others. Sorted by instant (ties keep their order), invalid items last.
 */
export function evaluate(
  entries: readonly ExpiryEntry[],
  now: number,
  options: EvaluateOptions,
): EvaluatedExpiry[] {
  const list: readonly unknown[] = Array.isArray(entries) ? entries : [];
  const items = list.map((entry): EvaluatedExpiry => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return {
        invalid: true,
        appliesTo: [],
        code: 'bad_entry',
        reason: 'not an expiry entry',
        raw: entry,
      };
    }
    const e = entry as Partial<Record<keyof ExpiryEntry, unknown>>;
    const appliesTo = Array.isArray(e.appliesTo)
      ? e.appliesTo.filter((p): p is string => typeof p === 'string')
      : [];
    const parsed = entryDate(e);
    let item: EvaluatedExpiry;
    if (!parsed.ok) {
      const { code, reason } = parsed.parsed;
      item = { invalid: true, appliesTo, code, reason, raw: e.expiresAt };
    } else {
      const { at, dateOnly, raw, expiresAt } = parsed.date;
      item = {
        appliesTo,
        expiresAt,
        at,
        dateOnly,
        raw,
        daysLeft: daysLeft(at, now),
        severity: severityOf(at, now, options.warnDays, options.criticalDays),
      };
    }
    if (typeof e.note === 'string') item.note = e.note;
    return item;
  });
  return items.sort(compareEvaluated);
}

/** An item's date as a check needs it: the instant and how the user wrote it. */
export interface ExpiryDate {
  /** The instant, epoch milliseconds. */
  readonly at: number;
  readonly dateOnly: boolean;
  /** As stored, trimmed. */
  readonly raw: string;
  /** The instant, ISO 8601 in UTC. */
  readonly expiresAt: string;
}

/** An entry's `expiresAt` parsed: the date, or why it is not one. */
export type EntryDate =
  | { ok: true; text: unknown; parsed: ParsedExpiry & { ok: true }; date: ExpiryDate }
  | { ok: false; text: unknown; parsed: ParsedExpiry & { ok: false } };

/**
 * Parsed dates by entry: a check evaluates the same deployed entries again and again (10,000
 * objects are 30,000 parses a check otherwise). Weak, so a redeploy's old entries go; checked
 * against the text, so an entry changed in place is parsed again. A date without offset keeps
 * the runtime zone it was first read in: that zone is fixed while Node-RED runs.
 */
const parsedEntries = new WeakMap<object, EntryDate>();

/**
 * {@link parseExpiryDate} of an entry's `expiresAt` (anything else than an object has none),
 * remembered for the entry, so that the checks after a deploy that called it do not parse again.
 */
export function parseEntryDate(entry: unknown): ParsedExpiry {
  if (typeof entry !== 'object' || entry === null) return parseExpiryDate(undefined);
  return entryDate(entry).parsed;
}

/**
 * {@link parseEntryDate} with the date's forms a report shows, made once per entry: the same
 * object for every check until the entry's `expiresAt` changes. Never mutate it.
 */
export function entryDate(e: { expiresAt?: unknown }): EntryDate {
  const hit = parsedEntries.get(e);
  if (hit && hit.text === e.expiresAt) return hit;
  const parsed = parseExpiryDate(e.expiresAt);
  const entry: EntryDate = parsed.ok
    ? {
        ok: true,
        text: e.expiresAt,
        parsed,
        date: Object.freeze({
          at: parsed.at,
          dateOnly: parsed.dateOnly,
          raw: (e.expiresAt as string).trim(),
          expiresAt: new Date(parsed.at).toISOString(),
        }),
      }
    : { ok: false, text: e.expiresAt, parsed };
  parsedEntries.set(e, entry);
  return entry;
}

/**
 * Sort order of {@link evaluate}: earlier instants first, invalid items after every valid one.
 * Exported so a caller merging several objects' items keeps the same order.
 */
export function compareEvaluated(a: EvaluatedExpiry, b: EvaluatedExpiry): number {
  if (a.invalid || b.invalid) return (a.invalid ? 1 : 0) - (b.invalid ? 1 : 0);
  return a.at - b.at;
}

/**
 * Whether an item should be reported now. Never while `current` is `ok`. Otherwise yes when it was
 * never reported, when its severity rose, when its `expiresAt` changed (in either direction: a
 * renewed secret whose new date is still close is announced again, even though its severity
 * dropped), or when `remindEveryMs` has passed since the last report. A last report dated after
 * `now` (the clock was set back) counts as due, so a wrong clock cannot silence reminders.
 * After reporting, remember `{severity, expiresAt, at: now}` as the new `previous`.
 */
export function shouldNotify(
  previous: ReportedExpiry | undefined,
  current: { severity: Severity; expiresAt: string },
  now: number,
  remindEveryMs: number,
): boolean {
  if (severityRank(current.severity) <= RANKS.ok) return false;
  if (!previous) return true;
  if (severityRank(current.severity) > severityRank(previous.severity)) return true;
  if (current.expiresAt !== previous.expiresAt) return true;
  const since = now - previous.at;
  return !(since >= 0 && since < remindEveryMs);
}

// ---------------------------------------------------------------------------------------------
// Helpers

function describeType(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Keeps user text in a reason short. */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function dateExists(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * The earliest readable expiry among entries that apply to any of `names` (epoch ms), or
 * undefined: for a static credential, when it is known to stop working.
 */
export function credentialExpiry(
  entries: readonly unknown[],
  names: readonly string[],
): number | undefined {
  let earliest: number | undefined;
  for (const e of entries) {
    const applies = (e as { appliesTo?: unknown } | null)?.appliesTo;
    if (!Array.isArray(applies) || !applies.some((n) => names.includes(String(n).trim()))) continue;
    const parsed = parseEntryDate(e);
    if (parsed.ok && (earliest === undefined || parsed.at < earliest)) earliest = parsed.at;
  }
  return earliest;
}
