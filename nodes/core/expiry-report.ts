/**
 * One expiry check across authentication objects: every item with its
 * severity, which items are due for a reminder, and the reminder's words.
 * Pure: the node adapter supplies the objects, the clock, the memory of what
 * was reported and a translator.
 */
import { KNOWN_PARAMETERS } from './rules';
import { SEVERITY_COLORS, SEVERITY_MARKS } from './severity';
import {
  daysLeft,
  entryDate,
  severityOf,
  shouldNotify,
  type ExpiryDate,
  type ExpiryEntry,
  type ReportedExpiry,
  type Severity,
} from './expiry';

/** An authentication object as the check sees it: no credentials. */
export interface CheckedObject {
  id: string;
  name: string;
  /** Owner address(es), copied to `msg.to`. */
  notify?: string;
  /** Its label where it has no name, e.g. `client_credentials @ login.example.com`. */
  endpoint?: string;
  /** Where its tokens come from: the token URL, or the issuer it is discovered from. */
  server?: { tokenUrl: string } | { issuer: string };
  entries: readonly ExpiryEntry[];
  /**
   * {@link planEntries} of `entries`, made once where the entries no longer change (a
   * deployed object): the checks then do only what depends on the moment. Without it,
   * each check plans the entries itself.
   */
  plan?: ExpiryPlan;
}

/** The shape of `msg.expiry` and of each summary entry (README, expiry check). */
export interface ReportItem {
  authObject: { id: string; name: string };
  appliesTo: string[];
  expiresAt: string;
  daysLeft: number;
  severity: Severity;
  note: string;
}

export interface Finding {
  readonly item: ReportItem;
  /** Identity of the item in the reminder memory. */
  readonly key: string;
  readonly object: CheckedObject;
  /** The parsed date: instant, date-only flag, text as stored. Shared between checks. */
  readonly detail: ExpiryDate;
}

export interface InvalidFinding {
  object: CheckedObject;
  appliesTo: string[];
  raw: unknown;
  reason: string;
}

export interface CheckResult {
  /** Every item, sorted by expiry, `ok` included. */
  findings: Finding[];
  invalid: InvalidFinding[];
  counts: Record<Severity, number>;
}

export interface CheckOptions {
  warnDays: number;
  criticalDays: number;
}

const isString = (x: unknown): x is string => typeof x === 'string';
const NONE: readonly never[] = Object.freeze([]);

/** One usable entry of an object, as every check sees it. */
interface PlannedItem {
  readonly date: ExpiryDate;
  readonly appliesTo: readonly string[];
  readonly note: string;
  readonly key: string;
}

/** What stays the same from one check of an object to the next. Opaque outside this module. */
export interface ExpiryPlan {
  /** The object's id, which every key starts with. */
  readonly id: string;
  readonly items: readonly PlannedItem[];
  readonly invalid: readonly { appliesTo: readonly string[]; raw: unknown; reason: string }[];
}

/**
 * An object's entries read once: dates parsed, parameters and notes checked, and the key
 * of each item in the reminder memory.
 */
export function planEntries(id: string, entries: readonly unknown[]): ExpiryPlan {
  const items: PlannedItem[] = [];
  const invalid: ExpiryPlan['invalid'][number][] = [];
  const bases: string[] = [];
  for (const entry of Array.isArray(entries) ? entries : []) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      invalid.push({ appliesTo: [], raw: entry, reason: 'not an expiry entry' });
      continue;
    }
    const e = entry as Partial<Record<keyof ExpiryEntry, unknown>>;
    const list = e.appliesTo;
    // The entry's own list where it holds only names (checks copy it for each item).
    const appliesTo: readonly string[] = !Array.isArray(list)
      ? NONE
      : list.every(isString)
        ? list
        : list.filter(isString);
    const parsed = entryDate(e);
    if (!parsed.ok) {
      invalid.push({ appliesTo: [...appliesTo], raw: e.expiresAt, reason: parsed.parsed.reason });
      continue;
    }
    const date = parsed.date;
    // An item is its parameters and its date: adding a second entry for the same
    // parameter (old and new secret) never re-sends the first one's reminder, and a
    // changed date is a new item, reported at once. Exact duplicates are numbered, in
    // entry order (which is their order in the sorted list too).
    const base = `${id}:${appliesTo.join('+')}@${date.expiresAt}`;
    let n = 1;
    for (const b of bases) if (b === base) n++;
    bases.push(base);
    const key = n > 1 ? `${base}#${n}` : base;
    items.push({ date, appliesTo, note: typeof e.note === 'string' ? e.note : '', key });
  }
  return { id, items, invalid: invalid.length ? invalid : NONE };
}

/**
 * Evaluates every entry of every object at `now`: the items of {@link evaluate} for each
 * object's plan, sorted once at the end.
 */
export function runCheck(
  objects: readonly CheckedObject[],
  now: number,
  opts: CheckOptions,
): CheckResult {
  const findings: Finding[] = [];
  const invalid: InvalidFinding[] = [];
  const counts: Record<Severity, number> = { ok: 0, warning: 0, critical: 0, expired: 0 };
  const { warnDays, criticalDays } = opts;
  for (const object of objects) {
    const plan =
      object.plan?.id === object.id ? object.plan : planEntries(object.id, object.entries);
    for (const bad of plan.invalid) {
      invalid.push({ object, appliesTo: [...bad.appliesTo], raw: bad.raw, reason: bad.reason });
    }
    if (plan.items.length === 0) continue;
    // One per object and check: its items all show the same object.
    const authObject = { id: object.id, name: object.name };
    for (const p of plan.items) {
      const at = p.date.at;
      const severity = severityOf(at, now, warnDays, criticalDays);
      counts[severity]++;
      const item: ReportItem = {
        authObject,
        // A new array each check: a flow may change what it was sent.
        appliesTo: p.appliesTo.slice(),
        expiresAt: p.date.expiresAt,
        daysLeft: daysLeft(at, now),
        severity,
        note: p.note,
      };
      findings.push({ item, key: p.key, object, detail: p.date });
    }
  }
  return { findings: byInstant(findings), invalid, counts };
}

/**
 * `list` sorted by `detail.at`, stable (equal instants keep their order): the instants sorted
 * as numbers in a typed array, then the items placed by the rank of their instant. A sort
 * with a comparator costs about ten times as much for a check of 30,000 items.
 */
export function byInstant<T extends { detail: { at: number } }>(list: readonly T[]): T[] {
  const n = list.length;
  const at = new Float64Array(n);
  for (let i = 0; i < n; i++) at[i] = list[i]!.detail.at;
  // The distinct instants, ascending.
  const distinct = at.slice().sort();
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (m === 0 || distinct[i] !== distinct[m - 1]) distinct[m++] = distinct[i]!;
  }
  // Rank of each item's instant; where each rank's items start in the result.
  const rank = new Uint32Array(n);
  const start = new Uint32Array(m + 1);
  for (let i = 0; i < n; i++) {
    let lo = 0;
    let hi = m - 1;
    const x = at[i]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo;
    start[lo + 1] = start[lo + 1]! + 1;
  }
  for (let r = 1; r <= m; r++) start[r] = start[r]! + start[r - 1]!;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) {
    const r = rank[i]!;
    const slot = start[r]!;
    start[r] = slot + 1;
    out[slot] = list[i]!;
  }
  return out;
}

/** What was reported, per item key, with the object the item belongs to. */
export type Memory = Record<string, ReportedExpiry & { object?: string }>;

/** How long the memory of an object that was not part of a check is kept. */
export const FORGET_UNSEEN_MS = 30 * 86_400_000;

/**
 * The findings due for a reminder, and the memory to keep: the same item at
 * the same severity again only after `remindEveryMs`; a higher severity or a
 * changed date at once. For the objects checked, items back to `ok` and items
 * that no longer exist are forgotten. Objects not checked this time (not
 * selected, or still starting during a deploy) keep their memory, up to
 * {@link FORGET_UNSEEN_MS}, so a partial view never causes a repeat.
 */
export function selectDue(
  findings: readonly Finding[],
  memory: Memory,
  now: number,
  remindEveryMs: number,
  checked: ReadonlySet<string> = new Set(findings.map((f) => f.object.id)),
): { due: Finding[]; memory: Memory } {
  const next: Memory = {};
  for (const [key, record] of Object.entries(memory)) {
    const unseen = record.object === undefined || !checked.has(record.object);
    if (unseen && now - record.at < FORGET_UNSEEN_MS) next[key] = record;
  }
  const due: Finding[] = [];
  for (const f of findings) {
    const { severity, expiresAt } = f.item;
    if (severity === 'ok') continue;
    const previous = memory[f.key];
    if (shouldNotify(previous, { severity, expiresAt }, now, remindEveryMs)) {
      due.push(f);
      next[f.key] = { severity, expiresAt, at: now, object: f.object.id };
    } else if (previous) {
      next[f.key] = previous;
    }
  }
  return { due, memory: next };
}

export type Translate = (key: string, params: Record<string, string | number>) => string;

/**
 * The parameters of a message that has none: {@link cachedTranslator} looks its text up
 * once, by key alone. Never written to.
 */
export const NO_PARAMS: Record<string, never> = Object.freeze({});

/** Splits a message at its i18next placeholders: text, name, text, …, text. */
const PLACEHOLDER = /__(.+?)__/;

/**
 * `t` for one check that sends many reminders: a lookup costs 10 to 40 µs in Node-RED's
 * i18next, ten lookups a reminder. Same key and parameters give the text already made; a
 * message with parameters is looked up once without them (i18next leaves the `__name__`
 * placeholders of missing values) and filled in here — only after filling it in gave exactly
 * what `t` gave for the first real parameters. Plurals (`count`), formats (`__x, format__`)
 * and values that i18next would read as nesting (`$t(`) always go to `t`.
 */
export function cachedTranslator(t: Translate): Translate {
  const texts = new Map<string, string>();
  /** A key's message split at its placeholders, or null where only `t` gets it right. */
  const templates = new Map<string, string[] | null>();
  // composeReminder passes one parameter object to several lookups: inspect it once.
  let lastParams: Record<string, string | number> | undefined;
  let plain = false;
  return (key, params) => {
    if (params === NO_PARAMS) {
      let text = texts.get(key);
      if (text === undefined) {
        text = t(key, {});
        texts.set(key, text);
      }
      return text;
    }
    if (params !== lastParams) {
      lastParams = params;
      const names = Object.keys(params);
      plain =
        names.length > 0 &&
        !('count' in params) &&
        !names.some((n) => String(params[n]).includes('$t('));
    }
    if (!plain) {
      if ('count' in params || Object.keys(params).length === 0) {
        const id = `${key}\u0000${JSON.stringify(params)}`;
        let text = texts.get(id);
        if (text === undefined) {
          text = t(key, params);
          texts.set(id, text);
        }
        return text;
      }
      return t(key, params);
    }
    const template = templates.get(key);
    if (template === undefined) {
      const parts = t(key, {}).split(PLACEHOLDER);
      const text = t(key, params);
      const usable = parts.every((p, i) => i % 2 === 0 || !p.includes(','));
      templates.set(key, usable && fill(parts, params) === text ? parts : null);
      return text;
    }
    return template === null ? t(key, params) : fill(template, params);
  };
}

/** A split message with its placeholders filled as i18next does: missing values stay. */
function fill(parts: string[], params: Record<string, string | number>): string {
  let text = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const v = params[parts[i]!.trim()];
    text += (v === undefined ? `__${parts[i]}__` : String(v)) + parts[i + 1]!;
  }
  return text;
}

/** What expires, in words: "client secret and password"; unknown names as typed. */
function describeWhat(appliesTo: readonly string[], t: Translate): string {
  return appliesTo.length
    ? appliesTo
        .map((p) => (KNOWN_PARAMETERS.includes(p) ? t(`param.${p}`, NO_PARAMS) : p))
        .join(t('param.and', NO_PARAMS))
    : t('param.none', NO_PARAMS);
}

/** Subject and plain-text body of a reminder, worded through `t`. */
export function composeReminder(
  f: Finding,
  t: Translate,
  formatDate: (date: ExpiryDate) => string,
): { topic: string; payload: string } {
  const what = describeWhat(f.item.appliesTo, t);
  const days = Math.abs(f.item.daysLeft);
  const params = {
    name: f.object.name,
    what,
    date: formatDate(f.detail),
    days,
    inDays: t(days === 1 ? 'mail.day' : 'mail.days', { count: days }),
    severity: t(`severity.${f.item.severity}`, NO_PARAMS),
  };
  const expired = f.item.severity === 'expired';
  const topic = t(expired ? 'mail.subjectExpired' : 'mail.subject', params);
  const lines = [t(expired ? 'mail.bodyExpired' : 'mail.body', params), ''];
  if (f.item.note) lines.push(t('mail.note', { note: f.item.note }), '');
  lines.push(t('mail.todo', params), '');
  const server = f.object.server;
  if (server) {
    lines.push(
      'tokenUrl' in server
        ? t('mail.tokenUrl', { url: server.tokenUrl })
        : t('mail.issuer', { url: server.issuer }),
    );
  }
  lines.push(t('mail.footer', params));
  return { topic, payload: lines.join('\n') };
}

/**
 * One summary item as a flat row, every value a string or a number, so a table widget
 * (Dashboard 2.0's `ui-table`, the `csv` node) shows it with plain column keys.
 */
export interface OverviewRow {
  /** The auth object's name, and its id. */
  object: string;
  objectId: string;
  /** What expires, in words: "client secret". */
  what: string;
  /** The date as the reminder words it: as entered for a date, else local `YYYY-MM-DD HH:MM`. */
  date: string;
  expiresAt: string;
  daysLeft: number;
  severity: Severity;
  /** The severity as a mark and a word ("▲ critical"): readable without colour. */
  status: string;
  /** The severity's colour, `#rrggbb` (a `Color` column of `ui-table`). */
  color: string;
  note: string;
}

/** The summary shaped for a dashboard: `msg.overview` of the expiry check's output 2. */
export interface Overview {
  /** The items in summary order (by date). */
  rows: OverviewRow[];
  counts: Record<Severity, number>;
  /** Expiries per week for the next {@link OVERVIEW_WEEKS} weeks, from today on. */
  weeks: { week: string; count: number }[];
}

/** 13 weeks: the next 90 days and a little more, whole weeks from today. */
export const OVERVIEW_WEEKS = 13;

export { SEVERITY_COLORS, SEVERITY_MARKS } from './severity';

/**
 * The findings of a check shaped for a dashboard: flat rows, counts per severity and
 * expiries per week ahead. Weeks start at local midnight of `now`'s day; a week's label
 * is its first day, `YYYY-MM-DD`.
 */
export function overview(
  findings: readonly Finding[],
  now: number,
  t: Translate,
  formatDate: (date: ExpiryDate) => string,
): Overview {
  const counts: Record<Severity, number> = { expired: 0, critical: 0, warning: 0, ok: 0 };
  const today = new Date(now);
  const start = (i: number) =>
    new Date(today.getFullYear(), today.getMonth(), today.getDate() + 7 * i);
  const bounds = Array.from({ length: OVERVIEW_WEEKS + 1 }, (_, i) => start(i).getTime());
  const weeks = bounds.slice(0, -1).map((_, i) => ({ week: localDay(start(i)), count: 0 }));
  // Thousands of items share a few parameter lists and four severities: word each once.
  const whats = new Map<string, string>();
  const statuses = new Map<Severity, string>();
  const rows = findings.map((f): OverviewRow => {
    const { item, detail } = f;
    counts[item.severity]++;
    if (detail.at > now) {
      // A handful of items over 13 bounds: a scan is enough.
      for (let i = 0; i < OVERVIEW_WEEKS; i++) {
        if (detail.at < bounds[i + 1]!) {
          weeks[i]!.count++;
          break;
        }
      }
    }
    const whatKey = `${item.appliesTo.length}:${item.appliesTo.join('\u0000')}`;
    let what = whats.get(whatKey);
    if (what === undefined) whats.set(whatKey, (what = describeWhat(item.appliesTo, t)));
    let status = statuses.get(item.severity);
    if (status === undefined) {
      status = `${SEVERITY_MARKS[item.severity]} ${t(`severity.${item.severity}`, NO_PARAMS)}`;
      statuses.set(item.severity, status);
    }
    return {
      object: item.authObject.name,
      objectId: item.authObject.id,
      what,
      date: formatDate(detail),
      expiresAt: item.expiresAt,
      daysLeft: item.daysLeft,
      severity: item.severity,
      status,
      color: SEVERITY_COLORS[item.severity],
      note: item.note,
    };
  });
  return { rows, counts, weeks };
}

function localDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
