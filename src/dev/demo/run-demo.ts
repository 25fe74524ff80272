/**
 * The demo itself, on any Temporal server it is given (its own dev server, or the tests' shared
 * one): a local stack (emulator, worker, push path), N routeTask runs and a small bulk batch that a
 * Temporal Schedule starts, live progress, and a report. Everything it starts it also stops,
 * whatever happens.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { DEFAULT_CALL_CENTRE } from '../emulator';
import { inProcessWorker, startLocalStack } from '../local-stack';
import { LOCAL_DISPATCHER_SETTINGS } from '../../shared/dispatcher-contract';
import { DEFAULT_TASK_QUEUE } from '../../shared/task-queues';
import { demoCallCentre, demoTasks, scheduleLateStarters } from './call-centre';
import type { DemoProgress } from './progress';
import type { DemoReport } from './report';
import { DemoTaskRuns } from './task-runs';
import { DEMO_LIMITS } from './demo-options';
import { DemoScheduledBatch, demoBatchInput } from './scheduled-batch';

const PROGRESS_INTERVAL_MS = 500;

export interface RunDemoOptions {
  /** A client of the Temporal server to run on, and a worker connection to the same server. */
  client: Client;
  connection: NativeConnection;
  taskQueue?: string;
  /** The emulated Connect instance; give each run on a shared server its own (one dispatcher per instance). */
  instanceId?: string;
  tasks?: number;
  /** Items of the bulk batch that the demo's schedule starts (0: no schedule); default 4. */
  scheduledBatchItems?: number;
  /** Seeds the task mix and the emulator (handle times, contact ids). */
  seed?: number;
  timeoutMs?: number;
  progress?: DemoProgress;
  /** Called with the report while everything still runs (the CLI keeps the worker up here until Ctrl-C). */
  beforeStop?: (report: DemoReport) => Promise<void>;
  /** Stops the demo early (Ctrl-C), still stopping everything it started. */
  signal?: AbortSignal;
  /** Where to say what is being started. */
  log?: (line: string) => void;
}

export class DemoTimeoutError extends Error {
  override name = 'DemoTimeoutError';
}

function abortedPromise(signal: AbortSignal | undefined): Promise<'aborted'> {
  return new Promise((resolve) => {
    if (signal?.aborted) resolve('aborted');
    signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
}

export async function runDemo(options: RunDemoOptions): Promise<DemoReport> {
  const { client, progress } = options;
  const count = options.tasks ?? DEMO_LIMITS.tasks.default;
  const batchItems = options.scheduledBatchItems ?? DEMO_LIMITS.scheduledBatchItems.default;
  const seed = options.seed ?? 1;
  const taskQueue = options.taskQueue ?? DEFAULT_TASK_QUEUE;
  const instanceId = options.instanceId ?? DEFAULT_CALL_CENTRE.instance.id;
  const timeoutMs = options.timeoutMs ?? DEMO_LIMITS.timeoutSeconds.default * 1000;
  const log = options.log ?? (() => undefined);
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const startedAt = Date.now();

  options.signal?.throwIfAborted();
  const stack = await startLocalStack({
    temporal: { client, nativeConnection: options.connection },
    instanceId,
    taskQueue,
    emulatorConfig: demoCallCentre(instanceId),
    seed,
    worker: inProcessWorker({ dispatcherSettings: LOCAL_DISPATCHER_SETTINGS }),
    push: { onError: () => undefined }, // a dropped feed only delays matching until the next poll
  });
  const batchId = `demo-${runId}`;
  // The batch's items are `bulk/<batchId>.<scheduled time>/<key>`: counted by stage with the demo's tasks.
  const runs = new DemoTaskRuns(client, taskQueue, [`demo/${runId}/`, `bulk/${batchId}.`]);
  let batch: DemoScheduledBatch | undefined;
  let cancelLateStarters: (() => void) | undefined;
  let completed = false;
  try {
    log(
      `Connect emulator on ${stack.emulator.endpoint} (instance ${instanceId}, seed ${seed}); worker on ` +
        `task queue "${taskQueue}", following the emulator's agent events.`,
    );
    if (batchItems > 0) {
      batch = await DemoScheduledBatch.create(client, {
        scheduleId: batchId,
        input: demoBatchInput({ items: batchItems, instanceId, runId, batchId }),
        taskQueue,
      });
    }
    cancelLateStarters = scheduleLateStarters(stack.emulator);
    await runs.start(demoTasks({ count, seed, instanceId, runId }));
    log(`Started ${count} routeTask runs: demo/${runId}/task-*`);
    if (batch) {
      await batch.trigger();
      log(
        `Triggered schedule ${batch.scheduleId} (created paused): its run ${batch.workflowId} routes ` +
          `${batchItems} more tasks, bulk/${batchId}.<scheduled time>/item-*`,
      );
    }

    const total = count + batchItems;
    const finishedCount = async () => runs.finishedCount + ((await batch?.endedItems()) ?? 0);
    progress?.start(total);
    const deadline = sleep(timeoutMs, 'timeout' as const, { ref: false });
    const aborted = abortedPromise(options.signal);
    for (;;) {
      const next = await Promise.race([
        Promise.all([runs.allSettled(), batch?.allSettled()]).then(() => 'finished' as const),
        // A worker that dies (e.g. a workflow bundle error) would otherwise leave the demo waiting.
        stack.worker.stopped.then(() => 'worker-stopped' as const),
        deadline,
        aborted,
        sleep(PROGRESS_INTERVAL_MS, 'tick' as const),
      ]);
      if (next === 'finished') break;
      if (next === 'worker-stopped') throw new Error('The worker stopped before every task finished.');
      const finished = await finishedCount();
      if (next === 'aborted') throw new Error(`Interrupted with ${finished} of ${total} tasks finished.`);
      if (next === 'timeout') {
        const batchLeft = batch && !batch.finished ? `; the scheduled batch ${batch.workflowId}` : '';
        throw new DemoTimeoutError(
          `The demo did not finish within ${Math.round(timeoutMs / 1000)} s: ${finished} of ${total} ` +
            `tasks finished. Still routing: ${await runs.describeUnfinished()}${batchLeft}`,
        );
      }
      progress?.update(finished, await runs.stageCounts());
    }
    progress?.update(total, { creating: 0, waiting: 0, assigning: 0 });
    progress?.stop();

    const report: DemoReport = {
      runId,
      instanceId,
      tasks: runs.reports(),
      ...(batch ? { scheduledBatch: batch.report() } : {}),
      durationMs: Date.now() - startedAt,
      ledger: stack.emulator.ledger(),
      agentEventsForwarded: stack.follower?.counts().signalled ?? 0,
      agentNames: Object.fromEntries(DEFAULT_CALL_CENTRE.agents.map((agent) => [agent.id, agent.username])),
    };
    await options.beforeStop?.(report);
    completed = true;
    return report;
  } finally {
    progress?.stop();
    cancelLateStarters?.();
    const stopping = Promise.all([
      runs.terminateUnfinished('the demo stopped first'),
      batch?.stop('the demo stopped first'),
    ]).then(() => stack.stop());
    // After a failed run, its own error says more than any failure to stop after it.
    if (completed) await stopping;
    else await stopping.catch(() => undefined);
  }
}
