import type {
  AgentState,
  HeldReservation,
  PriorityFigures,
  QueueAgents,
  QueueStatistics,
  RoutingProfileQueues,
} from '../dispatcher-contract';
import type { AssignedFigures, StatisticsWindowSettings } from './assigned-waits';
import { effectiveFreeSlots } from './reservations';

/** How many tasks of one queue and priority wait, and since when the longest-waiting of them. */
export interface WaitingFigures {
  count: number;
  /** Unknown when only a line segment from before queue statistics knows of such tasks. */
  oldestEnqueuedAt?: number;
}

/**
 * What the line holds, gathered from wherever it keeps its tasks (its head, the backlog, line
 * segments): per queue, how many tasks wait at each priority, and the statuses its tasks allow.
 */
export class LineTally {
  readonly waiting = new Map<string, Map<number, WaitingFigures>>();
  readonly allowedStatuses = new Map<string, Set<string>>();

  /** `count` tasks wait; the oldest of them joined the line at `oldestEnqueuedAt`, when known. */
  addWaiting(queueId: string, priority: number, count: number, oldestEnqueuedAt: number | undefined): void {
    const byPriority = this.waiting.get(queueId) ?? new Map<number, WaitingFigures>();
    this.waiting.set(queueId, byPriority);
    const figures = byPriority.get(priority) ?? { count: 0 };
    byPriority.set(priority, figures);
    figures.count += count;
    if (
      oldestEnqueuedAt !== undefined &&
      (figures.oldestEnqueuedAt === undefined || oldestEnqueuedAt < figures.oldestEnqueuedAt)
    ) {
      figures.oldestEnqueuedAt = oldestEnqueuedAt;
    }
  }

  /** Tasks of the queue, waiting or reserved, may be taken by agents in these statuses. */
  addAllowedStatuses(queueId: string, statuses: readonly string[]): void {
    const allowed = this.allowedStatuses.get(queueId) ?? new Set<string>();
    this.allowedStatuses.set(queueId, allowed);
    for (const status of statuses) allowed.add(status);
  }
}

export interface AgentsInput {
  /** The queues Connect's agent data covers: those the dispatcher polls. */
  queueIds: readonly string[];
  agents: readonly AgentState[];
  queuesByRoutingProfile: Readonly<Record<string, RoutingProfileQueues>>;
  reservations: readonly HeldReservation[];
  allowedStatuses: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Each agent of a queue (their routing profile has it among its manual-assignment queues) in one
 * state at most: `offered` while an offer awaits their answer (a slot the dispatcher reserved that
 * is not answered yet, or a contact Connect shows ringing), else `busy` with no free TASK slot (as
 * the dispatcher counts them: Connect's figure less reservations Connect does not show yet), else
 * `available` in a status the queue's tasks allow and with no NextStatus pending (Connect routes
 * nothing to them then). An agent away, in a status no task of the queue allows, is in none; an agent
 * of several queues counts in each.
 */
export function agentsByQueue(input: AgentsInput): Map<string, QueueAgents> {
  const counts = new Map(
    input.queueIds.map((queueId): [string, QueueAgents] => [queueId, { available: 0, offered: 0, busy: 0 }]),
  );
  const free = effectiveFreeSlots(input.agents, input.reservations);
  const offered = new Set(
    input.reservations
      .filter((reservation) => reservation.state !== 'accepted')
      .map((reservation) => reservation.userId),
  );
  for (const agent of input.agents) {
    const ringing =
      offered.has(agent.userId) || agent.contacts.some((contact) => contact.state === 'CONNECTING');
    const busy = (free.get(agent.userId) ?? 0) === 0;
    for (const queueId of input.queuesByRoutingProfile[agent.routingProfileId]?.manual ?? []) {
      const queue = counts.get(queueId);
      if (!queue) continue;
      if (ringing) queue.offered += 1;
      else if (busy) queue.busy += 1;
      else if (
        agent.nextStatusName === undefined &&
        input.allowedStatuses.get(queueId)?.has(agent.statusName)
      ) {
        queue.available += 1;
      }
    }
  }
  return counts;
}

export interface QueueStatisticsInput extends Omit<AgentsInput, 'allowedStatuses' | 'queueIds'> {
  now: number;
  settings: StatisticsWindowSettings;
  line: LineTally;
  assigned: readonly AssignedFigures[];
  /** The queues the dispatcher polls: Connect's agent data covers these. */
  watchedQueues: readonly string[];
  /** When Connect last described the agents; undefined before the first poll. */
  agentsObservedAt: number | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The `queueStatistics` query's answer (but for the instance) from the dispatcher's own state: what
 * waits per queue and priority, how long the tasks assigned within the window waited, and each
 * polled queue's agents.
 */
export function queueStatistics(input: QueueStatisticsInput): Omit<QueueStatistics, 'instanceId'> {
  const { now, line, settings } = input;
  const assigned = new Map<string, Map<number, AssignedFigures>>();
  for (const figures of input.assigned) {
    const byPriority = assigned.get(figures.queueId) ?? new Map<number, AssignedFigures>();
    assigned.set(figures.queueId, byPriority.set(figures.priority, figures));
  }
  // Before its first poll (in each run) the dispatcher knows no agent: their numbers are unknown, not 0.
  const agents = agentsByQueue({
    ...input,
    queueIds: input.agentsObservedAt === undefined ? [] : input.watchedQueues,
    allowedStatuses: line.allowedStatuses,
  });
  const queueIds = [...new Set([...line.waiting.keys(), ...assigned.keys(), ...agents.keys()])].sort();
  return {
    at: iso(now),
    windowMs: settings.statisticsWindowMs,
    serviceLevelMs: settings.serviceLevelMs,
    ...(input.agentsObservedAt === undefined ? {} : { agentsObservedAt: iso(input.agentsObservedAt) }),
    queues: queueIds.map((queueId) => {
      const waiting = line.waiting.get(queueId);
      const recent = assigned.get(queueId);
      const priorities = [...new Set([...(waiting?.keys() ?? []), ...(recent?.keys() ?? [])])].sort(
        (a, b) => a - b,
      );
      const queueAgents = agents.get(queueId);
      return {
        queueId,
        ...(queueAgents ? { agents: queueAgents } : {}),
        priorities: priorities.map((priority): PriorityFigures => {
          const { count = 0, oldestEnqueuedAt } = waiting?.get(priority) ?? {};
          const window = recent?.get(priority);
          return {
            priority,
            waiting: count,
            ...(oldestEnqueuedAt === undefined
              ? {}
              : {
                  oldestWaitingSince: iso(oldestEnqueuedAt),
                  oldestWaitMs: Math.max(0, now - oldestEnqueuedAt),
                }),
            assigned: window?.assigned ?? 0,
            ...(window
              ? {
                  waitP50Ms: window.waitP50Ms,
                  waitP90Ms: window.waitP90Ms,
                  withinServiceLevel: window.withinServiceLevel,
                }
              : {}),
          };
        }),
      };
    }),
  };
}
