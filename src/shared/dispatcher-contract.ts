/**
 * The connectDispatcher contract: its id, input and settings, the signals and queries by which
 * routeTask runs, the push path and operators talk to it, and every payload they carry. Workflows,
 * activities and clients import it; it imports nothing of theirs.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { CONTACT_STATES, formatCount } from './connect-validation';
import type { ErrorPolicyOverrides } from './error-policy';
import type { RoutingCriteria } from './routing-criteria';
import { sharedSchemasOf } from './shared-schemas';

const shared = sharedSchemasOf('dispatcher-contract');

/**
 * The longest a dispatcher's poll waits inside its GetCurrentUserData activity before calling: it
 * schedules the next poll at once rather than start a timer (a billed action) for it. Longer
 * intervals wait on a timer.
 */
export const POLL_WAIT_MAX_MS = 10_000;

/** One dispatcher per Connect instance: a stable, readable id that anyone can compute. */
export function dispatcherWorkflowId(instanceId: string): string {
  return `connect-dispatcher/${instanceId}`;
}

/**
 * The memo key under which a dispatcher run that is about to close (see `closingNoticeMs`) writes its
 * own run id. A later run may show an earlier run's id: only a run that names itself is closing.
 */
export const CLOSING_RUN_MEMO_KEY = 'closingRunId';

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
  /** The skills an agent needs, in steps that widen (see `stepAt`); absent: any agent of the queue. */
  routingCriteria?: RoutingCriteria;
  /**
   * Counts the changes the task made while it waited (0 or absent when it joined): a copy of the task
   * carried in a line segment from before a change is stale.
   */
  version?: number;
  /**
   * The task's queued Connect contact, where it exists while the task waits (not create-connected):
   * once a slot is reserved, the dispatcher looks for it on the agent, so the task need not report
   * that the offer went out. Absent from tasks that joined before.
   */
  contactId?: string;
}

/** What a waiting task may change about itself while it waits. */
export type TaskChange = Partial<Pick<WaitingTask, 'priority' | 'preferredAgentIds' | 'widenAt'>>;

/**
 * A change, with the whole task as it is after it: the dispatcher may hold the task only in a line
 * segment, out of memory, and then takes this copy instead.
 */
export type TaskUpdate = TaskChange & { taskId: string; current?: WaitingTask };

/**
 * Connect's AgentContactState: a contact offered to an agent is CONNECTING until the agent accepts
 * (CONNECTED), misses it (MISSED) or rejects it (REJECTED); an ended one stays ENDED on the agent,
 * holding its slot, through after-contact work.
 */
export type AgentContactState = (typeof CONTACT_STATES)[number];

export interface AgentContact {
  contactId: string;
  /** Undefined when Connect sends a state this package does not know. */
  state?: AgentContactState;
}

/** A contact as Connect lists it on an agent (GetCurrentUserData, or an agent event). */
export function agentContact(contactId: string, state: string | undefined): AgentContact {
  const known = CONTACT_STATES.find((value) => value === state);
  return known === undefined ? { contactId } : { contactId, state: known };
}

/** One agent as Connect last described them: a GetCurrentUserData poll, or a pushed agent event. */
export interface AgentState {
  userId: string;
  routingProfileId: string;
  statusName: string;
  /** When the agent entered their status: the longest idle agent is given work first. */
  statusSince: number;
  /** AvailableSlotsByChannel.TASK as Connect reported it. */
  freeTaskSlots: number;
  /** The contacts Connect shows on the agent: how the dispatcher sees its offers answered. */
  contacts: AgentContact[];
  /**
   * The status the agent asked for while busy (Connect's NextStatus), taken once their contacts
   * clear: Connect routes them nothing new meanwhile, and neither does the dispatcher.
   */
  nextStatusName?: string;
  /** When Connect reported this state: a pushed state older than the last poll is ignored. */
  observedAt: number;
}

/**
 * One of an agent's proficiencies, as Connect's ListUserProficiencies lists it: a value of a
 * predefined attribute (Language: Spanish) at a level from 1 to 5.
 */
export interface AgentProficiency {
  name: string;
  value: string;
  level: number;
}

/** A free TASK slot of one agent, reserved for one task until the task settles it or it expires. */
export interface Reservation {
  reservationId: string;
  taskId: string;
  userId: string;
  /** The agent's username, when the dispatcher has read it (ListUsers): what a supervisor knows them by. */
  agentName?: string;
  /** Unsettled by then, the slot is released and the task goes back in line at its old place. */
  expiresAt: number;
  /**
   * The task's contact, which the dispatcher looks for on the agent: it sees the offer in Connect's
   * data, so the task reports only an offer that failed. Absent: the task reports every outcome (its
   * contact is created for the agent, or the dispatcher's run began before watching offers).
   */
  contactId?: string;
}

/**
 * How a task's reservation went. `offered`: Connect took the association and offered the contact to
 * the agent; the dispatcher watches for the answer. `accepted` / `offer-unanswered`: after an
 * `unclear` verdict, what DescribeContact showed. Any other outcome frees the slot at once.
 */
export type SettleOutcome = 'offered' | 'accepted' | 'offer-unanswered' | 'agent-unavailable' | 'declined';

/** How an agent answered an offer, as Connect shows it. */
export const OFFER_OUTCOMES = ['accepted', 'missed', 'rejected'] as const;
export type OfferOutcome = (typeof OFFER_OUTCOMES)[number];

/**
 * The dispatcher's word on an offer, to the task. After `missed` or `rejected` the task is back in
 * line at its old place (Connect put the contact back in its queue); after `unclear` (no answer seen
 * in time) the task asks Connect itself and settles `accepted` or `offer-unanswered`. `unseen`: a
 * reservation naming the contact whose offer Connect has not shown on the agent well after the
 * reservation; a task that made the offer asks Connect, settles `accepted` if the agent took it (and
 * finished it between two polls), and otherwise settles `offered` and waits on: the offer may still
 * ring, and the dispatcher now watches it from that moment.
 */
export interface OfferVerdict {
  reservationId: string;
  userId: string;
  verdict: OfferOutcome | 'unclear' | 'unseen';
  /** When the dispatcher saw it (epoch ms). */
  at: number;
}

/** Why a task still waits, as the dispatcher decided it (a task's `status` explains each in words). */
export const WAIT_REASONS = [
  'offer-pacing',
  'no-agent-serves-queue',
  'queue-routed-by-connect',
  'no-agent-in-allowed-status',
  'all-eligible-agents-excluded',
  'waiting-for-preferred-agents',
  'no-free-slot',
  'behind-tasks-ahead-in-line',
  'no-agent-data-yet',
  'agent-skills-not-read-yet',
  'no-agent-meets-step',
  'no-agent-meets-criteria',
] as const;
export type WaitReason = (typeof WAIT_REASONS)[number];

export interface WaitDecision {
  reason: WaitReason;
  /** Agents who would take the task if they had a free slot. */
  candidateCount: number;
  /**
   * For a task with routing criteria, the step it is on (0-based; the number of steps once all have
   * expired) and when that step expires.
   */
  step?: { index: number; expiresAt?: number };
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
  /** `reserved`: a slot is held for it (the task is assigning, or its offer awaits the agent's answer). */
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
  /** How long an accepted reservation holds its slot at most while Connect's figures catch up. */
  catchUpMs: number;
  /**
   * Offers (reservations) handed out per second, and how many at once after a quiet spell: the
   * AssociateContactWithUser quota (2/s, burst 5 by default), so that a burst of free agents does not
   * become a burst of throttled calls.
   */
  offersPerSecond: number;
  offerBurst: number;
  /**
   * How long after an offer the dispatcher waits to see the agent's answer in Connect's data before
   * it calls the offer unclear and the task asks Connect (DescribeContact) itself.
   */
  offerAnswerTimeoutMs: number;
  /**
   * An offer Connect should list on the agent by then: an agent reported later without it (an offer
   * accepted and finished between two polls, say) makes the task ask Connect at once. For a
   * reservation that names its contact, counted from the reservation (see OfferVerdict's `unseen`).
   */
  offerVisibleWithinMs: number;
  /** After an agent misses or rejects a task's offer, that agent is not offered that task again for this long. */
  missedAgentSkipMs: number;
  /** An agent who misses this many offers in a row is offered nothing more until their status changes. */
  consecutiveMissesToHold: number;
  /** At most this many wait notices per round: tasks at the head of the line first. */
  maxWaitNoticesPerRound: number;
  /**
   * A task is told why it waits in its join's answer; one not told there (it joined as the run
   * continued as new, say) gets a signal only once it has waited this long: each notice is a billed
   * signal, and most tasks of a line that moves are assigned before anyone asks why they wait.
   */
  waitNoticeAfterMs: number;
  /**
   * Rounds match from at most this many tasks of each line class (a queue with one set of allowed
   * statuses and excluded agents) that any agent of the queue may take, plus every task still waiting
   * for its preferred agents: however long the line, a round costs the same. The rest wait behind
   * them in order.
   */
  lineHeadPerClass: number;
  /**
   * At continue-as-new, the line beyond what fits in this many bytes of the next run's input goes to
   * line-segment workflows (each at most `lineSegmentMaxBytes`), asked back in order as the line
   * moves: no payload nears Temporal's 512 KB warning, however many tasks wait.
   */
  carriedLineMaxBytes: number;
  lineSegmentMaxBytes: number;
  /** Continue-as-new once history reaches this many events (or when Temporal suggests it). */
  continueAsNewAfterEvents: number;
  /**
   * Before a run closes (continues as new, or ends idle) it names itself in its memo
   * (CLOSING_RUN_MEMO_KEY) and waits this long: a query that reaches a run as it closes is answered
   * by a worker replaying the closed run's whole history, seconds for a long run, and the package's
   * clients, which read the memo first, send theirs to the next run instead. 0: no notice.
   */
  closingNoticeMs: number;
  /** With nothing waiting and nothing reserved for this long, the dispatcher ends; the next task restarts it. */
  idleShutdownMs: number;
  /** How often the routing-profile → queues map is re-read from Connect. */
  routingProfileRefreshMs: number;
  /** After a failed poll, wait this many poll intervals before the next one. */
  pollFailureBackoffIntervals: number;
  /**
   * The `queueStatistics` query's sliding window: its waits, assignments and service level are those
   * of the tasks assigned (accepted by their agent) within this many ms before the answer.
   */
  statisticsWindowMs: number;
  /** The service level: a task assigned within this many ms of joining the line counts as served in time. */
  serviceLevelMs: number;
  /**
   * Agents' proficiencies are read (ListUserProficiencies, one call per agent) only while a task with
   * routing criteria waits: agents never read first, then those read longest ago, at most this many
   * calls per second (Connect's List* quota is 2/s per account, shared with ListUsers and the routing
   * profile reads).
   */
  skillReadsPerSecond: number;
  /** An agent's proficiencies are read again after this long: how soon a changed skill counts. */
  skillRefreshMs: number;
}

export const DEFAULT_DISPATCHER_SETTINGS: DispatcherSettings = {
  pollIntervalMs: 1_000,
  reservationTtlMs: 120_000,
  catchUpMs: 15_000,
  offersPerSecond: 2,
  offerBurst: 5,
  offerAnswerTimeoutMs: 45_000,
  offerVisibleWithinMs: 5_000,
  missedAgentSkipMs: 120_000,
  consecutiveMissesToHold: 2,
  maxWaitNoticesPerRound: 20,
  waitNoticeAfterMs: 10_000,
  lineHeadPerClass: 500,
  carriedLineMaxBytes: 320 * 1024,
  lineSegmentMaxBytes: 256 * 1024,
  continueAsNewAfterEvents: 4_000,
  closingNoticeMs: 1_000,
  idleShutdownMs: 10 * 60_000,
  routingProfileRefreshMs: 5 * 60_000,
  pollFailureBackoffIntervals: 5,
  statisticsWindowMs: 15 * 60_000,
  serviceLevelMs: 60_000,
  skillReadsPerSecond: 1.5,
  skillRefreshMs: 15 * 60_000,
};

const HOUR_MS = 3_600_000;

/**
 * The limits of each setting: a dispatcher would spin with a poll interval of 0 and could never
 * continue-as-new past Temporal's history limits, so settings are checked before a worker starts.
 * Temporal's payload limit is 2 MB: the byte budgets stay well below it.
 */
export const dispatcherSettingsSchema = shared('dispatcherSettingsSchema', () => {
  const ms = (min: number, max: number) => z.int().min(min).max(max);
  const positive = (max: number) => z.number().positive().max(max);
  return z
    .object({
      pollIntervalMs: ms(100, 24 * HOUR_MS),
      reservationTtlMs: ms(1_000, HOUR_MS),
      catchUpMs: ms(0, 10 * 60_000),
      offersPerSecond: positive(10_000),
      offerBurst: z.int().min(1).max(100_000),
      offerAnswerTimeoutMs: ms(1_000, HOUR_MS),
      offerVisibleWithinMs: ms(0, 10 * 60_000),
      missedAgentSkipMs: ms(0, 24 * HOUR_MS),
      consecutiveMissesToHold: z.int().min(1).max(100),
      maxWaitNoticesPerRound: z.int().min(0).max(10_000),
      waitNoticeAfterMs: ms(0, 24 * HOUR_MS),
      lineHeadPerClass: z.int().min(1).max(100_000),
      carriedLineMaxBytes: z
        .int()
        .min(1)
        .max(1_536 * 1024),
      lineSegmentMaxBytes: z
        .int()
        .min(1)
        .max(1_536 * 1024),
      continueAsNewAfterEvents: z.int().min(10).max(50_000),
      closingNoticeMs: ms(0, 60_000),
      idleShutdownMs: ms(0, 7 * 24 * HOUR_MS),
      routingProfileRefreshMs: ms(1_000, 24 * HOUR_MS),
      pollFailureBackoffIntervals: z.int().min(1).max(1_000),
      skillReadsPerSecond: positive(1_000),
      skillRefreshMs: ms(1_000, 7 * 24 * HOUR_MS),
      statisticsWindowMs: ms(1_000, 24 * HOUR_MS),
      serviceLevelMs: ms(1, 24 * HOUR_MS),
    } satisfies Record<keyof DispatcherSettings, z.ZodType>)
    .partial()
    .strict();
});

/**
 * Quicker answers for a local emulator (the demo, the tests): polls twice as often, still within
 * GetCurrentUserData's default quota of 2 per second, and shorter holds on reserved slots.
 */
export const LOCAL_DISPATCHER_SETTINGS: Partial<DispatcherSettings> = {
  pollIntervalMs: 500,
  reservationTtlMs: 30_000,
  catchUpMs: 5_000,
  offerAnswerTimeoutMs: 25_000,
  offerVisibleWithinMs: 1_500,
  missedAgentSkipMs: 30_000,
  skillRefreshMs: 30_000,
  // The demo and the tests show why a task waits as soon as it does.
  waitNoticeAfterMs: 0,
  // A client on the same machine reads the memo and sends its query within milliseconds.
  closingNoticeMs: 200,
};

export interface DispatcherInput {
  instanceId: string;
  /** The deployment's main task queue: the dispatcher's Connect calls go through its rate lanes. */
  taskQueue: string;
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
  reservedAt: number;
  /**
   * `pending`: the task is calling Connect (with a contact id: the dispatcher watches the agent for
   * it, and Connect showing it there makes the offer `offered`). `offered`: Connect offered the
   * contact to the agent, whose answer the dispatcher watches for. `accepted`: the task saw the
   * acceptance itself (DescribeContact), and Connect's figures may not show it yet. The contact id of
   * a create-connected task is unknown until the task settles.
   */
  state: 'pending' | 'offered' | 'accepted';
  offeredAt?: number;
  acceptedAt?: number;
  /** When an `unclear` verdict went to the task: it is asking Connect, and the slot stays held. */
  unclearAt?: number;
  /** Pending with a contact id: when the task was told its offer is `unseen`. */
  unseenAt?: number;
}

/**
 * A routing profile's queues. Agents may be assigned (AssociateContactWithUser) contacts of its
 * manual-assignment queues only; Connect itself routes the contacts of its routing queues, racing
 * anyone who assigns them, so the dispatcher never offers those.
 */
export interface RoutingProfileQueues {
  manual: string[];
  routed: string[];
}

/** Agents who missed a task's offer, and until when each is skipped for it. */
export type MissedOffers = Record<string, number>;

/**
 * [taskId, queue, priority, enqueuedAt, widenAt - enqueuedAt, preferred, excluded, allowed statuses,
 * last told (-1: none), version (absent: 0), routing criteria as JSON (absent or -1: none), contact
 * id (absent: none)]; numbers in the other columns index a string table.
 */
export type EncodedTask = [
  string,
  number,
  number,
  number,
  number,
  number[],
  number[],
  number[],
  number,
  number?,
  number?,
  string?,
];

/** Tasks of one line class, in line order, with their own string table. */
export interface EncodedLineSegment {
  strings: string[];
  tasks: EncodedTask[];
}

/**
 * A run of the line that waits in a line-segment workflow, out of the dispatcher's memory; `first`
 * is its first task's place in line order ([priority, enqueuedAt, taskId]).
 */
export interface LineSegmentRef {
  segmentId: string;
  lineClass: string;
  count: number;
  /**
   * [priority, tasks, oldest enqueuedAt] for each priority among its tasks (refs from before queue
   * statistics have no oldest: `first` gives it for the first priority only).
   */
  priorities: [number, number, number?][];
  first: [number, number, string];
  /** When it was asked back (epoch ms): its tasks are on their way in a lineSegmentReturned signal. */
  requestedAt?: number;
}

/** The dispatcher's book in a compact, JSON-safe form: strings interned once, tasks as tuples. */
export interface EncodedDispatcherBook {
  v: 1;
  line: EncodedTask[];
  reserved: EncodedTask[];
  /** Tasks behind the head that stayed in memory (absent before line segments existed). */
  backlog?: EncodedTask[];
  /** Runs of the line held by line-segment workflows. */
  segments?: LineSegmentRef[];
  /** Per task id: copies in line segments below this version are stale (the task changed or left). */
  staleBelow?: Record<string, number>;
  /** Queue ids, agent ids, statuses and last-told decisions, each stored once. */
  strings: string[];
  reservations: HeldReservation[];
  queuesByRoutingProfile: Record<string, RoutingProfileQueues>;
  reservationCounter: number;
  /** Per task id: agents skipped for it after a missed or rejected offer. */
  skips: Record<string, MissedOffers>;
  /** Per agent: offers missed in a row, and the status they missed them in. */
  misses: Record<string, { count: number; statusSince: number }>;
  offerTokens: { tokens: number; at: number };
  /** Usernames of the agents seen, by user id. */
  agentNames: Record<string, string>;
  /** The waits of tasks assigned lately, for the `queueStatistics` query (absent before it existed). */
  assignedWaits?: EncodedAssignedWaits;
  /** Agents' proficiencies by user id: when read, and [name, value, level] with names and values in `strings`. */
  skills?: Record<string, [number, [number, number, number][]]>;
  /** Offers settled on reservations no longer held, whose tasks are still to be told `unclear`. */
  unheldOffers?: { taskId: string; reservationId: string; userId: string }[];
}

/**
 * Per queue and priority, the waits of tasks assigned lately, oldest first: [queueId, priority,
 * when each was assigned (the first in epoch ms, each next one as ms after the one before), how long
 * each waited (ms)].
 */
export type EncodedAssignedWaits = [string, number, number[], number[]][];

const count = shared('count', () => z.int().min(0));

/**
 * The dispatcher's `status` query answer, and its result when it ends (idle). One schema gives the
 * TypeScript type and the JSON Schema (`npm run schemas`).
 */
export const dispatcherStatusSchema = shared('dispatcherStatusSchema', () =>
  z
    .object({
      instanceId: z.string().describe('The Connect instance this dispatcher serves.'),
      waitingCount: count.describe('Tasks in line, waiting for an agent.'),
      carriedCount: count
        .optional()
        .describe('Of the waiting tasks, those held by line-segment workflows, out of its memory.'),
      lineSegments: count.optional().describe('Line-segment workflows holding part of its line.'),
      reservationCount: count.describe(
        'Reservations held: agent slots reserved for tasks, offers awaiting an answer included.',
      ),
      offersAwaitingAnswer: count.describe(
        'Offers Connect made and whose answer the dispatcher still waits for.',
      ),
      watchedQueues: z
        .array(z.string())
        .describe('Queues with waiting or reserved tasks: the ones it polls GetCurrentUserData for.'),
      pollCount: count.describe('GetCurrentUserData rounds so far, over all runs.'),
      getCurrentUserDataCalls: count.describe(
        'GetCurrentUserData calls so far (100 queues per call), over all runs.',
      ),
      lastPollAt: z.iso.datetime().optional().describe('When this run last polled (ISO 8601, UTC).'),
      agentsKnown: count.describe("Agents it has seen in Connect's data."),
      runsSoFar: z.int().min(1).describe('Runs of this dispatcher, counting continue-as-new.'),
    })
    .describe('A connectDispatcher (one per Connect instance): its line, reservations and polling.'),
);

export type DispatcherStatus = z.output<typeof dispatcherStatusSchema>;

/** The queue statistics' window holds the last this many assignments of each queue and priority. */
export const ASSIGNMENTS_KEPT_PER_PRIORITY = 1_000;

const milliseconds = shared('milliseconds', () => z.int().min(0));

const priorityStatisticsSchema = shared('priorityStatisticsSchema', () =>
  z.object({
    priority: z.int().describe("The tasks' priority (lower is served first)."),
    waiting: count.describe('Tasks waiting in line, those held by line segments included.'),
    oldestWaitingSince: z.iso
      .datetime()
      .optional()
      .describe('When the longest-waiting of them joined the line (ISO 8601, UTC).'),
    oldestWaitMs: milliseconds.optional().describe('How long that task has waited, as of `at`.'),
    assigned: count.describe(
      `Tasks assigned (accepted by their agent) within the window: at most the last ${formatCount(ASSIGNMENTS_KEPT_PER_PRIORITY)}.`,
    ),
    waitP50Ms: milliseconds
      .optional()
      .describe(
        "Median wait of the tasks assigned within the window, from joining the line to the agent's acceptance.",
      ),
    waitP90Ms: milliseconds
      .optional()
      .describe('90th percentile (nearest rank) of the waits of the tasks assigned within the window.'),
    withinServiceLevel: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Share (0 to 1) of the tasks assigned within the window that waited at most serviceLevelMs.'),
  }),
);

const queueAgentsSchema = shared('queueAgentsSchema', () =>
  z.object({
    available: count.describe(
      'Agents with nothing offered and a free TASK slot, in a status that tasks of the queue allow, with no NextStatus pending.',
    ),
    offered: count.describe(
      'Agents with an offer awaiting their answer: one the dispatcher reserved a slot for, or a contact Connect shows ringing (CONNECTING).',
    ),
    busy: count.describe(
      "Agents with nothing offered and no free TASK slot (Connect's free slots less those reserved that Connect does not show yet).",
    ),
  }),
);

/**
 * The dispatcher's `queueStatistics` query answer: per queue and priority, what waits and how long
 * the tasks assigned lately waited; per queue, its agents. Computed from the dispatcher's own state:
 * no Connect call.
 */
export const queueStatisticsSchema = shared('queueStatisticsSchema', () =>
  z
    .object({
      instanceId: z.string().describe('The Connect instance this dispatcher serves.'),
      at: z.iso
        .datetime()
        .describe(
          "When the figures hold (ISO 8601, UTC): the dispatcher's clock at its last workflow task, at most a poll interval ago while tasks wait.",
        ),
      windowMs: milliseconds.describe(
        'statisticsWindowMs: the assigned figures are those of the tasks assigned within this many ms before `at`.',
      ),
      serviceLevelMs: milliseconds.describe(
        'serviceLevelMs: a task assigned within this many ms of joining the line was served within the service level.',
      ),
      agentsObservedAt: z.iso
        .datetime()
        .optional()
        .describe(
          "When Connect last described the agents: the dispatcher's last poll (pushed agent events may be newer); absent before the first.",
        ),
      queues: z
        .array(
          z.object({
            queueId: z.string().describe('The Connect queue.'),
            agents: queueAgentsSchema
              .optional()
              .describe(
                'Agents whose routing profile has the queue among its manual-assignment queues, each in one state at most (an agent away, in a status no task of the queue allows, is in none), as of agentsObservedAt; only for queues the dispatcher polls (waiting tasks or open offers), once it has polled.',
              ),
            priorities: z
              .array(priorityStatisticsSchema)
              .describe(
                'Priorities with waiting tasks or tasks assigned within the window, most urgent first.',
              ),
          }),
        )
        .describe('Queues with waiting tasks, open offers or tasks assigned within the window, by queue id.'),
    })
    .describe(
      "A connectDispatcher's live queue statistics: waiting tasks, recent waits and service level, and agents, per queue.",
    ),
);

export type QueueStatistics = z.output<typeof queueStatisticsSchema>;
export type QueueFigures = QueueStatistics['queues'][number];
export type PriorityFigures = QueueFigures['priorities'][number];
export type QueueAgents = NonNullable<QueueFigures['agents']>;

// ---- Into the dispatcher ----
/** One task joins the line (routeTask runs begun before joins were gathered send it themselves). */
export const enqueueTaskSignal = defineSignal<[WaitingTask]>('enqueueTask');
/** Tasks join the line, gathered into one signal (workers of the version before joinLineUpdate send it). */
export const tasksJoinedSignal = defineSignal<[{ tasks: WaitingTask[] }]>('tasksJoined');
/**
 * Tasks join the line, gathered by a worker into one update (see registerWithDispatcher). An update,
 * because one that arrives while the dispatcher continues as new leaves the continue-as-new alone:
 * the server hands it to the next run. A signal arriving then fails the continue-as-new, and the
 * worker replays the whole run before it tries again.
 */
export const joinLineUpdate = defineUpdate<JoinLineAnswer | void, [{ tasks: WaitingTask[] }]>('joinLine');
/**
 * The answer to a join, after the dispatcher's first round with the tasks in line: why each of them
 * that still waits does (a task reserved in that round gets its reservation instead). The update
 * costs nothing more, where a waitNotice signal is a billed action; a later notice comes only when
 * the reason changes. Void from runs begun before, and from a run about to continue as new.
 */
export interface JoinLineAnswer {
  notices: WaitNotice[];
}
export const leaveLineSignal = defineSignal<[{ taskId: string }]>('leaveLine');
export const updateTaskSignal = defineSignal<[TaskUpdate]>('updateTask');
/** A task's word on its reservation. */
export interface ReservationSettled {
  reservationId: string;
  outcome: SettleOutcome;
  contactId?: string;
  /**
   * The task and the reserved agent: with them the dispatcher answers an offer on a reservation it no
   * longer holds (`unclear`, so the task asks Connect), and the task needs no timer of its own for it.
   * Absent from runs begun before.
   */
  taskId?: string;
  userId?: string;
}
export const settleReservationSignal = defineSignal<[ReservationSettled]>('settleReservation');
/**
 * The push path: agents' new states (from a Connect agent event stream), the newest of each agent in
 * a batch of events, wake the dispatcher at once. One signal (one billed action) carries many agents.
 */
export const agentsChangedSignal = defineSignal<[AgentState[]]>('agentsChanged');
/** A line segment gives back its tasks, asked by the dispatcher as the line before them moves. */
export const lineSegmentReturnedSignal =
  defineSignal<[{ segmentId: string; tasks: EncodedLineSegment }]>('lineSegmentReturned');

// ---- Out of the dispatcher, to a routeTask run ----
export const slotReservedSignal = defineSignal<[Reservation]>('slotReserved');
export const offerVerdictSignal = defineSignal<[OfferVerdict]>('offerVerdict');
export const waitNoticeSignal = defineSignal<[WaitNotice]>('waitNotice');

export const dispatcherStatusQuery = defineQuery<DispatcherStatus>('status');
export const explainTaskQuery = defineQuery<TaskExplanation, [string]>('explainTask');
export const queueStatisticsQuery = defineQuery<QueueStatistics>('queueStatistics');
