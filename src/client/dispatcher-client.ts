/**
 * A Connect instance's dispatcher from Node code, by instance id, without knowing its workflow id or
 * query names: its live queue statistics.
 */
import type { Client } from '@temporalio/client';
import {
  dispatcherWorkflowId,
  type QueueStatistics,
  queueStatisticsQuery,
} from '../shared/dispatcher-contract';
import type { connectDispatcher } from '../../workflows/dispatcher';
import { namingTheMissingRun, type RunKind } from './workflow-runs';

const DISPATCHER: RunKind = { workflowType: 'connectDispatcher', noun: 'dispatcher' };

/**
 * The instance's queue statistics (its dispatcher's `queueStatistics` query): per queue and priority,
 * tasks waiting and the oldest wait, and the waits and service level of the tasks assigned within
 * the dispatcher's window; per polled queue, agents available, offered and busy. A worker answers
 * from the dispatcher's memory, with no Connect call: it suits polling every second or two. An
 * instance with no dispatcher (no task has reached one yet) throws WorkflowNotFoundError naming the
 * dispatcher's workflow id.
 */
export async function getQueueStatistics(client: Client, instanceId: string): Promise<QueueStatistics> {
  const workflowId = dispatcherWorkflowId(instanceId);
  try {
    return await client.workflow.getHandle<typeof connectDispatcher>(workflowId).query(queueStatisticsQuery);
  } catch (error) {
    throw namingTheMissingRun(error, client, DISPATCHER, workflowId);
  }
}
