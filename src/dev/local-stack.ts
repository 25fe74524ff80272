/**
 * One local routing deployment on a Temporal server it is given, for the tests, the benchmarks and
 * the demo: a Connect emulator with an instance of its own (so it gets a dispatcher of its own), a
 * worker on its own task queue whose activities call that emulator (in this process, in a child
 * process, or none when the caller runs its own), optionally the push path (the emulator's agent
 * events forwarded to the dispatcher), and a handle on the instance's dispatcher. Loopback only.
 */
import { type Client, type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { getDispatcherStatus } from '../client/dispatcher-client';
import { startRouteTask } from '../client/route-task-client';
import { encryptedDataConverter } from '../encryption/encrypted-data-converter';
import { parseEncryptionKeys } from '../encryption/encryption-keys';
import { AgentEventForwarder } from '../push/agent-event-forwarder';
import { type EmulatorEventFollower, followEmulatorEvents } from '../push/follow-emulator-events';
import {
  type DispatcherSettings,
  type DispatcherStatus,
  dispatcherWorkflowId,
} from '../shared/dispatcher-contract';
import type { ErrorPolicyOverrides } from '../shared/error-policy';
import type { RouteTaskInput } from '../shared/route-task-contract';
import { createConnectClient } from '../worker/connect-client';
import { type ConnectTaskRouterWorker, createWorker } from '../worker/create-worker';
import type { routeTask } from '../../workflows/route-task';
import {
  CONNECT_CALL_LANES,
  type ConnectCallLane,
  type ConnectCallRates,
  connectQuotaBurst,
  resolveConnectCallRates,
} from '../shared/task-queues';
import {
  DEFAULT_CALL_CENTRE,
  type EmulatorConfig,
  OPERATIONS,
  type OperationName,
  type RunningEmulator,
  startEmulator,
} from './emulator';
import { resolveEmulatorConfig } from './emulator/config';
import type { Throttling } from './emulator/throttle';

/** The Temporal server to run on: the tests' shared dev server, a benchmark's, or the demo's. */
export interface LocalTemporal {
  client: Client;
  /** For workers in this process. */
  nativeConnection: NativeConnection;
}

/** Where a worker serves: a Temporal server, a task queue, and the emulator its activities call. */
export interface WorkerSite {
  temporal: LocalTemporal;
  taskQueue: string;
  connectEndpoint: string;
  /** The emulated account's quotas, which the worker's Connect call lanes keep to. */
  connectCallRates: ConnectCallRates;
}

export interface WorkerSettings {
  dispatcherSettings?: Partial<DispatcherSettings>;
  dispatcherErrorPolicy?: ErrorPolicyOverrides;
  /** The routeTask worker's workflow cache; unset: the SDK's default for this machine's memory. */
  maxCachedWorkflows?: number;
  /**
   * Encrypt payloads with these keys, written as CONNECT_TASK_ROUTER_ENCRYPTION_KEYS is (a string, so
   * that a worker process gets them too); the site's client must encrypt with the same keys.
   */
  encryptionKeys?: string;
}

/** A worker the stack can stop, wherever it runs. */
export interface LocalWorker {
  /** Settles when the worker has stopped: before `stop()`, that means it failed or was killed. */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/** Starts the stack's worker (again on `restartWorker`). */
export type WorkerStarter<W extends LocalWorker | undefined> = (site: WorkerSite) => Promise<W>;

export interface InProcessWorker extends LocalWorker {
  worker: ConnectTaskRouterWorker;
}

/** A worker in this process, with a fresh workflow cache each time it starts. */
export function inProcessWorker(settings: WorkerSettings = {}): WorkerStarter<InProcessWorker> {
  return async (site) => {
    const worker = await createWorker({
      connection: site.temporal.nativeConnection,
      temporal: site.temporal.client,
      namespace: site.temporal.client.options.namespace,
      taskQueue: site.taskQueue,
      connect: createConnectClient({
        endpoint: site.connectEndpoint,
        region: DEFAULT_CALL_CENTRE.instance.region,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      dispatcherSettings: settings.dispatcherSettings,
      dispatcherErrorPolicy: settings.dispatcherErrorPolicy,
      connectCallRates: site.connectCallRates,
      mainWorkerOptions:
        settings.maxCachedWorkflows === undefined
          ? undefined
          : { maxCachedWorkflows: settings.maxCachedWorkflows },
      dataConverter:
        settings.encryptionKeys === undefined
          ? undefined
          : encryptedDataConverter(parseEncryptionKeys(settings.encryptionKeys)),
    });
    const stopped = worker.run();
    return {
      worker,
      stopped,
      async stop() {
        worker.shutdown();
        await stopped;
      },
    };
  };
}

/** No worker: the caller runs its own on the stack's task queue. */
export const NO_WORKER: WorkerStarter<undefined> = async () => undefined;

export interface LocalStackOptions<W extends LocalWorker | undefined> {
  temporal: LocalTemporal;
  instanceId: string;
  taskQueue: string;
  /** The emulated call centre (the default one where omitted); its instance id is always `instanceId`. */
  emulatorConfig?: EmulatorConfig;
  /** Seeds the emulator (handle times, contact ids, faults). */
  seed?: number;
  /**
   * The emulated account's Connect quotas per call lane, kept by both sides: the emulator throttles
   * above them and the worker's lanes stay within them. Omitted lanes: Connect's documented defaults.
   */
  connectCallRates?: Partial<ConnectCallRates>;
  worker: WorkerStarter<W>;
  /** Forward the emulator's agent events to the dispatcher (the push path); `coalesceMs`: the forwarder's window. */
  push?: { onError?: (error: unknown) => void; coalesceMs?: number };
}

export interface LocalStack<W extends LocalWorker | undefined> {
  emulator: RunningEmulator;
  instanceId: string;
  taskQueue: string;
  /** The rates its workers' Connect call lanes must keep to. */
  connectCallRates: ConnectCallRates;
  client: Client;
  /** The worker running now: a new one after `restartWorker`. */
  readonly worker: W;
  /** Only with `push`. */
  follower?: EmulatorEventFollower;
  /** The instance's dispatcher; it runs once a task has started it. */
  dispatcher: WorkflowHandle;
  /** Asked again (up to 5 times) when no worker answers in time, e.g. a busy one. */
  dispatcherStatus(): Promise<DispatcherStatus>;
  /** Status queries that timed out and were asked again. */
  queryTimeouts(): number;
  /**
   * Starts routeTask on the stack's instance and task queue, as `route-task/<instanceId>/<name>`;
   * create-then-associate transfers through the call centre's transfer-to-queue flow unless told otherwise.
   */
  startTask(
    name: string,
    input: Omit<RouteTaskInput, 'instanceId'>,
  ): Promise<WorkflowHandle<typeof routeTask>>;
  /** Stops the worker and starts a fresh one on the same task queue. */
  restartWorker(): Promise<void>;
  /** Stops everything, latest started first; the dispatcher is terminated once the worker has stopped. */
  stop(): Promise<void>;
}

const QUERY_ATTEMPTS = 5;

/** The emulator's throttling for an account whose quotas were raised to `rates`; lanes not given keep its defaults. */
function accountQuotas(rates: Partial<ConnectCallRates>): Throttling {
  const throttling: Throttling = {};
  for (const [lane, ratePerSecond] of Object.entries(rates) as [ConnectCallLane, number | undefined][]) {
    if (ratePerSecond === undefined) continue;
    for (const operation of CONNECT_CALL_LANES[lane].operations) {
      if (!(OPERATIONS as readonly string[]).includes(operation)) continue;
      throttling[operation as OperationName] = { ratePerSecond, burst: connectQuotaBurst(ratePerSecond) };
    }
  }
  return throttling;
}

/** Runs every step even when one fails, so that one stuck piece never leaves the others running. */
async function runEach(steps: (() => Promise<unknown>)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) await step().catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw new AggregateError(errors, 'The local stack did not stop cleanly');
}

function isQueryTimeout(error: unknown): boolean {
  const codeOf = (value: unknown) => (value as { code?: unknown } | undefined)?.code;
  return codeOf(error) === 4 || codeOf((error as { cause?: unknown }).cause) === 4; // gRPC DEADLINE_EXCEEDED
}

export async function startLocalStack<W extends LocalWorker | undefined>(
  options: LocalStackOptions<W>,
): Promise<LocalStack<W>> {
  const { temporal, instanceId, taskQueue } = options;
  const { client } = temporal;
  const stopSteps: (() => Promise<unknown>)[] = [];
  const stop = () => runEach(stopSteps);
  try {
    const connectCallRates = resolveConnectCallRates(options.connectCallRates);
    const queueTransferFlowId = resolveEmulatorConfig(options.emulatorConfig).contactFlows.find(
      (flow) => flow.type === 'QUEUE_TRANSFER',
    )?.id;
    const emulator = await startEmulator({
      config: {
        ...options.emulatorConfig,
        throttling: {
          ...accountQuotas(options.connectCallRates ?? {}),
          ...options.emulatorConfig?.throttling,
        },
        instance: { ...DEFAULT_CALL_CENTRE.instance, id: instanceId },
      },
      seed: options.seed,
    });
    stopSteps.unshift(() => emulator.stop());
    // The dispatcher outlives its tasks by design, and nothing would run it once the worker is gone.
    // Terminated after the worker stops, so that no workflow task of it is in flight.
    const dispatcher = client.workflow.getHandle(dispatcherWorkflowId(instanceId));
    stopSteps.unshift(() =>
      dispatcher.terminate('the local stack stopped').catch((error: unknown) => {
        // It may have ended already (idle) or never started (no task reached the line).
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }),
    );

    const site: WorkerSite = { temporal, taskQueue, connectEndpoint: emulator.endpoint, connectCallRates };
    let worker = await options.worker(site);
    stopSteps.unshift(async () => worker?.stop());

    const follower =
      options.push &&
      followEmulatorEvents({
        endpoint: emulator.endpoint,
        forwarder: new AgentEventForwarder(client, { coalesceMs: options.push.coalesceMs }),
        onError: options.push.onError,
      });
    if (follower) {
      stopSteps.unshift(() => follower.stop());
      await follower.connected;
    }

    let queryTimeouts = 0;
    return {
      emulator,
      instanceId,
      taskQueue,
      connectCallRates,
      client,
      get worker() {
        return worker;
      },
      follower,
      dispatcher,
      async dispatcherStatus() {
        for (let attempt = 1; ; attempt += 1) {
          try {
            return await getDispatcherStatus(client, instanceId);
          } catch (error) {
            if (!isQueryTimeout(error) || attempt >= QUERY_ATTEMPTS) throw error;
            queryTimeouts += 1;
          }
        }
      },
      queryTimeouts: () => queryTimeouts,
      startTask: (name, input) =>
        startRouteTask(
          client,
          {
            instanceId,
            ...((input.strategy ?? 'create-then-associate') === 'create-then-associate' && {
              transferFlowId: queueTransferFlowId,
            }),
            ...input,
          },
          { workflowId: `route-task/${instanceId}/${name}`, taskQueue },
        ),
      async restartWorker() {
        await worker?.stop();
        worker = await options.worker(site);
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
