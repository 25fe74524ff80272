/**
 * Free at once: how fast the dispatcher hands out slots when many agents become free together.
 *
 * One deployment whose call centre has A agents (one TASK slot each) serving one manual-assignment
 * queue, every agent Offline. N routeTask runs get in line; once the dispatcher reports N waiting,
 * every agent is set Available in one synchronous loop (t0), and the emulator's ledger is watched
 * until every agent has accepted one task (offers auto-accepted, no handle time: an agent stays busy).
 * AssociateContactWithUser's quota and the dispatcher's offer rate are both set to one rate R, so R is
 * what the dispatcher may reach. The timeline (t0 → first reservation → associations → all busy),
 * the rates, the dispatcher's rounds, polls and workflow tasks during the burst (its histories) and
 * each reserved task's way from its slotReserved signal to AssociateContactWithUser (their
 * histories) say where the time went.
 *
 * With a handle time the agents then work the line down: each ends its task after the handle time
 * (no after-contact work) and takes the next, until every waiting task is assigned (the drain). The
 * ledger shows each task contact accepted exactly once, visibility every routeTask run completed.
 * The runs still waiting are terminated at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { EmulatorConfig, Ledger } from '../src/dev/emulator';
import type { WorkerStats } from '../src/dev/worker-process';
import {
  DEFAULT_DISPATCHER_SETTINGS,
  type DispatcherSettings,
  type DispatcherStatus,
  type Reservation,
} from '../src/shared/dispatcher-contract';
import {
  type ConnectCallRates,
  connectQuotaBurst,
  DEFAULT_CONNECT_CALL_RATES,
} from '../src/shared/task-queues';
import { waitUntil } from '../test/helpers/eventually';
import type { routeTask } from '../workflows/route-task';
import { counts, steadyRate } from './routing-offers';
import { type DispatcherRun, dispatcherRuns, eventTypeName, largestPayloadBytes } from './routing-actions';
import {
  type BenchServer,
  type Deployment,
  RAISED_CONTACT_QUOTAS,
  roomForTasks,
  runBounded,
  startDeployment,
  withTimeout,
} from './routing-stack';
import type { ScenarioReport } from './scenario-report';
import { fmt, formatTable, seconds, type Summary, summarize } from './stats';
import { type Fill, fillLine, terminateOpen } from './waiting-line';
import { WORKFLOW_TASK_TIME_HEADINGS, workflowTaskTimeRows } from './workflow-task-times';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface FreeAtOnceOptions {
  agents: number;
  waiting: number;
  /** AssociateContactWithUser's quota (both sides) and the dispatcher's offersPerSecond. */
  associateRate: number;
  /** Give up getting N tasks in line after this long. */
  fillTimeoutSeconds: number;
  /** Give up waiting for every agent to be busy (or, draining, every task assigned) after this long from t0. */
  timeLimitSeconds: number;
  /** Set: the agents work the line down, each task taking this long; unset: an agent keeps its task. */
  drainHandleTimeMs?: number;
  startConcurrency: number;
  maxCachedWorkflows?: number;
  heapLimitMb?: number;
}

// Ids in the default call centre's style, in ranges of their own.
const QUEUE_ID = '22222222-2222-4222-8222-0000000000f1';
const PROFILE_ID = '33333333-3333-4333-8333-0000000000f1';
const agentId = (index: number) => `77777777-7777-4777-8777-${index.toString(16).padStart(12, '0')}`;

/** A agents, one TASK slot each, all Offline, all eligible for the one manual-assignment queue. */
function callCentre(agents: number, waiting: number, drainHandleTimeMs: number | undefined): EmulatorConfig {
  return {
    queues: [{ id: QUEUE_ID, name: 'Free at once' }],
    routingProfiles: [
      {
        id: PROFILE_ID,
        name: 'Free-at-once agents',
        queueIds: [],
        manualAssignmentQueueIds: [QUEUE_ID],
        taskConcurrency: 1,
      },
    ],
    agents: Array.from({ length: agents }, (_, index) => ({
      id: agentId(index),
      username: `agent${index + 1}`,
      routingProfileId: PROFILE_ID,
      status: 'Offline',
    })),
    contactFlows: [
      { id: '66666666-6666-4666-8666-0000000000f1', name: 'Task flow', queueId: QUEUE_ID },
      { id: '66666666-6666-4666-8666-0000000000f2', name: 'Transfer to queue', type: 'QUEUE_TRANSFER' },
    ],
    // Connect's own routing has no queue to route here, and it checks every queued contact against
    // every agent on each status change: 500 changes × 2,000 contacts × 500 agents.
    autoRouting: false,
    offers: { autoAccept: true },
    // Not draining, busy until the end: an agent gets one task, so "all busy" is "every agent was given one".
    handleTimeMs: drainHandleTimeMs ?? null,
    afterContactWorkMs: 0,
    ...roomForTasks(waiting),
  };
}

/**
 * AssociateContactWithUser at `rate` (never below Connect's default), the other per-contact calls
 * raised as in every scenario's fill: at CreateContact's `rate` a line of 50,000 started at once
 * waits in the create lane far longer than the burst takes.
 */
function contactQuotas(rate: number): Partial<ConnectCallRates> {
  return { ...RAISED_CONTACT_QUOTAS, associate: Math.max(rate, DEFAULT_CONNECT_CALL_RATES.associate) };
}

/** Each workflow task whose start falls in [from, to): scheduled → started (queued) and started → completed. */
function workflowTasks(runs: readonly DispatcherRun[], fromMs: number, toMs: number) {
  const tasks: { startedAt: number; queuedMs: number; durationMs: number }[] = [];
  for (const { events } of runs) {
    const scheduledAt = new Map<string, number>();
    const started = new Map<string, { at: number; queuedMs: number }>();
    for (const event of events) {
      const at = tsToMs(event.eventTime);
      const id = String(event.eventId);
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) scheduledAt.set(id, at);
      const scheduledFor = event.workflowTaskStartedEventAttributes?.scheduledEventId;
      if (scheduledFor != null)
        started.set(id, { at, queuedMs: at - (scheduledAt.get(String(scheduledFor)) ?? at) });
      const startedFor = event.workflowTaskCompletedEventAttributes?.startedEventId;
      const start = startedFor == null ? undefined : started.get(String(startedFor));
      if (start !== undefined && start.at >= fromMs && start.at < toMs)
        tasks.push({ startedAt: start.at, queuedMs: start.queuedMs, durationMs: at - start.at });
    }
  }
  return tasks;
}

/** The largest payload (data bytes) anywhere in the histories, and the event that carried it. */
function largestPayload(runs: readonly DispatcherRun[]): { bytes: number; where: string } {
  let largest = { bytes: 0, where: 'none' };
  for (const { events } of runs) {
    const activityTypes = new Map<string, string>();
    for (const event of events) {
      const scheduled = event.activityTaskScheduledEventAttributes?.activityType?.name;
      if (scheduled) activityTypes.set(String(event.eventId), scheduled);
      const bytes = largestPayloadBytes(event);
      if (bytes > largest.bytes) largest = { bytes, where: eventName(event, activityTypes) };
    }
  }
  return largest;
}

/** The event's type, with the activity or signal it concerns. */
function eventName(event: HistoryEvent, activityTypes: ReadonlyMap<string, string>): string {
  const type = eventTypeName(event);
  const completedFor = event.activityTaskCompletedEventAttributes?.scheduledEventId;
  const detail =
    event.activityTaskScheduledEventAttributes?.activityType?.name ??
    (completedFor == null ? undefined : activityTypes.get(String(completedFor))) ??
    event.workflowExecutionSignaledEventAttributes?.signalName ??
    event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
  return detail ? `${type} (${detail})` : type;
}

interface SentReservation {
  at: number;
  /** When the server confirmed the signal to the dispatcher (NaN: never). */
  ackedAt: number;
  userId: string;
  taskId: string;
  /** The dispatcher workflow task (round) that handed it out. */
  round: string;
}

/** slotReserved signals the dispatcher sent, in time order. */
function reservationsSent(runs: readonly DispatcherRun[]): SentReservation[] {
  const sent: SentReservation[] = [];
  runs.forEach(({ events }, run) => {
    const acked = new Map<string, number>();
    for (const event of events) {
      const initiated =
        event.externalWorkflowExecutionSignaledEventAttributes?.initiatedEventId ??
        event.signalExternalWorkflowExecutionFailedEventAttributes?.initiatedEventId;
      if (initiated != null) acked.set(String(initiated), tsToMs(event.eventTime));
    }
    for (const event of events) {
      const signal = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
      const data = signal?.input?.payloads?.[0]?.data;
      if (signal?.signalName !== 'slotReserved' || !data) continue;
      const { userId, taskId } = JSON.parse(Buffer.from(data).toString('utf8')) as Reservation;
      sent.push({
        at: tsToMs(event.eventTime),
        ackedAt: acked.get(String(event.eventId)) ?? NaN,
        userId,
        taskId,
        round: `${run}/${String(signal.workflowTaskCompletedEventId)}`,
      });
    }
  });
  return sent.sort((a, b) => a.at - b.at);
}

interface Rounds {
  sizes: Summary;
  gapsMs: Summary;
  /** A round's first signal sent → its last one confirmed: the dispatcher waits for all before the next round. */
  acksMs: Summary;
}

/** The rounds that handed out reservations: how many each, how far apart, how long their signals took. */
function reservingRounds(reservations: readonly SentReservation[]): Rounds {
  const rounds = new Map<string, { at: number; ackedAt: number; size: number }>();
  for (const r of reservations) {
    const round = rounds.get(r.round) ?? { at: r.at, ackedAt: r.ackedAt, size: 0 };
    round.size += 1;
    round.ackedAt = Math.max(round.ackedAt, r.ackedAt);
    rounds.set(r.round, round);
  }
  const all = [...rounds.values()].sort((a, b) => a.at - b.at);
  return {
    sizes: summarize(all.map((round) => round.size)),
    gapsMs: summarize(all.slice(1).map((round, index) => round.at - all[index]!.at)),
    acksMs: summarize(all.map((round) => round.ackedAt - round.at).filter((ms) => !Number.isNaN(ms))),
  };
}

/** A routeTask run's way from its slotReserved signal to AssociateContactWithUser, from its history. */
const ROUTE_TASK_STAGES = [
  "dispatcher's signal sent → received by routeTask",
  'signal → workflow task started (queued for the worker)',
  'workflow task started → completed (a replay when evicted from the cache)',
  'associateContactWithUser scheduled → started (the associate lane)',
  'associateContactWithUser started → completed (pacing and the call)',
] as const;
type RouteTaskStage = (typeof ROUTE_TASK_STAGES)[number];

function routeTaskStages(
  events: readonly HistoryEvent[],
  fromMs: number,
  sentAt: number,
): number[] | undefined {
  const at = (event: HistoryEvent | undefined) => (event ? tsToMs(event.eventTime) : NaN);
  // Event ids are Longs: compared as strings, and never two missing ones.
  const same = (id: unknown, event: HistoryEvent | undefined) =>
    id != null && event?.eventId != null && String(id) === String(event.eventId);
  const after = (from: number, match: (event: HistoryEvent) => boolean) => events.slice(from + 1).find(match);
  const signalIndex = events.findIndex(
    (event) =>
      event.workflowExecutionSignaledEventAttributes?.signalName === 'slotReserved' && at(event) >= fromMs,
  );
  if (signalIndex < 0) return undefined;
  const taskStarted = after(signalIndex, (e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
  const taskCompleted = after(signalIndex, (e) =>
    same(e.workflowTaskCompletedEventAttributes?.startedEventId, taskStarted),
  );
  const scheduled = after(
    signalIndex,
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'associateContactWithUser',
  );
  const activityStarted = after(signalIndex, (e) =>
    same(e.activityTaskStartedEventAttributes?.scheduledEventId, scheduled),
  );
  const activityCompleted = after(signalIndex, (e) =>
    same(
      e.activityTaskCompletedEventAttributes?.scheduledEventId ??
        e.activityTaskFailedEventAttributes?.scheduledEventId,
      scheduled,
    ),
  );
  const stages = [
    at(events[signalIndex]) - sentAt,
    at(taskStarted) - at(events[signalIndex]),
    at(taskCompleted) - at(taskStarted),
    at(activityStarted) - at(scheduled),
    at(activityCompleted) - at(activityStarted),
  ];
  return stages.some(Number.isNaN) ? undefined : stages;
}

/** The stages over the runs given a reservation after t0, each from its first (read 20 at a time). */
async function routeTaskStageSummaries(
  server: BenchServer,
  reservations: readonly SentReservation[],
  fromMs: number,
): Promise<{ read: number; stages: Record<RouteTaskStage, Summary> }> {
  const sentAt = new Map<string, number>();
  for (const r of reservations) if (!sentAt.has(r.taskId)) sentAt.set(r.taskId, r.at);
  const taskIds = [...sentAt.keys()];
  const perTask = await runBounded(taskIds.length, 20, async (index) =>
    routeTaskStages(
      (await server.client.workflow.getHandle(taskIds[index]!).fetchHistory()).events ?? [],
      fromMs,
      sentAt.get(taskIds[index]!)!,
    ),
  );
  const read = perTask.filter((stages): stages is number[] => stages !== undefined);
  return {
    read: read.length,
    stages: Object.fromEntries(
      ROUTE_TASK_STAGES.map((stage, index) => [stage, summarize(read.map((stages) => stages[index]!))]),
    ) as Record<RouteTaskStage, Summary>,
  };
}

/** Signals the dispatcher sent in [from, to), by name: each is a workflow task of the task it goes to. */
function signalsSent(runs: readonly DispatcherRun[], fromMs: number, toMs: number): Record<string, number> {
  const sent: Record<string, number> = {};
  for (const { events } of runs)
    for (const event of events) {
      const name = event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
      const at = tsToMs(event.eventTime);
      if (name && at >= fromMs && at < toMs) sent[name] = (sent[name] ?? 0) + 1;
    }
  return sent;
}

interface Poll {
  scheduledAt: number;
  /** Scheduled → completed (or failed): the dispatcher's loop waits for it. */
  durationMs: number;
  attempts: number;
}

/** Each getCurrentUserData poll scheduled in [from, to). */
function pollsIn(runs: readonly DispatcherRun[], fromMs: number, toMs: number): Poll[] {
  const polls: Poll[] = [];
  for (const { events } of runs) {
    const byId = new Map<string, Poll>();
    for (const event of events) {
      const at = tsToMs(event.eventTime);
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'getCurrentUserData') {
        const poll = { scheduledAt: at, durationMs: NaN, attempts: 1 };
        byId.set(String(event.eventId), poll);
        if (at >= fromMs && at < toMs) polls.push(poll);
      }
      const started = event.activityTaskStartedEventAttributes;
      const startedPoll = started && byId.get(String(started.scheduledEventId));
      if (startedPoll) startedPoll.attempts = started.attempt ?? 1;
      const ended =
        event.activityTaskCompletedEventAttributes?.scheduledEventId ??
        event.activityTaskFailedEventAttributes?.scheduledEventId ??
        event.activityTaskTimedOutEventAttributes?.scheduledEventId;
      const endedPoll = ended == null ? undefined : byId.get(String(ended));
      if (endedPoll) endedPoll.durationMs = at - endedPoll.scheduledAt;
    }
  }
  return polls.sort((a, b) => a.scheduledAt - b.scheduledAt);
}

/** What bench:report needs of the scenario: the burst's timing and rates, and its mistakes. */
export interface FreeAtOnceFigures {
  agents: number;
  waiting: number;
  /** AssociateContactWithUser's quota on the emulator (and the worker's lane, and offersPerSecond). */
  associateRate: number;
  fill: Fill;
  /** Unset when not every task got in line (no burst was measured). */
  burst?: {
    busy: number;
    timedOut: boolean;
    /** t0 → first association; t0 → all busy (NaN when not reached). */
    firstMs: number;
    allBusyMs: number;
    /** Assignments per second, first → last and over the 10th→90th percentile of their times. */
    overallRate: number;
    steadyRate: number;
    throttled: number;
    overCapacity: number;
    doubleAssignments: number;
  };
}

interface Burst {
  /** Epoch ms once every agent was set Available. */
  t0: number;
  /** How long setting them all Available took. */
  setAvailableMs: number;
  /** t0 + time limit, or when the last agent became busy. */
  endedAt: number;
  /** Each agent's first accepted AssociateContactWithUser at or after t0 (epoch ms), in time order. */
  busyAt: number[];
  ledgerBefore: Ledger;
  ledgerAfter: Ledger;
  statusBefore?: DispatcherStatus;
  statusAfter?: DispatcherStatus;
  timedOut: boolean;
}

/** Accepted AssociateContactWithUser offers at or after t0: their times (epoch ms, in order) by agent or by contact. */
function acceptedSince(ledger: Ledger, t0: number, by: 'userId' | 'contactId'): Map<string, number[]> {
  const accepted = new Map<string, number[]>();
  for (const record of ledger.assignments) {
    if (record.via !== 'AssociateContactWithUser' || record.outcome !== 'accepted') continue;
    const at = Date.parse(record.at);
    if (at < t0) continue;
    const times = accepted.get(record[by]);
    if (times) times.push(at);
    else accepted.set(record[by], [at]);
  }
  return accepted;
}

/** Agents given their first accepted association at or after t0, with when. */
function busyAgents(ledger: Ledger, t0: number): Map<string, number> {
  return new Map([...acceptedSince(ledger, t0, 'userId')].map(([userId, times]) => [userId, times[0]!]));
}

async function freeEveryone(
  deployment: Deployment,
  options: FreeAtOnceOptions,
  say: (line: string) => void,
): Promise<Burst> {
  const { emulator } = deployment;
  const statusBefore = await deployment.status();
  const ledgerBefore = emulator.ledger();
  const began = Date.now();
  // In-process and synchronous: no Connect request is answered until every agent is Available.
  for (let index = 0; index < options.agents; index += 1)
    emulator.setAgentStatus(agentId(index), 'Available');
  const t0 = Date.now();
  say(`${fmt(options.agents)} agents Available in ${fmt(t0 - began)} ms; watching the ledger`);
  const deadline = t0 + options.timeLimitSeconds * 1000;
  let busy = new Map<string, number>();
  let lastLog = t0;
  while (Date.now() < deadline && deployment.worker.exitReason() === undefined) {
    await sleep(200);
    busy = busyAgents(emulator.ledger(), t0);
    if (busy.size >= options.agents) break;
    if (Date.now() - lastLog >= 5_000) {
      lastLog = Date.now();
      say(`${seconds(Date.now() - t0)} after t0: ${fmt(busy.size)}/${fmt(options.agents)} agents busy`);
    }
  }
  const ledgerAfter = emulator.ledger();
  busy = busyAgents(ledgerAfter, t0);
  const busyAt = [...busy.values()].sort((a, b) => a - b);
  const timedOut = busy.size < options.agents;
  return {
    t0,
    setAvailableMs: t0 - began,
    endedAt: timedOut ? Date.now() : busyAt[busyAt.length - 1]!,
    busyAt,
    ledgerBefore,
    ledgerAfter,
    statusBefore,
    statusAfter: await deployment.status().catch(() => undefined),
    timedOut,
  };
}

interface Drain {
  /** When the last task was assigned, or when the watch gave up. */
  endedAt: number;
  /** Each task contact's first accepted association at or after t0 (epoch ms), in time order. */
  assignedAt: number[];
  /** Task contacts accepted by an agent more than once: must stay 0. */
  assignedTwice: number;
  ledgerAfter: Ledger;
  statusAfter?: DispatcherStatus;
  /** routeTask runs of the deployment by visibility's ExecutionStatus, once the count settled. */
  runs: { completed: number; running: number };
  timedOut: boolean;
}

/** Watches the agents work the line down until every waiting task was accepted once (or the time limit). */
async function drainLine(
  deployment: Deployment,
  options: FreeAtOnceOptions,
  t0: number,
  say: (line: string) => void,
): Promise<Drain> {
  const { emulator } = deployment;
  const deadline = t0 + options.timeLimitSeconds * 1000;
  let accepted = new Map<string, number[]>();
  let lastLog = Date.now();
  // Every 2 s: each look copies the whole ledger, one record per offer.
  while (Date.now() < deadline && deployment.worker.exitReason() === undefined) {
    accepted = acceptedSince(emulator.ledger(), t0, 'contactId');
    if (accepted.size >= options.waiting) break;
    if (Date.now() - lastLog >= 30_000) {
      lastLog = Date.now();
      say(
        `${seconds(Date.now() - t0)} after t0: ${fmt(accepted.size)}/${fmt(options.waiting)} tasks assigned`,
      );
    }
    await sleep(2_000);
  }
  const ledgerAfter = emulator.ledger();
  accepted = acceptedSince(ledgerAfter, t0, 'contactId');
  const assignedAt = [...accepted.values()].map((times) => times[0]!).sort((a, b) => a - b);
  const timedOut = accepted.size < options.waiting;
  const endedAt = timedOut ? Date.now() : assignedAt[assignedAt.length - 1]!;
  say(
    `${fmt(accepted.size)}/${fmt(options.waiting)} tasks assigned ${seconds(endedAt - t0)} after t0; counting runs`,
  );
  // An accepted offer completes its run a moment later, and visibility follows.
  const runs = { completed: 0, running: NaN };
  await waitUntil(
    'the routeTask runs to settle in visibility',
    async () => {
      runs.completed = await deployment.countTasks('ExecutionStatus = "Completed"');
      runs.running = await deployment.countTasks('ExecutionStatus = "Running"');
      const settled = runs.completed + runs.running >= options.waiting && (timedOut || runs.running === 0);
      return settled ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 2_000 },
  ).catch(() => undefined);
  return {
    endedAt,
    assignedAt,
    assignedTwice: [...accepted.values()].filter((times) => times.length > 1).length,
    ledgerAfter,
    statusAfter: await deployment.status().catch(() => undefined),
    runs,
    timedOut,
  };
}

const delta = (after: Partial<Record<string, number>>, before: Partial<Record<string, number>>) =>
  Object.fromEntries(
    Object.entries(after)
      .map(([key, n]) => [key, (n ?? 0) - (before[key] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
const total = (byName: Partial<Record<string, number>>) =>
  Object.values(byName).reduce<number>((sum, n) => sum + (n ?? 0), 0);
const errorText = (errors: Ledger['errors']) =>
  Object.entries(errors)
    .map(([operation, byName]) => `${operation} ${counts(byName ?? {})}`)
    .join('; ') || 'none';
const msText = (ms: number) => `${fmt(ms)} ms`;
const p50p99max = (s: Summary, unit: (n: number) => string = msText) =>
  s.count === 0 ? 'n/a' : `${unit(s.p50)} / ${unit(s.p99)} / ${unit(s.max)}`;

interface Analysis {
  firstMs: number;
  lastMs: number;
  overallRate: number;
  steady: number;
  reservations: SentReservation[];
  firstReservationMs: number;
  lastReservationMs: number;
  reservationSteady: number;
  rounds: Rounds;
  reservationToAssociation: Summary;
  tasks: { startedAt: number; queuedMs: number; durationMs: number }[];
  taskDurations: Summary;
  taskQueued: Summary;
  /** Sum of workflow task durations ÷ t0 → end, and the same for their time queued. */
  busyShare: number;
  queuedShare: number;
  /** When runs began during the burst (continue-as-new), ms after t0. */
  runsBegun: number[];
  signalsSent: Record<string, number>;
  polls: Poll[];
  pollGaps: Summary;
  pollDurations: Summary;
  sawThem?: Poll;
  largest: { bytes: number; where: string };
  runs: number;
}

function analyse(burst: Burst, runs: readonly DispatcherRun[]): Analysis {
  const { t0, endedAt, busyAt } = burst;
  const firstMs = (busyAt[0] ?? NaN) - t0;
  const lastMs = (busyAt[busyAt.length - 1] ?? NaN) - t0;
  const overallRate = busyAt.length > 1 ? (busyAt.length - 1) / ((lastMs - firstMs) / 1000) : NaN;
  const reservations = reservationsSent(runs).filter((r) => r.at >= t0 && r.at <= endedAt);
  const reservedAt = new Map<string, number>();
  for (const r of reservations) if (!reservedAt.has(r.userId)) reservedAt.set(r.userId, r.at);
  const reservationToAssociation = summarize(
    [...busyAgents(burst.ledgerAfter, t0)].flatMap(([userId, at]) => {
      const reserved = reservedAt.get(userId);
      return reserved === undefined ? [] : [at - reserved];
    }),
  );
  const tasks = workflowTasks(runs, t0, endedAt);
  const spanMs = Math.max(1, endedAt - t0);
  const polls = pollsIn(runs, t0, endedAt);
  // The poll that saw the agents free: the last one to complete before the first reservation (it
  // may have been scheduled before t0 and read its pages after).
  const firstReservationAt = reservations[0]?.at ?? NaN;
  const sawThem = pollsIn(runs, -Infinity, endedAt)
    .filter((poll) => poll.scheduledAt + poll.durationMs <= firstReservationAt)
    .sort((x, y) => x.scheduledAt + x.durationMs - (y.scheduledAt + y.durationMs))
    .pop();
  return {
    firstMs,
    lastMs,
    overallRate,
    steady: steadyRate(busyAt),
    reservations,
    firstReservationMs: (reservations[0]?.at ?? NaN) - t0,
    lastReservationMs: (reservations[reservations.length - 1]?.at ?? NaN) - t0,
    reservationSteady: steadyRate(reservations.map((r) => r.at)),
    rounds: reservingRounds(reservations),
    reservationToAssociation,
    tasks,
    taskDurations: summarize(tasks.map((task) => task.durationMs)),
    taskQueued: summarize(tasks.map((task) => task.queuedMs)),
    busyShare: tasks.reduce((sum, task) => sum + task.durationMs, 0) / spanMs,
    queuedShare: tasks.reduce((sum, task) => sum + task.queuedMs, 0) / spanMs,
    signalsSent: signalsSent(runs, t0, endedAt),
    runsBegun: runs
      .filter((run) => run.startedAtMs >= t0 && run.startedAtMs <= endedAt)
      .map((run) => run.startedAtMs - t0),
    polls,
    pollGaps: summarize(polls.slice(1).map((poll, index) => poll.scheduledAt - polls[index]!.scheduledAt)),
    sawThem,
    pollDurations: summarize(polls.map((poll) => poll.durationMs).filter((ms) => !Number.isNaN(ms))),
    largest: largestPayload(runs),
    runs: runs.length,
  };
}

/**
 * One sentence naming where the time went. The span t0 → all busy splits into seeing the free agents
 * (t0 → first reservation: the next poll), handing out offers (first → last reservation, beyond what
 * the offer rate needs) and the last association after the last offer (the routeTask side).
 * Assignments within 15 % of the rate mean the rate set the pace; otherwise the part that took the
 * most beyond its need is the bottleneck, named with its own figures, and a second part that cost a
 * quarter of the span or more is named after it.
 */
function bottleneck(
  a: Analysis,
  stages: Record<RouteTaskStage, Summary> | undefined,
  timedOut: boolean,
  settings: Pick<DispatcherSettings, 'offersPerSecond' | 'offerBurst' | 'pollIntervalMs'>,
  agents: number,
): string {
  const rate = settings.offersPerSecond;
  if (Number.isNaN(a.firstReservationMs))
    return 'No reservation was handed out after t0: the dispatcher never saw the agents free.';
  const seeMs = a.firstReservationMs;
  const handOutMs = a.lastReservationMs - a.firstReservationMs;
  const tailMs = timedOut ? NaN : a.lastMs - a.lastReservationMs;
  const idealHandOutMs = (Math.max(0, agents - settings.offerBurst) / rate) * 1000;
  const parts =
    `seeing the free agents ${seconds(seeMs)}, handing out offers ${seconds(handOutMs)} (the rate needs ` +
    `${seconds(idealHandOutMs)}), last offer → last association ${Number.isNaN(tailMs) ? 'not reached' : seconds(tailMs)}`;
  if (a.steady >= rate * 0.85) {
    // Offers spread over about their ideal span: the dispatcher paced them; all out at once: the
    // Temporal server's per-task-queue rate on the associate lane did.
    const where =
      handOutMs > 0 && handOutMs >= idealHandOutMs * 0.85
        ? `the dispatcher's offer pacing (offersPerSecond ${fmt(rate)})`
        : `the associate lane (${fmt(rate)} AssociateContactWithUser/s, held by the Temporal server for the ` +
          "lane's task queue), the offers having gone out at once";
    return (
      `Bound by the configured rate: assignments ran at ${fmt(a.steady, 1)}/s (10th→90th), ` +
      `${fmt((a.steady / rate) * 100)} % of ${fmt(rate)}/s, paced by ${where} (${parts}).`
    );
  }
  const slowestStage = ROUTE_TASK_STAGES.flatMap((stage) =>
    stages && stages[stage].count > 0 ? [[stage, stages[stage]] as const] : [],
  ).sort(([, x], [, y]) => y.mean - x.mean)[0];
  // What lies between two reserving rounds: the loop awaits the poll, then every signal of a round.
  const roundGap = [
    {
      what: 'each poll',
      ms: a.pollDurations.p50,
      // A throttled page fails the whole poll, whose retry reads every page again.
      detail:
        `GetCurrentUserData, ${fmt(Math.ceil(agents / 100))} pages of 100 agents; ` +
        `${fmt(a.polls.reduce((sum, poll) => sum + poll.attempts - 1, 0))} retried attempts over ` +
        `${fmt(a.polls.length)} polls`,
    },
    {
      what: 'the confirmation of every slotReserved signal of the round',
      ms: a.rounds.acksMs.p50,
      detail: 'signals to tasks',
    },
    {
      what: 'its own workflow tasks',
      ms: a.taskDurations.p50 + a.taskQueued.p50,
      detail: 'run and queued',
    },
  ].sort((x, y) => y.ms - x.ms)[0]!;
  const excess: [number, string][] = [
    [
      seeMs,
      `the poll interval (the dispatcher saw the free agents only at its next poll, ${seconds(seeMs)} after t0; ` +
        `a poll every ${fmt(Math.ceil(agents / 100))} × pollIntervalMs ${fmt(settings.pollIntervalMs)}, one per ` +
        `GetCurrentUserData page of 100 agents${a.pollGaps.count > 0 ? `, ${seconds(a.pollGaps.p50)} apart p50` : ''})`,
    ],
    [
      handOutMs - idealHandOutMs,
      `the dispatcher's rounds (offers went out at ${fmt(a.reservationSteady, 1)}/s of ${fmt(rate)}/s allowed, ` +
        `${fmt(a.rounds.sizes.count)} rounds of up to ${fmt(a.rounds.sizes.max)} (offerBurst ${fmt(settings.offerBurst)}) ` +
        `${seconds(a.rounds.gapsMs.p50)} apart, p50, where the offer bucket refills in ` +
        `${seconds((settings.offerBurst / rate) * 1000)}: its loop waits for ${roundGap.what} before the next round, ` +
        `p50 ${msText(roundGap.ms)} (${roundGap.detail}))`,
    ],
    [
      // Timed out: the routeTask side is to blame only when every offer went out.
      Number.isNaN(tailMs) ? (a.reservations.length >= agents ? Infinity : 0) : tailMs,
      `the routeTask side (reservation → association p50 ${msText(a.reservationToAssociation.p50)}, p99 ` +
        `${msText(a.reservationToAssociation.p99)}` +
        (slowestStage
          ? `; its largest stage: ${slowestStage[0]}, mean ${msText(slowestStage[1].mean)})`
          : ')'),
    ],
  ];
  const [first, second] = excess.sort((x, y) => y[0] - x[0]);
  const spanMs = Number.isNaN(a.lastMs) ? Infinity : a.lastMs;
  const also = second && second[0] >= spanMs / 4 ? `, then by ${second[1]}` : '';
  return (
    `Assignments ran at ${fmt(a.steady, 1)}/s (10th→90th), ${fmt((a.steady / rate) * 100)} % of ${fmt(rate)}/s, ` +
    `bound by ${first![1]}${also} (${parts}).`
  );
}

/** The drain: every waiting task assigned once, how fast, and what it cost in polls. */
function drainReport(drain: Drain, burst: Burst, options: FreeAtOnceOptions): string {
  const { t0 } = burst;
  const assigned = drain.assignedAt.length;
  const first = drain.assignedAt[0] ?? NaN;
  const spanMs = drain.endedAt - t0;
  const gcud =
    (drain.ledgerAfter.calls.GetCurrentUserData ?? 0) - (burst.ledgerBefore.calls.GetCurrentUserData ?? 0);
  const milestones = [0.1, 0.25, 0.5, 0.75, 0.9, 1].map((fraction) => {
    const at = drain.assignedAt[Math.ceil(fraction * options.waiting) - 1];
    return `${fmt(fraction * 100)} % ${at === undefined ? 'not reached' : seconds(at - t0)}`;
  });
  return [
    `#### The drain: ${fmt(options.agents)} agents work ${fmt(options.waiting)} tasks down`,
    '',
    "From t0; each task contact's first accepted AssociateContactWithUser in the ledger. Assigned twice: task " +
      'contacts accepted by agents more than once. routeTask runs: by ExecutionStatus in visibility once it settled.',
    '',
    formatTable(
      [
        'tasks assigned',
        't0 → all assigned',
        'assignments/s first → last',
        'assignments/s (10th→90th)',
        'assigned twice',
        'over capacity',
        'double assignments',
        'routeTask runs completed / running',
        'GetCurrentUserData/s',
        'waiting in the dispatcher after',
      ],
      [
        [
          `${fmt(assigned)}/${fmt(options.waiting)}`,
          drain.timedOut ? `not reached in ${seconds(options.timeLimitSeconds * 1000)}` : seconds(spanMs),
          fmt(assigned > 1 ? (assigned - 1) / ((drain.assignedAt[assigned - 1]! - first) / 1000) : NaN, 1),
          fmt(steadyRate(drain.assignedAt), 1),
          fmt(drain.assignedTwice),
          fmt(drain.ledgerAfter.overCapacityAssignments - burst.ledgerBefore.overCapacityAssignments),
          fmt(drain.ledgerAfter.doubleAssignments - burst.ledgerBefore.doubleAssignments),
          `${fmt(drain.runs.completed)} / ${fmt(drain.runs.running)}`,
          fmt(gcud / (spanMs / 1000), 2),
          drain.statusAfter === undefined ? 'n/a' : fmt(drain.statusAfter.waitingCount),
        ],
      ],
    ),
    '',
    `Tasks assigned, after t0: ${milestones.join(', ')}. Ledger during the drain: throttled ` +
      `${counts(delta(drain.ledgerAfter.throttledCalls, burst.ledgerAfter.throttledCalls)) || 'none'}; ` +
      `AssociateContactWithUser refusals ` +
      `${counts(delta(drain.ledgerAfter.associateRefusals, burst.ledgerAfter.associateRefusals)) || 'none'}.`,
  ].join('\n');
}

export async function runFreeAtOnceScenario(
  server: BenchServer,
  options: FreeAtOnceOptions,
  log: (line: string) => void,
): Promise<ScenarioReport<FreeAtOnceFigures>> {
  const rate = options.associateRate;
  const settings = {
    ...DEFAULT_DISPATCHER_SETTINGS,
    offersPerSecond: rate,
    offerBurst: connectQuotaBurst(rate),
  };
  const quotas = contactQuotas(rate);
  const say = (line: string) => log(`free-at-once: ${line}`);
  const deployment = await startDeployment(server, {
    label: 'free-at-once',
    config: callCentre(options.agents, options.waiting, options.drainHandleTimeMs),
    connectCallRates: quotas,
    dispatcherSettings: { offersPerSecond: settings.offersPerSecond, offerBurst: settings.offerBurst },
    maxCachedWorkflows: options.maxCachedWorkflows,
    heapLimitMb: options.heapLimitMb,
  });
  const handles: WorkflowHandle<typeof routeTask>[] = [];
  let fill: Fill;
  let burst: Burst | undefined;
  let drain: Drain | undefined;
  let analysis: Analysis | undefined;
  let stages: Awaited<ReturnType<typeof routeTaskStageSummaries>> | undefined;
  let worker: WorkerStats | undefined;
  try {
    fill = await fillLine(
      deployment,
      {
        count: options.waiting,
        startConcurrency: options.startConcurrency,
        fillTimeoutSeconds: options.fillTimeoutSeconds,
        task: (index) => ({ queueId: QUEUE_ID, contact: { name: `free-at-once task ${index}` } }),
      },
      handles,
      say,
    );
    if (fill.failure === undefined) {
      say(`all ${fmt(options.waiting)} waiting after ${seconds(fill.fillMs)}`);
      burst = await freeEveryone(deployment, options, say);
      say(
        `${fmt(burst.busyAt.length)}/${fmt(options.agents)} agents busy ${seconds(burst.endedAt - burst.t0)} after t0; ` +
          (options.drainHandleTimeMs === undefined
            ? 'reading the dispatcher histories'
            : 'watching the drain'),
      );
      if (options.drainHandleTimeMs !== undefined && !burst.timedOut)
        drain = await drainLine(deployment, options, burst.t0, say);
      analysis = analyse(burst, await dispatcherRuns(server.client, deployment.dispatcherId));
      say(`reading the routeTask histories of ${fmt(analysis.reservations.length)} reservations`);
      stages = await withTimeout(
        'reading routeTask histories',
        routeTaskStageSummaries(server, analysis.reservations, burst.t0),
        180_000,
      ).catch(() => undefined);
    } else say(`gave up filling the line: ${fill.failure}`);
    worker = deployment.worker.exitReason()
      ? undefined
      : await deployment.worker.stats({ coreMetrics: true }).catch(() => undefined);
  } finally {
    await terminateOpen(handles);
    await deployment.stop();
  }

  const setup =
    `${fmt(options.agents)} agents with one TASK slot each, one manual-assignment queue, every agent Offline; ` +
    `${fmt(options.waiting)} routeTask runs (create-then-associate, ${options.startConcurrency} starts in flight). ` +
    `Offers auto-accepted, ${
      options.drainHandleTimeMs === undefined
        ? 'no handle time (an agent keeps its task)'
        : `handle time ${fmt(options.drainHandleTimeMs)} ms and no after-contact work (the agents work the line down)`
    }, Connect's own routing off. Connect quotas ` +
    `(emulator and worker lanes alike): ${counts(quotas).replace(/ (\d+)/g, ' $1/s')}, burst ${fmt(connectQuotaBurst(rate))} ` +
    `at ${fmt(rate)}/s; GetCurrentUserData and List* at their default (2/s, burst 5). Dispatcher: offersPerSecond ` +
    `${fmt(settings.offersPerSecond)}, offerBurst ${fmt(settings.offerBurst)}, other settings default (pollIntervalMs ` +
    `${fmt(settings.pollIntervalMs)} per GetCurrentUserData page, continueAsNewAfterEvents ` +
    `${fmt(settings.continueAsNewAfterEvents)}). Worker routeTask cache: ${fmt(deployment.worker.maxCachedWorkflows)}.`;
  const fillTable = formatTable(
    ['waiting tasks', 'all started', 'first start → all waiting', 'tasks/s into line'],
    [
      [
        fmt(options.waiting),
        Number.isNaN(fill.startedMs) ? 'not all' : seconds(fill.startedMs),
        fill.failure === undefined
          ? seconds(fill.fillMs)
          : `${fmt(fill.reached)} after ${seconds(fill.fillMs)} (gave up)`,
        fmt(fill.reached / (fill.fillMs / 1000), 1),
      ],
    ],
  );
  const heading = ['### Free at once: many agents become Available together', '', setup, '', fillTable];
  const figures: FreeAtOnceFigures = {
    agents: options.agents,
    waiting: options.waiting,
    associateRate: rate,
    fill,
  };
  if (!burst || !analysis) {
    return {
      markdown: [...heading, '', `Not all tasks got in line (${fill.failure}): no burst was measured.`].join(
        '\n',
      ),
      figures,
    };
  }

  const a = analysis;
  const routeStages = stages;
  const ledgerDelta = (pick: (ledger: Ledger) => Partial<Record<string, number>>) =>
    delta(pick(burst.ledgerAfter), pick(burst.ledgerBefore));
  const throttled = ledgerDelta((ledger) => ledger.throttledCalls);
  const gcud =
    (burst.ledgerAfter.calls.GetCurrentUserData ?? 0) - (burst.ledgerBefore.calls.GetCurrentUserData ?? 0);
  const polls =
    burst.statusAfter && burst.statusBefore
      ? burst.statusAfter.pollCount - burst.statusBefore.pollCount
      : NaN;
  const milestones = [0.1, 0.25, 0.5, 0.75, 0.9, 1].map((fraction) => {
    const count = Math.ceil(fraction * options.agents);
    const at = burst.busyAt[count - 1];
    return [
      `${fmt(fraction * 100)} % (${fmt(count)})`,
      at === undefined ? 'not reached' : seconds(at - burst.t0),
    ];
  });
  // Run ids make every slow-workflow-task warning unique: counted by message without them.
  const logCounts: Record<string, number> = {};
  for (const [line, n] of Object.entries(worker?.logs ?? {})) {
    const message = line.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}:\d+:\d+ /g, '');
    logCounts[message] = (logCounts[message] ?? 0) + n;
  }
  const workerLogs = Object.entries(logCounts).map(([line, n]) => `- ${n}× ${line}`);

  figures.burst = {
    busy: burst.busyAt.length,
    timedOut: burst.timedOut,
    firstMs: a.firstMs,
    allBusyMs: burst.timedOut ? NaN : a.lastMs,
    overallRate: a.overallRate,
    steadyRate: a.steady,
    throttled: total(throttled),
    overCapacity: burst.ledgerAfter.overCapacityAssignments - burst.ledgerBefore.overCapacityAssignments,
    doubleAssignments: burst.ledgerAfter.doubleAssignments - burst.ledgerBefore.doubleAssignments,
  };
  const markdown = [
    ...heading,
    '',
    `t0: the moment the last of ${fmt(options.agents)} agents was set Available (the loop took ` +
      `${fmt(burst.setAvailableMs)} ms). Association times: each agent's first accepted AssociateContactWithUser ` +
      'record in the emulator ledger at or after t0. Rates "10th→90th": items between the 10th and the 90th ' +
      'percentile of their times, over that span.',
    '',
    formatTable(
      [
        'agents',
        'waiting tasks',
        'associate rate',
        'agents busy',
        't0 → first association',
        't0 → all busy',
        'assignments/s first → last',
        'assignments/s (10th→90th)',
        'of the rate',
        'throttled calls',
        'over capacity',
        'double assignments',
        'polls (GetCurrentUserData calls)',
      ],
      [
        [
          fmt(options.agents),
          fmt(options.waiting),
          `${fmt(rate)}/s`,
          `${fmt(burst.busyAt.length)}/${fmt(options.agents)}`,
          seconds(a.firstMs),
          burst.timedOut ? `not reached in ${seconds(options.timeLimitSeconds * 1000)}` : seconds(a.lastMs),
          fmt(a.overallRate, 1),
          fmt(a.steady, 1),
          `${fmt((a.steady / rate) * 100)} %`,
          fmt(total(throttled)),
          fmt(burst.ledgerAfter.overCapacityAssignments - burst.ledgerBefore.overCapacityAssignments),
          fmt(burst.ledgerAfter.doubleAssignments - burst.ledgerBefore.doubleAssignments),
          `${fmt(polls)} (${fmt(gcud)})`,
        ],
      ],
    ),
    '',
    `**Bottleneck.** ${bottleneck(a, routeStages?.stages, burst.timedOut, settings, options.agents)}`,
    '',
    'Where the time went, from the dispatcher histories (reservation = its slotReserved signal to a task) ' +
      'and the ledger:',
    '',
    formatTable(
      ['', 'figure'],
      [
        ['t0 → first reservation', seconds(a.firstReservationMs)],
        [
          'the poll that saw them: scheduled, completed (after t0), → first reservation',
          a.sawThem === undefined
            ? 'none found'
            : [
                a.sawThem.scheduledAt - burst.t0,
                a.sawThem.scheduledAt + a.sawThem.durationMs - burst.t0,
                a.firstReservationMs - (a.sawThem.scheduledAt + a.sawThem.durationMs - burst.t0),
              ]
                .map(msText)
                .join(', '),
        ],
        ['first → last reservation', seconds(a.lastReservationMs - a.firstReservationMs)],
        ['reservations after t0', fmt(a.reservations.length)],
        [
          'reservations/s (10th→90th)',
          // Reservations of one round share a moment: a rate needs several rounds.
          a.rounds.sizes.count >= 3 ? fmt(a.reservationSteady, 1) : `n/a (${a.rounds.sizes.count} round(s))`,
        ],
        [
          'rounds that reserved: count, reservations per round p50 / max, gap between them p50 / p99 / max',
          `${fmt(a.rounds.sizes.count)}, ${fmt(a.rounds.sizes.p50)} / ${fmt(a.rounds.sizes.max)}, ` +
            p50p99max(a.rounds.gapsMs),
        ],
        [
          "a round's first slotReserved signal sent → its last confirmed p50 / p99 / max",
          p50p99max(a.rounds.acksMs),
        ],
        ['reservation → association p50 / p99 / max', p50p99max(a.reservationToAssociation)],
        ['last reservation → all busy', burst.timedOut ? 'n/a' : seconds(a.lastMs - a.lastReservationMs)],
        [
          'polls after t0 (scheduled), gap p50 / p99 / max',
          `${fmt(a.polls.length)}, ${p50p99max(a.pollGaps, seconds)}`,
        ],
        [
          'poll (getCurrentUserData scheduled → completed) p50 / p99 / max; attempts beyond the first',
          `${p50p99max(a.pollDurations)}; ${fmt(a.polls.reduce((sum, poll) => sum + poll.attempts - 1, 0))}`,
        ],
        [
          'dispatcher workflow tasks during the burst: count, started → completed p50 / p99 / max',
          `${fmt(a.tasks.length)}, ${p50p99max(a.taskDurations)}`,
        ],
        ['dispatcher workflow tasks queued (scheduled → started) p50 / p99 / max', p50p99max(a.taskQueued)],
        [
          "dispatcher workflow tasks' share of the burst (sum of durations ÷ t0 → end): running / queued",
          `${fmt(a.busyShare * 100)} % / ${fmt(a.queuedShare * 100)} %`,
        ],
        ['signals the dispatcher sent to tasks during the burst', counts(a.signalsSent) || 'none'],
        [
          'dispatcher runs: all / begun during the burst (continue-as-new)',
          `${fmt(a.runs)} / ${fmt(a.runsBegun.length)}` +
            (a.runsBegun.length > 0 ? ` (at ${a.runsBegun.map(seconds).join(', ')} after t0)` : ''),
        ],
        ['largest payload in its histories', `${fmt(a.largest.bytes)} B (${a.largest.where})`],
      ],
    ),
    '',
    formatTable(['agents busy', 'after t0'], milestones),
    '',
    ...(routeStages === undefined
      ? ['The routeTask histories could not be read in time.']
      : [
          `Reservation → AssociateContactWithUser in routeTask, from the histories of the ${fmt(routeStages.read)} ` +
            'runs given a reservation after t0 (the signal as it arrived; p50 / p99 / max; mean):',
          '',
          formatTable(
            ['stage', 'p50 / p99 / max', 'mean'],
            ROUTE_TASK_STAGES.map((stage) => [
              stage,
              p50p99max(routeStages.stages[stage]),
              msText(routeStages.stages[stage].mean),
            ]),
          ),
        ]),
    '',
    ...(drain === undefined ? [] : [drainReport(drain, burst, options), '']),
    "The worker's workflow tasks over the whole run (the SDK core's histograms: by the worker's clock, from " +
      "the poll to the server's answer; then the server's answers to their completions alone):",
    '',
    formatTable(WORKFLOW_TASK_TIME_HEADINGS, workflowTaskTimeRows(worker)),
    '',
    `Ledger during the burst: calls ${counts(ledgerDelta((ledger) => ledger.calls))}; throttled ` +
      `${counts(throttled) || 'none'}; AssociateContactWithUser refusals ` +
      `${counts(ledgerDelta((ledger) => ledger.associateRefusals)) || 'none'}. Whole run: errors ` +
      `${errorText(burst.ledgerAfter.errors)}; over capacity ${burst.ledgerAfter.overCapacityAssignments}, double ` +
      `assignments ${burst.ledgerAfter.doubleAssignments}, repeated ${burst.ledgerAfter.repeatedAssignments}. ` +
      `Status queries that timed out: ${deployment.queryTimeouts()}.`,
    '',
    workerLogs.length > 0 ? 'Worker warnings and errors:' : 'Worker warnings and errors: none.',
    ...workerLogs,
  ].join('\n');
  return { markdown, figures };
}
