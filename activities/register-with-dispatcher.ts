import { setTimeout as sleep } from 'node:timers/promises';
import { asyncLocalStorage, Context } from '@temporalio/activity';
import {
  type Client,
  isGrpcServiceError,
  WithStartWorkflowOperation,
  WorkflowNotFoundError,
} from '@temporalio/client';
import type { WaitingTask, DispatcherSettings, WaitNotice } from '../src/shared/dispatcher-contract';
import { ConnectInstanceId } from '../src/shared/search-attributes';
import type { ConnectClient } from '@aws-sdk/client-connect';
import type { ErrorPolicyOverrides } from '../src/shared/error-policy';
import { dispatcherWorkflowId, joinLineUpdate } from '../src/shared/dispatcher-contract';
import {
  type BulkItemNews,
  type BulkItemNewsDelivery,
  gatheredBulkItemNewsSignal,
} from '../src/shared/bulk-create-contract';
import { GatheredSends } from './gathered-sends';
import { DEFAULT_LINE_JOINS, gatheringLimits, LineJoins, type LineJoinsOptions } from './line-joins';

export interface DispatcherActivityDeps {
  temporal: Client;
  /**
   * For the Connect calls of transferIntoLine and createIntoLine. Default: `createConnectClient()`,
   * built on first use, so a worker that never transfers needs no AWS configuration.
   */
  connect?: ConnectClient;
  /** The deployment's main task queue (see DispatcherInput); default: the task queue of the worker running this activity. */
  taskQueue?: string;
  /** Where dispatchers run; default: the task queue of the worker running this activity. */
  dispatcherTaskQueue?: string;
  /** Settings a dispatcher starts with (polling budget, reservation TTL, continue-as-new threshold...). */
  dispatcherSettings?: Partial<DispatcherSettings>;
  /** Error-policy overrides for the dispatcher's own Connect calls (a task's overrides are its own). */
  dispatcherErrorPolicy?: ErrorPolicyOverrides;
  /** How this worker gathers the tasks that join a line into signals (see LineJoins). */
  lineJoins?: Partial<LineJoinsOptions>;
  /**
   * True where the deployment's TransferContact rate is at least its CreateContact rate: createIntoLine
   * then transfers too (on the create lane). Default false: it creates only.
   */
  transfersAtCreateRate?: boolean;
}

export interface RegisterWithDispatcherInput {
  instanceId: string;
  task: WaitingTask;
  /**
   * The deployment's main task queue, where the deps do not name it: transferIntoLine runs on a Connect
   * call lane's queue, not on the main one. Default: the queue of the worker running the activity.
   */
  taskQueue?: string;
  /** News for the bulk batch that started the task, told once the task is in line (gathered with others'). */
  batchNews?: BulkItemNewsDelivery;
}

export interface RegisterWithDispatcherResult {
  dispatcherId: string;
  /** Why the task waits, as the dispatcher's first round with it in line decided (absent: reserved, or not said). */
  notice?: WaitNotice;
}

const DISPATCHER_WORKFLOW_TASK_TIMEOUT = '30 seconds';

/** Attempts at an update the dispatcher's run refuses for a passing reason: about 10 s in all. */
const SEND_ATTEMPTS = 30;
/** gRPC status codes. */
const GRPC_FAILED_PRECONDITION = 9;
const GRPC_RESOURCE_EXHAUSTED = 8;

/**
 * Puts a task in its instance's line, starting the dispatcher if none runs (update-with-start, so
 * there is never more than one per instance). The tasks that join while an update is on its way, or
 * within `lineJoins.intervalMs` of the last one, go together in the next. Registering again is
 * harmless: the task keeps its place. News for a bulk batch is gathered the same way, and telling it
 * twice is harmless too.
 */
export function makeRegisterWithDispatcher(deps: DispatcherActivityDeps) {
  const lineJoinsOptions = { ...DEFAULT_LINE_JOINS, ...deps.lineJoins };
  const lineJoins = new LineJoins(
    ({ instanceId, taskQueue }, tasks, withdrawn) =>
      untilAccepted(deps.temporal, withdrawn, () =>
        deps.temporal.workflow.executeUpdateWithStart(joinLineUpdate, {
          args: [{ tasks }],
          // One operation per attempt: the SDK refuses to send one twice.
          startWorkflowOperation: new WithStartWorkflowOperation('connectDispatcher', {
            workflowId: dispatcherWorkflowId(instanceId),
            workflowIdConflictPolicy: 'USE_EXISTING',
            taskQueue: deps.dispatcherTaskQueue ?? taskQueue,
            args: [
              {
                instanceId,
                taskQueue,
                settings: deps.dispatcherSettings,
                errorPolicy: deps.dispatcherErrorPolicy,
              },
            ],
            // A continue-as-new the server fails (a signal came while it was in flight) is retried in
            // a task that replays the whole run, thousands of events. Such a task must not time out at
            // the default 10 s, or it starts over. Later runs keep this timeout.
            workflowTaskTimeout: DISPATCHER_WORKFLOW_TASK_TIMEOUT,
            typedSearchAttributes: [{ key: ConnectInstanceId, value: instanceId }],
            staticSummary: `Dispatcher for Connect instance ${instanceId}`,
            staticDetails:
              'Polls GetCurrentUserData for the queues with waiting tasks or open offers, within a fixed budget, ' +
              'hands each free TASK slot to one waiting task at the offer rate, and tells each task how its agent ' +
              'answered the offer. Query `status` for the line, `explainTask` for one task.',
          }),
        }),
      ),
    lineJoinsOptions,
  );
  const batchNews = new GatheredSends<string, BulkItemNews>(
    async (batchWorkflowId, news, withdrawn) => {
      try {
        await deps.temporal.withAbortSignal(withdrawn, () =>
          deps.temporal.workflow.getHandle(batchWorkflowId).signal(gatheredBulkItemNewsSignal, news),
        );
      } catch (error) {
        // The batch has ended (cancelled, or done and this is a late run): nobody is waiting for word.
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    },
    (batchWorkflowId) => batchWorkflowId,
    gatheringLimits(lineJoinsOptions),
  );
  return async function registerWithDispatcher(
    input: RegisterWithDispatcherInput,
  ): Promise<RegisterWithDispatcherResult> {
    const taskQueue = deps.taskQueue ?? input.taskQueue ?? Context.current().info.taskQueue;
    // A cancelled attempt stops waiting: the update's answer comes from a dispatcher run on a worker,
    // perhaps this one as it shuts down, which waits for its activities and would never end.
    const cancelled = asyncLocalStorage.getStore()?.cancellationSignal;
    const notice = await lineJoins.join({ instanceId: input.instanceId, taskQueue }, input.task, cancelled);
    if (input.batchNews)
      await batchNews.add(input.batchNews.batchWorkflowId, input.batchNews.news, cancelled);
    return { dispatcherId: dispatcherWorkflowId(input.instanceId), ...(notice ? { notice } : {}) };
  };
}

/**
 * Refusals that pass: an update that reaches a run as it continues as new is refused as "workflow is
 * closing" (RESOURCE_EXHAUSTED), one that reaches a run as it ends as "aborted by closing workflow"
 * (NOT_FOUND); one over the server's limits per run waits for room (at most 10 updates in flight,
 * RESOURCE_EXHAUSTED) or for the next run (2,000 updates a run, FAILED_PRECONDITION; the server
 * suggests a continue-as-new at 90 %, which the dispatcher follows). One still waiting for its answer
 * (the next round) when a workflow task fails, as a continue-as-new that met a new signal does, is
 * dropped with "unexpected workflow task failure" (FAILED_PRECONDITION). Sent again shortly, it lands.
 * A send no caller waits for any more (`withdrawn`) stops, at once.
 */
async function untilAccepted<T>(
  temporal: Client,
  withdrawn: AbortSignal,
  send: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await temporal.withAbortSignal(withdrawn, send);
    } catch (error) {
      if (withdrawn.aborted || attempt >= SEND_ATTEMPTS || !isPassingRefusal(error)) throw error;
      await sleep(Math.min(50 * attempt, 500));
    }
  }
}

function isPassingRefusal(error: unknown): boolean {
  if (error instanceof WorkflowNotFoundError) return true;
  const cause = isGrpcServiceError(error) ? error : error instanceof Error ? error.cause : undefined;
  if (!isGrpcServiceError(cause)) return false;
  const message = error instanceof Error ? error.message : '';
  return (
    cause.code === GRPC_RESOURCE_EXHAUSTED ||
    (cause.code === GRPC_FAILED_PRECONDITION &&
      (/total number of distinct updates/.test(cause.details) ||
        /unexpected workflow task failure/.test(`${message} ${cause.details}`)))
  );
}
