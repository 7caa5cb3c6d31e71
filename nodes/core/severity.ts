/**
 * How close an expiry is, and how each severity looks wherever it is shown (the editor's
 * sidebar, the expiry check's overview for dashboards). Browser-safe: the editor bundles it.
 */

/** How close an expiry is, from harmless to past. */
export type Severity = 'ok' | 'warning' | 'critical' | 'expired';

/**
 * Red, purple, amber and bluish green differ in lightness and on the blue-yellow axis, so
 * they stay apart for red-green colour blindness; the status word says the severity anyway.
 */
export const SEVERITY_COLORS: Readonly<Record<Severity, string>> = {
  expired: '#c62828',
  critical: '#6a1b9a',
  warning: '#f9a825',
  ok: '#009e73',
};

/** A shape per severity, so a glance down the column finds the urgent rows without colour. */
export const SEVERITY_MARKS: Readonly<Record<Severity, string>> = {
  expired: '✖',
  critical: '▲',
  warning: '●',
  ok: '✓',
};
