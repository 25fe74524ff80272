/**
 * The routing benchmark's worker, in a child process of its own so that its memory figures are the
 * worker's alone (not the emulator's, nor the benchmark client's). Started by `startWorkerProcess`
 * (routing-stack.ts) with its settings in BENCH_WORKER_CONFIG; talks to the parent over IPC:
 *   parent → child  { type: 'stats' } | { type: 'stop' }
 *   child → parent  { type: 'ready', maxCachedWorkflows } | { type: 'stats', ... } | { type: 'failed', message }
 * Warnings and errors that the worker logs (workflow, activity and core logs) are counted by message
 * and reported with the stats, and printed to stderr once per distinct message.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createConnectClient } from '../src/worker/connect-client';
import { createWorker } from '../src/worker/create-worker';
import type { DispatcherSettings } from '../src/shared/dispatcher-contract';

export interface BenchWorkerConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  emulatorEndpoint: string;
  dispatcherSettings?: Partial<DispatcherSettings>;
  /** The routeTask worker's workflow cache; unset: the SDK's default for this machine's memory. */
  maxCachedWorkflows?: number;
  /** Printed before each of this worker's log lines. */
  label: string;
}

export type ToWorker = { type: 'stats' } | { type: 'stop' };

export interface WorkerStats {
  type: 'stats';
  memory: NodeJS.MemoryUsage;
  /** Warning and error log lines by level and message (first 160 characters). */
  logs: Record<string, number>;
}

export type FromWorker =
  | { type: 'ready'; maxCachedWorkflows: number; maxConcurrentWorkflowTaskExecutions?: number }
  | WorkerStats
  | { type: 'failed'; message: string };

function send(message: FromWorker): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const config = JSON.parse(process.env.BENCH_WORKER_CONFIG ?? '') as BenchWorkerConfig;
  const logs: Record<string, number> = {};
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      const key = `${entry.level} ${entry.message.slice(0, 160)}`;
      logs[key] = (logs[key] ?? 0) + 1;
      if (logs[key] === 1) {
        const meta = entry.meta === undefined ? '' : ` ${JSON.stringify(entry.meta).slice(0, 400)}`;
        console.error(`[${config.label} worker] ${entry.level} ${entry.message}${meta}`);
      }
    }),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });

  const connection = await NativeConnection.connect({ address: config.address });
  const clientConnection = await Connection.connect({ address: config.address });
  const worker = await createWorker({
    connection,
    temporal: new Client({ connection: clientConnection, namespace: config.namespace }),
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    connect: createConnectClient({
      endpoint: config.emulatorEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    }),
    dispatcherSettings: config.dispatcherSettings,
    taskWorkerOptions:
      config.maxCachedWorkflows === undefined ? undefined : { maxCachedWorkflows: config.maxCachedWorkflows },
  });
  const running = worker.run();

  process.on('message', (message: ToWorker) => {
    if (message.type === 'stats') send({ type: 'stats', memory: process.memoryUsage(), logs: { ...logs } });
    if (message.type === 'stop') worker.shutdown();
  });
  process.on('disconnect', () => {
    worker.shutdown();
  });
  send({
    type: 'ready',
    maxCachedWorkflows: worker.tasks.options.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: worker.tasks.options.maxConcurrentWorkflowTaskExecutions,
  });

  await running;
  await clientConnection.close();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    send({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    console.error(error);
    process.exit(1);
  },
);
