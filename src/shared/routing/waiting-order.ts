import type { WaitingTask } from '../dispatcher-contract';

/** Priority first (lower number first), then age, then id so that the order is total and replay-stable. */
export function compareWaitingTasks(a: WaitingTask, b: WaitingTask): number {
  return (
    a.priority - b.priority ||
    a.enqueuedAt - b.enqueuedAt ||
    (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0)
  );
}
