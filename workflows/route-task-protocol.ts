/** The routeTask contract beyond its input: result, status query, signals and updates. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { WaitReason } from '../src/shared/routing/types';

export type RoutingStage =
  | 'creating'
  | 'waiting-for-agent'
  | 'assigning'
  | 'confirming'
  | 'assigned'
  | 'stopping'
  | 'cancelled'
  | 'expired'
  | 'deadline';

export type RouteTaskOutcome = 'assigned' | 'cancelled' | 'expired' | 'deadline';

export interface RouteTaskResult {
  outcome: RouteTaskOutcome;
  contactId?: string;
  userId?: string;
  queueId: string;
  createdAt?: string;
  assignedAt?: string;
  /** From joining the line to the successful association. */
  waitedMs?: number;
  /** Reservations offered to this task, including the one that succeeded. */
  reservationsTried: number;
  /** Attempts per activity type, summed over its calls: retries show up as numbers above the call count. */
  attemptsByActivity: Record<string, number>;
  /** Whether DescribeContact showed the contact with the agent after the association. */
  confirmed?: boolean;
  /** For cancelled/expired/deadline: what ended it. */
  reason?: string;
}

export interface RouteTaskStatus {
  stage: RoutingStage;
  instanceId: string;
  queueId: string;
  priority: number;
  contactId?: string;
  userId?: string;
  waitingSince?: string;
  /** Place in the dispatcher's line at its last decision about this task (1 = next). */
  position?: number;
  waitingCount?: number;
  candidateCount?: number;
  lastDecision?: { reason: WaitReason; at: string; explanation: string };
  currentOffer?: { userId: string; expiresAt: string };
  preferredAgentIds: string[];
  widensAt?: string;
  reservationsTried: number;
}

export const routeTaskStatusQuery = defineQuery<RouteTaskStatus>('status');
export const cancelRouteTaskSignal = defineSignal<[{ reason?: string }?]>('cancel');
/** Returns the new priority; rejected (before it enters history) when out of range. */
export const reprioritizeUpdate = defineUpdate<number, [{ priority: number }]>('reprioritize');
export const setPreferredAgentsUpdate = defineUpdate<
  { preferredAgentIds: string[]; widensAt?: string },
  [{ preferredAgentIds: string[]; widenAfterSeconds?: number }]
>('setPreferredAgents');
