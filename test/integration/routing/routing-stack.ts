/**
 * The routing tests' fixture: a local stack per test on the shared dev server (each with an emulator
 * instance of its own, so each test has its own dispatcher), the default call centre's agents and
 * queues, and a wait on a task's status. Everything goes through the real SDKs.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultAgentId, defaultQueueId, type EmulatorConfig } from '../../../src/dev/emulator';
import {
  inProcessWorker,
  type InProcessWorker,
  type LocalStack,
  type LocalTemporal,
  NO_WORKER,
  startLocalStack,
} from '../../../src/dev/local-stack';
import type { ErrorPolicyOverrides } from '../../../src/shared/error-policy';
import { type RouteTaskStatus, routeTaskStatusQuery } from '../../../src/shared/route-task-contract';
import { type DispatcherSettings, LOCAL_DISPATCHER_SETTINGS } from '../../../src/shared/dispatcher-contract';
import type { ConnectCallRates } from '../../../src/shared/task-queues';
import type { routeTask } from '../../../workflows/route-task';
import { waitUntil } from '../../helpers/eventually';
import { sharedTestEnv, uniqueTaskQueue } from '../../helpers/temporal';
import { startWorkerProcess, type WorkerProcess } from '../../../src/dev/worker-process';

export const [ALICE, BOB, CAROL, ERIN, FRANK] = ['alice', 'bob', 'carol', 'erin', 'frank'].map(
  defaultAgentId,
);
export const [BILLING_QUEUE, SUPPORT_QUEUE] = ['Billing', 'Support'].map(defaultQueueId);

/**
 * The tests' account has its per-contact quotas raised (as accounts that route in volume do), so
 * that tests about routing are not paced at 2 calls/s; tests about the rates pass their own.
 */
const TEST_ACCOUNT_QUOTAS: Partial<ConnectCallRates> = {
  create: 20,
  startTask: 20,
  transfer: 20,
  associate: 20,
  describe: 50,
  stop: 50,
  // A new dispatcher lists each routing profile's queues and the users before its first match.
  list: 20,
};

let instanceCounter = 0;

export interface RoutingStack extends LocalStack<InProcessWorker | undefined> {
  /** host:port of the dev server's frontend. */
  temporalAddress: string;
  /** Polls a task's `status` query until `predicate` holds (bounded by `timeoutMs`). */
  waitForStatus(
    handle: WorkflowHandle<typeof routeTask>,
    predicate: (status: RouteTaskStatus) => boolean,
    timeoutMs?: number,
  ): Promise<RouteTaskStatus>;
}

export async function startRoutingStack(
  options: {
    config?: EmulatorConfig;
    /** The account's Connect quotas, kept by emulator and worker alike; default: TEST_ACCOUNT_QUOTAS. */
    connectCallRates?: Partial<ConnectCallRates>;
    seed?: number;
    dispatcher?: Partial<DispatcherSettings>;
    dispatcherErrorPolicy?: ErrorPolicyOverrides;
    /** Forward the emulator's agent events to the dispatcher (the push path). */
    push?: boolean;
    /** `false`: the test runs its own workers (e.g. in child processes) on `taskQueue`. */
    inProcessWorker?: boolean;
    /** Another Temporal server than the tests' shared dev server (e.g. one the test restarts). */
    temporal?: LocalTemporal & { address: string };
  } = {},
): Promise<RoutingStack> {
  const env = options.temporal ?? (await sharedTestEnv());
  instanceCounter += 1;
  const stack = await startLocalStack({
    temporal: env,
    instanceId: `routing-test-${process.pid}-${instanceCounter}-${Date.now().toString(36)}`,
    taskQueue: uniqueTaskQueue('routing'),
    emulatorConfig: options.config,
    connectCallRates: options.connectCallRates ?? TEST_ACCOUNT_QUOTAS,
    seed: options.seed ?? 11,
    worker:
      options.inProcessWorker === false
        ? NO_WORKER
        : inProcessWorker({
            dispatcherSettings: { ...LOCAL_DISPATCHER_SETTINGS, ...options.dispatcher },
            dispatcherErrorPolicy: options.dispatcherErrorPolicy,
          }),
    push: options.push ? {} : undefined,
  });
  const fixture: Pick<RoutingStack, 'temporalAddress' | 'waitForStatus'> = {
    temporalAddress: env.address,
    waitForStatus(handle, predicate, timeoutMs = 30_000) {
      let last: RouteTaskStatus | undefined;
      return waitUntil(
        () => `a matching status; last: ${JSON.stringify(last)}`,
        async () => {
          last = await handle.query(routeTaskStatusQuery);
          return predicate(last) ? last : undefined;
        },
        { timeoutMs },
      );
    },
  };
  return Object.assign(stack, fixture);
}

/**
 * A worker for the stack in a child process of its own, so that a test can kill it with SIGKILL; its
 * dispatcher has the same local settings as the stack's in-process worker.
 */
export function startStackWorkerProcess(stack: RoutingStack): Promise<WorkerProcess> {
  return startWorkerProcess(
    {
      temporalAddress: stack.temporalAddress,
      taskQueue: stack.taskQueue,
      connectEndpoint: stack.emulator.endpoint,
      connectCallRates: stack.connectCallRates,
      dispatcherSettings: LOCAL_DISPATCHER_SETTINGS,
    },
    { quiet: true },
  );
}
