/** The task queue that the worker polls and that callers start workflows on, unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'connect-task-router';
