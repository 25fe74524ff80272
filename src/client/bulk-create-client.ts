/**
 * Starting bulkCreateTasks from Node code: the input is checked with the schema the workflow itself
 * uses, so a bad batch fails here, naming the field and the limit, before anything reaches Temporal.
 */
import type { Client, WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { parseBulkCreateTasksInput, type BulkCreateTasksInput } from '../shared/bulk-create-contract';
import { type ConnectValidationIssue, formatValidationIssues } from '../shared/connect-validation';
import { BulkBatchId } from '../shared/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import type { bulkCreateTasks } from '../../workflows/bulk-create-tasks';

export class BulkCreateTasksInputError extends Error {
  constructor(readonly issues: ConnectValidationIssue[]) {
    super(`Invalid bulkCreateTasks input: ${formatValidationIssues(issues)}`);
    this.name = 'BulkCreateTasksInputError';
  }
}

/** The batch run's id unless given: `bulk-batch/<batchId>`, so one batch has one run at a time. */
export function bulkBatchWorkflowId(batchId: string): string {
  return `bulk-batch/${batchId}`;
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
