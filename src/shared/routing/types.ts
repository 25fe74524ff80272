/** The data the dispatcher matches on: pure, JSON-serialisable, and small enough to carry 10,000 tasks. */

/** A task waiting for an agent, as the dispatcher knows it. Times are epoch milliseconds. */
export interface WaitingTask {
  /** The routeTask workflow id: where reservations are sent. */
  taskId: string;
  queueId: string;
  /** Lower is served first, like Connect's QueuePriority. */
  priority: number;
  /** When the task first joined the line; kept when a reservation fails, so it never loses its place by age. */
  enqueuedAt: number;
  preferredAgentIds: string[];
  /** Until then only preferred agents are eligible; from then on, every agent of the queue. */
  widenAt: number;
  excludedAgentIds: string[];
  allowedStatuses: string[];
}

/** One agent as GetCurrentUserData (or a pushed agent event) last described them. */
export interface AgentState {
  userId: string;
  routingProfileId: string;
  statusName: string;
  /** When the agent entered their status: the longest idle agent is offered work first. */
  statusSince: number;
  /** AvailableSlotsByChannel.TASK as Connect reported it. */
  freeTaskSlots: number;
  /** The contacts Connect shows on the agent: how the dispatcher sees its reservations land. */
  contactIds: string[];
}

/** A TASK slot promised to one task, held until Connect's own figures show it taken. */
export interface Reservation {
  reservationId: string;
  taskId: string;
  userId: string;
  /** Unknown until the task says so for the create-connected strategy, which creates after the grant. */
  contactId?: string;
  grantedAt: number;
  /** `granted`: the task is associating. `assigned`: done, but Connect's snapshot may not show it yet. */
  state: 'granted' | 'assigned';
  /** A granted reservation not settled by then is released (the task's associate gives up before it). */
  expiresAt: number;
  assignedAt?: number;
}

export type WaitReason =
  | 'no-agent-serves-queue'
  | 'no-agent-in-allowed-status'
  | 'all-eligible-agents-excluded'
  | 'waiting-for-preferred-agents'
  | 'no-free-slot'
  | 'behind-tasks-ahead-in-line'
  | 'no-agent-data-yet';

export interface WaitDecision {
  reason: WaitReason;
  /** Agents that would take the task if they had a free slot. */
  candidateCount: number;
}

export interface Grant {
  taskId: string;
  userId: string;
}
