/**
 * What the typed client functions share about the run they act on by workflow id: that it is there,
 * that it runs the workflow they expect, and whether it has ended, each told in an error that names
 * the id. Temporal alone would answer a signal to an ended run with "workflow not found", and a
 * `status` query meant for a task would be answered by a dispatcher, which has one too.
 */
import {
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionStatusName,
  WorkflowNotFoundError,
} from '@temporalio/client';

/** A package workflow, as the errors name it: its type and what one run of it is called. */
export interface RunKind {
  workflowType: string;
  /** What one run is called: `task` for routeTask, `batch run` for bulkCreateTasks. */
  noun: string;
}

/** The workflow id names a run of another workflow (e.g. a dispatcher's id given for a task). */
export class WrongWorkflowTypeError extends Error {
  constructor(
    readonly workflowId: string,
    readonly workflowType: string,
    readonly expectedType: string,
    noun: string,
  ) {
    super(`${workflowId} is a ${workflowType} run, not a ${expectedType} ${noun}`);
    this.name = 'WrongWorkflowTypeError';
  }
}

/** A signal, update or cancellation for a run that has already ended. */
export class RunAlreadyEndedError extends Error {
  readonly workflowType: string;
  constructor(
    readonly workflowId: string,
    kind: RunKind,
    readonly status: WorkflowExecutionStatusName,
    /** How it ended, when it completed with an outcome (a routeTask's). */
    readonly outcome?: string,
  ) {
    super(
      `${kind.noun} ${workflowId} has already ended (${status}${outcome === undefined ? '' : `, ${outcome}`})`,
    );
    this.name = 'RunAlreadyEndedError';
    this.workflowType = kind.workflowType;
  }
}

const ENDED_STATUSES: readonly WorkflowExecutionStatusName[] = [
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TERMINATED',
  'CONTINUED_AS_NEW',
  'TIMED_OUT',
];

export function hasEnded(description: WorkflowExecutionDescription): boolean {
  return ENDED_STATUSES.includes(description.status.name);
}

/**
 * The SDK's WorkflowNotFoundError carries the server's words ("sql: no rows in result set"); this
 * one names the run that is not there. Any other error is returned as it is.
 */
export function namingTheMissingRun(
  error: unknown,
  client: Client,
  kind: RunKind,
  workflowId: string,
): unknown {
  if (!(error instanceof WorkflowNotFoundError)) return error;
  return new WorkflowNotFoundError(
    `no ${kind.workflowType} run with workflow id ${workflowId} in namespace "${client.options.namespace}"`,
    workflowId,
    error.runId,
  );
}

/** The latest run of `workflowId`, when it runs the expected workflow. */
export async function describeRun(
  client: Client,
  kind: RunKind,
  workflowId: string,
): Promise<WorkflowExecutionDescription> {
  let description: WorkflowExecutionDescription;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    throw namingTheMissingRun(error, client, kind, workflowId);
  }
  if (description.type !== kind.workflowType) {
    throw new WrongWorkflowTypeError(workflowId, description.type, kind.workflowType, kind.noun);
  }
  return description;
}
