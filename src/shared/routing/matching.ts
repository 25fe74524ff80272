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
import { lineClassOf } from './line-backlog';
import { meets, type SkillLevels, stepAt, type StepPosition, stepsStartAt } from './routing-steps';
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
  /** Agents' proficiencies, for those read so far: an agent not in it matches no routing step. */
  skills: ReadonlyMap<string, SkillLevels>;
}

export interface MatchingRound {
  /** Free slots chosen for tasks: the dispatcher stamps each with an id and an expiry. */
  newReservations: Pick<Reservation, 'taskId' | 'userId'>[];
  /** Why each task that got nothing still waits, in line order (priority, then age). */
  waiting: Map<string, WaitDecision>;
  /** The earliest moment a task widens: from its preferred agents, or to its next routing step. */
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
  /** Why its tasks wait once it is exhausted: the same for all of them, so made once. */
  decision?: WaitDecision;
  preferredOnly: boolean;
  /** The routing step of the tasks that share the set, when they have criteria. */
  step?: StepPosition;
}

/** Preferred agents only, the task's routing step, or the whole queue: who may take it this round. */
type Reach = { preferredOnly: true } | { preferredOnly: false; step?: StepPosition };

/**
 * Tasks of one line class with the same reach share their candidates. Tasks are replaced, never
 * changed in place, so a task's keys can be computed once: a fresh string per round would be hashed
 * again on every lookup, and a class key holds the task's criteria.
 */
const keysByTask = new WeakMap<WaitingTask, { preferred?: string; steps: string[] }>();
function signature(task: WaitingTask, reach: Reach): string {
  let keys = keysByTask.get(task);
  if (!keys) keysByTask.set(task, (keys = { steps: [] }));
  if (reach.preferredOnly) {
    return (keys.preferred ??= `${lineClassOf(task)}|${JSON.stringify(task.preferredAgentIds)}`);
  }
  if (reach.step === undefined) return lineClassOf(task);
  return (keys.steps[reach.step.index] ??= `${lineClassOf(task)}#${reach.step.index}`);
}

const PREFERRED_ONLY: Reach = { preferredOnly: true };
const WHOLE_QUEUE: Reach = { preferredOnly: false };
/** A task's step holds until it expires: worked out again only then. */
const stepsByTask = new WeakMap<WaitingTask, Reach & { preferredOnly: false; step: StepPosition }>();

function reachOf(task: WaitingTask, now: number): Reach {
  if (task.preferredAgentIds.length > 0 && now < task.widenAt) return PREFERRED_ONLY;
  if (!task.routingCriteria) return WHOLE_QUEUE;
  const known = stepsByTask.get(task);
  if (known && now < (known.step.expiresAt ?? Infinity)) return known;
  const reach = {
    preferredOnly: false as const,
    step: stepAt(task.routingCriteria, stepsStartAt(task), now),
  };
  stepsByTask.set(task, reach);
  return reach;
}

function buildCandidateSet(
  task: WaitingTask,
  reach: Reach,
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
  const steps = task.routingCriteria?.steps ?? [];
  const stepIndex = reach.preferredOnly ? undefined : reach.step?.index;
  const meetsStep = (index: number) => (agent: AgentState) => {
    const skills = input.skills.get(agent.userId);
    return skills !== undefined && meets(steps[index]!.expression, skills);
  };
  const skilled =
    stepIndex === undefined || stepIndex >= steps.length
      ? servingQueue
      : servingQueue.filter(meetsStep(stepIndex));
  const inAllowedStatus = skilled.filter((agent) => task.allowedStatuses.includes(agent.statusName));
  const notExcluded = inAllowedStatus.filter((agent) => !task.excludedAgentIds.includes(agent.userId));
  const candidates = reach.preferredOnly
    ? notExcluded.filter((agent) => task.preferredAgentIds.includes(agent.userId))
    : notExcluded;
  const skillReason = (): WaitReason => {
    if (servingQueue.some((agent) => !input.skills.has(agent.userId))) return 'agent-skills-not-read-yet';
    const widensToQueue = steps[steps.length - 1]!.expirySeconds !== undefined;
    const laterStepMet = steps.some((_, index) => index > stepIndex! && servingQueue.some(meetsStep(index)));
    return widensToQueue || laterStepMet ? 'no-agent-meets-step' : 'no-agent-meets-criteria';
  };
  const emptyReason: WaitReason =
    input.agents.length === 0
      ? 'no-agent-data-yet'
      : servingQueue.length === 0
        ? routingQueue()
          ? 'queue-routed-by-connect'
          : 'no-agent-serves-queue'
        : skilled.length === 0
          ? skillReason()
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
    preferredOnly: reach.preferredOnly,
    ...(reach.preferredOnly || !reach.step ? {} : { step: reach.step }),
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
    const reach = reachOf(task, input.now);
    const widensAt = reach.preferredOnly ? task.widenAt : reach.step?.expiresAt;
    if (widensAt !== undefined) nextWidenAt = Math.min(nextWidenAt ?? widensAt, widensAt);
    const key = signature(task, reach);
    let set = candidateSets.get(key);
    if (!set) {
      set = buildCandidateSet(task, reach, input, initialFree);
      candidateSets.set(key, set);
    }
    const chosen =
      freeSlotsLeft > 0 && !set.exhausted
        ? longestIdleWithFreeSlot(set.candidates, free, idleSince)
        : undefined;
    if (chosen && newReservations.length >= input.maxNewReservations) {
      // The slot stays free for this task's turn in a later round: only the rate holds it back.
      pacedTasks += 1;
      waiting.set(
        task.taskId,
        withStep({ reason: 'offer-pacing', candidateCount: set.candidates.length }, set),
      );
      continue;
    }
    if (!chosen) {
      set.exhausted = true;
      waiting.set(task.taskId, (set.decision ??= decisionFor(set)));
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
  if (candidateCount === 0) return withStep({ reason: set.emptyReason, candidateCount }, set);
  if (set.preferredOnly) return { reason: 'waiting-for-preferred-agents', candidateCount };
  const reason = set.hadFreeSlotAtStart ? 'behind-tasks-ahead-in-line' : 'no-free-slot';
  return withStep({ reason, candidateCount }, set);
}

function withStep(decision: WaitDecision, set: CandidateSet): WaitDecision {
  return set.step ? { ...decision, step: set.step } : decision;
}
