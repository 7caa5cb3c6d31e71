/**
 * Size and depth of a parsed request body, measured without recursion, so a
 * body nested thousands deep is refused before anything walks it (a recursive
 * walk such as JSON.stringify overflows the stack and takes the runtime down).
 */

export interface Bounds {
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
  /** Most values (objects, arrays, strings, numbers...) in total. */
  maxValues: number;
  /** Most characters of keys and strings in total. */
  maxChars: number;
}

export type Excess = 'depth' | 'size';

/** Which bound `value` breaks, or undefined; stops at the first value past a bound. */
export function exceeds(value: unknown, bounds: Bounds): Excess | undefined {
  const stack: [unknown, number][] = [[value, 0]];
  let values = 0;
  let chars = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (++values > bounds.maxValues) return 'size';
    if (typeof v === 'string') {
      chars += v.length;
    } else if (v !== null && typeof v === 'object') {
      if (depth >= bounds.maxDepth) return 'depth';
      const keys = Array.isArray(v) ? undefined : Object.keys(v);
      const items = keys ? keys.map((k) => (v as Record<string, unknown>)[k]) : (v as unknown[]);
      if (values + items.length > bounds.maxValues) return 'size';
      for (const k of keys ?? []) chars += k.length;
      for (const item of items) stack.push([item, depth + 1]);
    }
    if (chars > bounds.maxChars) return 'size';
  }
  return undefined;
}
