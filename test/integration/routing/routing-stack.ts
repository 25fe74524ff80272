/**
 * A whole routing deployment for one test: a Connect emulator with an instance of its own (so each
 * test has its own dispatcher on the shared dev server), a worker on its own task queue, and the
 * Temporal client. Everything goes through the real SDKs.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import {
  defaultAgentId,
  defaultQueueId,
  type EmulatorConfig,
  type RunningEmulator,
  startEmulator,
} from '../../../src/dev/emulator';
import { createConnectClient } from '../../../src/worker/connect-client';
import { AgentEventForwarder } from '../../../src/push/agent-event-forwarder';
import { followEmulatorEvents } from '../../../src/push/follow-emulator-events';
import { startRouteTask } from '../../../src/client/route-task-client';
import type { ErrorPolicyOverrides } from '../../../src/shared/error-policy';
import type { RouteTaskInput, RouteTaskStatus } from '../../../src/shared/route-task-contract';
import { createWorker } from '../../../src/worker/create-worker';
import {
  type DispatcherSettings,
  LOCAL_DISPATCHER_SETTINGS,
  type DispatcherStatus,
  dispatcherStatusQuery,
  dispatcherWorkflowId,
} from '../../../src/shared/dispatcher-contract';
import { routeTask } from '../../../workflows/route-task';
import { routeTaskStatusQuery } from '../../../src/shared/route-task-contract';
import { waitUntil } from '../../helpers/eventually';
import { sharedTestEnv, uniqueTaskQueue } from '../../helpers/temporal';

export const [ALICE, BOB, CAROL, ERIN, FRANK] = ['alice', 'bob', 'carol', 'erin', 'frank'].map(
  defaultAgentId,
);
export const [BILLING_QUEUE, SUPPORT_QUEUE] = ['Billing', 'Support'].map(defaultQueueId);

let instanceCounter = 0;

export interface RoutingStack {
  emulator: RunningEmulator;
  instanceId: string;
  client: Client;
  /** host:port of the dev server's frontend. */
  temporalAddress: string;
  taskQueue: string;
  startTask(
    name: string,
    input: Omit<RouteTaskInput, 'instanceId'>,
  ): Promise<WorkflowHandle<typeof routeTask>>;
  dispatcherStatus(): Promise<DispatcherStatus>;
  /** Polls a task's `status` query until `predicate` holds (bounded by `timeoutMs`). */
  waitForStatus(
    handle: WorkflowHandle<typeof routeTask>,
    predicate: (status: RouteTaskStatus) => boolean,
    timeoutMs?: number,
  ): Promise<RouteTaskStatus>;
  /** Shuts the worker down and starts a fresh one (empty workflow cache) on the same task queue. */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRoutingStack(
  options: {
    config?: EmulatorConfig;
    seed?: number;
    dispatcher?: Partial<DispatcherSettings>;
    dispatcherErrorPolicy?: ErrorPolicyOverrides;
    /** Forward the emulator's agent events to the dispatcher (the push path). */
    push?: boolean;
    /** `false`: the test runs its own workers (e.g. in child processes) on `taskQueue`. */
    inProcessWorker?: boolean;
  } = {},
): Promise<RoutingStack> {
  const env = await sharedTestEnv();
  instanceCounter += 1;
  const instanceId = `routing-test-${process.pid}-${instanceCounter}-${Date.now().toString(36)}`;
  const emulator = await startEmulator({
    config: {
      ...options.config,
      instance: { id: instanceId, accountId: '123456789012', region: 'us-east-1' },
    },
    seed: options.seed ?? 11,
  });
  const taskQueue = uniqueTaskQueue('routing');
  const startWorker = async () => {
    const worker = await createWorker({
      connection: env.nativeConnection,
      temporal: env.client,
      taskQueue,
      connect: createConnectClient({
        endpoint: emulator.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
      dispatcherSettings: { ...LOCAL_DISPATCHER_SETTINGS, ...options.dispatcher },
      dispatcherErrorPolicy: options.dispatcherErrorPolicy,
    });
    return { worker, running: worker.run() };
  };
  let current = options.inProcessWorker === false ? undefined : await startWorker();
  const stopWorker = async () => {
    current?.worker.shutdown();
    await current?.running;
  };
  const follower = options.push
    ? followEmulatorEvents({ endpoint: emulator.endpoint, forwarder: new AgentEventForwarder(env.client) })
    : undefined;
  await follower?.connected;
  const dispatcher = env.client.workflow.getHandle(dispatcherWorkflowId(instanceId));

  return {
    emulator,
    instanceId,
    client: env.client,
    temporalAddress: env.address,
    taskQueue,
    startTask: (name, input) =>
      startRouteTask(
        env.client,
        { instanceId, ...input },
        { workflowId: `route-task/${instanceId}/${name}`, taskQueue },
      ),
    dispatcherStatus: () => dispatcher.query(dispatcherStatusQuery),
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
    async restartWorker() {
      await stopWorker();
      current = await startWorker();
    },
    async stop() {
      await follower?.stop();
      await dispatcher.terminate('test finished').catch(() => undefined);
      await stopWorker();
      await emulator.stop();
    },
  };
}
