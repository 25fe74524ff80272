/**
 * bench:report's measurements. Each runs the existing benchmark runners (bench:bulk's, bench:routing's
 * scenarios, the one-poller-per-task baseline) and turns their figures into report sections: a summary
 * against the baseline a user would otherwise write, charts, and the runners' own Markdown as details.
 */
import { BULK_LIMITS } from '../src/shared/bulk-create-contract';
import { DEFAULT_COALESCE_MS } from '../src/push/agent-event-forwarder';
import { connectQuotaBurst } from '../src/shared/task-queues';
import {
  type BulkBenchOptions,
  type CreationFigures,
  creationRates,
  cpuLines,
  creationTable,
  runBaseline,
  runOurs,
} from './bulk-create';
import type { Cleanups } from './cleanups';
import { type PollerBaselineResult, requestsPerSecond, runPollerPerTaskBaseline } from './polling-baseline';
import { barChart, lineChart } from './report-charts';
import type { Measurement, ReportSizes } from './report-options';
import { ACTION_KINDS, runActionsScenario } from './routing-actions';
import { runFreeAtOnceScenario } from './routing-free-at-once';
import { type LatencyResult, runLatencyScenario } from './routing-latency';
import { type BudgetResult, runPollingBudgetScenario } from './routing-polling-budget';
import type { BenchServer } from './routing-stack';
import { fmt, formatTable, mib, seconds, summarize } from './stats';

export interface Chart {
  /** File name within the report's folder. */
  file: string;
  alt: string;
  svg: string;
}

export interface ReportSection {
  /** Position in the report (the brief's numbering). */
  order: number;
  title: string;
  body: string;
  charts: Chart[];
}

export interface MeasurementResult {
  sections: ReportSection[];
  /** The runners' own Markdown, for the report's details. */
  details: string[];
}

export interface ReportContext {
  sizes: ReportSizes;
  cleanups: Cleanups;
  log: (line: string) => void;
  /** The routing scenarios' Temporal dev server, started on first use. */
  server(): Promise<BenchServer>;
}

/** The sections each measurement gives, by order and title: a failed measurement still names them. */
export const SECTIONS: Record<Measurement, { order: number; title: string }[]> = {
  bulk: [{ order: 1, title: 'Bulk creation: bulkCreateTasks vs Promise.all over CreateContact' }],
  polling: [
    { order: 2, title: 'GetCurrentUserData calls per second while tasks wait: ours vs one poller per task' },
    { order: 6, title: 'Worker peak RSS while tasks wait (default settings)' },
  ],
  latency: [{ order: 3, title: 'Agent free → assigned: polling vs push, by tasks waiting' }],
  'free-at-once': [
    { order: 4, title: 'Many agents free at once: assignments per second vs the associate limit' },
  ],
  actions: [{ order: 5, title: 'Temporal actions per routed task, by kind' }],
};

const section = (measurement: Measurement, index: number) => SECTIONS[measurement][index]!;
const image = (chart: Chart) => `![${chart.alt}](${chart.file})`;
const percent = (value: number) => (Number.isFinite(value) ? `${fmt(value, 1)} %` : 'n/a');

// ---- 1. Bulk creation ------------------------------------------------------------------------------

async function measureBulk(context: ReportContext): Promise<MeasurementResult> {
  const { sizes, log, cleanups } = context;
  const options: BulkBenchOptions = {
    items: sizes.bulkItems,
    createRate: sizes.bulkCreateRate,
    maxConcurrent: BULK_LIMITS.maxConcurrent.max,
    runs: ['baseline', 'one-batch'],
    timeLimit: sizes.bulkTimeLimitSeconds,
    stall: 60,
    sample: sizes.bulkSample,
  };
  const baseline = await runBaseline(options, log, cleanups);
  const ours = await runOurs('one-batch', options, log, cleanups);
  const rows = [baseline.figures, ours.figures];
  const limit = sizes.bulkCreateRate;
  const share = (row: CreationFigures) => (100 * creationRates(row).firstToLast) / limit;
  const shareOverWall = (row: CreationFigures) => (100 * creationRates(row).overWallTime) / limit;
  const labels = ['baseline: Promise.all + SDK retries', 'ours: bulkCreateTasks (one batch)'];
  const charts: Chart[] = [
    {
      file: 'bulk-rate.svg',
      alt: 'Creation rate as a share of the CreateContact limit',
      svg: barChart({
        title: 'Bulk creation rate as a share of the CreateContact limit',
        subtitle: `${fmt(sizes.bulkItems)} contacts, CreateContact limited to ${fmt(limit)}/s`,
        categories: labels,
        series: [
          { name: 'first → last CreateContact', values: rows.map(share) },
          { name: 'over the wall time', values: rows.map(shareOverWall) },
        ],
        yName: '% of the limit',
        limit: { value: 100, label: `limit ${fmt(limit)}/s` },
        valueLabel: (value) => `${fmt(value, 1)} %`,
      }),
    },
    {
      file: 'bulk-refused.svg',
      alt: 'Throttled calls, duplicates and contacts lost',
      svg: barChart({
        title: 'Bulk creation: throttled calls, duplicates and contacts lost',
        subtitle: `${fmt(sizes.bulkItems)} contacts`,
        categories: labels,
        series: [
          { name: 'CreateContact calls throttled', values: rows.map((row) => row.throttled) },
          { name: 'duplicate contacts', values: rows.map((row) => row.duplicates) },
          { name: 'contacts lost for good', values: rows.map((row) => row.lost ?? 0) },
        ],
        yName: 'count',
        valueLabel: (value) => fmt(value),
      }),
    },
  ];
  const body = [
    `${fmt(sizes.bulkItems)} task contacts on the emulator with CreateContact limited to ${fmt(limit)}/s (burst ` +
      `${fmt(connectQuotaBurst(limit))}) and every agent Offline, two ways: the baseline a user would otherwise ` +
      'write (`Promise.all` over CreateContact through `@aws-sdk/client-connect` with its default retries) and ' +
      '`bulkCreateTasks` over a CSV file (one batch, its worker keeping to the same limit). Rates are contacts ' +
      'created per second as a share of the limit (first → last CreateContact that created one, and over the ' +
      'wall time). As `npm run bench:bulk`.',
    '',
    creationTable(rows, sizes.bulkItems, limit),
    '',
    ...cpuLines(rows),
    ...charts.map(image),
    '',
    `Ours: ${percent(share(ours.figures))} of the limit first → last, ${fmt(ours.figures.throttled)} throttled, ` +
      `${fmt(ours.figures.duplicates)} duplicates, ${fmt(ours.figures.created)}/${fmt(sizes.bulkItems)} created. ` +
      `Baseline: ${percent(share(baseline.figures))}, ${fmt(baseline.figures.throttled)} throttled, ` +
      `${fmt(baseline.figures.duplicates)} duplicates, ${fmt(baseline.figures.lost ?? 0)} lost for good.`,
  ].join('\n');
  return {
    sections: [{ ...section('bulk', 0), body, charts }],
    details: [baseline.text, ours.text],
  };
}

// ---- 2. GetCurrentUserData per second, and 6. worker peak RSS ----------------------------------------

/** Ours: GetCurrentUserData requests per second over the window (NaN when N never all got in line). */
const oursPerSecond = (r: BudgetResult) =>
  r.window ? r.window.ledgerCalls / (r.window.windowMs / 1000) : NaN;

/** The baseline at N pollers: measured where it was, else N × the per-poller rate of the largest run measured. */
function baselineAt(waiting: number, measured: readonly PollerBaselineResult[]) {
  const exact = measured.find((r) => r.pollers === waiting);
  if (exact) return { requests: requestsPerSecond(exact), measured: exact };
  const reference = [...measured].sort((a, b) => b.pollers - a.pollers)[0];
  if (!reference) return { requests: NaN };
  const perPoller = requestsPerSecond(reference) / reference.pollers;
  return { requests: waiting * perPoller, perPoller, reference };
}

async function measurePolling(context: ReportContext): Promise<MeasurementResult> {
  const { sizes, log } = context;
  const server = await context.server();
  const ours = await runPollingBudgetScenario(
    server,
    {
      waiting: sizes.budgetWaiting,
      windowSeconds: sizes.windowSeconds,
      startConcurrency: sizes.startConcurrency,
      startRate: 0,
      fillTimeoutSeconds: sizes.fillTimeoutSeconds,
    },
    log,
  );
  const baseline = await runPollerPerTaskBaseline(
    { pollers: sizes.baselinePollers, windowSeconds: sizes.windowSeconds },
    log,
  );
  return {
    sections: [pollingSection(ours.figures, baseline.figures), rssSection(ours.figures)],
    details: [ours.markdown, baseline.markdown],
  };
}

function pollingSection(ours: BudgetResult[], baseline: PollerBaselineResult[]): ReportSection {
  const waitingValues = [...new Set([...ours.map((r) => r.waiting), ...baseline.map((r) => r.pollers)])].sort(
    (a, b) => a - b,
  );
  const rows = waitingValues.map((waiting) => {
    const mine = ours.find((r) => r.waiting === waiting);
    const theirs = baselineAt(waiting, baseline);
    const oursCell = !mine
      ? 'not measured'
      : mine.window
        ? fmt(oursPerSecond(mine), 2)
        : `not reached (${fmt(mine.reachedWaiting ?? 0)} in line after ${seconds(mine.fillMs)})`;
    const source = theirs.measured
      ? 'measured'
      : theirs.reference
        ? `**extrapolated**: ${fmt(waiting)} × ${fmt(theirs.perPoller, 2)}/s per poller (${fmt(theirs.reference.pollers)}-poller run)`
        : 'not measured';
    return [
      fmt(waiting),
      oursCell,
      mine?.window ? fmt(mine.window.ledgerThrottled / (mine.window.windowMs / 1000), 2) : '',
      fmt(theirs.requests, theirs.requests >= 100 ? 0 : 2),
      theirs.measured ? fmt(theirs.measured.throttled / (theirs.measured.windowMs / 1000), 2) : '',
      source,
    ];
  });
  const reference = [...baseline].sort((a, b) => b.pollers - a.pollers)[0];
  const extrapolated = waitingValues.filter((waiting) => !baseline.some((r) => r.pollers === waiting));
  const chart: Chart = {
    file: 'polling-calls.svg',
    alt: 'GetCurrentUserData calls per second against tasks waiting, ours and one poller per task',
    svg: lineChart({
      title: 'GetCurrentUserData calls per second while tasks wait',
      subtitle: 'logarithmic axes; dashed: extrapolated linearly, not measured',
      xName: 'tasks waiting',
      yName: 'requests per second',
      logarithmic: true,
      limit: { value: 2, label: 'quota 2/s' },
      series: [
        {
          name: 'ours (dispatcher)',
          points: ours.filter((r) => r.window).map((r) => [r.waiting, oursPerSecond(r)]),
        },
        {
          name: 'one poller per task (measured)',
          points: baseline.map((r) => [r.pollers, requestsPerSecond(r)]),
        },
        ...(reference && extrapolated.length > 0
          ? [
              {
                name: 'one poller per task (extrapolated)',
                dashed: true,
                points: [reference.pollers, ...extrapolated]
                  .sort((a, b) => a - b)
                  .map((waiting): [number, number] => [waiting, baselineAt(waiting, baseline).requests]),
              },
            ]
          : []),
      ],
    }),
  };
  const largest = [...ours].filter((r) => r.window).sort((a, b) => b.waiting - a.waiting)[0];
  const body = [
    'Every agent Offline, N tasks waiting. Ours: N `routeTask` runs and the dispatcher with default settings ' +
      '(`bench:routing --scenario polling-budget`). Baseline: one poller per waiting task, each calling ' +
      'GetCurrentUserData for its queue once a second through the AWS SDK (default retries), measured at ' +
      `${baseline.map((r) => fmt(r.pollers)).join(' and ')} pollers; larger N are **extrapolated linearly** ` +
      "from the largest run's requests per poller. Requests per second as the emulator's ledger counts them " +
      '(throttled and retried requests included); GetCurrentUserData keeps its default quota (2/s, burst 5) on both sides.',
    '',
    formatTable(
      [
        'tasks waiting',
        'ours: requests /s',
        'ours: throttled /s',
        'one poller per task: requests /s',
        'its throttled /s',
        'baseline figure',
      ],
      rows,
    ),
    '',
    image(chart),
    ...(largest && reference
      ? [
          '',
          `At ${fmt(largest.waiting)} waiting ours made ${fmt(oursPerSecond(largest), 2)} requests/s; one poller per ` +
            `task would make about ${fmt(baselineAt(largest.waiting, baseline).requests)}/s ` +
            `(${fmt(baselineAt(largest.waiting, baseline).requests / 2)}× the 2/s quota), nearly all throttled.`,
        ]
      : []),
  ].join('\n');
  return { ...section('polling', 0), body, charts: [chart] };
}

function rssSection(ours: BudgetResult[]): ReportSection {
  const chart: Chart = {
    file: 'worker-rss.svg',
    alt: "The worker process's RSS against tasks waiting",
    svg: barChart({
      title: 'Worker RSS while tasks wait (default settings)',
      subtitle: 'peak: highest sample from the worker start to the end of the window',
      categories: ours.map((r) => `${fmt(r.waiting)} waiting`),
      series: [
        { name: 'peak RSS', values: ours.map((r) => r.peakRss / 2 ** 20) },
        {
          name: 'RSS at the end of the window',
          values: ours.map((r) => (r.worker?.memory.rss ?? NaN) / 2 ** 20),
        },
        { name: 'RSS at start', values: ours.map((r) => r.workerAtStart.memory.rss / 2 ** 20) },
      ],
      yName: 'MiB',
      valueLabel: (value) => fmt(value),
    }),
  };
  const body = [
    "The worker process of the polling-budget runs above (a child process: worker only), with the package's " +
      "defaults: the routeTask cache at its default and Node's default heap limit. Peak: the highest RSS of " +
      'samples every 2 s from its start until the end of the measurement window (V8 collects lazily, so RSS ' +
      'follows the heap limit more than the need).',
    '',
    formatTable(
      [
        'tasks waiting',
        'all in line',
        'worker peak RSS',
        'RSS at the end of the window',
        'RSS at start',
        'routeTask cache',
      ],
      ours.map((r) => [
        fmt(r.waiting),
        r.failure === undefined
          ? `yes, after ${seconds(r.fillMs)}`
          : `no: ${fmt(r.reachedWaiting ?? 0)} after ${seconds(r.fillMs)}`,
        `**${mib(r.peakRss)}**`,
        r.worker ? mib(r.worker.memory.rss) : 'worker gone',
        mib(r.workerAtStart.memory.rss),
        fmt(r.maxCachedWorkflows),
      ]),
    ),
    '',
    image(chart),
  ].join('\n');
  return { ...section('polling', 1), body, charts: [chart] };
}

// ---- 3. Latency ----------------------------------------------------------------------------------------

async function measureLatency(context: ReportContext): Promise<MeasurementResult> {
  const { sizes, log } = context;
  const pushPollIntervalMs = 10_000;
  const { markdown, figures } = await runLatencyScenario(
    await context.server(),
    {
      rounds: sizes.latencyRounds,
      modes: ['poll', 'push'],
      waiting: sizes.latencyWaiting,
      pushPollIntervalMs,
      pushCoalesceMs: DEFAULT_COALESCE_MS,
      startConcurrency: sizes.startConcurrency,
      fillTimeoutSeconds: sizes.fillTimeoutSeconds,
    },
    log,
  );
  const modeName = (r: LatencyResult) => (r.mode === 'poll' ? 'polling only' : 'polling + push');
  const waitingValues = sizes.latencyWaiting;
  const at = (mode: LatencyResult['mode'], waiting: number) =>
    summarize(figures.find((r) => r.mode === mode && r.waiting === waiting)?.latenciesMs ?? []);
  const chart: Chart = {
    file: 'latency.svg',
    alt: 'Agent free → assigned latency, p50 and p99, polling vs push',
    svg: barChart({
      title: 'Agent Available → AssociateContactWithUser',
      subtitle: `${sizes.latencyRounds} rounds each; nearest-rank p99 (the largest sample under 100 rounds)`,
      categories: waitingValues.map((waiting) => `${fmt(waiting)} waiting`),
      series: [
        { name: 'polling p50', values: waitingValues.map((waiting) => at('poll', waiting).p50) },
        { name: 'polling p99', values: waitingValues.map((waiting) => at('poll', waiting).p99) },
        { name: 'push p50', values: waitingValues.map((waiting) => at('push', waiting).p50) },
        { name: 'push p99', values: waitingValues.map((waiting) => at('push', waiting).p99) },
      ],
      yName: 'ms',
      valueLabel: (value) => fmt(value),
    }),
  };
  const body = [
    'One agent becomes Available at t0 (0–1 s after a poll) while W tasks wait for its queue; latency is t0 → ' +
      "the emulator's record of AssociateContactWithUser. With W > 1 the line waits in the same queue, so the " +
      'dispatcher assigns the task that waited longest (`bench:routing --scenario latency --latency-waiting`). ' +
      `Polling only: the default 1 s poll interval. Push: agent events forwarded to the dispatcher, poll interval ` +
      `${seconds(pushPollIntervalMs)}, coalescing window ${fmt(DEFAULT_COALESCE_MS)} ms.`,
    '',
    formatTable(
      ['tasks waiting', 'mode', 'rounds', 'p50', 'p99', 'max', 'note'],
      figures.map((r) => {
        const s = summarize(r.latenciesMs);
        return [
          fmt(r.waiting),
          modeName(r),
          fmt(s.count),
          `${fmt(s.p50)} ms`,
          `${fmt(s.p99)} ms`,
          `${fmt(s.max)} ms`,
          r.failure ?? (r.waiting > 1 ? `line filled in ${seconds(r.fillMs)}` : ''),
        ];
      }),
    ),
    '',
    image(chart),
  ].join('\n');
  return { sections: [{ ...section('latency', 0), body, charts: [chart] }], details: [markdown] };
}

// ---- 4. Free at once -------------------------------------------------------------------------------------

async function measureFreeAtOnce(context: ReportContext): Promise<MeasurementResult> {
  const { sizes, log } = context;
  const { markdown, figures } = await runFreeAtOnceScenario(
    await context.server(),
    {
      agents: sizes.freeAgents,
      waiting: sizes.freeWaiting,
      associateRate: sizes.freeAssociateRate,
      fillTimeoutSeconds: sizes.fillTimeoutSeconds,
      timeLimitSeconds: sizes.freeTimeLimitSeconds,
      startConcurrency: sizes.startConcurrency,
    },
    log,
  );
  const limit = figures.associateRate;
  const burst = figures.burst;
  const charts: Chart[] = burst
    ? [
        {
          file: 'free-at-once.svg',
          alt: 'Assignments per second against the AssociateContactWithUser limit',
          svg: barChart({
            title: `${fmt(figures.agents)} agents free at once, ${fmt(figures.waiting)} waiting`,
            subtitle: `AssociateContactWithUser limited to ${fmt(limit)}/s`,
            categories: ['10th → 90th percentile', 'first → last'],
            series: [{ name: 'assignments per second', values: [burst.steadyRate, burst.overallRate] }],
            yName: 'assignments per second',
            limit: { value: limit, label: `limit ${fmt(limit)}/s` },
            valueLabel: (value) => `${fmt(value, 1)}/s (${fmt((100 * value) / limit)} %)`,
          }),
        },
      ]
    : [];
  const body = [
    `${fmt(figures.agents)} agents (one TASK slot each, Offline) and ${fmt(figures.waiting)} tasks waiting; then ` +
      'every agent is set Available at once (t0) and the emulator ledger is watched until each has a task. ' +
      `AssociateContactWithUser and the other per-contact calls are limited to ${fmt(limit)}/s on the emulator ` +
      "(the worker's lanes and the dispatcher's offersPerSecond alike): the share of that limit is what a faster " +
      'router could not beat. As `bench:routing --scenario free-at-once`.',
    '',
    burst
      ? formatTable(
          [
            'agents',
            'waiting',
            'associate limit',
            'agents busy',
            't0 → all busy',
            'assignments/s (10th→90th)',
            'share of the limit',
            'first → last',
            'throttled',
            'over capacity',
            'double assignments',
          ],
          [
            [
              fmt(figures.agents),
              fmt(figures.waiting),
              `${fmt(limit)}/s`,
              `${fmt(burst.busy)}/${fmt(figures.agents)}`,
              burst.timedOut ? 'not reached' : seconds(burst.allBusyMs),
              fmt(burst.steadyRate, 1),
              `**${percent((100 * burst.steadyRate) / limit)}**`,
              fmt(burst.overallRate, 1),
              fmt(burst.throttled),
              fmt(burst.overCapacity),
              fmt(burst.doubleAssignments),
            ],
          ],
        )
      : `Not all tasks got in line (${figures.fill.failure}; ${fmt(figures.fill.reached)} after ` +
        `${seconds(figures.fill.fillMs)}): no burst was measured.`,
    ...(charts.length > 0 ? ['', ...charts.map(image)] : []),
  ].join('\n');
  return { sections: [{ ...section('free-at-once', 0), body, charts }], details: [markdown] };
}

// ---- 5. Actions per routed task ---------------------------------------------------------------------

async function measureActions(context: ReportContext): Promise<MeasurementResult> {
  const { sizes, log } = context;
  const { markdown, figures } = await runActionsScenario(
    await context.server(),
    {
      tasks: sizes.actionsTasks,
      startConcurrency: sizes.startConcurrency,
      push: false,
      pushCoalesceMs: DEFAULT_COALESCE_MS,
    },
    log,
  );
  const kinds = ACTION_KINDS.filter(
    (kind) => figures.byKind[kind].routeTask + figures.byKind[kind].dispatcher > 0,
  );
  const chart: Chart = {
    file: 'actions.svg',
    alt: 'Temporal actions per routed task, stacked by kind',
    svg: barChart({
      title: 'Temporal billable actions per routed task, by kind',
      subtitle: `${fmt(figures.routed)}/${fmt(figures.tasks)} tasks routed, polling only`,
      categories: ['routeTask (own)', "dispatcher's share", 'per routed task'],
      series: kinds.map((kind) => {
        const { routeTask, dispatcher } = figures.byKind[kind];
        return { name: kind, stack: 'actions', values: [routeTask, dispatcher, routeTask + dispatcher] };
      }),
      yName: 'actions',
      valueLabel: (value) => fmt(value, 2),
    }),
  };
  const body = [
    `${fmt(figures.tasks)} tasks routed end to end with every agent Available (default dispatcher settings, ` +
      "polling only); actions counted from the Event Histories by Temporal Cloud's definition: each routeTask's " +
      "own, plus the dispatcher's divided by the tasks it routed. As `bench:routing --scenario actions`.",
    '',
    formatTable(
      ['action kind', 'routeTask / task', 'dispatcher / task', 'total / task'],
      [
        ...kinds.map((kind) => {
          const { routeTask, dispatcher } = figures.byKind[kind];
          return [kind, fmt(routeTask, 2), fmt(dispatcher, 2), fmt(routeTask + dispatcher, 2)];
        }),
        [
          '**all kinds**',
          `**${fmt(figures.routeTaskPerTask, 2)}**`,
          `**${fmt(figures.dispatcherPerTask, 2)}**`,
          `**${fmt(figures.routeTaskPerTask + figures.dispatcherPerTask, 2)}**`,
        ],
      ],
    ),
    '',
    image(chart),
  ].join('\n');
  return { sections: [{ ...section('actions', 0), body, charts: [chart] }], details: [markdown] };
}

export const MEASURE: Record<Measurement, (context: ReportContext) => Promise<MeasurementResult>> = {
  bulk: measureBulk,
  polling: measurePolling,
  latency: measureLatency,
  'free-at-once': measureFreeAtOnce,
  actions: measureActions,
};
