/**
 * A worker in a child process of its own: so that a test can kill it with SIGKILL mid-run (no
 * graceful shutdown: in-flight activities and workflow tasks simply vanish), and so that a
 * benchmark's memory figures are the worker's alone. This module is both sides: the parent forks
 * this very file, which then runs the worker (see the end of the file). They talk over IPC:
 *   parent → child  { type: 'stats' } | { type: 'stop' }
 *   child → parent  { type: 'ready', maxCachedWorkflows } | { type: 'stats', ... } | { type: 'failed', message }
 * Warnings and errors that the worker logs (workflow, activity and core logs) are counted by message
 * and reported with the stats, and printed to stderr once per distinct message.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { ConnectCallRates } from '../shared/task-queues';
import { prometheusExporter } from '../worker/metrics';
import { inProcessWorker, type LocalWorker, type WorkerSettings, type WorkerStarter } from './local-stack';
import { freePort, parseSamples, type Sample } from './prometheus-text';

const READY_TIMEOUT_MS = 180_000;
const STATS_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 60_000;
/** The environment variable that hands the child its config. */
const CONFIG_VARIABLE = 'CONNECT_TASK_ROUTER_WORKER_PROCESS';
/** Set: the child serves the SDK's metrics on a loopback port and reads its core's figures from it. */
const CORE_METRICS_VARIABLE = 'CONNECT_TASK_ROUTER_WORKER_PROCESS_CORE_METRICS';

export interface WorkerProcessConfig extends WorkerSettings {
  /** host:port of the Temporal frontend. */
  temporalAddress: string;
  /** `default` where omitted. */
  namespace?: string;
  taskQueue: string;
  connectEndpoint: string;
  connectCallRates: ConnectCallRates;
  /** Printed before each of this worker's log lines; the task queue where omitted. */
  logLabel?: string;
}

export interface WorkerProcessOptions {
  /**
   * Caps V8's old space (workflow threads included): V8 collects lazily below its limit, so rss
   * alone shows the limit more than what the worker needs. Unset: Node's default.
   */
  heapLimitMb?: number;
  /** Drops the child's own output (its log lines are still counted in its stats). */
  quiet?: boolean;
  /**
   * The module to fork instead of this file: its compiled build's, to run the worker as an installed
   * package does (no TypeScript compiler in the process, the prebuilt workflow bundle).
   */
  compiledModule?: string;
  /** Workflow tasks longer than this many seconds are counted in `longTasks` (the SDK's default: 5). */
  longTaskSeconds?: number;
  /**
   * Reads the SDK core's metrics (served on a loopback port) into `workflowCache`, `workflowTaskTimes`
   * and `completionAnswerTimes`, for `stats({ coreMetrics: true })`.
   */
  coreMetrics?: boolean;
}

export interface WorkerStats {
  type: 'stats';
  memory: NodeJS.MemoryUsage;
  /** The process's CPU time so far (every thread: workflows, activities, the SDK's core). */
  cpu: NodeJS.CpuUsage;
  /** Warning and error log lines by level and message (first 160 characters), long tasks aside. */
  logs: Record<string, number>;
  /** Workflow tasks the SDK warned took longer than its threshold (TMPRL1104), by workflow type. */
  longTasks: Record<string, LongTasks>;
  /** The SDK's workflow cache by task queue (with `coreMetrics`, as the rest below). */
  workflowCache?: Record<string, WorkflowCacheStats>;
  /**
   * Workflow tasks by workflow type, timed by the core from the task's poll to the server's answer to
   * its completion (workflow_task_execution_latency): what TMPRL1104 warns of, as a distribution.
   */
  workflowTaskTimes?: Record<string, TaskTimes>;
  /** The server's answers to the completions (RespondWorkflowTaskCompleted), every workflow type. */
  completionAnswerTimes?: TaskTimes;
}

/** How long things took, from a core latency histogram: how many, and how many took longer than each bound. */
export interface TaskTimes {
  count: number;
  /** By the histogram's bound in seconds (e.g. `'0.5'`): how many took longer. */
  over: Record<string, number>;
}

/** How a worker's workflow cache served its tasks, from the SDK core's metrics. */
export interface WorkflowCacheStats {
  /** Tasks for a run in the cache, given only the new events. */
  hits: number;
  /** Tasks given only the new events for a run no longer cached: its whole history fetched and replayed. */
  misses: number;
  /** Runs evicted before they ended (cache full, a task failed or its completion was refused). */
  forcedEvictions: number;
  /**
   * Tasks in which the core applied history events in replay mode (a run's first task counts too), and
   * the core's own time on them (not the workflow code's).
   */
  replays: number;
  replaySeconds: number;
}

/** The core metric behind each WorkflowCacheStats field. */
const WORKFLOW_CACHE_METRICS = {
  hits: 'temporal_sticky_cache_hit',
  misses: 'temporal_sticky_cache_miss',
  forcedEvictions: 'temporal_sticky_cache_total_forced_eviction',
  replays: 'temporal_workflow_task_replay_latency_count',
  replaySeconds: 'temporal_workflow_task_replay_latency_sum',
} as const satisfies Record<keyof WorkflowCacheStats, string>;

function workflowCacheStats(samples: Sample[]): Record<string, WorkflowCacheStats> {
  const byQueue: Record<string, WorkflowCacheStats> = {};
  const fields = Object.entries(WORKFLOW_CACHE_METRICS) as [keyof WorkflowCacheStats, string][];
  for (const { name, labels, value } of samples) {
    const field = fields.find(([, metric]) => metric === name)?.[0];
    const queue = labels.task_queue;
    if (field === undefined || queue === undefined) continue;
    const stats = (byQueue[queue] ??= {
      hits: 0,
      misses: 0,
      forcedEvictions: 0,
      replays: 0,
      replaySeconds: 0,
    });
    stats[field] += value;
  }
  return byQueue;
}

/** The histogram `name`'s figures, summed by the label `by` (one group, keyed '', where `by` is omitted). */
function taskTimes(
  samples: Sample[],
  name: string,
  labels: Record<string, string>,
  by?: string,
): Record<string, TaskTimes> {
  const groups: Record<string, { count: number; within: Record<string, number> }> = {};
  for (const sample of samples) {
    if (!Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) continue;
    const group = (groups[by === undefined ? '' : (sample.labels[by] ?? '')] ??= { count: 0, within: {} });
    const bound = sample.labels.le;
    if (sample.name === `${name}_count`) group.count += sample.value;
    else if (sample.name === `${name}_bucket` && bound !== undefined && bound !== '+Inf')
      group.within[bound] = (group.within[bound] ?? 0) + sample.value;
  }
  return Object.fromEntries(
    Object.entries(groups)
      .filter(([, { count }]) => count > 0)
      .map(([key, { count, within }]) => [
        key,
        {
          count,
          over: Object.fromEntries(Object.entries(within).map(([bound, n]) => [bound, count - n])),
        },
      ]),
  );
}

function coreMetricsStats(
  metricsText: string,
): Pick<WorkerStats, 'workflowCache' | 'workflowTaskTimes' | 'completionAnswerTimes'> {
  const samples = parseSamples(metricsText);
  return {
    workflowCache: workflowCacheStats(samples),
    workflowTaskTimes: taskTimes(samples, 'temporal_workflow_task_execution_latency', {}, 'workflow_type'),
    completionAnswerTimes: taskTimes(samples, 'temporal_request_latency', {
      operation: 'RespondWorkflowTaskCompleted',
    })[''],
  };
}

/**
 * The SDK's core times each workflow task from its poll to the server's answer to its completion, and
 * warns (TMPRL1104) past `TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS` (5 by default). Unlike the
 * history's started → completed, this counts tasks the server wrote only on completion (those an
 * update brought) and a replay after an eviction.
 */
export interface LongTasks {
  count: number;
  maxMs: number;
  /** `runId:eventId:attempt` of the longest. */
  longest: string;
  historyBytesOfLongest: number;
}

const LONG_TASK_WARNING = /^\[TMPRL1104\] (\S+) /;

/** `coreMetrics`: read the metrics too (the whole text, fetched and parsed), only when it is wanted. */
type ToWorker = { type: 'stats'; coreMetrics?: boolean } | { type: 'stop' };

type FromWorker =
  { type: 'ready'; maxCachedWorkflows: number } | WorkerStats | { type: 'failed'; message: string };

export interface WorkerProcess extends LocalWorker {
  /** The routeTask worker's workflow cache in effect (the SDK's default where unset). */
  maxCachedWorkflows: number;
  /** Why the process ended, once it has (e.g. `signal SIGKILL`); undefined while it runs. */
  exitReason(): string | undefined;
  /** The worker's stats right after it started (workflow bundle built, nothing run yet). */
  atStart: WorkerStats;
  /** `coreMetrics`: with the SDK core's figures (started with `coreMetrics`). */
  stats(request?: { coreMetrics?: boolean }): Promise<WorkerStats>;
  /** SIGKILL, then wait for the exit. */
  kill(): Promise<void>;
  /** Asks the worker to shut down gracefully; SIGKILL if it has not exited within a minute. */
  stop(): Promise<void>;
}

/** Forks the worker process (through ts-node when running from source) and waits until its worker runs. */
export async function startWorkerProcess(
  config: WorkerProcessConfig,
  options: WorkerProcessOptions = {},
): Promise<WorkerProcess> {
  const modulePath = options.compiledModule ?? __filename;
  const fromSource = modulePath.endsWith('.ts');
  const output = options.quiet ? 'ignore' : 'inherit';
  const child: ChildProcess = fork(modulePath, [], {
    execArgv: [
      ...(fromSource ? ['-r', 'ts-node/register'] : []),
      ...(options.heapLimitMb === undefined ? [] : [`--max-old-space-size=${options.heapLimitMb}`]),
    ],
    env: {
      ...process.env,
      [CONFIG_VARIABLE]: JSON.stringify(config),
      ...(options.longTaskSeconds === undefined
        ? {}
        : { TEMPORAL_WORKFLOW_TASK_DURATION_WARN_SECONDS: String(options.longTaskSeconds) }),
      ...(options.coreMetrics ? { [CORE_METRICS_VARIABLE]: '1' } : {}),
    },
    stdio: ['ignore', output, output, 'ipc'],
  });
  let exitReason: string | undefined;
  const stopped = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exitReason = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
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
      const onExit = () => {
        cleanup();
        reject(new Error(`worker process ended (${exitReason}) before sending "${type}"`));
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
  const stats = async ({ coreMetrics = false } = {}) => {
    const reply = next('stats', STATS_TIMEOUT_MS);
    toWorker({ type: 'stats', coreMetrics });
    return reply;
  };
  const kill = async () => {
    if (exitReason === undefined) child.kill('SIGKILL');
    await stopped;
  };

  try {
    const ready = await next('ready', READY_TIMEOUT_MS);
    return {
      maxCachedWorkflows: ready.maxCachedWorkflows,
      exitReason: () => exitReason,
      atStart: await stats(),
      stats,
      stopped,
      kill,
      async stop() {
        if (exitReason !== undefined) return;
        toWorker({ type: 'stop' });
        const exited = await Promise.race([
          stopped.then(() => true),
          sleep(STOP_TIMEOUT_MS, false, { ref: false }),
        ]);
        if (!exited) await kill();
      },
    };
  } catch (error) {
    await kill();
    throw error;
  }
}

/** A worker process for a local stack, on the stack's task queue and emulator. */
export function childProcessWorker(
  settings: WorkerSettings & Pick<WorkerProcessConfig, 'temporalAddress' | 'logLabel'> & WorkerProcessOptions,
): WorkerStarter<WorkerProcess> {
  const { heapLimitMb, quiet, compiledModule, longTaskSeconds, coreMetrics, ...config } = settings;
  return (site) =>
    startWorkerProcess(
      {
        ...config,
        namespace: site.temporal.client.options.namespace,
        taskQueue: site.taskQueue,
        connectEndpoint: site.connectEndpoint,
        connectCallRates: site.connectCallRates,
      },
      { heapLimitMb, quiet, compiledModule, longTaskSeconds, coreMetrics },
    );
}

function sendToParent(message: FromWorker): void {
  process.send?.(message);
}

/**
 * A log entry's fields as one line can show them: an error by its name and message (JSON would show
 * `{}`), without the task token (a long opaque string that would push the rest out of the line).
 */
function readableMeta({ taskToken: _taskToken, ...meta }: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(meta).map(([key, value]) => [
      key,
      value instanceof Error ? `${value.name}: ${value.message}` : value,
    ]),
  );
}

/** The child's side: runs the worker until the parent says stop (or goes away). */
async function runWorkerProcess(): Promise<void> {
  const config = JSON.parse(process.env[CONFIG_VARIABLE] ?? '') as WorkerProcessConfig;
  const label = config.logLabel ?? config.taskQueue;
  const logs: Record<string, number> = {};
  const longTasks: Record<string, LongTasks> = {};
  const metricsAddress = process.env[CORE_METRICS_VARIABLE] ? `127.0.0.1:${await freePort()}` : undefined;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const longTask = LONG_TASK_WARNING.exec(entry.message);
      if (longTask) {
        const meta = entry.meta ?? {};
        const type = String(meta.workflowType ?? 'unknown');
        const ms = Number(meta.workflowTaskDuration ?? 0);
        const seen = (longTasks[type] ??= { count: 0, maxMs: 0, longest: '', historyBytesOfLongest: 0 });
        seen.count += 1;
        // One log line per workflow type, so that every benchmark's list of warnings shows them.
        const key = `${entry.level} [TMPRL1104] ${type} workflow tasks longer than the warning threshold`;
        logs[key] = (logs[key] ?? 0) + 1;
        if (ms >= seen.maxMs) {
          Object.assign(seen, {
            maxMs: ms,
            longest: longTask[1],
            historyBytesOfLongest: Number(meta.workflowHistorySize ?? 0),
          });
        }
        return;
      }
      const key = `${entry.level} ${entry.message.slice(0, 160)}`;
      logs[key] = (logs[key] ?? 0) + 1;
      if (logs[key] === 1) {
        const meta =
          entry.meta === undefined ? '' : ` ${JSON.stringify(readableMeta(entry.meta)).slice(0, 600)}`;
        console.error(`[${label} worker] ${entry.level} ${entry.message}${meta}`);
      }
    }),
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} },
      ...(metricsAddress === undefined ? {} : { metrics: prometheusExporter(metricsAddress) }),
    },
  });

  const nativeConnection = await NativeConnection.connect({ address: config.temporalAddress });
  const connection = await Connection.connect({ address: config.temporalAddress });
  const local = await inProcessWorker(config)({
    temporal: { client: new Client({ connection, namespace: config.namespace }), nativeConnection },
    taskQueue: config.taskQueue,
    connectEndpoint: config.connectEndpoint,
    connectCallRates: config.connectCallRates,
  });
  process.on('message', (message: ToWorker) => {
    if (message.type === 'stats') {
      const stats: WorkerStats = {
        type: 'stats',
        memory: process.memoryUsage(),
        cpu: process.cpuUsage(),
        logs: { ...logs },
        longTasks: structuredClone(longTasks),
      };
      if (metricsAddress === undefined || !message.coreMetrics) sendToParent(stats);
      else
        void fetch(`http://${metricsAddress}/metrics`)
          .then((response) => response.text())
          .then((text) => sendToParent({ ...stats, ...coreMetricsStats(text) }))
          .catch((error: unknown) => sendToParent({ type: 'failed', message: `metrics: ${String(error)}` }));
    }
    if (message.type === 'stop') local.worker.shutdown();
  });
  process.on('disconnect', () => local.worker.shutdown());
  sendToParent({ type: 'ready', maxCachedWorkflows: local.worker.main.options.maxCachedWorkflows });

  await local.stopped;
  await Promise.all([connection.close(), nativeConnection.close()]);
}

if (require.main === module) {
  runWorkerProcess().then(
    () => process.exit(0),
    (error: unknown) => {
      sendToParent({
        type: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      console.error(error);
      process.exit(1);
    },
  );
}
