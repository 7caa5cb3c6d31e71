/**
 * What a suite started, closed in reverse order by its `after` hook. Each step is added as
 * soon as its thing exists, so a setup that fails half way still closes what it started;
 * every step runs even when one before it throws.
 */
export class Teardown {
  private steps: (() => unknown)[] = [];

  /** Runs `step` at teardown. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Closes `thing` at teardown; returns it. */
  closes<T extends { close(): unknown }>(thing: T): T {
    this.add(() => thing.close());
    return thing;
  }

  /** Runs every step, last added first; then throws what failed, if anything. */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      const said = errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ');
      throw new AggregateError(errors, `teardown: ${errors.length} steps failed: ${said}`);
    }
  }
}
