/**
 * routeTask from Node code, by workflow id, without knowing its query, signal or update names: start
 * a task, read its status, wait for its result, cancel it, change its priority or preferred agents.
 *
 * The input and every argument are checked with the contract's own schemas, so a bad one fails here,
 * naming the field and the limit, before anything reaches Temporal or Connect. The run starts with
 * its search attributes, summary and details already set, so the Web UI shows what it is before its
 * first workflow task. A workflow id with no run throws WorkflowNotFoundError naming the id; the id
 * of another workflow (a dispatcher, a batch) throws WrongWorkflowTypeError; a cancel or an update
 * for a task that has ended throws RunAlreadyEndedError, with how it ended.
 */
import {
  type Client,
  QueryNotRegisteredError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  WorkflowNotFoundError,
  type WorkflowStartOptions,
} from '@temporalio/client';
import {
  formatValidationIssues,
  parseWithSchema,
  type ConnectValidationIssue,
} from '../shared/connect-validation';
import {
  type CancelRouteTaskArgument,
  cancelRouteTaskSchema,
  cancelRouteTaskSignal,
  parseRouteTaskInput,
  type ReprioritizeArgument,
  reprioritizeIssues,
  reprioritizeUpdate,
  type RouteTaskInput,
  type RouteTaskResult,
  type RouteTaskStatus,
  routeTaskStartAttributes,
  routeTaskStatusQuery,
  routeTaskStatusSchema,
  type SetPreferredAgentsArgument,
  setPreferredAgentsIssues,
  type SetPreferredAgentsResult,
  setPreferredAgentsUpdate,
} from '../shared/route-task-contract';
import { DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import type { routeTask } from '../../workflows/route-task';
import {
  describeRun,
  hasEnded,
  namingTheMissingRun,
  RunAlreadyEndedError,
  type RunKind,
} from './workflow-runs';

const ROUTE_TASK: RunKind = { workflowType: 'routeTask', noun: 'task' };

export class RouteTaskInputError extends Error {
  constructor(readonly issues: ConnectValidationIssue[]) {
    super(`Invalid routeTask input: ${formatValidationIssues(issues)}`);
    this.name = 'RouteTaskInputError';
  }
}

/** An argument of the cancel signal or of an update that the workflow would refuse, named by its field. */
export class RouteTaskArgumentError extends Error {
  constructor(
    readonly operation: 'cancel' | 'reprioritize' | 'setPreferredAgents',
    readonly issues: ConnectValidationIssue[],
  ) {
    super(`Invalid ${operation} argument: ${formatValidationIssues(issues)}`);
    this.name = 'RouteTaskArgumentError';
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
    typedSearchAttributes: routeTaskStartAttributes(request),
    ...options,
    args: [input],
  });
}

function taskHandle(client: Client, workflowId: string): WorkflowHandle<typeof routeTask> {
  return client.workflow.getHandle<typeof routeTask>(workflowId);
}

/**
 * The task's latest run as Temporal describes it (status, start and close times...), once it is
 * known to be a routeTask run.
 */
export function describeRouteTask(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  return describeRun(client, ROUTE_TASK, workflowId);
}

/**
 * Where the task is and why it waits: the run's `status` query. A worker answers it, for an ended
 * run too; one call, so it suits polling.
 */
export async function getRouteTaskStatus(client: Client, workflowId: string): Promise<RouteTaskStatus> {
  let status: RouteTaskStatus;
  try {
    status = await taskHandle(client, workflowId).query(routeTaskStatusQuery);
  } catch (error) {
    // A run without a `status` query (a batch) is another workflow: describeRouteTask says which.
    if (error instanceof QueryNotRegisteredError) await describeRouteTask(client, workflowId);
    throw namingTheMissingRun(error, client, ROUTE_TASK, workflowId);
  }
  // A dispatcher answers a `status` query too, in another shape: only then is the run described.
  if (!routeTaskStatusSchema.safeParse(status).success) await describeRouteTask(client, workflowId);
  return status;
}

/**
 * How the task ended: the run's result, once it has ended (at once if it has). A run that failed
 * (an invalid input started without startRouteTask, a terminated run) throws the SDK's
 * WorkflowFailedError.
 */
export async function waitForRouteTask(client: Client, workflowId: string): Promise<RouteTaskResult> {
  await describeRouteTask(client, workflowId);
  return taskHandle(client, workflowId).result();
}

async function taskEnded(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<RunAlreadyEndedError> {
  const { workflowId, status } = description;
  const outcome =
    status.name === 'COMPLETED' ? (await taskHandle(client, workflowId).result()).outcome : undefined;
  return new RunAlreadyEndedError(workflowId, ROUTE_TASK, status.name, outcome);
}

/**
 * Signals or updates the task once it is known to be a running routeTask. Temporal refuses a run
 * that ended in between as "not found": that is said as RunAlreadyEndedError too.
 */
async function actOnRunningTask<T>(
  client: Client,
  workflowId: string,
  act: (handle: WorkflowHandle<typeof routeTask>) => Promise<T>,
): Promise<T> {
  const description = await describeRouteTask(client, workflowId);
  if (hasEnded(description)) throw await taskEnded(client, description);
  try {
    return await act(taskHandle(client, workflowId));
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
    const now = await describeRouteTask(client, workflowId);
    throw hasEnded(now) ? await taskEnded(client, now) : error;
  }
}

/**
 * Stops routing the task (the run's `cancel` signal): it leaves the line, its contact, if created,
 * is stopped in Connect, and the run ends `cancelled` with `argument.reason` as the result's reason
 * (waitForRouteTask gives it). Returns once the run has the signal.
 */
export async function cancelRouteTask(
  client: Client,
  workflowId: string,
  argument: CancelRouteTaskArgument = {},
): Promise<void> {
  const parsed = parseWithSchema(argument, cancelRouteTaskSchema);
  if (!parsed.data) throw new RouteTaskArgumentError('cancel', parsed.issues);
  const cancel = parsed.data;
  await actOnRunningTask(client, workflowId, (handle) => handle.signal(cancelRouteTaskSignal, cancel));
}

/**
 * Gives the task a new priority (the run's `reprioritize` update), in its status, its TaskPriority
 * search attribute and the dispatcher's line; returns the new priority once the run has applied it.
 */
export async function reprioritizeRouteTask(
  client: Client,
  workflowId: string,
  argument: ReprioritizeArgument,
): Promise<number> {
  const issues = reprioritizeIssues(argument);
  if (issues.length > 0) throw new RouteTaskArgumentError('reprioritize', issues);
  return actOnRunningTask(client, workflowId, (handle) =>
    handle.executeUpdate(reprioritizeUpdate, { args: [argument] }),
  );
}

/**
 * Offers the task only to these agents from now until `widenAfterSeconds` (default: the task's own)
 * have passed, then to the whole queue; an empty list offers it to the whole queue at once (the
 * run's `setPreferredAgents` update). The argument is checked here; the run also refuses an agent
 * the task excludes, which throws the SDK's WorkflowUpdateFailedError with the reason as its cause.
 */
export async function setPreferredAgents(
  client: Client,
  workflowId: string,
  argument: SetPreferredAgentsArgument,
): Promise<SetPreferredAgentsResult> {
  // The task's excluded agents are known only to the run, which checks them again.
  const issues = setPreferredAgentsIssues(argument, []);
  if (issues.length > 0) throw new RouteTaskArgumentError('setPreferredAgents', issues);
  return actOnRunningTask(client, workflowId, (handle) =>
    handle.executeUpdate(setPreferredAgentsUpdate, { args: [argument] }),
  );
}
