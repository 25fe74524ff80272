/**
 * bulkCreateTasks from Node code, by batch id, without knowing its query name: start a batch, read
 * its progress, wait for its result, cancel it.
 *
 * The input and the batch id are checked with the schema the workflow itself uses, so a bad one
 * fails here, naming the field and the limit, before anything reaches Temporal. A batch with no run
 * throws WorkflowNotFoundError naming its workflow id; the id of another workflow throws
 * WrongWorkflowTypeError; cancelling a batch that has ended throws RunAlreadyEndedError.
 */
import {
  type Client,
  QueryNotRegisteredError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import {
  type BulkCreateTasksInput,
  bulkCreateTasksInputSchema,
  type BulkCreateTasksProgress,
  type BulkCreateTasksResult,
  bulkProgressQuery,
  parseBulkCreateTasksInput,
} from '../shared/bulk-create-contract';
import {
  type ConnectValidationIssue,
  formatValidationIssues,
  validateWithSchema,
} from '../shared/connect-validation';
import { BulkBatchId } from '../shared/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import type { bulkCreateTasks } from '../../workflows/bulk-create-tasks';
import {
  describeRun,
  hasEnded,
  namingTheMissingRun,
  RunAlreadyEndedError,
  type RunKind,
} from './workflow-runs';

const BULK_CREATE_TASKS: RunKind = { workflowType: 'bulkCreateTasks', noun: 'batch run' };

export class BulkCreateTasksInputError extends Error {
  constructor(readonly issues: ConnectValidationIssue[]) {
    super(`Invalid bulkCreateTasks input: ${formatValidationIssues(issues)}`);
    this.name = 'BulkCreateTasksInputError';
  }
}

/** A batch id that the batch's input would refuse, named as the input's `batchId` field. */
export class BulkBatchIdError extends Error {
  constructor(readonly issues: ConnectValidationIssue[]) {
    super(`Invalid batch id: ${formatValidationIssues(issues)}`);
    this.name = 'BulkBatchIdError';
  }
}

const BATCH_RUN_PREFIX = 'bulk-batch/';

/** The batch run's id unless given: `bulk-batch/<batchId>`, so one batch has one run at a time. */
export function bulkBatchWorkflowId(batchId: string): string {
  return `${BATCH_RUN_PREFIX}${batchId}`;
}

const batchIdSchema = bulkCreateTasksInputSchema.pick({ batchId: true });

/**
 * The workflow id of the batch run `batch` names: `bulk-batch/<batchId>` for a batch id (checked as
 * the input's `batchId`), or `batch` itself when it is a batch run's workflow id (`bulk-batch/...`),
 * which is how a run started by a schedule is found (`bulk-batch/<batchId>-<scheduled time>`, see
 * describeBulkSchedule). A batch id cannot contain `/`, so the two never mix.
 */
export function resolveBulkBatchWorkflowId(batch: string): string {
  if (batch.startsWith(BATCH_RUN_PREFIX)) return batch;
  const issues = validateWithSchema({ batchId: batch }, batchIdSchema);
  if (issues.length > 0) throw new BulkBatchIdError(issues);
  return bulkBatchWorkflowId(batch);
}

export async function startBulkCreateTasks(
  client: Client,
  input: BulkCreateTasksInput,
  options: Partial<Omit<WorkflowStartOptions<typeof bulkCreateTasks>, 'args'>> = {},
): Promise<WorkflowHandle<typeof bulkCreateTasks>> {
  const parsed = parseBulkCreateTasksInput(input);
  if (!parsed.ok) throw new BulkCreateTasksInputError(parsed.issues);
  const { batchId, items, source } = parsed.request;
  return client.workflow.start<typeof bulkCreateTasks>('bulkCreateTasks', {
    taskQueue: DEFAULT_TASK_QUEUE,
    workflowId: bulkBatchWorkflowId(batchId),
    staticSummary: `Bulk batch ${batchId}: ${items ? `${items.length} tasks` : `tasks from ${source?.location}`}`,
    typedSearchAttributes: [{ key: BulkBatchId, value: batchId }],
    ...options,
    args: [input],
  });
}

function batchHandle(client: Client, workflowId: string): WorkflowHandle<typeof bulkCreateTasks> {
  return client.workflow.getHandle<typeof bulkCreateTasks>(workflowId);
}

/**
 * The batch's latest run as Temporal describes it (status, start and close times...), once it is
 * known to be a bulkCreateTasks run. `batch`: a batch id or a batch run's workflow id.
 */
export function describeBulkCreateTasks(
  client: Client,
  batch: string,
): Promise<WorkflowExecutionDescription> {
  return describeRun(client, BULK_CREATE_TASKS, resolveBulkBatchWorkflowId(batch));
}

/**
 * How far the batch is: items read, per status, contacts created (the run's `progress` query). A
 * worker answers it, for an ended batch too; one call, so it suits polling. It can fail for a moment
 * while the batch continues as new. `batch`: a batch id or a batch run's workflow id.
 */
export async function getBulkProgress(client: Client, batch: string): Promise<BulkCreateTasksProgress> {
  const workflowId = resolveBulkBatchWorkflowId(batch);
  try {
    return await batchHandle(client, workflowId).query(bulkProgressQuery);
  } catch (error) {
    // A run without a `progress` query is another workflow: describeRun says which.
    if (error instanceof QueryNotRegisteredError) await describeRun(client, BULK_CREATE_TASKS, workflowId);
    throw namingTheMissingRun(error, client, BULK_CREATE_TASKS, workflowId);
  }
}

/**
 * The batch's result, once its last run has ended (at once if it has): the final counts and each
 * item's report, or where the report was written. A batch that was cancelled, or stopped early past
 * its tolerated failures, throws the SDK's WorkflowFailedError; getBulkProgress still gives its counts.
 * `batch`: a batch id or a batch run's workflow id.
 */
export async function waitForBulkCreateTasks(client: Client, batch: string): Promise<BulkCreateTasksResult> {
  const { workflowId } = await describeBulkCreateTasks(client, batch);
  return batchHandle(client, workflowId).result();
}

/**
 * Cancels the batch: no new item starts, and its input's `onCancel` decides what becomes of the
 * started items (`spare-created`, the default: items whose contact exists route on). Returns once
 * Temporal has the request. `batch`: a batch id or a batch run's workflow id.
 */
export async function cancelBulkCreateTasks(client: Client, batch: string): Promise<void> {
  // Temporal accepts a cancellation for a run that has ended, and nothing happens: that is said here.
  const description = await describeBulkCreateTasks(client, batch);
  if (hasEnded(description)) {
    throw new RunAlreadyEndedError(description.workflowId, BULK_CREATE_TASKS, description.status.name);
  }
  await batchHandle(client, description.workflowId).cancel();
}
