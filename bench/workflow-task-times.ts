/**
 * The SDK core's workflow task times as table rows: tasks by workflow type (the worker's clock, from
 * the poll to the completion's answer), then the server's answers to their completions alone.
 */
import type { WorkerStats } from '../src/dev/worker-process';
import { fmt } from './stats';

/** Bounds of the core's latency histograms (seconds) that the rows count tasks over. */
const TASK_TIME_BOUNDS = ['0.1', '0.5', '1'];

export const WORKFLOW_TASK_TIME_HEADINGS = [
  'timed',
  'count',
  ...TASK_TIME_BOUNDS.map((bound) => `over ${bound} s`),
];

/** One row per timed kind; none when the worker was not asked for its core metrics. */
export function workflowTaskTimeRows(worker: WorkerStats | undefined): string[][] {
  const timed = [
    ...Object.entries(worker?.workflowTaskTimes ?? {}).map(
      ([type, times]) => [`${type} tasks`, times] as const,
    ),
    ...(worker?.completionAnswerTimes ? [['their answers', worker.completionAnswerTimes] as const] : []),
  ];
  return timed.map(([what, times]) => [
    what,
    fmt(times.count),
    ...TASK_TIME_BOUNDS.map((bound) => fmt(times.over[bound] ?? Number.NaN)),
  ]);
}
