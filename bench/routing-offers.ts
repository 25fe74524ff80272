/**
 * Offers: what routing costs now that an offer counts only once the agent accepts it.
 *
 * 1. Per miss rate (a deployment each): N routeTask runs on the default call centre, every agent
 *    Available, short handle times, `offers.timeoutMs` lowered. Each offer the package recorded is
 *    paired with the emulator's record of it (same contact, same order, same agent): offer →
 *    acceptance as the emulator saw it (the agent's true delay) and as the package saw it
 *    (`answeredAt`), and miss → the package's verdict → the next offer of the task.
 * 2. The same runs: Connect calls per routed task by operation (ledger), and Temporal billable actions
 *    per routed task (routeTask's own plus its share of the dispatcher's, counted from histories).
 * 3. Throughput at Connect's documented default quotas (worker lanes and emulator alike), with more
 *    agent capacity than those quotas let through: tasks routed per second against
 *    min(CreateContact, TransferContact, AssociateContactWithUser rates).
 *
 * Every wait is bounded: results are awaited until a deadline, and runs still open then are reported
 * as not routed and terminated.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import {
  type AssignmentRecord,
  DEFAULT_CALL_CENTRE,
  type Ledger,
  type RunningEmulator,
} from '../src/dev/emulator';
import { SWITCH_DEFAULTS } from '../src/dev/emulator/switches';
import { DEFAULT_DISPATCHER_SETTINGS } from '../src/shared/dispatcher-contract';
import type { OfferRecord, RouteTaskResult } from '../src/shared/route-task-contract';
import { DEFAULT_CONNECT_CALL_RATES } from '../src/shared/task-queues';
import type { routeTask } from '../workflows/route-task';
import { type ActionCount, addCounts, countActions, dispatcherRuns, emptyCount } from './routing-actions';
import {
  BILLING_QUEUE,
  type BenchServer,
  type Deployment,
  type DeploymentOptions,
  RAISED_CONTACT_QUOTAS,
  RAISED_CONTACT_QUOTAS_TEXT,
  roomForTasks,
  runBounded,
  startDeployment,
  SUPPORT_QUEUE,
  withTimeout,
} from './routing-stack';
import { fmt, formatTable, seconds, type Summary, summarize } from './stats';

export interface OffersOptions {
  /** Part 1 and 2: one deployment per miss probability. */
  missRates: number[];
  offerTasks: number;
  /** The emulator's `offers.timeoutMs` in parts 1 and 2. */
  offerTimeoutMs: number;
  /** Part 3. */
  rateTasks: number;
  startConcurrency: number;
}

const OFFER_HANDLE_TIME_MS = { min: 1_000, max: 3_000 };
const RATE_HANDLE_TIME_MS = { min: 500, max: 1_500 };
const RATE_AFTER_CONTACT_WORK_MS = 200;
/** How long a missed contact shows on its agent: left at the emulator's default. */
const MISSED_CONTACT_CLEAR_MS = SWITCH_DEFAULTS.missedContactClearMs;
const { acceptDelayMs: ACCEPT_DELAY_MS } = SWITCH_DEFAULTS.offers;

/** `{min, max}` in ms → `"200–1,500 ms"`; a number → `"2,000 ms"`. */
function durationText(duration: number | { min: number; max: number }): string {
  return typeof duration === 'number'
    ? `${fmt(duration)} ms`
    : `${fmt(duration.min)}–${fmt(duration.max)} ms`;
}

/** Runs beside the tasks, from their start until `done()` or `deadline`; what it returns is kept with the run. */
type Watcher<W> = (emulator: RunningEmulator, done: () => boolean, deadline: number) => Promise<W>;

interface RoutedRun<W> {
  tasks: number;
  /** Index order; undefined: no result by the deadline. */
  results: (RouteTaskResult | undefined)[];
  routed: RouteTaskResult[];
  startedAtMs: number;
  /** First start → last result (or the deadline). */
  wallMs: number;
  ledger: Ledger;
  taskActions: ActionCount[];
  dispatcherActions: ActionCount;
  dispatcherRunCount: number;
  workerLogs: Record<string, number>;
  watched: W;
}

/**
 * The dispatcher offers nothing more to an agent who missed `consecutiveMissesToHold` offers in a row
 * until the agent's status changes, and the emulator's agents never change status by themselves: left
 * alone, a 30 % miss rate parks most agents for good and tasks wait forever. So an agent with that
 * many misses in a row (emulator ledger; an acceptance ends the streak) sets itself Available again
 * once its last missed contact has cleared from its display, as a present agent would, until `done()`
 * or the deadline. Returns how many times agents did.
 */
async function returnHeldAgents(
  emulator: RunningEmulator,
  offerTimeoutMs: number,
  done: () => boolean,
  deadline: number,
): Promise<number> {
  const { consecutiveMissesToHold } = DEFAULT_DISPATCHER_SETTINGS;
  const statusSetAt = new Map<string, number>();
  let returns = 0;
  while (!done() && Date.now() < deadline) {
    await sleep(250);
    const now = Date.now();
    // In the order the agents answered, as the dispatcher learns of it: an agent with several slots
    // may accept a later offer before an earlier one times out.
    const answers = emulator
      .ledger()
      .assignments.flatMap((record) => {
        const at = Date.parse(record.at);
        if (at < (statusSetAt.get(record.userId) ?? 0)) return [];
        if (record.outcome === 'accepted')
          return [{ record, answeredAt: Date.parse(record.acceptedAt ?? record.at) }];
        // A miss is the emulator's timer, `timeoutMs` after the offer; the ledger keeps no rejection time.
        if (record.outcome === 'missed') return [{ record, answeredAt: at + offerTimeoutMs }];
        if (record.outcome === 'rejected') return [{ record, answeredAt: at }];
        return [];
      })
      .sort((a, b) => a.answeredAt - b.answeredAt);
    const streaks = new Map<string, { misses: number; clearsAt: number }>();
    for (const { record, answeredAt } of answers) {
      if (record.outcome === 'accepted') streaks.delete(record.userId);
      else {
        const misses = (streaks.get(record.userId)?.misses ?? 0) + 1;
        streaks.set(record.userId, { misses, clearsAt: answeredAt + MISSED_CONTACT_CLEAR_MS });
      }
    }
    for (const [userId, streak] of streaks) {
      if (streak.misses < consecutiveMissesToHold || now < streak.clearsAt) continue;
      emulator.setAgentStatus(userId, 'Available');
      statusSetAt.set(userId, now);
      returns += 1;
    }
  }
  return returns;
}

/**
 * Starts `tasks` routeTask runs (Billing and Support alternately), waits for their results until
 * `timeoutMs` after the first start, terminates what is still open, then reads every history.
 */
async function routeAll<W>(
  server: BenchServer,
  deploymentOptions: DeploymentOptions,
  tasks: number,
  startConcurrency: number,
  timeoutMs: number,
  watch: Watcher<W>,
  log: (line: string) => void,
): Promise<RoutedRun<W>> {
  const deployment: Deployment = await startDeployment(server, deploymentOptions);
  const { label } = deploymentOptions;
  try {
    const startedAtMs = Date.now();
    const deadline = startedAtMs + timeoutMs;
    const handles: WorkflowHandle<typeof routeTask>[] = await runBounded(tasks, startConcurrency, (index) =>
      deployment.startTask(index, {
        queueId: index % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
        contact: { name: `${label} bench task ${index}` },
      }),
    );
    log(`${label}: started ${tasks} routeTask runs in ${seconds(Date.now() - startedAtMs)}`);
    let settled = 0;
    const watching = watch(deployment.emulator, () => settled === tasks, deadline);
    const results = await Promise.all(
      handles.map((handle, index) =>
        withTimeout(`${label} task ${index}`, handle.result(), Math.max(0, deadline - Date.now())).then(
          (result) => {
            settled += 1;
            if (settled % 20 === 0) log(`${label}: ${settled}/${tasks} results`);
            return result;
          },
          () => undefined,
        ),
      ),
    );
    const wallMs = Date.now() - startedAtMs;
    settled = tasks;
    const watched = await watching;
    const open = handles.filter((_, index) => results[index] === undefined);
    if (open.length > 0) {
      log(`${label}: ${open.length} runs still open after ${seconds(timeoutMs)}; terminating them`);
      await runBounded(open.length, 20, (index) =>
        open[index].terminate('bench deadline').catch(() => undefined),
      );
    }
    const routed = results.filter((result): result is RouteTaskResult => result?.outcome === 'assigned');
    log(`${label}: ${routed.length}/${tasks} assigned in ${seconds(wallMs)}; reading histories`);
    const ledger = deployment.emulator.ledger();
    const taskActions = await runBounded(handles.length, 20, async (index) =>
      results[index] === undefined
        ? emptyCount()
        : countActions((await handles[index].fetchHistory()).events ?? []),
    );
    const runs = await dispatcherRuns(server.client, deployment.dispatcherId);
    const dispatcherActions = runs.map((run) => countActions(run.events)).reduce(addCounts, emptyCount());
    const { logs } = await deployment.worker.stats();
    return {
      tasks,
      results,
      routed,
      startedAtMs,
      wallMs,
      ledger,
      taskActions: taskActions.filter((_, index) => results[index] !== undefined),
      dispatcherActions,
      dispatcherRunCount: runs.length,
      workerLogs: logs,
      watched,
    };
  } finally {
    await deployment.stop();
  }
}

/** One offer as the package recorded it, with the emulator's record of it and of the contact's next offer. */
interface PairedOffer {
  offer: OfferRecord;
  record: AssignmentRecord;
  next?: AssignmentRecord;
}

/**
 * Pairs the package's offers with the emulator's: the k-th offer of a contact in a result is the
 * k-th AssociateContactWithUser record of that contact, if it names the same agent.
 */
function pairOffers(
  results: readonly RouteTaskResult[],
  ledger: Ledger,
): { paired: PairedOffer[]; unpaired: number } {
  const byContact = new Map<string, AssignmentRecord[]>();
  for (const record of ledger.assignments) {
    const records = byContact.get(record.contactId) ?? [];
    records.push(record);
    byContact.set(record.contactId, records);
  }
  const paired: PairedOffer[] = [];
  let unpaired = 0;
  for (const result of results) {
    const seen = new Map<string, number>();
    for (const offer of result.offers) {
      const k = seen.get(offer.contactId) ?? 0;
      seen.set(offer.contactId, k + 1);
      const records = byContact.get(offer.contactId) ?? [];
      const record = records[k];
      if (record?.userId === offer.userId) paired.push({ offer, record, next: records[k + 1] });
      else unpaired += 1;
    }
  }
  return { paired, unpaired };
}

const ms = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));
const p50p99 = (s: Summary) => (s.count === 0 ? 'n/a' : `${fmt(s.p50)} / ${fmt(s.p99)} ms`);

interface MissRateFigures {
  missRate: number;
  run: RoutedRun<number>;
  unpaired: number;
  offersByOutcome: Record<string, number>;
  trueAcceptMs: Summary;
  seenAcceptMs: Summary;
  trackingAddsMs: Summary;
  packageOfferToAcceptMs: Summary;
  missToVerdictMs: Summary;
  verdictToNextOfferMs: Summary;
  missToNextOfferMs: Summary;
  offersPerTask: Summary;
  /** Routed tasks that every agent eligible for them had missed at some point before one accepted. */
  missedByEveryone: number;
}

/** Agents of the default call centre whose routing profile may be assigned the queue's tasks. */
function eligibleAgentCount(queueId: string): number {
  const profiles = DEFAULT_CALL_CENTRE.routingProfiles
    .filter((profile) => profile.manualAssignmentQueueIds.includes(queueId))
    .map((profile) => profile.id);
  return DEFAULT_CALL_CENTRE.agents.filter((agent) => profiles.includes(agent.routingProfileId)).length;
}

function missRateFigures(missRate: number, run: RoutedRun<number>, offerTimeoutMs: number): MissRateFigures {
  const { paired, unpaired } = pairOffers(run.routed, run.ledger);
  const accepted = paired.filter((p) => p.offer.outcome === 'accepted' && p.record.acceptedAt !== undefined);
  const missed = paired.filter((p) => p.offer.outcome === 'missed' && p.record.outcome === 'missed');
  // The emulator misses an offer when its timer fires, `timeoutMs` after the offer.
  const missAt = (p: PairedOffer) => ms(p.record.at) + offerTimeoutMs;
  const followed = missed.filter((p) => p.next !== undefined);
  const offersByOutcome: Record<string, number> = {};
  for (const result of run.routed)
    for (const offer of result.offers) {
      const outcome = offer.outcome ?? 'open';
      offersByOutcome[outcome] = (offersByOutcome[outcome] ?? 0) + 1;
    }
  return {
    missRate,
    run,
    unpaired,
    offersByOutcome,
    trueAcceptMs: summarize(accepted.map((p) => ms(p.record.acceptedAt) - ms(p.record.at))),
    seenAcceptMs: summarize(accepted.map((p) => ms(p.offer.answeredAt) - ms(p.record.at))),
    trackingAddsMs: summarize(accepted.map((p) => ms(p.offer.answeredAt) - ms(p.record.acceptedAt))),
    packageOfferToAcceptMs: summarize(accepted.map((p) => ms(p.offer.answeredAt) - ms(p.offer.offeredAt))),
    missToVerdictMs: summarize(missed.map((p) => ms(p.offer.answeredAt) - missAt(p))),
    verdictToNextOfferMs: summarize(followed.map((p) => ms(p.next?.at) - ms(p.offer.answeredAt))),
    missToNextOfferMs: summarize(followed.map((p) => ms(p.next?.at) - missAt(p))),
    offersPerTask: summarize(run.routed.map((result) => result.offers.length)),
    missedByEveryone: run.routed.filter(
      (result) =>
        new Set(result.offers.filter((offer) => offer.outcome === 'missed').map((offer) => offer.userId))
          .size >= eligibleAgentCount(result.queueId),
    ).length,
  };
}

const percent = (rate: number) => `${fmt(rate * 100)} %`;

async function measureMissRates(
  server: BenchServer,
  options: OffersOptions,
  log: (line: string) => void,
): Promise<MissRateFigures[]> {
  const figures: MissRateFigures[] = [];
  for (const missRate of options.missRates) {
    const run = await routeAll(
      server,
      {
        label: `offers-miss${Math.round(missRate * 100)}`,
        config: {
          handleTimeMs: OFFER_HANDLE_TIME_MS,
          offers: { missProbability: missRate, timeoutMs: options.offerTimeoutMs },
          ...roomForTasks(options.offerTasks),
        },
        connectCallRates: RAISED_CONTACT_QUOTAS,
      },
      options.offerTasks,
      options.startConcurrency,
      120_000 + options.offerTasks * 2_000,
      (emulator, done, deadline) => returnHeldAgents(emulator, options.offerTimeoutMs, done, deadline),
      log,
    );
    figures.push(missRateFigures(missRate, run, options.offerTimeoutMs));
  }
  return figures;
}

function routedLine(f: MissRateFigures): string {
  const { run } = f;
  const outcomes = Object.entries(f.offersByOutcome)
    .map(([outcome, n]) => `${n} ${outcome}`)
    .join(', ');
  return (
    `- ${percent(f.missRate)} misses: ${run.routed.length}/${run.tasks} assigned in ${seconds(run.wallMs)}` +
    `${run.results.some((r) => r === undefined) ? ` (${run.results.filter((r) => r === undefined).length} without a result by the deadline)` : ''}; ` +
    `offers recorded by the package: ${outcomes || 'none'}; emulator: ${run.ledger.offers} offers, ` +
    `${run.ledger.acceptances} accepted, ${run.ledger.misses} missed, ${run.ledger.rejections} rejected; ` +
    `offers per routed task mean ${fmt(f.offersPerTask.mean, 2)}, max ${fmt(f.offersPerTask.max)}; ` +
    `agents held after ${DEFAULT_DISPATCHER_SETTINGS.consecutiveMissesToHold} misses in a row who set themselves ` +
    `Available again: ${run.watched}; tasks missed by every agent eligible for them (4 per queue; each is ` +
    `then skipped for that task for ${seconds(DEFAULT_DISPATCHER_SETTINGS.missedAgentSkipMs)}): ${f.missedByEveryone}; ` +
    `offers not paired with an emulator record: ${f.unpaired}; over capacity ${run.ledger.overCapacityAssignments}, ` +
    `double assignments ${run.ledger.doubleAssignments}.`
  );
}

function latencyTables(figures: readonly MissRateFigures[], options: OffersOptions): string[] {
  return [
    `Offer → acceptance, accepted offers only. Offer time: the emulator's AssociateContactWithUser record (\`at\`); ` +
      `true delay: the emulator's \`acceptedAt\` − \`at\` (the agent's drawn accept delay, ${durationText(ACCEPT_DELAY_MS)}); seen: the ` +
      "package's `answeredAt` (the task's time on receiving the dispatcher's verdict) − `at`; tracking adds: " +
      '`answeredAt` − `acceptedAt`. p50 / p99, nearest rank (with fewer than 100 samples p99 is the largest).',
    '',
    formatTable(
      [
        'misses',
        'accepted offers',
        'true acceptance delay',
        'offer → acceptance seen',
        'tracking adds',
        'package offeredAt → answeredAt',
      ],
      figures.map((f) => [
        percent(f.missRate),
        fmt(f.trueAcceptMs.count),
        p50p99(f.trueAcceptMs),
        p50p99(f.seenAcceptMs),
        p50p99(f.trackingAddsMs),
        p50p99(f.packageOfferToAcceptMs),
      ]),
    ),
    '',
    `Miss → next offer, missed offers only. The emulator misses an offer ${fmt(options.offerTimeoutMs)} ms after ` +
      `it (\`offers.timeoutMs\`, lowered for this benchmark from the emulator's default of ` +
      `${seconds(SWITCH_DEFAULTS.offers.timeoutMs)}: Connect documents no accept timeout for tasks, and real agents ` +
      "take longer to count as gone): miss = `at` + timeoutMs; verdict: the package's `answeredAt` (the dispatcher " +
      "saw MISSED in a poll and signalled the task); next offer: the emulator's next AssociateContactWithUser record " +
      `of the same contact, to another agent (the one who missed is skipped for ${seconds(DEFAULT_DISPATCHER_SETTINGS.missedAgentSkipMs)}). ` +
      `With ${fmt(options.offerTasks)} tasks for 12 TASK slots the line stays long, so verdict → next offer also ` +
      'waits for an eligible agent to have a free slot (the task keeps its place at the head of the line).',
    '',
    formatTable(
      ['misses', 'missed offers', 'miss → verdict', 'verdict → next offer', 'miss → next offer'],
      figures.map((f) => [
        percent(f.missRate),
        fmt(f.missToVerdictMs.count),
        p50p99(f.missToVerdictMs),
        p50p99(f.verdictToNextOfferMs),
        p50p99(f.missToNextOfferMs),
      ]),
    ),
  ];
}

function costTables(figures: readonly MissRateFigures[]): string[] {
  const header = ['per routed task', ...figures.map((f) => `${percent(f.missRate)} misses`)];
  const perTask = (f: MissRateFigures, n: number) => fmt(n / Math.max(1, f.run.routed.length), 2);
  const operations = [
    ...new Set(figures.flatMap((f) => Object.keys(f.run.ledger.calls))),
  ].sort() as (keyof Ledger['calls'])[];
  const callRows = operations.map((operation) => [
    operation === 'DescribeContact' || operation === 'GetCurrentUserData' ? `**${operation}**` : operation,
    ...figures.map((f) => perTask(f, f.run.ledger.calls[operation] ?? 0)),
  ]);
  const totalCalls = (f: MissRateFigures) =>
    Object.values(f.run.ledger.calls).reduce((sum, n) => sum + (n ?? 0), 0);
  const actions = figures.map((f) => {
    const own = f.run.taskActions.reduce(addCounts, emptyCount());
    const ownMean = own.total / Math.max(1, f.run.taskActions.length);
    const share = f.run.dispatcherActions.total / Math.max(1, f.run.routed.length);
    return { f, own, ownMean, share };
  });
  const by = (pick: (a: (typeof actions)[number]) => number, digits = 2) =>
    actions.map((a) => fmt(pick(a), digits));
  const signal = (count: ActionCount, name: string) => count.signalsByName[name] ?? 0;
  const activity = (count: ActionCount, name: string) => count.activitiesByType[name] ?? 0;
  const tasksOf = (a: (typeof actions)[number]) => Math.max(1, a.f.run.taskActions.length);
  const routedOf = (a: (typeof actions)[number]) => Math.max(1, a.f.run.routed.length);
  return [
    'Connect calls per routed task (emulator ledger calls ÷ tasks routed; GetCurrentUserData is a fixed budget ' +
      'per second while tasks wait or offers are open, so its share per task falls as throughput rises):',
    '',
    formatTable(header, [
      ...callRows,
      ['all operations', ...figures.map((f) => perTask(f, totalCalls(f)))],
      [
        'GetCurrentUserData per second of routing',
        ...figures.map((f) => fmt((f.run.ledger.calls.GetCurrentUserData ?? 0) / (f.run.wallMs / 1000), 2)),
      ],
    ]),
    '',
    "Temporal billable actions per routed task (countActions over routeTask's history and every dispatcher run; " +
      "the dispatcher's share is its total ÷ tasks routed):",
    '',
    formatTable(header, [
      ['routeTask, own (mean)', ...by((a) => a.ownMean)],
      ['dispatcher share', ...by((a) => a.share)],
      ['**total**', ...actions.map((a) => `**${fmt(a.ownMean + a.share, 2)}**`)],
      [
        'of which offerVerdict signals (received by routeTask)',
        ...by((a) => signal(a.own, 'offerVerdict') / tasksOf(a)),
      ],
      [
        'of which slotReserved signals (received by routeTask)',
        ...by((a) => signal(a.own, 'slotReserved') / tasksOf(a)),
      ],
      [
        'of which describeContact activities (routeTask)',
        ...by((a) => activity(a.own, 'describeContact') / tasksOf(a)),
      ],
      [
        'of which associateContactWithUser activities (routeTask)',
        ...by((a) => activity(a.own, 'associateContactWithUser') / tasksOf(a)),
      ],
      [
        'of which getCurrentUserData activities (dispatcher)',
        ...by((a) => activity(a.f.run.dispatcherActions, 'getCurrentUserData') / routedOf(a)),
      ],
      ['dispatcher runs', ...actions.map((a) => fmt(a.f.run.dispatcherRunCount))],
    ]),
  ];
}

interface CapacitySamples {
  samples: number;
  /** Samples with a task QUEUED in Connect (transferred into its queue, not yet offered). */
  withQueued: number;
  /** Of those, samples in which a ROUTABLE agent with a free TASK slot could take one of them. */
  idleWhileQueued: number;
  /** Free TASK slots of ROUTABLE agents, in the samples with a task QUEUED. */
  freeSlotsWhileQueued: number[];
  queued: number[];
  /** TASK slots of every agent. */
  totalSlots: number;
}

/** Every 500 ms: were tasks waiting in Connect while an eligible agent had a free slot? */
async function sampleCapacity(
  emulator: RunningEmulator,
  done: () => boolean,
  deadline: number,
): Promise<CapacitySamples> {
  const samples: CapacitySamples = {
    samples: 0,
    withQueued: 0,
    idleWhileQueued: 0,
    freeSlotsWhileQueued: [],
    queued: [],
    totalSlots: 0,
  };
  while (!done() && Date.now() < deadline) {
    await sleep(500);
    const { agents, contacts } = emulator.snapshot();
    samples.samples += 1;
    samples.totalSlots = agents.reduce((sum, agent) => sum + agent.maxTaskSlots, 0);
    const queues = new Set(contacts.flatMap((c) => (c.state === 'QUEUED' && c.queue ? [c.queue.id] : [])));
    const queued = contacts.filter((c) => c.state === 'QUEUED').length;
    if (queued === 0) continue;
    samples.withQueued += 1;
    samples.queued.push(queued);
    const free = agents.filter((agent) => agent.status.type === 'ROUTABLE' && agent.availableTaskSlots > 0);
    samples.freeSlotsWhileQueued.push(free.reduce((sum, agent) => sum + agent.availableTaskSlots, 0));
    if (
      free.some((agent) => agent.routingProfile.manualAssignmentQueues.some((queue) => queues.has(queue.id)))
    )
      samples.idleWhileQueued += 1;
  }
  return samples;
}

/** Items per second between the 10th and the 90th percentile of sorted times (ms). */
export function steadyRate(timesMs: readonly number[]): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  if (sorted.length < 10) return NaN;
  const from = Math.floor(sorted.length * 0.1);
  const to = Math.floor(sorted.length * 0.9);
  return (to - from) / ((sorted[to] - sorted[from]) / 1000);
}

async function measureRate(
  server: BenchServer,
  options: OffersOptions,
  log: (line: string) => void,
): Promise<{ lines: string[]; run: RoutedRun<CapacitySamples> }> {
  const rates = DEFAULT_CONNECT_CALL_RATES;
  const limit = Math.min(rates.create, rates.transfer, rates.associate);
  const run = await routeAll(
    server,
    {
      label: 'offers-rate',
      config: {
        handleTimeMs: RATE_HANDLE_TIME_MS,
        afterContactWorkMs: RATE_AFTER_CONTACT_WORK_MS,
        ...roomForTasks(options.rateTasks),
      },
      connectCallRates: {},
    },
    options.rateTasks,
    options.startConcurrency,
    120_000 + (options.rateTasks / limit) * 3_000,
    sampleCapacity,
    log,
  );
  const capacity = run.watched;
  const freeSlots = summarize(capacity.freeSlotsWhileQueued);
  const queuedInConnect = summarize(capacity.queued);
  const waited = summarize(run.routed.flatMap((r) => (r.waitedMs === undefined ? [] : [r.waitedMs])));
  const accepted = run.routed.map((result) => ms(result.assignedAt));
  const created = run.results.flatMap((result) => (result?.createdAt ? [ms(result.createdAt)] : []));
  const offered = run.ledger.assignments.map((record) => ms(record.at));
  const firstToLastMs = Math.max(...accepted) - run.startedAtMs;
  const attempts: Record<string, number> = {};
  for (const result of run.routed)
    for (const [activity, n] of Object.entries(result.attemptsByActivity))
      attempts[activity] = (attempts[activity] ?? 0) + n;
  const errors = Object.entries(run.ledger.errors)
    .map(([operation, byName]) => `${operation} ${counts(byName)}`)
    .join('; ');
  const lanes = Object.entries(rates)
    .map(([lane, rate]) => `${lane} ${rate}/s`)
    .join(', ');
  const lines = [
    "### Offers: tasks routed per second at Connect's default quotas",
    '',
    `${options.rateTasks} routeTask runs (Billing and Support alternately, ${options.startConcurrency} starts in ` +
      'flight) at once; default call centre, every agent Available (12 TASK slots), handle time ' +
      `${durationText(RATE_HANDLE_TIME_MS)}, afterContactWorkMs ${RATE_AFTER_CONTACT_WORK_MS}, offers answered ` +
      `as the emulator's defaults (accepted after ${durationText(ACCEPT_DELAY_MS)}, no ` +
      'misses), default dispatcher settings. Connect quotas: the documented defaults on both sides (connectCallRates ' +
      `{} for the worker's lanes, the emulator's default throttling): ${lanes}. Every task makes one CreateContact, ` +
      'one TransferContact and one AssociateContactWithUser, so the physical limit is min(create, transfer, ' +
      `associate) = ${fmt(limit)} tasks/s. Rates "10th→90th": items between the 10th and the 90th percentile of ` +
      'their times, over that span (the steady part of the run).',
    '',
    formatTable(
      [
        'tasks',
        'assigned',
        'first start → last acceptance',
        'tasks/s overall',
        'acceptances/s (10th→90th)',
        'creations/s (10th→90th)',
        'offers/s (10th→90th)',
        'physical limit',
        'throttled calls',
      ],
      [
        [
          fmt(run.tasks),
          fmt(run.routed.length),
          seconds(firstToLastMs),
          fmt(run.routed.length / (firstToLastMs / 1000), 2),
          fmt(steadyRate(accepted), 2),
          fmt(steadyRate(created), 2),
          fmt(steadyRate(offered), 2),
          `${fmt(limit)}/s`,
          counts(run.ledger.throttledCalls) || '0',
        ],
      ],
    ),
    '',
    `Wall time (first start → every result, or the deadline): ${seconds(run.wallMs)}. Ledger calls: ` +
      `${counts(run.ledger.calls)}; errors: ${errors || 'none'}; offers ${run.ledger.offers}, accepted ` +
      `${run.ledger.acceptances}, over capacity ${run.ledger.overCapacityAssignments}, ClientToken replays ` +
      `${run.ledger.clientTokenReplays}. Activity attempts over the routed tasks: ${counts(attempts)}. Waited (join ` +
      `line → accepted): p50 ${seconds(waited.p50)}, p99 ${seconds(waited.p99)}.`,
    '',
    `Agent capacity (emulator snapshot every 500 ms, ${capacity.samples} samples): a task was QUEUED in Connect ` +
      `(transferred, not yet offered) in ${capacity.withQueued} samples (mean ${fmt(queuedInConnect.mean, 1)}, ` +
      `max ${fmt(queuedInConnect.max)} tasks); in ${capacity.idleWhileQueued} of those an agent eligible for one ` +
      `of them was Available with a free TASK slot (free slots then: mean ${fmt(freeSlots.mean, 1)}, p50 ` +
      `${fmt(freeSlots.p50)}, max ${fmt(freeSlots.max)} of ${capacity.totalSlots}).`,
  ];
  return { lines, run };
}

/** `{a: 1, b: 2}` → `"a 1, b 2"`. */
export function counts(byName: Partial<Record<string, number>>): string {
  return Object.entries(byName)
    .map(([name, n]) => `${name} ${n ?? 0}`)
    .join(', ');
}

/** The worker processes' warnings and errors, counted by message. */
function workerLogLines(runs: readonly (readonly [string, RoutedRun<unknown>])[]): string[] {
  const lines = runs.flatMap(([label, run]) =>
    Object.entries(run.workerLogs).map(([line, n]) => `- ${label}: ${n}× ${line}`),
  );
  return [
    '',
    lines.length === 0 ? 'Worker warnings and errors: none.' : 'Worker warnings and errors:',
    ...lines,
  ];
}

export async function runOffersScenario(
  server: BenchServer,
  options: OffersOptions,
  log: (line: string) => void,
): Promise<string> {
  const figures = await measureMissRates(server, options, log);
  const rate = await measureRate(server, options, log);
  return [
    '### Offers: acceptance tracking, misses and what they cost',
    '',
    `Per miss rate, a deployment of its own: ${options.offerTasks} routeTask runs (Billing and Support alternately, ` +
      `${options.startConcurrency} starts in flight) at once; default call centre with every agent Available ` +
      `(12 TASK slots), handle time ${durationText(OFFER_HANDLE_TIME_MS)}, after-contact ` +
      `work and missedContactClearMs at the emulator's defaults (${durationText(SWITCH_DEFAULTS.afterContactWorkMs)}, ` +
      `${durationText(MISSED_CONTACT_CLEAR_MS)}), offers accepted after ${durationText(ACCEPT_DELAY_MS)} ` +
      `unless missed (missProbability = the miss rate, no rejections), **offers.timeoutMs ${fmt(options.offerTimeoutMs)} ms** ` +
      `(lowered; the emulator's default is ${seconds(SWITCH_DEFAULTS.offers.timeoutMs)} and Connect documents none ` +
      'for tasks). Default dispatcher settings ' +
      `(poll every 1 s; an agent who misses ${DEFAULT_DISPATCHER_SETTINGS.consecutiveMissesToHold} offers in a row ` +
      'gets no more until their status changes, so such an agent sets itself Available again once its missed ' +
      `contact clears, ${seconds(MISSED_CONTACT_CLEAR_MS)} after the miss). ${RAISED_CONTACT_QUOTAS_TEXT}.`,
    '',
    ...figures.map(routedLine),
    '',
    ...latencyTables(figures, options),
    '',
    ...costTables(figures),
    '',
    ...rate.lines,
    ...workerLogLines([
      ...figures.map((f) => [`${percent(f.missRate)} misses`, f.run] as const),
      ['rate', rate.run] as const,
    ]),
  ].join('\n');
}
