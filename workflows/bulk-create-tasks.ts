/**
 * bulkCreateTasks: one routeTask child per item of a batch (inline, or read page by page from a CSV
 * or JSONL source), at most `maxConcurrent` running at once, none started while Connect's instance is
 * full, each with a workflow id from the batch id and the item's key, so that running the batch again
 * (or a schedule firing twice for one time) never creates a second contact. Children run on after the
 * batch ends (ParentClosePolicy ABANDON) and tell the batch by its workflow id what became of them, so
 * the batch can continue as new between pages. The state and its decisions are BulkBatchState's.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  ParentClosePolicy,
  patched,
  proxyActivities,
  rootCause,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { BulkActivities } from '../activities';
import { type BulkChildStart, BulkBatchState } from '../src/shared/bulk-batch-state';
import {
  type BulkCreateTasksInput,
  type BulkCreateTasksResult,
  bulkItemNewsSignal,
  gatheredBulkItemNewsSignal,
  bulkProgressQuery,
  parseBulkCreateTasksInput,
  scheduledBatchId,
} from '../src/shared/bulk-create-contract';
import type { WriteBulkReportPartInput } from '../src/shared/bulk-source';
import { formatValidationIssues } from '../src/shared/connect-validation';
import { INVALID_INPUT_FAILURE_TYPE } from '../src/shared/error-policy';
import { routeTaskStartAttributes } from '../src/shared/route-task-contract';
import { BulkBatchId, TemporalScheduledStartTime } from '../src/shared/search-attributes';
import { dispatcherTaskQueue } from '../src/shared/task-queues';
import { routeTask } from './route-task';

/**
 * A batch runs on the dispatchers' task queue, not among its items: with thousands of routeTask runs
 * on the main queue the batch's cached run was evicted between its workflow tasks, and each task then
 * replayed a history of thousands of child starts (over 5 s each), which held creation far below the
 * create lane's rate.
 */
const ON_DISPATCHER_QUEUE_PATCH = 'bulk-batch-on-dispatcher-queue';

const bulk = proxyActivities<BulkActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

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
  const { typedSearchAttributes, taskQueue, continuedFromExecutionRunId } = workflowInfo();
  const firstRun = continuedFromExecutionRunId === undefined;
  const scheduledAt = typedSearchAttributes.get(TemporalScheduledStartTime);
  // A scheduled run's batch is named after its scheduled time once; later runs carry the name.
  const batchId =
    scheduledAt && firstRun ? scheduledBatchId(parsed.request.batchId, scheduledAt) : parsed.request.batchId;
  const itemTaskQueue = parsed.request.itemTaskQueue ?? taskQueue;
  const batchTaskQueue = dispatcherTaskQueue(itemTaskQueue);
  const request = { ...parsed.request, batchId };
  const state = new BulkBatchState(request, new Date());
  // The query answers from the start: a client may ask while the run moves to the dispatchers' queue.
  setHandler(bulkProgressQuery, () => state.progress());
  // Only a batch that has started nothing moves: no item's news can be in flight to it.
  if (firstRun && taskQueue !== batchTaskQueue && patched(ON_DISPATCHER_QUEUE_PATCH)) {
    return await makeContinueAsNewFunc<typeof bulkCreateTasks>({ taskQueue: batchTaskQueue })({
      ...input,
      batchId,
      itemTaskQueue,
    });
  }
  let changed = true;
  let pendingStarts = 0;
  upsertSearchAttributes([{ key: BulkBatchId, value: batchId }]);
  setHandler(bulkItemNewsSignal, (news) => {
    state.news(news);
    changed = true;
  });
  setHandler(gatheredBulkItemNewsSignal, (gathered) => {
    for (const news of gathered) state.news(news);
    changed = true;
  });

  function publish(): void {
    const { read, total, counts, created, waitingForCapacity, stoppedEarly, cancelled } = state.progress();
    setCurrentDetails(
      [
        `**Batch ${batchId}** · ${total ?? `${read} read so far`} items · ${created} contacts created`,
        `${counts.assigned} assigned · ${counts['already-existed']} already existed · ${counts.running} running · ` +
          `${counts.pending} pending · ${counts.failed} failed · ${counts.rejected} rejected · ${counts.cancelled} cancelled`,
        ...(waitingForCapacity > 0
          ? [
              `Paused: Connect's instance is at its active-task quota (${waitingForCapacity} items waiting ` +
                'for room); no new item starts until one of them is created',
            ]
          : []),
        ...(stoppedEarly ? [`Stopped early: ${stoppedEarly}`] : []),
        ...(cancelled ? [`Cancelled (${cancelled})`] : []),
      ].join('\n\n'),
    );
  }

  function childEnded(workflowId: string, reason: string): void {
    state.childEnded(workflowId, reason);
    changed = true;
  }

  async function runChild({ index, workflowId, input: taskInput }: BulkChildStart): Promise<void> {
    pendingStarts += 1;
    try {
      // Outside the batch's cancellation scope: cancelling the batch cancels only the items cancelItems picks.
      const child = await CancellationScope.nonCancellable(() =>
        startChild(routeTask, {
          workflowId,
          taskQueue: itemTaskQueue,
          args: [taskInput],
          typedSearchAttributes: [
            ...routeTaskStartAttributes(taskInput),
            { key: BulkBatchId, value: batchId },
          ],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          staticSummary: `Item ${index} of batch ${batchId}`,
        }),
      );
      // The child's own news says how it ended; its result covers a run that ended without word.
      child.result().then(
        () => childEnded(workflowId, 'the run ended without telling the batch'),
        (error: Error) => childEnded(workflowId, rootCause(error) ?? error.message),
      );
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      state.alreadyExisted(workflowId);
    } finally {
      pendingStarts -= 1;
      changed = true;
    }
  }

  async function write(part: WriteBulkReportPartInput | undefined): Promise<void> {
    if (part) await bulk.writeBulkReportPart(part);
  }

  async function readPage(): Promise<void> {
    const source = request.source!;
    try {
      state.pageRead(await bulk.readBulkSourcePage({ source, cursor: state.sourceCursor }));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      throw ApplicationFailure.create({
        type: 'BulkSourceUnreadable',
        message: `Batch ${batchId}: cannot read ${source.location}: ${error.cause?.message ?? error.message}`,
        nonRetryable: true,
        details: [state.progress()],
      });
    }
  }

  async function cancelItems(): Promise<void> {
    for (const workflowId of state.cancel(request.onCancel)) {
      try {
        await getExternalWorkflowHandle(workflowId).cancel();
      } catch (error) {
        log.warn('Could not cancel a bulk item', { workflowId, error: (error as Error).message });
      }
    }
  }

  try {
    while (!state.done) {
      if (state.wantsPage) await readPage();
      for (const start of state.takeStarts()) void runChild(start);
      await write(state.takeReportPart());
      if (state.shouldContinueAsNew(workflowInfo().continueAsNewSuggested) && pendingStarts === 0) {
        await write(state.takeRemainingReport(true));
        await condition(allHandlersFinished);
        return await continueAsNew<typeof bulkCreateTasks>({
          ...input,
          batchId,
          carried: state.snapshot() as unknown as Record<string, unknown>,
        });
      }
      publish();
      await condition(() => changed || state.wantsPage);
      changed = false;
    }
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(async () => {
      await cancelItems();
      await write(state.takeRemainingReport(false));
      publish();
    });
    throw error;
  }
  await write(state.takeRemainingReport(false));
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
