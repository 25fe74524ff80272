/**
 * Wiring for the routing benchmark: a Temporal dev server of its own (the Temporal CLI found by
 * src/dev/temporal-cli.ts, search attributes registered), and per measurement a "deployment": a Connect
 * emulator with an instance id of its own (so it has its own dispatcher), a worker in a child process
 * on its own task queue, optionally the push path, and helpers to start and watch routeTask runs.
 * Everything listens on 127.0.0.1 only.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  defaultAgentId,
  defaultQueueId,
  type EmulatorConfig,
  type RunningEmulator,
  startEmulator,
} from '../src/dev/emulator';
import { AgentEventForwarder } from '../src/push/agent-event-forwarder';
import { type EmulatorEventFollower, followEmulatorEvents } from '../src/push/follow-emulator-events';
import { startRouteTask } from '../src/client/route-task-client';
import type { RouteTaskInput } from '../src/shared/route-task-contract';
import { ensureTemporalCli } from '../src/dev/temporal-cli';
import { startDevServer } from '../test/helpers/temporal';
import type { DispatcherSettings, DispatcherStatus } from '../src/shared/dispatcher-contract';
import { dispatcherStatusQuery, dispatcherWorkflowId } from '../src/shared/dispatcher-contract';
import type { routeTask } from '../workflows/route-task';
import type { BenchWorkerConfig, FromWorker, ToWorker, WorkerStats } from './routing-worker';

/** The agents of the default call centre whose routing profiles serve the Billing queue. */
export const BILLING_AGENTS = ['alice', 'bob', 'erin', 'frank'].map(defaultAgentId);
export const [BILLING_QUEUE, SUPPORT_QUEUE] = ['Billing', 'Support'].map(defaultQueueId);

export type BenchServer = TestWorkflowEnvironment;

/** A Temporal dev server for this benchmark run only, started the way the tests start theirs. */
export async function startBenchDevServer(log: (line: string) => void): Promise<BenchServer> {
  const cli = ensureTemporalCli(log);
  if (cli) log(`Temporal CLI (${cli.source}): ${cli.path}`);
  return startDevServer();
}

/**
 * Room for `tasks` open tasks, and no throttling of the per-contact calls, so that only the routing
 * itself limits how fast tasks get in line. GetCurrentUserData keeps its default quota (2/s).
 */
export function roomForTasks(
  tasks: number,
): Required<Pick<EmulatorConfig, 'activeTaskQuota' | 'throttling'>> {
  return {
    activeTaskQuota: Math.max(2_500, tasks + 100),
    throttling: {
      CreateContact: null,
      AssociateContactWithUser: null,
      DescribeContact: null,
      StopContact: null,
    },
  };
}

export interface WorkerProcess {
  maxCachedWorkflows: number;
  /** Why the process ended, once it has (e.g. `signal SIGABRT`); undefined while it runs. */
  exitReason(): string | undefined;
  /** The worker's stats right after it started (workflow bundle built, nothing run yet). */
  atStart: WorkerStats;
  stats(): Promise<WorkerStats>;
  stop(): Promise<void>;
}

/**
 * Forks bench/routing-worker.ts (through ts-node) and waits until its worker runs. `heapLimitMb` caps
 * V8's old space (workflow threads included): V8 collects lazily below its limit, so rss alone shows
 * the limit more than what the worker needs.
 */
export async function startWorkerProcess(
  config: BenchWorkerConfig,
  heapLimitMb?: number,
): Promise<WorkerProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'routing-worker.ts'), [], {
    execArgv: [
      '-r',
      'ts-node/register',
      ...(heapLimitMb === undefined ? [] : [`--max-old-space-size=${heapLimitMb}`]),
    ],
    env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let exitReason: string | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve(code);
    }),
  );
  const next = <T extends FromWorker['type']>(type: T, timeoutMs: number) =>
    new Promise<Extract<FromWorker, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`worker process sent no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (message: FromWorker) => {
        if (message.type === type) {
          cleanup();
          resolve(message as Extract<FromWorker, { type: T }>);
        } else if (message.type === 'failed') {
          cleanup();
          reject(new Error(`worker process failed: ${message.message}`));
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`worker process exited (code ${code}) before sending "${type}"`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const toWorker = (message: ToWorker) => child.send(message);

  let ready: Extract<FromWorker, { type: 'ready' }>;
  try {
    ready = await next('ready', 180_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  const stats = async () => {
    const reply = next('stats', 30_000);
    toWorker({ type: 'stats' });
    return reply;
  };
  return {
    maxCachedWorkflows: ready.maxCachedWorkflows,
    exitReason: () => exitReason,
    atStart: await stats(),
    stats,
    async stop() {
      if (exitReason !== undefined) return;
      toWorker({ type: 'stop' });
      const code = await Promise.race([exited, sleep(60_000).then(() => 'timeout' as const)]);
      if (code === 'timeout') {
        child.kill();
        await exited;
      }
    },
  };
}

export interface DeploymentOptions {
  /** A short name that goes into the instance id, task queue and log prefix. */
  label: string;
  config: EmulatorConfig;
  seed?: number;
  dispatcherSettings?: Partial<DispatcherSettings>;
  maxCachedWorkflows?: number;
  /** The worker process's V8 old-space limit (`--max-old-space-size`); unset: Node's default. */
  heapLimitMb?: number;
  /** Forward the emulator's agent events to the dispatcher (the push path). */
  push?: boolean;
}

export interface Deployment {
  emulator: RunningEmulator;
  instanceId: string;
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
  stop(): Promise<void>;
}

export async function startDeployment(server: BenchServer, options: DeploymentOptions): Promise<Deployment> {
  const stamp = `${options.label}-${process.pid}-${Date.now().toString(36)}`;
  const instanceId = `bench-${stamp}`;
  const taskQueue = `bench-routing-${stamp}`;
  const emulator = await startEmulator({
    config: {
      ...options.config,
      instance: { id: instanceId, accountId: '123456789012', region: 'us-east-1' },
    },
    seed: options.seed ?? 7,
  });
  let worker: WorkerProcess;
  try {
    worker = await startWorkerProcess(
      {
        address: server.address,
        namespace: server.namespace ?? 'default',
        taskQueue,
        emulatorEndpoint: emulator.endpoint,
        dispatcherSettings: options.dispatcherSettings,
        maxCachedWorkflows: options.maxCachedWorkflows,
        label: options.label,
      },
      options.heapLimitMb,
    );
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  const follower = options.push
    ? followEmulatorEvents({
        endpoint: emulator.endpoint,
        forwarder: new AgentEventForwarder(server.client),
        onError: (error) => console.error(`[${options.label} push] ${String(error)}`),
      })
    : undefined;
  await follower?.connected;
  const dispatcherId = dispatcherWorkflowId(instanceId);
  const dispatcher = server.client.workflow.getHandle(dispatcherId);
  const taskId = (index: number) => `route-task/${instanceId}/t${index}`;
  let queryTimeouts = 0;

  return {
    emulator,
    instanceId,
    worker,
    follower,
    dispatcherId,
    async status() {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await dispatcher.query(dispatcherStatusQuery);
        } catch (error) {
          if ((error as Error).name === 'WorkflowNotFoundError') return undefined;
          // A busy worker may not answer a query in time (DEADLINE_EXCEEDED): count it and ask again.
          if (!isQueryTimeout(error) || attempt >= 5) throw error;
          queryTimeouts += 1;
        }
      }
    },
    queryTimeouts: () => queryTimeouts,
    startTask: (index, input) =>
      startRouteTask(server.client, { instanceId, ...input }, { workflowId: taskId(index), taskQueue }),
    async stop() {
      await follower?.stop();
      await dispatcher.terminate('benchmark finished').catch(() => undefined);
      await worker.stop();
      await emulator.stop();
    },
  };
}

function isQueryTimeout(error: unknown): boolean {
  const codeOf = (value: unknown) => (value as { code?: unknown } | undefined)?.code;
  return codeOf(error) === 4 || codeOf((error as { cause?: unknown }).cause) === 4; // gRPC DEADLINE_EXCEEDED
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
