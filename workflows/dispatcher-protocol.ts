/**
 * How routeTask workflows, the push adapter and the dispatcher talk: signal and query definitions
 * shared by both sides (and by Node code that signals the dispatcher).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type {
  AgentUpdate,
  TaskChange,
  Offer,
  SettleOutcome,
  TaskExplanation,
  WaitNotice,
} from '../src/shared/routing/dispatcher-book';
import type { WaitingTask } from '../src/shared/routing/types';

/** One dispatcher per Connect instance: a stable, readable id that anyone can compute. */
export function dispatcherWorkflowId(instanceId: string): string {
  return `connect-dispatcher/${instanceId}`;
}

// Into the dispatcher
export const enqueueTaskSignal = defineSignal<[WaitingTask]>('enqueueTask');
export const leaveLineSignal = defineSignal<[{ taskId: string }]>('leaveLine');
export const updateTaskSignal = defineSignal<[TaskChange & { taskId: string }]>('updateTask');
export const settleReservationSignal =
  defineSignal<[{ reservationId: string; outcome: SettleOutcome; contactId?: string }]>('settleReservation');
/** The push path: an agent event (e.g. from a Connect agent event stream) wakes the dispatcher at once. */
export const agentAvailableSignal = defineSignal<[AgentUpdate]>('agentAvailable');

// Out of the dispatcher, to a routeTask workflow
export const reservationOfferedSignal = defineSignal<[Offer]>('reservationOffered');
export const waitNoticeSignal = defineSignal<[WaitNotice]>('waitNotice');

export interface DispatcherStatus {
  instanceId: string;
  waitingCount: number;
  reservationCount: number;
  watchedQueues: string[];
  pollCount: number;
  getCurrentUserDataCalls: number;
  lastPollAt?: string;
  agentsKnown: number;
  runsSoFar: number;
}

export const dispatcherStatusQuery = defineQuery<DispatcherStatus>('status');
export const explainTaskQuery = defineQuery<TaskExplanation, [string]>('explainTask');
