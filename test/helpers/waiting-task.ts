import type { WaitingTask } from '../../src/shared/dispatcher-contract';

/** A task as the dispatcher holds it: default priority, no preferred or excluded agents, wide at once. */
export function waitingTask(
  taskId: string,
  enqueuedAt: number,
  overrides: Partial<WaitingTask> = {},
): WaitingTask {
  return {
    taskId,
    queueId: 'q1',
    priority: 5,
    enqueuedAt,
    preferredAgentIds: [],
    widenAt: enqueuedAt,
    excludedAgentIds: [],
    allowedStatuses: ['Available'],
    ...overrides,
  };
}
