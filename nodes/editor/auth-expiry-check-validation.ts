/**
 * The expiry check's field validators, as the editor shows them. Pure: no RED, $ or DOM,
 * only the rules the runtime (nodes/auth-expiry-check.ts) applies to the same fields.
 */
import { Cron } from 'croner';
import { CHECK_NUMBERS, checkNumber, isWholeEnv, text } from '../core/rules';

/** A message key relative to `auth-expiry-check.` and its parameters; undefined: valid. */
export type Verdict = { key: string; params?: Record<string, string | number> } | undefined;

export type NumberField = 'warnDays' | 'criticalDays' | 'remindEvery';

/**
 * A number setting: in the runtime's range, any number (not only whole ones), empty for
 * the default. A whole `${NAME}` is resolved at deploy, so the runtime checks it then.
 */
export function checkNumberField(field: NumberField, value: unknown): Verdict {
  const rule = CHECK_NUMBERS[field];
  if (isWholeEnv(value) || checkNumber(value, rule) !== undefined) return undefined;
  return {
    key: field === 'remindEvery' ? 'validation.hourRange' : 'validation.dayRange',
    params: { min: rule.min, max: rule.max, default: rule.default },
  };
}

/**
 * Critical above Warn. The runtime has no such rule (it runs with any two values in
 * range), so this is an editor-only hint. Silent while either field is itself wrong or
 * a `${NAME}`: that is reported on its own field, or unknown until deploy.
 */
export function checkCriticalAboveWarn(critical: unknown, warn: unknown): Verdict {
  if (isWholeEnv(critical) || isWholeEnv(warn)) return undefined;
  const c = checkNumber(critical, CHECK_NUMBERS.criticalDays);
  const w = checkNumber(warn, CHECK_NUMBERS.warnDays);
  if (c === undefined || w === undefined || c <= w) return undefined;
  return { key: 'validation.criticalAboveWarn', params: { critical: c, warn: w } };
}

/**
 * The schedule, read by croner as the runtime reads it. Empty (or not text): no schedule. The job is
 * created paused, without a function, and stopped at once: nothing runs in the browser.
 */
export function checkScheduleField(value: unknown): Verdict {
  const s = text(value);
  if (!s || isWholeEnv(s)) return undefined;
  try {
    new Cron(s, { paused: true }).stop();
    return undefined;
  } catch (err) {
    return {
      key: 'validation.scheduleDetail',
      params: { detail: err instanceof Error ? err.message : String(err) },
    };
  }
}

/** An IANA time zone the browser knows, or empty for the runtime's. */
export function checkTimezoneField(value: unknown): Verdict {
  const s = text(value);
  if (!s || isWholeEnv(s)) return undefined;
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: s });
    return undefined;
  } catch {
    return { key: 'validation.timezone' };
  }
}

/** The ticked auth objects: node ids, none meaning every object. */
export function checkAuthObjectsField(value: unknown): Verdict {
  if (value === undefined || value === null) return undefined;
  const ok = Array.isArray(value) && value.every((id) => typeof id === 'string' && id !== '');
  return ok ? undefined : { key: 'validation.authObjects' };
}
