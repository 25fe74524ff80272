/**
 * bulkCreateTasks: one routeTask child per item of a batch, at most `maxConcurrent` running at once,
 * each with a workflow id from the batch id and the item's key, so that running the batch again (or
 * a schedule firing twice) never creates a second contact. Children run on after the batch ends
 * (ParentClosePolicy ABANDON): a contact once created is always routed. The state and its decisions
 * are BulkBatchState's.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  ParentClosePolicy,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { type BulkChildStart, BulkBatchState } from '../src/shared/bulk-batch-state';
import {
  type BulkCreateTasksInput,
  type BulkCreateTasksResult,
  bulkProgressQuery,
  parseBulkCreateTasksInput,
} from '../src/shared/bulk-create-contract';
import { formatValidationIssues } from '../src/shared/connect-validation';
import { INVALID_INPUT_FAILURE_TYPE } from '../src/shared/error-policy';
import { BulkBatchId } from '../src/shared/search-attributes';
import { routeTask } from './route-task';

export async function bulkCreateTasks(input: BulkCreateTasksInput): Promise<BulkCreateTasksResult> {
  const parsed = parseBulkCreateTasksInput(input);
  if (!parsed.ok) {
    throw ApplicationFailure.create({
      type: INVALID_INPUT_FAILURE_TYPE,
      message: `Invalid bulkCreateTasks input: ${formatValidationIssues(parsed.issues)}`,
      nonRetryable: true,
      details: [{ issues: parsed.issues }],
    });
  }
  const { batchId } = parsed.request;
  const state = new BulkBatchState(parsed.request, new Date());
  let changed = true;
  upsertSearchAttributes([{ key: BulkBatchId, value: batchId }]);
  setHandler(bulkProgressQuery, () => state.progress());

  function publish(): void {
    const { total, counts, stoppedEarly } = state.progress();
    setCurrentDetails(
      [
        `**Batch ${batchId}** · ${total} items`,
        `${counts.assigned} assigned · ${counts['already-existed']} already existed · ${counts.running} running · ` +
          `${counts.pending} pending · ${counts.failed} failed · ${counts.rejected} rejected`,
        ...(stoppedEarly ? [`Stopped early: ${stoppedEarly}`] : []),
      ].join('\n\n'),
    );
  }

  async function runChild({ index, workflowId, input: taskInput }: BulkChildStart): Promise<void> {
    try {
      const child = await startChild(routeTask, {
        workflowId,
        args: [taskInput],
        typedSearchAttributes: [{ key: BulkBatchId, value: batchId }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `Item ${index} of batch ${batchId}`,
      });
      state.finished(index, await child.result());
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) state.alreadyExisted(index);
      else if (error instanceof ChildWorkflowFailure)
        state.failed(index, error.cause?.message ?? error.message);
      else throw error;
    }
    changed = true;
  }

  const children: Promise<void>[] = [];
  while (!state.done) {
    publish();
    await condition(() => changed);
    changed = false;
    for (const start of state.takeStarts()) children.push(runChild(start));
  }
  await Promise.all(children);
  publish();
  const stopReason = state.stopReason;
  if (stopReason !== undefined) {
    throw ApplicationFailure.create({
      type: 'ToleratedFailuresExceeded',
      message: `Batch ${batchId}: ${stopReason}`,
      nonRetryable: true,
      details: [state.result()],
    });
  }
  return state.result();
}
