/** Figures, small statistics, and the terminal table + JSON lines the bench prints. */

export interface Figure {
  /** Stable name, `<scenario>.<figure>`, for tools that read the JSON lines. */
  name: string;
  value: number;
  unit: string;
  /** The target in words, e.g. `>= 0.9`; `info` when the figure is context, not a target. */
  target: string;
  pass: boolean;
  /** What the value is compared with, for the table. */
  note?: string;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The value a fraction `q` (0..1) of `xs` is at or below, interpolated between ranks. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** `min / median / max` of a figure's repeats, for the table's note. */
export function spread(xs: readonly number[], digits = 2): string {
  if (xs.length === 0) return 'no repeats';
  return `min/median/max ${[Math.min(...xs), median(xs), Math.max(...xs)].map((x) => round(x, digits)).join(' / ')}`;
}

/** Nearest-rank percentile (p in 0..100) of `xs`, which it sorts in place. */
export function percentile(xs: Float64Array | number[], p: number): number {
  if (xs.length === 0) return NaN;
  xs.sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * xs.length);
  return xs[Math.min(xs.length - 1, Math.max(0, rank - 1))]!;
}

export function max(xs: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < xs.length; i++) if (xs[i]! > m) m = xs[i]!;
  return m;
}

export const round = (x: number, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function figure(
  name: string,
  value: number,
  unit: string,
  target: string,
  pass: boolean | null,
  note?: string,
): Figure {
  return {
    name,
    value: round(value, Math.abs(value) >= 1000 ? 0 : 3),
    unit,
    target: pass === null ? 'info' : target,
    pass: pass ?? true,
    ...(note ? { note } : {}),
  };
}

const MB = 1024 * 1024;
export const mb = (bytes: number) => bytes / MB;

/** The table for people, then one JSON line per figure and the summary line for tools. */
export function print(figures: readonly Figure[], errors: readonly string[]): boolean {
  const rows = figures.map((f) => [
    f.name,
    `${f.value} ${f.unit}`,
    f.target,
    f.target === 'info' ? '' : f.pass ? 'pass' : 'FAIL',
    f.note ?? '',
  ]);
  const head = ['figure', 'value', 'target', '', 'compared with'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out: string[] = ['', line(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const r of rows) out.push(line(r));
  for (const e of errors) out.push(`error: ${e}`);
  out.push('');
  for (const f of figures) {
    out.push(
      JSON.stringify({
        name: f.name,
        value: f.value,
        unit: f.unit,
        target: f.target,
        pass: f.pass,
      }),
    );
  }
  const failed = [
    ...figures.filter((f) => !f.pass).map((f) => f.name),
    ...errors.map((e) => `error: ${e}`),
  ];
  const pass = failed.length === 0;
  out.push(JSON.stringify({ summary: true, pass, failed }));
  process.stdout.write(`${out.join('\n')}\n`);
  return pass;
}
