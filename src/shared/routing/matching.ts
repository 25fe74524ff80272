import { effectiveFreeSlots } from './reservations';
import type {
  AgentState,
  HeldReservation,
  Reservation,
  RoutingProfileQueues,
  WaitDecision,
  WaitReason,
  WaitingTask,
} from '../dispatcher-contract';
import { compareWaitingTasks } from './waiting-order';

export interface MatchingInput {
  tasks: readonly WaitingTask[];
  agents: readonly AgentState[];
  /** Each routing profile's queues: its agents are offered tasks of its manual-assignment queues only. */
  queuesByRoutingProfile: Readonly<Record<string, RoutingProfileQueues>>;
  reservations: readonly HeldReservation[];
  now: number;
  /** At most this many new reservations (the offer rate's allowance); the rest wait for `offer-pacing`. */
  maxNewReservations: number;
}

export interface MatchingRound {
  /** Free slots chosen for tasks: the dispatcher stamps each with an id and an expiry. */
  newReservations: Pick<Reservation, 'taskId' | 'userId'>[];
  /** Why each task that got nothing still waits, in line order (priority, then age). */
  waiting: Map<string, WaitDecision>;
  /** The earliest moment a task widens from its preferred agents to the whole queue, if any. */
  nextWidenAt?: number;
  /** Tasks that would have had a slot but for the offer rate. */
  pacedTasks: number;
}

/** Agents who may take tasks of one eligibility signature; shared by every task with that signature. */
interface CandidateSet {
  candidates: AgentState[];
  /** Why tasks of this signature wait when there are no candidates. */
  emptyReason: WaitReason;
  hadFreeSlotAtStart: boolean;
  /** Set once a scan finds no free slot: slots only decrease within a round. */
  exhausted: boolean;
  preferredOnly: boolean;
}

/** Tasks are replaced, never changed in place, so a task's signatures can be computed once. */
const signatures = new WeakMap<WaitingTask, { wide?: string; preferred?: string }>();

function signature(task: WaitingTask, preferredOnly: boolean): string {
  let known = signatures.get(task);
  if (!known) signatures.set(task, (known = {}));
  const slot = preferredOnly ? 'preferred' : 'wide';
  return (known[slot] ??= JSON.stringify([
    task.queueId,
    task.allowedStatuses,
    task.excludedAgentIds,
    preferredOnly ? task.preferredAgentIds : null,
  ]));
}

function buildCandidateSet(
  task: WaitingTask,
  preferredOnly: boolean,
  input: MatchingInput,
  initialFree: ReadonlyMap<string, number>,
): CandidateSet {
  const servingQueue = input.agents.filter((agent) =>
    input.queuesByRoutingProfile[agent.routingProfileId]?.manual.includes(task.queueId),
  );
  const routingQueue = () =>
    input.agents.some((agent) =>
      input.queuesByRoutingProfile[agent.routingProfileId]?.routed.includes(task.queueId),
    );
  const inAllowedStatus = servingQueue.filter((agent) => task.allowedStatuses.includes(agent.statusName));
  const notExcluded = inAllowedStatus.filter((agent) => !task.excludedAgentIds.includes(agent.userId));
  const candidates = preferredOnly
    ? notExcluded.filter((agent) => task.preferredAgentIds.includes(agent.userId))
    : notExcluded;
  const emptyReason: WaitReason =
    input.agents.length === 0
      ? 'no-agent-data-yet'
      : servingQueue.length === 0
        ? routingQueue()
          ? 'queue-routed-by-connect'
          : 'no-agent-serves-queue'
        : inAllowedStatus.length === 0
          ? 'no-agent-in-allowed-status'
          : notExcluded.length === 0
            ? 'all-eligible-agents-excluded'
            : 'waiting-for-preferred-agents';
  return {
    candidates,
    emptyReason,
    hadFreeSlotAtStart: candidates.some((agent) => (initialFree.get(agent.userId) ?? 0) > 0),
    exhausted: false,
    preferredOnly,
  };
}

/**
 * One matching round: walks the line in order (priority, then age) and gives each task a free
 * TASK slot of an eligible agent, longest idle first, preferred agents first until the task widens.
 * Work is bounded by the tasks plus the new reservations times the agents, not tasks times agents: tasks that
 * share an eligibility signature share one candidate set, and an exhausted set is skipped in O(1).
 */
export function matchTasksToAgents(input: MatchingInput): MatchingRound {
  const initialFree = effectiveFreeSlots(input.agents, input.reservations);
  const free = new Map(initialFree);
  const idleSince = new Map(input.agents.map((agent) => [agent.userId, agent.statusSince]));
  const candidateSets = new Map<string, CandidateSet>();
  const newReservations: MatchingRound['newReservations'] = [];
  const waiting = new Map<string, WaitDecision>();
  let freeSlotsLeft = [...free.values()].reduce((sum, slots) => sum + slots, 0);
  let nextWidenAt: number | undefined;
  let pacedTasks = 0;

  for (const task of [...input.tasks].sort(compareWaitingTasks)) {
    const preferredOnly = task.preferredAgentIds.length > 0 && input.now < task.widenAt;
    if (preferredOnly) nextWidenAt = Math.min(nextWidenAt ?? task.widenAt, task.widenAt);
    const key = signature(task, preferredOnly);
    let set = candidateSets.get(key);
    if (!set) {
      set = buildCandidateSet(task, preferredOnly, input, initialFree);
      candidateSets.set(key, set);
    }
    const chosen =
      freeSlotsLeft > 0 && !set.exhausted
        ? longestIdleWithFreeSlot(set.candidates, free, idleSince)
        : undefined;
    if (chosen && newReservations.length >= input.maxNewReservations) {
      // The slot stays free for this task's turn in a later round: only the rate holds it back.
      pacedTasks += 1;
      waiting.set(task.taskId, { reason: 'offer-pacing', candidateCount: set.candidates.length });
      continue;
    }
    if (!chosen) {
      set.exhausted = true;
      waiting.set(task.taskId, decisionFor(set));
      continue;
    }
    newReservations.push({ taskId: task.taskId, userId: chosen.userId });
    free.set(chosen.userId, (free.get(chosen.userId) ?? 0) - 1);
    freeSlotsLeft -= 1;
    // An agent who was just given work is no longer the longest idle.
    idleSince.set(chosen.userId, input.now);
  }
  return { newReservations, waiting, nextWidenAt, pacedTasks };
}

function longestIdleWithFreeSlot(
  candidates: readonly AgentState[],
  free: ReadonlyMap<string, number>,
  idleSince: ReadonlyMap<string, number>,
): AgentState | undefined {
  let best: AgentState | undefined;
  for (const agent of candidates) {
    if ((free.get(agent.userId) ?? 0) <= 0) continue;
    if (
      !best ||
      idleSince.get(agent.userId)! < idleSince.get(best.userId)! ||
      (idleSince.get(agent.userId) === idleSince.get(best.userId) && agent.userId < best.userId)
    ) {
      best = agent;
    }
  }
  return best;
}

function decisionFor(set: CandidateSet): WaitDecision {
  const candidateCount = set.candidates.length;
  if (candidateCount === 0) return { reason: set.emptyReason, candidateCount };
  if (set.preferredOnly) return { reason: 'waiting-for-preferred-agents', candidateCount };
  return { reason: set.hadFreeSlotAtStart ? 'behind-tasks-ahead-in-line' : 'no-free-slot', candidateCount };
}
