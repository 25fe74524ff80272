/**
 * The worker: runs the package's workflows and its activities on one task queue. The Connect client
 * and the Temporal client are built once here and injected into the activities.
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import {
  createConnectActivities,
  createDispatcherActivities,
  type DispatcherActivityDeps,
} from '../activities';
import { createConnectClient } from './connect-client';
import { DEFAULT_TASK_QUEUE } from './shared/task-queues';

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
}

export function createWorker(options: ConnectTaskRouterWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
    // Resolves to workflows/index.ts under ts-node and to lib/workflows/index.js once built.
    workflowsPath: require.resolve('../workflows'),
    activities: {
      ...createConnectActivities({ connect: options.connect ?? createConnectClient() }),
      ...createDispatcherActivities({
        temporal: options.temporal,
        dispatcherSettings: options.dispatcherSettings,
        dispatcherErrorPolicy: options.dispatcherErrorPolicy,
      }),
    },
  });
}
