/**
 * The polling budget: GetCurrentUserData calls per second while N tasks wait (every agent Offline),
 * for several N. The design's promise is one call per poll interval (1 s by default) however many
 * tasks wait. Also: how fast N tasks get in line, the dispatcher's continue-as-new count and health
 * (workflow task queueing and failures, read from its histories), its billable actions per second
 * while the line stands still, the worker process's memory, and the size of the book carried across
 * continue-as-new. When N tasks never all get in line (timeout, or the worker process dies), what was
 * reached is reported instead of the window's figures.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '../test/helpers/eventually';
import { EVERYONE_OFFLINE } from '../src/dev/emulator';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import type { Ledger } from '../src/dev/emulator';
import { DEFAULT_DISPATCHER_SETTINGS } from '../src/shared/dispatcher-contract';
import type { DispatcherStatus } from '../src/shared/dispatcher-contract';
import {
  addCounts,
  countActions,
  type DispatcherRun,
  dispatcherRuns,
  emptyCount,
  eventTypeName,
  largestPayloadBytes,
} from './routing-actions';
import {
  BILLING_QUEUE,
  LONG_TASK_SECONDS,
  type BenchServer,
  RAISED_CONTACT_QUOTAS,
  RAISED_CONTACT_QUOTAS_TEXT,
  roomForTasks,
  runBounded,
  startDeployment,
  SUPPORT_QUEUE,
} from './routing-stack';
import type { WorkerStats } from '../src/dev/worker-process';
import { dispatcherTaskQueue } from '../src/shared/task-queues';
import { compiledWorkflowBundle } from './compiled-worker';
import type { ScenarioReport } from './scenario-report';
import { fmt, formatTable, mib, seconds, type Summary, summarize } from './stats';
import { RSS_EVERY_MS, sampleWorkerMemory } from './worker-memory';
import { WORKFLOW_TASK_TIME_HEADINGS, workflowTaskTimeRows } from './workflow-task-times';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface PollingBudgetOptions {
  waiting: number[];
  windowSeconds: number;
  startConcurrency: number;
  /** Starts per second at most (0: as fast as `startConcurrency` allows). */
  startRate: number;
  /** Give up getting N tasks in line after this long. */
  fillTimeoutSeconds: number;
  /** The worker's routeTask workflow cache; unset: the SDK's default. */
  maxCachedWorkflows?: number;
  /** The worker process's V8 old-space limit in MiB; unset: Node's default. */
  heapLimitMb?: number;
  /** The dispatcher's continueAsNewAfterEvents; unset: its default. */
  continueAsNewAfterEvents?: number;
}

/** How the dispatcher's poll loop actually ran between two moments, read from its histories. */
interface PollCycle {
  /** getCurrentUserData activities scheduled in the period. */
  polls: number;
  /** From the period's start to the first poll activity's start (the first GetCurrentUserData call). */
  firstStartMs: number;
  /** Between consecutive poll activities being scheduled. */
  gapMs: Summary;
  /** Scheduled → picked up by the worker: time in the task queue, behind other activities. */
  scheduleToStartMs: Summary;
  /** How late the loop's timers fired after their set duration. */
  timerLateMs: Summary;
}

/** The dispatcher's runs as a whole: how its workflow tasks fared. */
interface DispatcherHealth {
  runs: number;
  largestRunEvents: number;
  largestRunSignals: number;
  /** Workflow task scheduled → started (waiting in the sticky or the normal task queue). */
  workflowTaskQueuedMs: Summary;
  /** Workflow task started → completed: the worker's time on it. */
  workflowTaskRunMs: Summary;
  /** The largest single payload in any run's history. */
  largestPayloadBytes: number;
  workflowTaskFailures: Record<string, number>;
  workflowTaskTimeouts: number;
  /** The longest-running workflow tasks, longest first: what each one was given and what it did. */
  slowestWorkflowTasks: SlowWorkflowTask[];
  latestBook?: { bytes: number; tasks: number };
  largestBook?: { bytes: number; tasks: number };
}

interface SlowWorkflowTask {
  run: number;
  /** The task's WorkflowTaskCompleted event. */
  eventId: number;
  runMs: number;
  /** Events the task was given (since the last completed task), by type. */
  given: Record<string, number>;
  /** Events its completion wrote (until the next task was scheduled or the run ended), by type. */
  wrote: Record<string, number>;
}

const SLOWEST_SHOWN = 5;

function countTypes(events: readonly HistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[eventTypeName(event)] = (counts[eventTypeName(event)] ?? 0) + 1;
  return counts;
}

/** A workflow task's given and written events, next to its completion at `completedIndex`. */
function slowTask(
  events: readonly HistoryEvent[],
  completedIndex: number,
  run: number,
  runMs: number,
): SlowWorkflowTask {
  const isTaskEvent = (event: HistoryEvent) =>
    event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED ||
    event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED ||
    event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED;
  let from = completedIndex - 1;
  while (from >= 0 && events[from]!.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) from -= 1;
  let to = completedIndex + 1;
  while (to < events.length && events[to]!.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
    to += 1;
  return {
    run,
    eventId: Number(events[completedIndex]!.eventId),
    runMs,
    given: countTypes(events.slice(from + 1, completedIndex).filter((event) => !isTaskEvent(event))),
    wrote: countTypes(events.slice(completedIndex + 1, to)),
  };
}

interface WindowFigures {
  windowMs: number;
  ledgerCalls: number;
  ledgerThrottled: number;
  dispatcherCalls: number;
  polls: number;
  actions: number;
  actionsByKind: Record<string, number>;
  signalsSent: number;
  cycle: PollCycle;
}

export interface BudgetResult {
  waiting: number;
  /** Why N never all got in line; the window was not measured. */
  failure?: string;
  startMs: number;
  /** Until N waited, or until the benchmark gave up. */
  fillMs: number;
  /** At the end of the fill: in the dispatcher's line (its `status`), and past registration (visibility). */
  reachedWaiting?: number;
  registered: number;
  runsSoFar?: number;
  gcudDuringFill: number;
  fillCycle: PollCycle;
  window?: WindowFigures;
  health: DispatcherHealth;
  worker?: WorkerStats;
  workerAtStart: WorkerStats;
  /** The worker's highest rss from its start to the end of the window (or the give-up), sampled. */
  peakRss: number;
  maxCachedWorkflows: number;
  ledgerErrors: Ledger['errors'];
  queryTimeouts: number;
  lineSegments: LineSegmentFigures;
  fullReplay?: FullReplay;
}

/**
 * What a workflow task costs that must replay a dispatcher run from its start (its worker restarted,
 * the run was evicted, or a query reached a run that had just continued as new): the run with the
 * most events, replayed here against the package's workflows, the faster of two.
 */
interface FullReplay {
  events: number;
  workflowTasks: number;
  ms: number;
}

async function fullReplay(
  runs: readonly DispatcherRun[],
  workflowId: string,
): Promise<FullReplay | undefined> {
  const largest = [...runs].sort((a, b) => b.events.length - a.events.length)[0];
  if (largest === undefined) return undefined;
  const workflowBundle = { codePath: await compiledWorkflowBundle() };
  let fastest = Infinity;
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const began = performance.now();
    await Worker.runReplayHistory({ workflowBundle }, { events: largest.events }, workflowId);
    fastest = Math.min(fastest, performance.now() - began);
  }
  const workflowTasks = largest.events.filter(
    (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  ).length;
  return { events: largest.events.length, workflowTasks, ms: fastest };
}

interface LineSegmentFigures {
  started: number;
  running: number;
  /** The largest segment's input (its tasks), in bytes. */
  largestInputBytes: number;
}

/** The line segments a dispatcher started (visibility, then each one's first event). */
async function lineSegmentFigures(server: BenchServer, dispatcherId: string): Promise<LineSegmentFigures> {
  const figures: LineSegmentFigures = { started: 0, running: 0, largestInputBytes: 0 };
  for await (const run of server.client.workflow.list({ query: `WorkflowType = 'connectLineSegment'` })) {
    if (!run.workflowId.startsWith(`${dispatcherId}/line/`)) continue;
    figures.started += 1;
    if (run.status.name === 'RUNNING') figures.running += 1;
    const history = await server.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    figures.largestInputBytes = Math.max(figures.largestInputBytes, largestPayloadBytes(history.events?.[0]));
  }
  return figures;
}

const delta = (after: number | undefined, before: number | undefined) => (after ?? 0) - (before ?? 0);

function pollCycle(runs: readonly DispatcherRun[], fromMs: number, toMs: number): PollCycle {
  const scheduled: number[] = [];
  const queued: number[] = [];
  const late: number[] = [];
  let firstStart = Infinity;
  for (const { events } of runs) {
    const pollScheduledAt = new Map<string, number>();
    const timers = new Map<string, { at: number; durationMs: number }>();
    for (const event of events) {
      const at = tsToMs(event.eventTime);
      const id = String(event.eventId);
      if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'getCurrentUserData') {
        pollScheduledAt.set(id, at);
        if (at >= fromMs && at < toMs) scheduled.push(at);
      }
      const startedFor = event.activityTaskStartedEventAttributes?.scheduledEventId;
      const scheduledAt = startedFor == null ? undefined : pollScheduledAt.get(String(startedFor));
      if (scheduledAt !== undefined && scheduledAt >= fromMs && scheduledAt < toMs) {
        queued.push(at - scheduledAt);
        firstStart = Math.min(firstStart, at);
      }
      const timer = event.timerStartedEventAttributes;
      if (timer) timers.set(id, { at, durationMs: tsToMs(timer.startToFireTimeout) });
      const firedFor = event.timerFiredEventAttributes?.startedEventId;
      const started = firedFor == null ? undefined : timers.get(String(firedFor));
      if (started && at >= fromMs && at < toMs) late.push(at - started.at - started.durationMs);
    }
  }
  scheduled.sort((a, b) => a - b);
  return {
    polls: scheduled.length,
    firstStartMs: firstStart - fromMs,
    gapMs: summarize(scheduled.slice(1).map((at, index) => at - scheduled[index])),
    scheduleToStartMs: summarize(queued),
    timerLateMs: summarize(late),
  };
}

const typeCounts = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([type, n]) => `${type} ${fmt(n)}`)
    .join(', ') || 'none';

function dispatcherHealth(runs: readonly DispatcherRun[]): DispatcherHealth {
  const queued: number[] = [];
  const ran: number[] = [];
  const failures: Record<string, number> = {};
  let timeouts = 0;
  const slowest: SlowWorkflowTask[] = [];
  for (const [run, { events }] of runs.entries()) {
    const scheduledAt = new Map<string, number>();
    const startedAt = new Map<string, number>();
    for (const [index, event] of events.entries()) {
      const at = tsToMs(event.eventTime);
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED)
        scheduledAt.set(String(event.eventId), at);
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
        startedAt.set(String(event.eventId), at);
      const startedFor = event.workflowTaskStartedEventAttributes?.scheduledEventId;
      const scheduled = startedFor == null ? undefined : scheduledAt.get(String(startedFor));
      if (scheduled !== undefined) queued.push(at - scheduled);
      const completedFor = event.workflowTaskCompletedEventAttributes?.startedEventId;
      const started = completedFor == null ? undefined : startedAt.get(String(completedFor));
      if (started !== undefined) {
        ran.push(at - started);
        if (slowest.length < SLOWEST_SHOWN || at - started > slowest[slowest.length - 1]!.runMs) {
          slowest.push(slowTask(events, index, run, at - started));
          slowest.sort((a, b) => b.runMs - a.runMs);
          slowest.length = Math.min(slowest.length, SLOWEST_SHOWN);
        }
      }
      const failed = event.workflowTaskFailedEventAttributes;
      if (failed) {
        const cause =
          temporal.api.enums.v1.WorkflowTaskFailedCause[failed.cause ?? 0] ?? String(failed.cause);
        const key = cause.replace('WORKFLOW_TASK_FAILED_CAUSE_', '');
        failures[key] = (failures[key] ?? 0) + 1;
      }
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) timeouts += 1;
    }
  }
  const carried = runs.filter((run) => run.carriedTasks > 0);
  const latest = carried[carried.length - 1];
  const largest = [...carried].sort((a, b) => b.inputBytes - a.inputBytes)[0];
  const signals = (run: DispatcherRun) =>
    run.events.filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED).length;
  return {
    runs: runs.length,
    largestRunEvents: Math.max(0, ...runs.map((run) => run.events.length)),
    largestRunSignals: Math.max(0, ...runs.map(signals)),
    workflowTaskQueuedMs: summarize(queued),
    workflowTaskRunMs: summarize(ran),
    largestPayloadBytes: Math.max(0, ...runs.map((run) => run.largestPayloadBytes)),
    workflowTaskFailures: failures,
    workflowTaskTimeouts: timeouts,
    slowestWorkflowTasks: slowest,
    latestBook: latest && { bytes: latest.inputBytes, tasks: latest.carriedTasks },
    largestBook: largest && { bytes: largest.inputBytes, tasks: largest.carriedTasks },
  };
}

async function measure(
  server: BenchServer,
  waiting: number,
  options: PollingBudgetOptions,
  log: (line: string) => void,
): Promise<BudgetResult> {
  const deployment = await startDeployment(server, {
    label: `budget-${waiting}`,
    config: { ...EVERYONE_OFFLINE, ...roomForTasks(waiting) },
    connectCallRates: RAISED_CONTACT_QUOTAS,
    maxCachedWorkflows: options.maxCachedWorkflows,
    heapLimitMb: options.heapLimitMb,
    ...(options.continueAsNewAfterEvents === undefined
      ? {}
      : { dispatcherSettings: { continueAsNewAfterEvents: options.continueAsNewAfterEvents } }),
  });
  const say = (line: string) => log(`budget ${fmt(waiting)}: ${line}`);
  const memory = sampleWorkerMemory(
    deployment.worker,
    Math.ceil(((options.fillTimeoutSeconds + options.windowSeconds) * 1000 + 600_000) / RSS_EVERY_MS),
  );
  // A final reading counts too: the sampler may not have caught the end of the window.
  const peakRss = (worker?: WorkerStats) => Math.max(memory.peak().rss, worker?.memory.rss ?? 0);
  try {
    const began = Date.now();
    let started = 0;
    let lastLog = began;
    let lastStatus: DispatcherStatus | undefined;
    const progress = (status?: DispatcherStatus) => {
      if (Date.now() - lastLog < 10_000) return;
      lastLog = Date.now();
      say(
        `${seconds(Date.now() - began)} — started ${fmt(started)}, in line ${fmt(status?.waitingCount ?? 0)}, ` +
          `dispatcher run ${status?.runsSoFar ?? '-'}, GetCurrentUserData ` +
          `${fmt(deployment.emulator.ledger().calls.GetCurrentUserData ?? 0)}`,
      );
    };
    const workerAlive = () => {
      const exit = deployment.worker.exitReason();
      if (exit !== undefined) throw new Error(`the worker process ended (${exit})`);
    };

    let failure: string | undefined;
    let startMs = NaN;
    try {
      await runBounded(waiting, options.startConcurrency, async (index) => {
        if (options.startRate > 0) {
          const due = began + (index * 1000) / options.startRate;
          if (due > Date.now()) await sleep(due - Date.now());
        }
        workerAlive();
        await deployment.startTask(index, {
          queueId: index % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `budget bench task ${index}` },
        });
        started += 1;
        progress();
      });
      startMs = Date.now() - began;
      await waitUntil(
        `${waiting} tasks waiting`,
        async () => {
          workerAlive();
          const status = await deployment.status().catch((error: unknown) => {
            say(`status query failed (${(error as Error).message}); asking again`);
            return undefined;
          });
          lastStatus = status ?? lastStatus;
          progress(status);
          return status?.waitingCount === waiting ? status : undefined;
        },
        {
          timeoutMs: Math.max(1_000, options.fillTimeoutSeconds * 1000 - (Date.now() - began)),
          intervalMs: 1_000,
        },
      );
    } catch (error) {
      failure = (error as Error).message;
      say(`gave up: ${failure}`);
    }
    const fillMs = Date.now() - began;
    const ledgerAtFill = deployment.emulator.ledger();
    const common = {
      waiting,
      failure,
      startMs,
      fillMs,
      registered: await deployment.countTasks('RoutingStage = "waiting-for-agent"').catch(() => NaN),
      gcudDuringFill: ledgerAtFill.calls.GetCurrentUserData ?? 0,
      workerAtStart: deployment.worker.atStart,
      maxCachedWorkflows: deployment.worker.maxCachedWorkflows,
    };

    if (failure !== undefined) {
      const runs = await dispatcherRuns(server.client, deployment.dispatcherId).catch(() => []);
      const worker = deployment.worker.exitReason()
        ? undefined
        : await deployment.worker.stats().catch(() => undefined);
      return {
        ...common,
        reachedWaiting: lastStatus?.waitingCount,
        runsSoFar: lastStatus?.runsSoFar,
        fillCycle: pollCycle(runs, began, began + fillMs),
        health: dispatcherHealth(runs),
        worker,
        peakRss: peakRss(worker),
        ledgerErrors: ledgerAtFill.errors,
        queryTimeouts: deployment.queryTimeouts(),
        lineSegments: await lineSegmentFigures(server, deployment.dispatcherId),
      };
    }

    say(`all waiting after ${seconds(fillMs)}; measuring ${options.windowSeconds} s`);
    const statusBefore = (await deployment.status())!;
    const ledgerBefore = deployment.emulator.ledger();
    const windowFrom = Date.now();
    await sleep(options.windowSeconds * 1000);
    const ledgerAfter = deployment.emulator.ledger();
    const windowTo = Date.now();
    const statusAfter = (await deployment.status())!;
    const worker = await deployment.worker.stats({ coreMetrics: true });
    if (statusAfter.waitingCount !== waiting) {
      say(`warning — ${statusAfter.waitingCount} in line at the end of the window`);
    }

    const runs = await dispatcherRuns(server.client, deployment.dispatcherId);
    const inWindow = runs
      .map((run) => countActions(run.events, { fromMs: windowFrom, toMs: windowTo }))
      .reduce(addCounts, emptyCount());
    return {
      ...common,
      reachedWaiting: waiting,
      runsSoFar: statusAfter.runsSoFar,
      fillCycle: pollCycle(runs, began, began + fillMs),
      window: {
        windowMs: windowTo - windowFrom,
        ledgerCalls: delta(ledgerAfter.calls.GetCurrentUserData, ledgerBefore.calls.GetCurrentUserData),
        ledgerThrottled: delta(
          ledgerAfter.throttledCalls.GetCurrentUserData,
          ledgerBefore.throttledCalls.GetCurrentUserData,
        ),
        dispatcherCalls: statusAfter.getCurrentUserDataCalls - statusBefore.getCurrentUserDataCalls,
        polls: statusAfter.pollCount - statusBefore.pollCount,
        actions: inWindow.total,
        actionsByKind: Object.fromEntries(Object.entries(inWindow.byKind).filter(([, n]) => n > 0)),
        signalsSent: inWindow.signalsSent,
        cycle: pollCycle(runs, windowFrom, windowTo),
      },
      health: dispatcherHealth(runs),
      worker,
      peakRss: peakRss(worker),
      ledgerErrors: ledgerAfter.errors,
      queryTimeouts: deployment.queryTimeouts(),
      lineSegments: await lineSegmentFigures(server, deployment.dispatcherId),
      fullReplay: await fullReplay(runs, deployment.dispatcherId),
    };
  } finally {
    await memory.stop();
    await deployment.stop();
  }
}

export async function runPollingBudgetScenario(
  server: BenchServer,
  options: PollingBudgetOptions,
  log: (line: string) => void,
): Promise<ScenarioReport<BudgetResult[]>> {
  const results: BudgetResult[] = [];
  for (const waiting of options.waiting) results.push(await measure(server, waiting, options, log));
  const measured = results.filter((r) => r.window !== undefined);
  const perSecond = (n: number, ms: number) => fmt(n / (ms / 1000), 2);
  const range = (s: Summary, unit = 'ms') => `${fmt(s.p50)} / ${fmt(s.max)} ${unit}`;
  const book = (b?: { bytes: number; tasks: number }) =>
    b ? `${fmt(b.bytes / 1024)} KiB / ${fmt(b.tasks)} tasks (${fmt(b.bytes / b.tasks)} B/task)` : 'none';
  const logLines = results.flatMap((r) =>
    Object.entries(r.worker?.logs ?? {}).map(([line, n]) => `- ${fmt(r.waiting)} waiting: ${n}× ${line}`),
  );
  const errorLines = results.flatMap((r) =>
    Object.entries(r.ledgerErrors).map(
      ([operation, errors]) => `- ${fmt(r.waiting)} waiting: ${operation} ${JSON.stringify(errors)}`,
    ),
  );
  const failures = results
    .filter((r) => r.failure !== undefined)
    .map(
      (r) =>
        `- **${fmt(r.waiting)}: not all in line** — ${r.failure}. After ${seconds(r.fillMs)}: ` +
        `${fmt(r.registered)} routeTask runs past registration (visibility), ` +
        `${r.reachedWaiting === undefined ? 'unknown' : fmt(r.reachedWaiting)} in the dispatcher's line at its ` +
        `last answer, ${fmt(r.gcudDuringFill)} GetCurrentUserData calls so far.`,
    );

  const markdown = [
    '### Polling budget while tasks wait',
    '',
    `Every agent Offline, N routeTask runs (Billing and Support alternately, ${options.startConcurrency} starts in ` +
      `flight${options.startRate > 0 ? `, at most ${options.startRate} starts/s` : ''}), dispatcher settings ` +
      `(pollIntervalMs ${DEFAULT_DISPATCHER_SETTINGS.pollIntervalMs}, continueAsNewAfterEvents ` +
      `${options.continueAsNewAfterEvents ?? DEFAULT_DISPATCHER_SETTINGS.continueAsNewAfterEvents}` +
      `${options.continueAsNewAfterEvents === undefined ? ': the defaults' : ''}). Emulator: activeTaskQuota max(2,500, N + 100); ` +
      `${RAISED_CONTACT_QUOTAS_TEXT}. Once the dispatcher reports N waiting, the emulator's ledger is read over ` +
      `a ${options.windowSeconds} s window.`,
    '',
    ...(measured.length === 0
      ? ['No N got all its tasks in line: no window was measured.']
      : [
          formatTable(
            [
              'waiting',
              'GetCurrentUserData /s (ledger)',
              'dispatcher getCurrentUserDataCalls /s',
              'polls /s',
              'throttled',
              'dispatcher actions /s (window)',
            ],
            measured.map((r) => {
              const w = r.window!;
              return [
                fmt(r.waiting),
                perSecond(w.ledgerCalls, w.windowMs),
                perSecond(w.dispatcherCalls, w.windowMs),
                perSecond(w.polls, w.windowMs),
                fmt(w.ledgerThrottled),
                `${perSecond(w.actions, w.windowMs)} (${Object.entries(w.actionsByKind)
                  .map(([kind, n]) => `${kind} ${n}`)
                  .join(', ')}; signals sent ${w.signalsSent})`,
              ];
            }),
          ),
        ]),
    '',
    formatTable(
      [
        'waiting',
        'all started',
        'all in line',
        'tasks/s into line',
        'GetCurrentUserData /s while filling',
        'dispatcher runsSoFar',
        'status queries timed out',
      ],
      results.map((r) => [
        fmt(r.waiting),
        Number.isNaN(r.startMs) ? 'not all' : seconds(r.startMs),
        r.failure === undefined ? seconds(r.fillMs) : `not reached (gave up at ${seconds(r.fillMs)})`,
        fmt((r.reachedWaiting ?? 0) / (r.fillMs / 1000), 1),
        perSecond(r.gcudDuringFill, r.fillMs),
        r.runsSoFar === undefined ? '?' : fmt(r.runsSoFar),
        fmt(r.queryTimeouts),
      ]),
    ),
    ...(failures.length > 0 ? ['', ...failures] : []),
    '',
    "The dispatcher's poll loop, from its histories (filling = from the first start until N wait; queued = " +
      'getCurrentUserData scheduled → started by the worker; timer late = fired after its duration):',
    '',
    formatTable(
      [
        'waiting',
        'period',
        'polls',
        'first call after',
        'gap between polls p50 / max',
        'queued p50 / max',
        'timer late p50 / max',
      ],
      results.flatMap((r) =>
        (
          [
            ['filling', r.fillCycle],
            ['window', r.window?.cycle],
          ] as const
        ).flatMap(([period, cycle]) =>
          cycle === undefined
            ? []
            : [
                [
                  fmt(r.waiting),
                  period,
                  fmt(cycle.polls),
                  period === 'window' ? '' : seconds(cycle.firstStartMs),
                  range(cycle.gapMs),
                  range(cycle.scheduleToStartMs),
                  range(cycle.timerLateMs),
                ],
              ],
        ),
      ),
    ),
    '',
    "The dispatcher's workflow tasks over all its runs (queued = scheduled → started; a run's first task, and " +
      "any task after an eviction or a failure, waits in the dispatchers' own task queue, not behind routeTask work; " +
      'run = started → completed in the history, where a task an update brought shows as about 0, since the ' +
      'server writes it only on completion: the worker-clock table below counts those):',
    '',
    formatTable(
      [
        'waiting',
        'runs',
        'largest run: events / signals',
        'workflow task queued p50 / max',
        'workflow task run p50 / p99 / max',
        'largest payload',
        'workflow task failures',
        'timeouts',
      ],
      results.map((r) => [
        fmt(r.waiting),
        fmt(r.health.runs),
        `${fmt(r.health.largestRunEvents)} / ${fmt(r.health.largestRunSignals)}`,
        range(r.health.workflowTaskQueuedMs),
        `${fmt(r.health.workflowTaskRunMs.p50)} / ${fmt(r.health.workflowTaskRunMs.p99)} / ${fmt(r.health.workflowTaskRunMs.max)} ms`,
        `${fmt(r.health.largestPayloadBytes / 1024)} KiB`,
        Object.entries(r.health.workflowTaskFailures)
          .map(([cause, n]) => `${cause} ${n}`)
          .join(', ') || 'none',
        fmt(r.health.workflowTaskTimeouts),
      ]),
    ),
    '',
    `The dispatcher's ${SLOWEST_SHOWN} longest workflow tasks (run: 0 is the first; given: the events since the ` +
      'task before; wrote: what its completion added):',
    '',
    formatTable(
      ['waiting', 'run', 'event', 'ran', 'given', 'wrote'],
      results.flatMap((r) =>
        r.health.slowestWorkflowTasks.map((task) => [
          fmt(r.waiting),
          fmt(task.run),
          fmt(task.eventId),
          `${fmt(task.runMs)} ms`,
          typeCounts(task.given),
          typeCounts(task.wrote),
        ]),
      ),
    ),
    '',
    'Worker process (a child process: worker only, no emulator or benchmark client) at the end of the window ' +
      `(in brackets: right after it started; peak rss: the highest of samples every ${seconds(RSS_EVERY_MS)} ` +
      "from its start to the end of the window). heapUsed is the main thread's V8 heap (activities, clients); " +
      'workflows run in a worker thread with a V8 heap of its own, which only rss includes. V8 old-space limit: ' +
      `${options.heapLimitMb === undefined ? "Node's default" : `${fmt(options.heapLimitMb)} MiB`} (V8 collects ` +
      'lazily below it). Book: the JSON input carried across continue-as-new (latest and largest run input); ' +
      'the rest of the line waits in line-segment workflows (started, still running, largest input).',
    '',
    formatTable(
      [
        'waiting',
        'rss (at start)',
        'peak rss',
        'heapUsed (at start)',
        'heapTotal',
        'external',
        'maxCachedWorkflows',
        'latest carried book',
        'largest carried book',
        'line segments: started (running) / largest',
      ],
      results.map((r) => [
        fmt(r.waiting),
        r.worker ? `${mib(r.worker.memory.rss)} (${mib(r.workerAtStart.memory.rss)})` : 'worker gone',
        mib(r.peakRss),
        r.worker ? `${mib(r.worker.memory.heapUsed)} (${mib(r.workerAtStart.memory.heapUsed)})` : '',
        r.worker ? mib(r.worker.memory.heapTotal) : '',
        r.worker ? mib(r.worker.memory.external) : '',
        fmt(r.maxCachedWorkflows),
        book(r.health.latestBook),
        book(r.health.largestBook),
        `${fmt(r.lineSegments.started)} (${fmt(r.lineSegments.running)}) / ${fmt(r.lineSegments.largestInputBytes / 1024)} KiB`,
      ]),
    ),
    '',
    logLines.length > 0 ? 'Worker warnings and errors:' : 'Worker warnings and errors: none.',
    ...logLines,
    '',
    `Workflow tasks over ${LONG_TASK_SECONDS} s by the worker's clock (the SDK's TMPRL1104: from the task's poll ` +
      "to the server's answer to its completion; unlike the history's started → completed above, it counts the " +
      'tasks an update brought, which the server writes only on completion, and replays after an eviction):',
    '',
    formatTable(
      ['waiting', 'workflow type', 'tasks', 'longest', 'its run:event:attempt', 'its history'],
      results.flatMap((r) => {
        const long = Object.entries(r.worker?.longTasks ?? {});
        if (long.length === 0) return [[fmt(r.waiting), 'none', '0', '', '', '']];
        return long.map(([type, tasks]) => [
          fmt(r.waiting),
          type,
          fmt(tasks.count),
          `${fmt(tasks.maxMs)} ms`,
          tasks.longest,
          `${fmt(tasks.historyBytesOfLongest / 1024)} KiB`,
        ]);
      }),
    ),
    '',
    "Where a workflow task's time goes (the SDK core's histograms): tasks by the worker's clock, as above, " +
      "and the server's answers to their completions (RespondWorkflowTaskCompleted) alone; a task's time " +
      "less that answer is its wait for the worker's workflow thread and the thread's work on it:",
    '',
    formatTable(
      ['waiting', ...WORKFLOW_TASK_TIME_HEADINGS],
      results.flatMap((r) => workflowTaskTimeRows(r.worker).map((row) => [fmt(r.waiting), ...row])),
    ),
    '',
    "The workers' workflow caches (the SDK core's metrics, by task queue: a miss is a task for a run no " +
      'longer cached, whose whole history is fetched and replayed; forced evictions: runs dropped before ' +
      "they ended; replays and their time: the core's count of tasks that applied history events in replay mode, " +
      "a run's first task included, and its own time on them, not the workflow code's):",
    '',
    formatTable(
      ['waiting', 'task queue', 'hits', 'misses', 'forced evictions', 'replays', 'replay time'],
      results.flatMap((r) =>
        Object.entries(r.worker?.workflowCache ?? {})
          .filter(([, cache]) => cache.hits + cache.misses + cache.replays > 0)
          .map(([queue, cache]) => [
            fmt(r.waiting),
            queue.endsWith(dispatcherTaskQueue('')) ? 'dispatchers' : 'routeTask',
            fmt(cache.hits),
            fmt(cache.misses),
            fmt(cache.forcedEvictions),
            fmt(cache.replays),
            `${fmt(cache.replaySeconds * 1000)} ms`,
          ]),
      ),
    ),
    '',
    "A full replay of the dispatcher's largest run: what a workflow task costs that must replay the run " +
      'from its start (its worker restarted, the run was evicted, or a query reached the run just as it ' +
      'continued as new); replayed by the benchmark process after the window, the faster of two:',
    '',
    formatTable(
      ['waiting', 'events', 'workflow tasks', 'replay', 'per workflow task'],
      results.flatMap(({ waiting, fullReplay: replay }) =>
        replay === undefined
          ? []
          : [
              [
                fmt(waiting),
                fmt(replay.events),
                fmt(replay.workflowTasks),
                `${fmt(replay.ms)} ms`,
                `${(replay.ms / Math.max(1, replay.workflowTasks)).toFixed(1)} ms`,
              ],
            ],
      ),
    ),
    '',
    errorLines.length > 0 ? 'Emulator error answers:' : 'Emulator error answers: none.',
    ...errorLines,
  ].join('\n');
  return { markdown, figures: results };
}
