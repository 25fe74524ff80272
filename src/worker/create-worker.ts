/**
 * The worker: routeTask runs and the Connect activities on the main task queue, dispatchers on a
 * task queue of their own (see dispatcherTaskQueue), from one workflow bundle. The Connect client
 * and the Temporal client are built once here and injected into the activities.
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import {
  createConnectActivities,
  createDispatcherActivities,
  type DispatcherActivityDeps,
} from '../../activities';
import { createConnectClient } from './connect-client';
import { DEFAULT_TASK_QUEUE, dispatcherTaskQueue } from '../shared/task-queues';

export interface ConnectTaskRouterWorkerOptions {
  connection: NativeConnection;
  /** Used by activities that start or signal workflows (the dispatcher). */
  temporal: Client;
  namespace?: string;
  taskQueue?: string;
  /** Defaults to a client built from the AWS default chain (or AWS_ENDPOINT_URL_CONNECT for the emulator). */
  connect?: ConnectClient;
  dispatcherSettings?: DispatcherActivityDeps['dispatcherSettings'];
  dispatcherErrorPolicy?: DispatcherActivityDeps['dispatcherErrorPolicy'];
  /** Passed to the routeTask worker (e.g. `maxCachedWorkflows` for many waiting tasks). */
  taskWorkerOptions?: Partial<
    Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'>
  >;
}

/** Two Temporal workers that start, run and stop together. */
export class ConnectTaskRouterWorker {
  constructor(
    /** routeTask runs and every activity, on the main task queue. */
    readonly tasks: Worker,
    /** Dispatcher runs (and their polls), on the dispatcher task queue. */
    readonly dispatchers: Worker,
  ) {}

  /** Resolves when both have stopped; if one fails, the other is shut down and the failure rethrown. */
  async run(): Promise<void> {
    const outcomes = await Promise.allSettled(
      [this.tasks, this.dispatchers].map((worker) =>
        worker.run().catch((error: unknown) => {
          this.shutdown();
          throw error;
        }),
      ),
    );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  shutdown(): void {
    for (const worker of [this.tasks, this.dispatchers]) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }
}

export async function createWorker(
  options: ConnectTaskRouterWorkerOptions,
): Promise<ConnectTaskRouterWorker> {
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const dispatchers = dispatcherTaskQueue(taskQueue);
  const activities = {
    ...createConnectActivities({ connect: options.connect ?? createConnectClient() }),
    ...createDispatcherActivities({
      temporal: options.temporal,
      dispatcherTaskQueue: dispatchers,
      dispatcherSettings: options.dispatcherSettings,
      dispatcherErrorPolicy: options.dispatcherErrorPolicy,
    }),
  };
  // Resolves to workflows/index.ts under ts-node and to lib/workflows/index.js once built.
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows') });
  const common = {
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    workflowBundle,
    activities,
  };
  return new ConnectTaskRouterWorker(
    await Worker.create({ ...common, taskQueue, ...options.taskWorkerOptions }),
    // A handful of dispatchers (one per Connect instance) stay cached for good.
    await Worker.create({ ...common, taskQueue: dispatchers, maxCachedWorkflows: 100 }),
  );
}
