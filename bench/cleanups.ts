/**
 * Cleanup steps a benchmark registers as it starts things (servers, workers, folders), so that an
 * interrupted run (SIGINT, SIGTERM) still stops what it started.
 */

/** Cleanup steps to run if the bench is interrupted; each runs once, whether by its owner or by a signal. */
export class Cleanups {
  private readonly pending = new Set<() => Promise<unknown>>();

  add(step: () => Promise<unknown>): () => Promise<void> {
    let ran: Promise<void> | undefined;
    const once = () => {
      this.pending.delete(once);
      ran ??= step().then(
        () => undefined,
        (error: unknown) => console.error(`cleanup: ${String(error)}`),
      );
      return ran;
    };
    this.pending.add(once);
    return once;
  }

  /** Latest added first. */
  async runAll(): Promise<void> {
    for (const step of [...this.pending].reverse()) await step();
  }
}
