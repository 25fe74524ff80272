/** The task queue that the worker polls and that callers start workflows on, unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'connect-task-router';

/**
 * Dispatchers (with their line segments) and bulk batches get a task queue of their own: with
 * thousands of routeTask runs on the main queue, such a long-lived run would be evicted from the
 * worker's cache between its workflow tasks, or its task would wait behind all of theirs after losing
 * its sticky worker, and matching or a batch's child starts would stall.
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
 * Activities in no lane (registerWithDispatcher) run on the main task queue.
 */
export const CONNECT_CALL_LANES = {
  // createIntoLine also transfers the contact it creates, where the transfer lane's rate is at least this one's.
  create: {
    activities: ['createContact', 'createIntoLine'],
    operations: ['CreateContact'],
    ratePerSecond: 2,
  },
  startTask: { activities: ['startTaskContact'], operations: ['StartTaskContact'], ratePerSecond: 2 },
  transfer: {
    activities: ['transferContact', 'transferIntoLine'],
    operations: ['TransferContact'],
    ratePerSecond: 2,
  },
  associate: {
    activities: ['associateContactWithUser'],
    operations: ['AssociateContactWithUser'],
    ratePerSecond: 2,
  },
  describe: { activities: ['describeContact'], operations: ['DescribeContact'], ratePerSecond: 10 },
  stop: { activities: ['stopContact'], operations: ['StopContact'], ratePerSecond: 10 },
  userData: { activities: ['getCurrentUserData'], operations: ['GetCurrentUserData'], ratePerSecond: 2 },
  list: {
    activities: [
      'listRoutingProfileQueues',
      'listRoutingProfileManualAssignmentQueues',
      'listUsers',
      'listUserProficiencies',
    ],
    operations: [
      'ListRoutingProfileQueues',
      'ListRoutingProfileManualAssignmentQueues',
      'ListUsers',
      'ListUserProficiencies',
    ],
    ratePerSecond: 2,
  },
} as const satisfies Record<
  string,
  { activities: readonly string[]; operations: readonly string[]; ratePerSecond: number }
>;

export type ConnectCallLane = keyof typeof CONNECT_CALL_LANES;
export const CONNECT_CALL_LANE_NAMES = Object.keys(CONNECT_CALL_LANES) as ConnectCallLane[];

/** Requests per second per lane, as configured for a deployment (every worker of it should agree). */
export type ConnectCallRates = Record<ConnectCallLane, number>;

export const DEFAULT_CONNECT_CALL_RATES = Object.fromEntries(
  CONNECT_CALL_LANE_NAMES.map((lane) => [lane, CONNECT_CALL_LANES[lane].ratePerSecond]),
) as ConnectCallRates;

/** The lane an activity's calls go through, if it has one. */
export function connectCallLaneOf(activityType: string): ConnectCallLane | undefined {
  return CONNECT_CALL_LANE_NAMES.find((lane) =>
    (CONNECT_CALL_LANES[lane].activities as readonly string[]).includes(activityType),
  );
}

/** The activities of `lane`, picked from a worker's activities. */
export function laneActivities<A extends object>(activities: A, lane: ConnectCallLane): Partial<A> {
  const names: readonly string[] = CONNECT_CALL_LANES[lane].activities;
  return Object.fromEntries(
    Object.entries(activities).filter(([name]) => names.includes(name)),
  ) as Partial<A>;
}

/** `<taskQueue>-connect-<lane>`: where a workflow on `taskQueue` schedules that lane's calls. */
export function connectCallTaskQueue(taskQueue: string, lane: ConnectCallLane): string {
  return `${taskQueue}-connect-${lane}`;
}

/** The burst Connect allows with a rate: its documented proportion (5 with 2/s, 15 with 10/s). */
export function connectQuotaBurst(ratePerSecond: number): number {
  return Math.max(5, Math.ceil(ratePerSecond * 1.5));
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
