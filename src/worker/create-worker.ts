/**
 * The worker: routeTask runs on the main task queue, dispatchers and bulk batches on a task queue of
 * their own (see dispatcherTaskQueue), from one workflow bundle; each rate-limited Connect call on an
 * activity task queue of its own (see CONNECT_CALL_LANES). The Connect client and the Temporal client are built
 * once here and injected into the activities.
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import {
  createBulkActivities,
  createConnectActivities,
  createDispatcherActivities,
  type DispatcherActivityDeps,
} from '../../activities';
import { ActivityOnlyWorker } from './activity-only-worker';
import { CallPacer, pacedActivities } from './call-pacer';
import { createConnectClient } from './connect-client';
import { loadWorkflowBundle } from './workflow-bundle';
import { limitWorkflowThreadHeaps } from './workflow-thread-heap';
import {
  CONNECT_CALL_LANE_NAMES,
  type ConnectCallRates,
  connectCallTaskQueue,
  DEFAULT_TASK_QUEUE,
  dispatcherTaskQueue,
  connectQuotaBurst,
  laneActivities,
  resolveConnectCallRates,
} from '../shared/task-queues';
import { formatValidationIssues, validateWithSchema } from '../shared/connect-validation';
import { dispatcherSettingsSchema } from '../shared/dispatcher-contract';
import { lineJoinsOptionsSchema } from '../../activities/line-joins';

export interface ConnectTaskRouterWorkerOptions {
  connection: NativeConnection;
  /**
   * Used by activities that start or signal workflows (the dispatcher). With a `dataConverter` that
   * has payload codecs, this client must have the same codecs (createWorker refuses one without).
   */
  temporal: Client;
  namespace?: string;
  taskQueue?: string;
  /** Defaults to a client built from the AWS default chain (or AWS_ENDPOINT_URL_CONNECT for the emulator). */
  connect?: ConnectClient;
  /**
   * For bulk batches reading an `s3://` source or writing an `s3://` report. Defaults to a client
   * from the AWS default chain (or AWS_ENDPOINT_URL_S3), built the first time it is needed.
   */
  s3?: S3Client;
  dispatcherSettings?: DispatcherActivityDeps['dispatcherSettings'];
  dispatcherErrorPolicy?: DispatcherActivityDeps['dispatcherErrorPolicy'];
  /**
   * How this worker gathers the tasks that join a dispatcher's line into updates: at most one per
   * `intervalMs` (200) per dispatcher, up to `maxTasks` (500) and `maxBytes` (256 KiB) each.
   */
  lineJoins?: DispatcherActivityDeps['lineJoins'];
  /**
   * Requests per second per Connect call lane, across all workers of the deployment (the Temporal
   * server enforces it per task queue): set them to your account's Connect quotas. Defaults: Connect's
   * documented defaults.
   */
  connectCallRates?: Partial<ConnectCallRates>;
  /**
   * Passed to the routeTask worker; `maxCachedWorkflows` defaults to DEFAULT_MAX_CACHED_ROUTE_TASKS,
   * `maxConcurrentWorkflowTaskExecutions` to DEFAULT_ROUTE_TASK_WORKFLOW_TASK_SLOTS.
   */
  mainWorkerOptions?: Partial<
    Pick<WorkerOptions, 'maxCachedWorkflows' | 'maxConcurrentWorkflowTaskExecutions'>
  >;
  /**
   * V8 heap limit of the SDK's workflow threads, in MiB; default `false`: V8's own (see "Sizing a
   * worker" in the README for the trade-off). Not applied when the process has `--max-old-space-size`.
   */
  workflowThreadHeapMb?: number | false;
  /**
   * The data converter of every worker, e.g. `encryptedDataConverter(keys)` to encrypt payloads in
   * Temporal's history; default: the SDK's. Its converter paths also pick the workflow bundle.
   */
  dataConverter?: DataConverter;
}

/**
 * A waiting routeTask run is idle for minutes and hears from the dispatcher once or twice; evicted,
 * it replays a short history when it does. The SDK's default cache, derived from the heap limit
 * (about 2,300 runs with a 4 GiB heap), lets the worker's memory grow past 4 GiB with tasks waiting.
 */
export const DEFAULT_MAX_CACHED_ROUTE_TASKS = 250;

/**
 * The routeTask worker's workflow task slots. Its runs share one workflow thread (the SDK's with a
 * reused V8 context), and a task's time counts from its poll: at the SDK's 40, polled tasks queued in
 * the worker for that thread (a quarter of them over 0.1 s with 10,000 tasks pouring in, some over 1 s
 * at 50,000 on 2 cores). With fewer, tasks wait in the server instead; too few cap the worker at about
 * slots ÷ the round trip to the server (10 filled a line of 10,000 a sixth slower than 20 or 40).
 */
export const DEFAULT_ROUTE_TASK_WORKFLOW_TASK_SLOTS = 20;

/** The Temporal workers of one deployment, which start, run and stop together. */
export class ConnectTaskRouterWorker {
  constructor(
    /** routeTask runs and the activities without a rate lane, on the main task queue. */
    readonly main: Worker,
    /** Dispatcher runs (and their polls), on the dispatcher task queue. */
    readonly dispatchers: Worker,
    /** One activity-only worker per Connect call lane. */
    readonly connectCalls: Worker[],
  ) {}

  private get all(): Worker[] {
    return [this.main, this.dispatchers, ...this.connectCalls];
  }

  /** Resolves when all have stopped; if one fails, the others are shut down and the failure rethrown. */
  async run(): Promise<void> {
    const outcomes = await Promise.allSettled(
      this.all.map((worker) =>
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
    for (const worker of this.all) {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    }
  }
}

/**
 * A worker that encodes payloads next to a client that does not would write what the activities send
 * (the dispatcher's signals and starts) in clear text, and could not read what the worker wrote.
 */
function checkClientCodecs(dataConverter: DataConverter | undefined, temporal: Client): void {
  const workerCodecs = dataConverter?.payloadCodecs ?? [];
  const clientCodecs = temporal.options.loadedDataConverter.payloadCodecs;
  if (workerCodecs.length > 0 && clientCodecs.length === 0) {
    throw new TypeError(
      'createWorker: the dataConverter has payload codecs but the `temporal` client has none; give the client the same dataConverter',
    );
  }
}

export async function createWorker(
  options: ConnectTaskRouterWorkerOptions,
): Promise<ConnectTaskRouterWorker> {
  checkClientCodecs(options.dataConverter, options.temporal);
  const settingsIssues = validateWithSchema(options.dispatcherSettings ?? {}, dispatcherSettingsSchema);
  if (settingsIssues.length > 0) {
    throw new TypeError(`createWorker: dispatcherSettings: ${formatValidationIssues(settingsIssues)}`);
  }
  const lineJoinsIssues = validateWithSchema(options.lineJoins ?? {}, lineJoinsOptionsSchema.partial());
  if (lineJoinsIssues.length > 0) {
    throw new TypeError(`createWorker: lineJoins: ${formatValidationIssues(lineJoinsIssues)}`);
  }
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const dispatchers = dispatcherTaskQueue(taskQueue);
  const rates = resolveConnectCallRates(options.connectCallRates);
  limitWorkflowThreadHeaps(options.workflowThreadHeapMb ?? false);
  const connect = options.connect ?? createConnectClient();
  const activities = {
    ...createConnectActivities({ connect }),
    ...createDispatcherActivities({
      temporal: options.temporal,
      connect,
      taskQueue,
      dispatcherTaskQueue: dispatchers,
      // Each offer is an AssociateContactWithUser call: offers go out at that lane's rate.
      dispatcherSettings: {
        offersPerSecond: rates.associate,
        offerBurst: connectQuotaBurst(rates.associate),
        ...options.dispatcherSettings,
      },
      dispatcherErrorPolicy: options.dispatcherErrorPolicy,
      lineJoins: options.lineJoins,
      transfersAtCreateRate: rates.transfer >= rates.create,
    }),
    // Files and S3, not Connect: in no Connect call lane, so on the main task queue.
    ...createBulkActivities({ s3: options.s3 }),
  };
  // The bundler, when it runs, logs through the Runtime's logger like the workers (JSON lines in the
  // worker command).
  const { dataConverter } = options;
  const workflowBundle = await loadWorkflowBundle(Runtime.instance().logger, dataConverter);
  // Every worker with the same converter: each one reads and writes payloads.
  const connection = {
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    dataConverter,
  };
  const common = { ...connection, workflowBundle, activities };
  const connectCalls = await Promise.all(
    CONNECT_CALL_LANE_NAMES.map((lane) =>
      // Activities only, so not Worker: see ActivityOnlyWorker for the warning it keeps off every start.
      ActivityOnlyWorker.create({
        ...connection,
        taskQueue: connectCallTaskQueue(taskQueue, lane),
        activities: laneActivities(activities, lane),
        maxTaskQueueActivitiesPerSecond: rates[lane],
        interceptors: { activity: [pacedActivities(new CallPacer(rates[lane]))] },
      }),
    ),
  );
  return new ConnectTaskRouterWorker(
    await Worker.create({
      ...common,
      taskQueue,
      maxCachedWorkflows: DEFAULT_MAX_CACHED_ROUTE_TASKS,
      maxConcurrentWorkflowTaskExecutions: DEFAULT_ROUTE_TASK_WORKFLOW_TASK_SLOTS,
      ...options.mainWorkerOptions,
    }),
    // A handful of dispatchers (one per Connect instance), their line segments and the running bulk
    // batches stay cached for good.
    await Worker.create({ ...common, taskQueue: dispatchers, maxCachedWorkflows: 100 }),
    connectCalls,
  );
}
