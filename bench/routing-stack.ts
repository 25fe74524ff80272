/**
 * Wiring for the routing benchmark: a Temporal dev server of its own (the Temporal CLI found by
 * src/dev/temporal-cli.ts, search attributes registered), and per measurement a "deployment": a
 * local stack (src/dev/local-stack.ts) with its worker in a child process, so that the worker's
 * memory figures are its own. Everything listens on 127.0.0.1 only.
 */
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Option } from 'commander';
import {
  defaultAgentId,
  defaultQueueId,
  type EmulatorConfig,
  type RunningEmulator,
} from '../src/dev/emulator';
import { integerOption } from '../src/cli/options';
import { startLocalStack } from '../src/dev/local-stack';
import { startSdkDevServer } from '../src/dev/sdk-dev-server';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import { childProcessWorker, type WorkerProcess } from '../src/dev/worker-process';
import { compiledWorkerModule } from './compiled-worker';
import type { EmulatorEventFollower } from '../src/push/follow-emulator-events';
import type { DispatcherSettings, DispatcherStatus } from '../src/shared/dispatcher-contract';
import type { RouteTaskInput } from '../src/shared/route-task-contract';
import type { ConnectCallRates } from '../src/shared/task-queues';
import type { routeTask } from '../workflows/route-task';

/**
 * The agents of the default call centre who serve the Billing queue with one TASK slot (erin and frank
 * serve it too, with three: with a line waiting, each would take three tasks at once).
 */
export const ONE_SLOT_BILLING_AGENTS = ['alice', 'bob'].map(defaultAgentId);
export const [BILLING_QUEUE, SUPPORT_QUEUE] = ['Billing', 'Support'].map(defaultQueueId);

export type BenchServer = TestWorkflowEnvironment;

/** A Temporal dev server for this benchmark run only, started the way the tests start theirs. */
export async function startBenchDevServer(log: (line: string) => void): Promise<BenchServer> {
  const cli = ensureTemporalCli(log);
  if (cli) log(`Temporal CLI (${cli.source}): ${cli.path}`);
  return startSdkDevServer();
}

/** Room for `tasks` open tasks. */
export function roomForTasks(tasks: number): Required<Pick<EmulatorConfig, 'activeTaskQuota'>> {
  return { activeTaskQuota: Math.max(2_500, tasks + 100) };
}

/**
 * An account whose per-contact Connect quotas were raised far above what routing uses, so that only
 * the routing itself limits how fast tasks get in line. GetCurrentUserData and List* keep Connect's
 * documented defaults (2/s).
 */
export const RAISED_CONTACT_QUOTAS: Partial<ConnectCallRates> = {
  create: 500,
  startTask: 500,
  transfer: 500,
  associate: 500,
  describe: 500,
  stop: 500,
};
export const RAISED_CONTACT_QUOTAS_TEXT =
  'Connect quotas (emulator and worker lanes alike) raised to 500/s for CreateContact, StartTaskContact, ' +
  'TransferContact, AssociateContactWithUser, DescribeContact and StopContact; GetCurrentUserData and List* at ' +
  'their documented default (2/s, burst 5)';

export interface DeploymentOptions {
  /** A short name that goes into the instance id, task queue and log prefix. */
  label: string;
  config: EmulatorConfig;
  /** The emulated account's quotas per Connect call lane (emulator and worker); unset: Connect's defaults. */
  connectCallRates?: Partial<ConnectCallRates>;
  seed?: number;
  dispatcherSettings?: Partial<DispatcherSettings>;
  maxCachedWorkflows?: number;
  /** The worker process's V8 old-space limit (`--max-old-space-size`); unset: Node's default. */
  heapLimitMb?: number;
  /** Forward the emulator's agent events to the dispatcher (the push path). */
  push?: boolean;
  /** With `push`: the forwarder's coalescing window (unset: its default). */
  pushCoalesceMs?: number;
}

export interface Deployment {
  emulator: RunningEmulator;
  instanceId: string;
  /** The deployment's own task queue: start workflows here for its worker to run them. */
  taskQueue: string;
  worker: WorkerProcess;
  follower?: EmulatorEventFollower;
  dispatcherId: string;
  /** The dispatcher's `status` query (asked again, up to 5 times, when it times out); undefined while no dispatcher runs yet. */
  status(): Promise<DispatcherStatus | undefined>;
  /** Status queries that timed out because no worker answered in time. */
  queryTimeouts(): number;
  startTask(
    index: number,
    input: Omit<RouteTaskInput, 'instanceId'>,
  ): Promise<WorkflowHandle<typeof routeTask>>;
  /** routeTask runs started by `startTask` that meet a visibility condition (eventually consistent). */
  countTasks(condition: string): Promise<number>;
  stop(): Promise<void>;
}

/** Benchmark workers count the workflow tasks that take longer than this (the scale target's bound). */
export const LONG_TASK_SECONDS = 1;

export async function startDeployment(server: BenchServer, options: DeploymentOptions): Promise<Deployment> {
  const stamp = `${options.label}-${process.pid}-${Date.now().toString(36)}`;
  const stack = await startLocalStack({
    temporal: server,
    instanceId: `bench-${stamp}`,
    taskQueue: `bench-routing-${stamp}`,
    emulatorConfig: options.config,
    connectCallRates: options.connectCallRates,
    seed: options.seed ?? 7,
    worker: childProcessWorker({
      temporalAddress: server.address,
      logLabel: options.label,
      dispatcherSettings: options.dispatcherSettings,
      maxCachedWorkflows: options.maxCachedWorkflows,
      heapLimitMb: options.heapLimitMb,
      compiledModule: await compiledWorkerModule(),
      longTaskSeconds: LONG_TASK_SECONDS,
      coreMetrics: true,
    }),
    push: options.push
      ? {
          onError: (error) => console.error(`[${options.label} push] ${String(error)}`),
          coalesceMs: options.pushCoalesceMs,
        }
      : undefined,
  });
  return {
    emulator: stack.emulator,
    instanceId: stack.instanceId,
    taskQueue: stack.taskQueue,
    worker: stack.worker,
    follower: stack.follower,
    dispatcherId: stack.dispatcher.workflowId,
    status: () =>
      stack.dispatcherStatus().catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      }),
    queryTimeouts: stack.queryTimeouts,
    startTask: (index, input) => stack.startTask(`t${index}`, input),
    countTasks: async (condition) =>
      (
        await server.client.workflow.count(
          `WorkflowId STARTS_WITH "route-task/${stack.instanceId}/" AND ${condition}`,
        )
      ).count,
    stop: stack.stop,
  };
}

/** Runs `task(0..count-1)` with at most `concurrency` in flight; resolves in index order. */
export async function runBounded<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return results;
}

/** A promise that rejects after `ms`, for racing against a run's result. */
export async function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** `--max-cached-workflows`: the benchmark worker's routeTask cache; `scope` prefixes the help. */
export function maxCachedWorkflowsOption(scope = ''): Option {
  return new Option(
    '--max-cached-workflows <n>',
    `${scope}the worker's routeTask cache (default: the package's, DEFAULT_MAX_CACHED_ROUTE_TASKS)`,
  ).argParser(integerOption('--max-cached-workflows', 10, 100_000));
}

/** `--worker-heap-mb`: the benchmark worker process's V8 old-space limit; `scope` prefixes the help. */
export function workerHeapOption(scope = ''): Option {
  return new Option(
    '--worker-heap-mb <n>',
    `${scope}the worker process's V8 old-space limit (default: Node's, from the machine's memory)`,
  ).argParser(integerOption('--worker-heap-mb', 256, 65_536));
}
