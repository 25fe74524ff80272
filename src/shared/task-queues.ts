/** The task queue that the worker polls and that callers start workflows on, unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'connect-task-router';

/**
 * Dispatchers get a task queue of their own: with thousands of routeTask runs on the main queue, a
 * dispatcher's workflow task that lost its sticky worker (a failed continue-as-new race, an eviction)
 * would otherwise wait behind all of theirs, and polling and matching would stall for minutes.
 */
export function dispatcherTaskQueue(taskQueue: string): string {
  return `${taskQueue}-dispatchers`;
}

/**
 * Connect's quotas are per account and Region, shared by every worker: each rate-limited Connect
 * call runs on an activity task queue of its own, which the Temporal server dispatches at most
 * `ratePerSecond` times a second whatever the number of workers (`maxTaskQueueActivitiesPerSecond`).
 * Retries go through the same queue, so they spend from the same budget. Defaults: Connect's
 * documented default quotas (TransferContact's is not listed there; it takes CreateContact's).
 */
export const CONNECT_CALL_LANES = {
  create: { activities: ['createContact'], ratePerSecond: 2 },
  startTask: { activities: ['startTaskContact'], ratePerSecond: 2 },
  transfer: { activities: ['transferContact'], ratePerSecond: 2 },
  associate: { activities: ['associateContactWithUser'], ratePerSecond: 2 },
  describe: { activities: ['describeContact'], ratePerSecond: 10 },
  stop: { activities: ['stopContact'], ratePerSecond: 10 },
} as const satisfies Record<string, { activities: readonly string[]; ratePerSecond: number }>;

export type ConnectCallLane = keyof typeof CONNECT_CALL_LANES;
export const CONNECT_CALL_LANE_NAMES = Object.keys(CONNECT_CALL_LANES) as ConnectCallLane[];

/** Requests per second per lane, as configured for a deployment (every worker of it should agree). */
export type ConnectCallRates = Record<ConnectCallLane, number>;

export const DEFAULT_CONNECT_CALL_RATES = Object.fromEntries(
  CONNECT_CALL_LANE_NAMES.map((lane) => [lane, CONNECT_CALL_LANES[lane].ratePerSecond]),
) as ConnectCallRates;

/** `<taskQueue>-connect-<lane>`: where a workflow on `taskQueue` schedules that lane's calls. */
export function connectCallTaskQueue(taskQueue: string, lane: ConnectCallLane): string {
  return `${taskQueue}-connect-${lane}`;
}

/** The rates in force: the defaults with `overrides` applied; a bad value names its lane and the limit. */
export function resolveConnectCallRates(overrides: Partial<Record<string, number>> = {}): ConnectCallRates {
  const rates = { ...DEFAULT_CONNECT_CALL_RATES };
  for (const [lane, rate] of Object.entries(overrides)) {
    if (!(lane in CONNECT_CALL_LANES)) {
      throw new Error(
        `connectCallRates.${lane} is not a Connect call lane (one of ${CONNECT_CALL_LANE_NAMES.join(', ')})`,
      );
    }
    if (rate === undefined) continue;
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new Error(
        `connectCallRates.${lane} must be a number of requests per second above 0 (got ${rate})`,
      );
    }
    rates[lane as ConnectCallLane] = rate;
  }
  return rates;
}
