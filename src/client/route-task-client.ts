/**
 * Starting routeTask from Node code: the input is checked with the schema the workflow itself uses,
 * so a bad input fails here, naming the field and the limit, before anything reaches Temporal or
 * Connect. The run starts with its search attributes, summary and details already set, so the Web
 * UI shows what it is before its first workflow task.
 */
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { formatValidationIssues, type ConnectValidationIssue } from '../shared/connect-validation';
import { parseRouteTaskInput, type RouteTaskInput } from '../shared/route-task-contract';
import { ConnectInstanceId, ConnectQueueId, RoutingStage, TaskPriority } from '../shared/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import type { routeTask } from '../../workflows/route-task';

export class RouteTaskInputError extends Error {
  constructor(readonly issues: ConnectValidationIssue[]) {
    super(`Invalid routeTask input: ${formatValidationIssues(issues)}`);
    this.name = 'RouteTaskInputError';
  }
}

export interface StartRouteTaskOptions extends Partial<
  Omit<WorkflowStartOptions<typeof routeTask>, 'args' | 'workflowId'>
> {
  /**
   * Your key for this task (e.g. `claim-1234`): starting twice with one id never creates a second
   * task, because the id also seeds the contact's ClientToken.
   */
  workflowId: string;
}

export async function startRouteTask(
  client: Client,
  input: RouteTaskInput,
  options: StartRouteTaskOptions,
): Promise<WorkflowHandle<typeof routeTask>> {
  const parsed = parseRouteTaskInput(input, new Date());
  if (!parsed.ok) throw new RouteTaskInputError(parsed.issues);
  const { request } = parsed;
  return client.workflow.start<typeof routeTask>('routeTask', {
    taskQueue: DEFAULT_TASK_QUEUE,
    staticSummary: `Route task "${request.contact.name}" to queue ${request.queueId}`,
    staticDetails: [
      `**Connect instance** ${request.instanceId}`,
      `**Queue** ${request.queueId} · **priority** ${request.priority} · **strategy** ${request.strategy}`,
      request.preferredAgentIds.length > 0
        ? `**Preferred agents** ${request.preferredAgentIds.join(', ')} (widen after ${request.widenAfterSeconds} s)`
        : undefined,
      request.excludedAgentIds.length > 0
        ? `**Excluded agents** ${request.excludedAgentIds.join(', ')}`
        : undefined,
      `**Allowed statuses** ${request.allowedStatuses.join(', ')}`,
      request.deadlineSeconds === undefined ? undefined : `**Deadline** ${request.deadlineSeconds} s`,
    ]
      .filter((line) => line !== undefined)
      .join('\n\n'),
    typedSearchAttributes: [
      { key: ConnectInstanceId, value: request.instanceId },
      { key: ConnectQueueId, value: request.queueId },
      { key: TaskPriority, value: request.priority },
      { key: RoutingStage, value: 'creating' },
    ],
    ...options,
    args: [input],
  });
}
