/**
 * A Connect instance's dispatcher from Node code, by instance id, without knowing its workflow id or
 * query names: its live queue statistics and status, asked of its open run only.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, QueryDefinition } from '@temporalio/client';
import {
  CLOSING_RUN_MEMO_KEY,
  type DispatcherStatus,
  dispatcherStatusQuery,
  dispatcherWorkflowId,
  type QueueStatistics,
  queueStatisticsQuery,
} from '../shared/dispatcher-contract';
import { hasEnded, namingTheMissingRun, RunAlreadyEndedError, type RunKind } from './workflow-runs';

const DISPATCHER: RunKind = { workflowType: 'connectDispatcher', noun: 'dispatcher' };

/** How long a query waits for the run after a closing one before it asks the closing run after all. */
const NEXT_RUN_WAIT_MS = 30_000;
const DESCRIBE_INTERVAL_MS = 100;

/**
 * The instance's queue statistics (its dispatcher's `queueStatistics` query): per queue and priority,
 * tasks waiting and the oldest wait, and the waits and service level of the tasks assigned within
 * the dispatcher's window; per polled queue, agents available, offered and busy. A worker answers
 * from the dispatcher's memory, with no Connect call. Throws WorkflowNotFoundError naming the
 * dispatcher's workflow id for an instance with no dispatcher (no task has reached one yet), and
 * RunAlreadyEndedError for one whose dispatcher has ended (idle: nothing waited).
 */
export function getQueueStatistics(client: Client, instanceId: string): Promise<QueueStatistics> {
  return queryOpenRun(client, instanceId, queueStatisticsQuery);
}

/** The dispatcher's `status` query (its line, reservations and polling counts), asked as above. */
export function getDispatcherStatus(client: Client, instanceId: string): Promise<DispatcherStatus> {
  return queryOpenRun(client, instanceId, dispatcherStatusQuery);
}

/**
 * Asks the dispatcher's open run, never one that is closing: a query that reaches a run as it
 * continues as new or ends is answered by a worker replaying that run's whole history (seconds for
 * a run of thousands of events). A run about to close names itself in its memo and waits a moment
 * (`closingNoticeMs`) before it does; meanwhile this waits for the next run. An ended dispatcher is
 * not asked at all, for the same reason.
 */
async function queryOpenRun<R>(
  client: Client,
  instanceId: string,
  query: QueryDefinition<R, []>,
): Promise<R> {
  const workflowId = dispatcherWorkflowId(instanceId);
  const giveUpAt = Date.now() + NEXT_RUN_WAIT_MS;
  try {
    for (;;) {
      const description = await client.workflow.getHandle(workflowId).describe();
      if (hasEnded(description))
        throw new RunAlreadyEndedError(workflowId, DISPATCHER, description.status.name);
      const closing = description.memo?.[CLOSING_RUN_MEMO_KEY] === description.runId;
      if (!closing || Date.now() >= giveUpAt) {
        return await client.workflow.getHandle(workflowId, description.runId).query(query);
      }
      await sleep(DESCRIBE_INTERVAL_MS);
    }
  } catch (error) {
    throw namingTheMissingRun(error, client, DISPATCHER, workflowId);
  }
}
