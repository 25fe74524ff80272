/** The task queue that the worker polls and that callers start workflows on, unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'connect-task-router';

/**
 * Dispatchers get a task queue of their own: with thousands of routeTask runs on the main queue, a
 * dispatcher's workflow task that lost its sticky worker (a failed continue-as-new race, an eviction)
 * would otherwise wait behind all of theirs, and polling and matching would stall for minutes.
 */
export function dispatcherTaskQueue(taskQueue: string): string {
  return `${taskQueue}-dispatchers`;
}
