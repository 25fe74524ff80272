/**
 * The connectDispatcher contract: its id, input and settings, the signals and queries by which
 * routeTask runs, the push path and operators talk to it, and every payload they carry. Workflows,
 * activities and clients import it; it imports nothing of theirs.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ErrorPolicyOverrides } from './error-policy';

/** One dispatcher per Connect instance: a stable, readable id that anyone can compute. */
export function dispatcherWorkflowId(instanceId: string): string {
  return `connect-dispatcher/${instanceId}`;
}

// ---- Payloads. Times are epoch milliseconds. ----

/** A task waiting for an agent, as the dispatcher knows it. */
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

/** What a waiting task may change about itself while it waits. */
export type TaskChange = Partial<Pick<WaitingTask, 'priority' | 'preferredAgentIds' | 'widenAt'>>;

/** One agent as Connect last described them: a GetCurrentUserData poll, or a pushed agent event. */
export interface AgentState {
  userId: string;
  routingProfileId: string;
  statusName: string;
  /** When the agent entered their status: the longest idle agent is given work first. */
  statusSince: number;
  /** AvailableSlotsByChannel.TASK as Connect reported it. */
  freeTaskSlots: number;
  /** The contacts Connect shows on the agent: how the dispatcher sees its reservations land. */
  contactIds: string[];
  /** When Connect reported this state: a pushed state older than the last poll is ignored. */
  observedAt: number;
}

/** A free TASK slot of one agent, reserved for one task until the task settles it or it expires. */
export interface Reservation {
  reservationId: string;
  taskId: string;
  userId: string;
  /** Unsettled by then, the slot is released and the task goes back in line at its old place. */
  expiresAt: number;
}

/** How a task's reservation ended: `assigned` keeps the slot held until Connect shows the contact. */
export type SettleOutcome = 'assigned' | 'agent-unavailable' | 'declined';

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
  /** Agents who would take the task if they had a free slot. */
  candidateCount: number;
}

/** Why a task still waits, sent to it when the reason changes. */
export interface WaitNotice {
  taskId: string;
  decision: WaitDecision;
  /** 1-based place in the whole line at the time of the decision. */
  position: number;
  waitingCount: number;
}

export interface TaskExplanation {
  taskId: string;
  state: 'waiting' | 'reserved' | 'unknown';
  /** 1-based place in the line, when waiting. */
  position?: number;
  waitingCount: number;
  /** Why it waits, as of the last matching round (not carried across continue-as-new). */
  decision?: WaitDecision;
}

// ---- Settings and input ----

export interface DispatcherSettings {
  /** One GetCurrentUserData call per this many ms at most: Connect's default quota is 2/s per account. */
  pollIntervalMs: number;
  /** How long a task may take to associate before its reserved slot is released. */
  reservationTtlMs: number;
  /** How long an assigned reservation holds its slot at most while Connect's figures catch up. */
  catchUpMs: number;
  /** At most this many wait notices per round: tasks at the head of the line first. */
  maxWaitNoticesPerRound: number;
  /** Continue-as-new once history reaches this many events (or when Temporal suggests it). */
  continueAsNewAfterEvents: number;
  /** With nothing waiting and nothing reserved for this long, the dispatcher ends; the next task restarts it. */
  idleShutdownMs: number;
  /** How often the routing-profile → queues map is re-read from Connect. */
  routingProfileRefreshMs: number;
  /** After a failed poll, wait this many poll intervals before the next one. */
  pollFailureBackoffIntervals: number;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  pollIntervalMs: 1_000,
  reservationTtlMs: 120_000,
  catchUpMs: 15_000,
  maxWaitNoticesPerRound: 20,
  continueAsNewAfterEvents: 4_000,
  idleShutdownMs: 10 * 60_000,
  routingProfileRefreshMs: 5 * 60_000,
  pollFailureBackoffIntervals: 5,
};

/**
 * Quicker answers for a local emulator (the demo, the tests): polls twice as often, still within
 * GetCurrentUserData's default quota of 2 per second, and shorter holds on reserved slots.
 */
export const LOCAL_DISPATCHER_SETTINGS: Partial<DispatcherSettings> = {
  pollIntervalMs: 500,
  reservationTtlMs: 30_000,
  catchUpMs: 5_000,
};

export interface DispatcherInput {
  instanceId: string;
  settings?: Partial<DispatcherSettings>;
  errorPolicy?: ErrorPolicyOverrides;
  /** State carried across continue-as-new. */
  carried?: CarriedDispatcherState;
}

export interface CarriedDispatcherState {
  book: EncodedDispatcherBook;
  pollCount: number;
  getCurrentUserDataCalls: number;
  runsSoFar: number;
}

/** A reservation as the dispatcher holds it. */
export interface HeldReservation extends Reservation {
  /** Unknown until the task says so for the create-connected strategy, which creates after the reservation. */
  contactId?: string;
  reservedAt: number;
  /** `pending`: the task is associating. `assigned`: done, but Connect's snapshot may not show it yet. */
  state: 'pending' | 'assigned';
  assignedAt?: number;
}

/** [taskId, queue, priority, enqueuedAt, widenAt - enqueuedAt, preferred, excluded, allowed statuses, last told]. */
export type EncodedTask = [string, number, number, number, number, number[], number[], number[], number];

/** The dispatcher's book in a compact, JSON-safe form: strings interned once, tasks as tuples. */
export interface EncodedDispatcherBook {
  v: 1;
  line: EncodedTask[];
  reserved: EncodedTask[];
  /** Queue ids, agent ids, statuses and last-told decisions, each stored once. */
  strings: string[];
  reservations: HeldReservation[];
  queuesByRoutingProfile: Record<string, string[]>;
  reservationCounter: number;
}

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

// ---- Into the dispatcher ----
export const enqueueTaskSignal = defineSignal<[WaitingTask]>('enqueueTask');
export const leaveLineSignal = defineSignal<[{ taskId: string }]>('leaveLine');
export const updateTaskSignal = defineSignal<[TaskChange & { taskId: string }]>('updateTask');
export const settleReservationSignal =
  defineSignal<[{ reservationId: string; outcome: SettleOutcome; contactId?: string }]>('settleReservation');
/** The push path: an agent event (e.g. from a Connect agent event stream) wakes the dispatcher at once. */
export const agentAvailableSignal = defineSignal<[AgentState]>('agentAvailable');

// ---- Out of the dispatcher, to a routeTask run ----
export const slotReservedSignal = defineSignal<[Reservation]>('slotReserved');
export const waitNoticeSignal = defineSignal<[WaitNotice]>('waitNotice');

export const dispatcherStatusQuery = defineQuery<DispatcherStatus>('status');
export const explainTaskQuery = defineQuery<TaskExplanation, [string]>('explainTask');
