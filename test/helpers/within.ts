/**
 * Fails with a clear message when `p` has not settled within `ms`: a deadline in the code
 * that does not fire shows as this assertion, not as mocha's own test timeout. A bound far
 * above what the code should take, never a timing measurement.
 */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_r, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: not settled within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(t));
}
