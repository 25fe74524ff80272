import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';

/**
 * Spaces one worker's calls of a Connect call lane at least 1/rate apart. The Temporal server
 * holds the lane's rate across all workers, but it only paces when tasks are handed out: a worker
 * whose event loop stalled for a few seconds receives the tasks dispatched meanwhile all at once,
 * and would send them to Connect in one burst above Connect's (5 at 2/s). Pacing at the call keeps
 * each worker's calls at the lane rate whatever its task deliveries look like.
 */
export class CallPacer {
  private nextCallAt = 0;

  constructor(private readonly ratePerSecond: number) {}

  /** Books the next call slot; returns how many ms the caller must wait before it. */
  book(nowMs: number): number {
    const at = Math.max(nowMs, this.nextCallAt);
    this.nextCallAt = at + 1_000 / this.ratePerSecond;
    return at - nowMs;
  }
}

/** An activity interceptor that waits for a call slot of `pacer` before each activity runs. */
export function pacedActivities(pacer: CallPacer): ActivityInterceptorsFactory {
  return (context) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const waitMs = pacer.book(Date.now());
        // context.sleep ends early, with a CancelledFailure, if the activity is cancelled meanwhile.
        if (waitMs > 0) await context.sleep(waitMs);
        return next(input);
      },
    };
    return { inbound };
  };
}
