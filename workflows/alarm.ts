import { sleep } from '@temporalio/workflow';

/**
 * One timer for the next moment a loop must wake, kept while signals wake the loop before it rings.
 * Waiting with `condition(fn, timeout)` started a new timer (a billed action) each time a signal came
 * first; a timer that rings early only makes the loop look again.
 */
export class Alarm {
  private pending: { at: number; rang: boolean } | undefined;

  /** Makes sure a timer rings at `at` at the latest: the pending one if it rings no later. */
  setFor(at: number): void {
    const { pending } = this;
    if (pending && !pending.rang && pending.at <= at) return;
    const timer = { at, rang: false };
    this.pending = timer;
    // A timer replaced by an earlier one still rings, unheard; cancellation reaches the loop's own wait.
    sleep(Math.max(1, at - Date.now())).then(
      () => (timer.rang = true),
      () => undefined,
    );
  }

  /** Whether the latest timer set has rung. */
  get rang(): boolean {
    return this.pending?.rang ?? false;
  }
}
