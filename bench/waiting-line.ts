/**
 * A line of waiting tasks for a scenario to measure against: routeTask runs started into one
 * deployment until its dispatcher reports them all waiting, and terminated at the end (a waiting task
 * never ends by itself). Both bounded in time.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { waitUntil } from '../test/helpers/eventually';
import type { DispatcherStatus } from '../src/shared/dispatcher-contract';
import type { RouteTaskInput } from '../src/shared/route-task-contract';
import type { routeTask } from '../workflows/route-task';
import { type Deployment, runBounded, withTimeout } from './routing-stack';
import { fmt, seconds } from './stats';

export interface FillOptions {
  /** routeTask runs to start. */
  count: number;
  startConcurrency: number;
  /** Give up after this long from the first start. */
  fillTimeoutSeconds: number;
  /** The `index`th task's input (its index is also its workflow id's suffix). */
  task(index: number): Omit<RouteTaskInput, 'instanceId'>;
}

export interface Fill {
  startedMs: number;
  /** First start → the dispatcher reports `count` waiting (or the give-up time). */
  fillMs: number;
  reached: number;
  failure?: string;
}

/** Starts `count` routeTask runs (their handles go into `handles` by index) and waits until all are in line. */
export async function fillLine(
  deployment: Deployment,
  options: FillOptions,
  handles: (WorkflowHandle<typeof routeTask> | undefined)[],
  say: (line: string) => void,
): Promise<Fill> {
  const began = Date.now();
  let lastLog = began;
  let last: DispatcherStatus | undefined;
  const workerAlive = () => {
    const exit = deployment.worker.exitReason();
    if (exit !== undefined) throw new Error(`the worker process ended (${exit})`);
  };
  let startedMs = NaN;
  try {
    await runBounded(options.count, options.startConcurrency, async (index) => {
      workerAlive();
      handles[index] = await deployment.startTask(index, options.task(index));
    });
    startedMs = Date.now() - began;
    say(`started ${fmt(options.count)} routeTask runs in ${seconds(startedMs)}`);
    await waitUntil(
      `${options.count} tasks waiting`,
      async () => {
        workerAlive();
        last = (await deployment.status().catch(() => undefined)) ?? last;
        if (Date.now() - lastLog >= 10_000) {
          lastLog = Date.now();
          say(`${seconds(Date.now() - began)}: ${fmt(last?.waitingCount ?? 0)} in line`);
        }
        return last?.waitingCount === options.count ? last : undefined;
      },
      {
        timeoutMs: Math.max(1_000, options.fillTimeoutSeconds * 1000 - (Date.now() - began)),
        intervalMs: 500,
      },
    );
    return { startedMs, fillMs: Date.now() - began, reached: options.count };
  } catch (error) {
    return {
      startedMs,
      fillMs: Date.now() - began,
      reached: last?.waitingCount ?? 0,
      failure: (error as Error).message,
    };
  }
}

/** Terminates the runs still open (waiting tasks never end by themselves), bounded in time. */
export async function terminateOpen(
  handles: readonly (WorkflowHandle<typeof routeTask> | undefined)[],
): Promise<void> {
  const started = handles.filter(
    (handle): handle is WorkflowHandle<typeof routeTask> => handle !== undefined,
  );
  await withTimeout(
    'terminating the routeTask runs',
    runBounded(started.length, 20, (index) => started[index]!.terminate('bench done').catch(() => undefined)),
    120_000,
  ).catch(() => undefined);
}
