/**
 * The benchmark worker process's memory over a run: its stats sampled until stopped, keeping the
 * peaks, since a single reading at the end misses what the worker needed while work came in.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkerProcess } from '../src/dev/worker-process';

/** How often the worker process is asked for its memory. */
export const RSS_EVERY_MS = 2_000;

export interface WorkerMemorySampler {
  peak(): { rss: number; heap: number };
  /** The worker's counts of warning and error log lines at its latest sample. */
  logs(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Samples the worker process's memory every RSS_EVERY_MS until stopped (bounded by `maxSamples`), and
 * keeps its latest counts of warning and error log lines. Asks nothing of a worker process that has ended.
 */
export function sampleWorkerMemory(worker: WorkerProcess, maxSamples: number): WorkerMemorySampler {
  let peakRss = worker.atStart.memory.rss;
  let peakHeap = worker.atStart.memory.heapUsed;
  let logs: Record<string, number> = {};
  let stopped = false;
  const done = (async () => {
    for (let i = 0; i < maxSamples && !stopped && worker.exitReason() === undefined; i++) {
      const stats = await worker.stats().catch(() => undefined);
      if (stats) {
        peakRss = Math.max(peakRss, stats.memory.rss);
        peakHeap = Math.max(peakHeap, stats.memory.heapUsed);
        logs = stats.logs;
      }
      await sleep(RSS_EVERY_MS);
    }
  })();
  return {
    peak: () => ({ rss: peakRss, heap: peakHeap }),
    logs: () => logs,
    async stop() {
      stopped = true;
      await done;
    },
  };
}
