/**
 * The bulk-creation benchmark: how fast 10,000 Connect task contacts get created, and at what cost,
 * with the account's CreateContact quota at 50/s. Side by side, on the Connect emulator:
 *
 * - **ours**: `bulkCreateTasks` over a CSV file (`source`), on a Temporal dev server of its own (started
 *   here, on 127.0.0.1) with the package's worker in a child process (its memory sampled). The account's
 *   CreateContact rate is 50/s on both sides (the emulator throttles above it, the worker's create lane
 *   keeps to it); the other per-contact lanes are raised so they do not bind. Every agent is Offline, so
 *   each task waits in line once created: this measures creation, not routing. `one-batch` runs the whole
 *   file as one batch; `split` runs it as ⌈items / maxConcurrent⌉ batches of consecutive rows, started
 *   together: a batch starts no new item while `maxConcurrent` of its items run, and an item runs until
 *   it is routed, so one batch creates at most `maxConcurrent` (≤ 2,500) contacts while nobody routes.
 * - **baseline**: what a user would otherwise write: `Promise.all` over the same number of CreateContact
 *   calls through `@aws-sdk/client-connect` with its default retries (standard mode, 3 attempts), against
 *   a fresh emulator with the same 50/s quota.
 *
 *   npm run bench:bulk
 *   npm run bench:bulk -- --items 2000 --runs split,baseline
 *   npm run bench:bulk -- --help
 *
 * Measured from the batch start until the emulator's ledger shows every contact created (polled every
 * 500 ms; given up after --time-limit, or after --stall seconds without a new contact). Figures are
 * printed as Markdown; nothing is asserted. Every loop is bounded in count and time; only loopback
 * addresses; the bench ends only the processes it started. bench:report runs the same runners.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConnectClient, CreateContactCommand } from '@aws-sdk/client-connect';
import { type WorkflowHandle, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Command } from 'commander';
import { startBulkCreateTasks } from '../src/client/bulk-create-client';
import { integerOption } from '../src/cli/options';
import {
  DEFAULT_CALL_CENTRE,
  defaultContactFlowId,
  EVERYONE_OFFLINE,
  type Ledger,
  type RunningEmulator,
  startEmulator,
} from '../src/dev/emulator';
import {
  BULK_LIMITS,
  type BulkCreateTasksProgress,
  bulkItemWorkflowId,
  bulkProgressQuery,
} from '../src/shared/bulk-create-contract';
import { connectQuotaBurst } from '../src/shared/task-queues';
import type { bulkCreateTasks } from '../workflows/bulk-create-tasks';
import {
  ACTION_KINDS,
  type ActionCount,
  addCounts,
  countActions,
  dispatcherRuns,
  emptyCount,
} from './routing-actions';
import {
  BILLING_QUEUE,
  type BenchServer,
  type Deployment,
  RAISED_CONTACT_QUOTAS,
  roomForTasks,
  runBounded,
  startBenchDevServer,
  maxCachedWorkflowsOption,
  startDeployment,
  SUPPORT_QUEUE,
  withTimeout,
  workerHeapOption,
} from './routing-stack';
import { Cleanups } from './cleanups';
import { type CpuShares, startCpuMeter } from './process-cpu';
import { listOf, oneOf } from './list-options';
import { fmt, formatTable, mib, seconds } from './stats';
import { RSS_EVERY_MS, sampleWorkerMemory } from './worker-memory';

const EventType = temporal.api.enums.v1.EventType;
const WorkflowTaskFailedCause = temporal.api.enums.v1.WorkflowTaskFailedCause;

export const RUNS = ['one-batch', 'split', 'baseline'] as const;
export type Run = (typeof RUNS)[number];
type Layout = Exclude<Run, 'baseline'>;

export interface BulkBenchOptions {
  items: number;
  createRate: number;
  maxConcurrent: number;
  runs: Run[];
  timeLimit: number;
  stall: number;
  sample: number;
  startsPerRun?: number;
  maxCachedWorkflows?: number;
  workerHeapMb?: number;
}

/** Batches in the `split` layout: each with at most maxConcurrent rows, so that none waits on its cap. */
function splitParts(options: Pick<BulkBenchOptions, 'items' | 'maxConcurrent'>): number {
  return Math.ceil(options.items / options.maxConcurrent);
}

/** How often the ledger is read while contacts are being created. */
const POLL_MS = 500;
/** After the last CreateContact: time for its item to tell its batch and join the line before histories are read. */
const GRACE_MS = 10_000;

function parseOptions(): BulkBenchOptions {
  return new Command('bench:bulk')
    .description(
      'Bulk-creation benchmark: bulkCreateTasks over a CSV file vs Promise.all over CreateContact, figures as Markdown.',
    )
    .option('--items <n>', 'contacts to create per run', integerOption('--items', 10, 50_000), 10_000)
    .option(
      '--create-rate <r>',
      "the account's CreateContact quota per second (emulator and worker lane alike)",
      integerOption('--create-rate', 1, 500),
      50,
    )
    .option(
      '--max-concurrent <n>',
      "each batch's maxConcurrent (items started and not yet ended)",
      integerOption('--max-concurrent', 1, BULK_LIMITS.maxConcurrent.max),
      BULK_LIMITS.maxConcurrent.max,
    )
    .option('--runs <list>', `comma-separated: ${RUNS.join(', ')}`, listOf('--runs', oneOf('--runs', RUNS)), [
      ...RUNS,
    ])
    .option(
      '--time-limit <s>',
      'give up a run that has not created every contact after this many seconds',
      integerOption('--time-limit', 30, 7_200),
      900,
    )
    .option(
      '--stall <s>',
      'give up a run once no contact was created for this many seconds',
      integerOption('--stall', 10, 1_200),
      60,
    )
    .option(
      '--starts-per-run <n>',
      `each batch's startsPerRun (default: the package's, ${BULK_LIMITS.startsPerRun.default})`,
      integerOption('--starts-per-run', BULK_LIMITS.startsPerRun.min, BULK_LIMITS.startsPerRun.max),
    )
    .addOption(maxCachedWorkflowsOption())
    .addOption(workerHeapOption())
    .option(
      '--sample <n>',
      'routeTask children whose histories are read for the actions count',
      integerOption('--sample', 10, 2_000),
      200,
    )
    .parse()
    .opts<BulkBenchOptions>();
}

// ---- The CSV files ------------------------------------------------------------------------------

/** One source file and the rows (global item indices) it holds. */
interface SourceFile {
  location: string;
  firstItem: number;
  count: number;
}

/** The item's key (the CSV's Ref column) and its contact name: unique, so the ledger can spot duplicates. */
const itemKey = (index: number) => `r${String(index + 1).padStart(6, '0')}`;
const itemName = (index: number) => `Callback ${index + 1}`;

/** Writes `items` rows over `parts` CSV files of consecutive rows, with a header unlike the field names. */
async function writeSourceFiles(folder: string, items: number, parts: number): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  const perPart = Math.ceil(items / parts);
  for (let part = 0; part < parts; part++) {
    const firstItem = part * perPart;
    const count = Math.min(perPart, items - firstItem);
    const lines = ['Ref,Customer,Queue,Ticket'];
    for (let index = firstItem; index < firstItem + count; index++) {
      lines.push(
        `${itemKey(index)},${itemName(index)},${index % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE},T-${index + 1}`,
      );
    }
    const location = join(folder, `callbacks-${part + 1}.csv`);
    await writeFile(location, `${lines.join('\n')}\n`);
    files.push({ location, firstItem, count });
  }
  return files;
}

const SOURCE_COLUMNS = {
  key: 'Ref',
  'contact.name': 'Customer',
  queueId: 'Queue',
  'contact.attributes.ticket': 'Ticket',
};

// ---- Figures common to both sides --------------------------------------------------------------

export interface CreationFigures {
  run: string;
  created: number;
  /** Batch start (or first call sent) → every contact created, or → giving up. */
  wallMs: number;
  /** Why the wait ended, when not with every contact created. */
  gaveUp?: string;
  /** First and last CreateContact that created a contact (emulator's clock, epoch ms). */
  firstCreateAt?: number;
  lastCreateAt?: number;
  startedAt: number;
  /** Most contacts created within one wall-clock second. */
  busiestSecond: number;
  throttled: number;
  createContactCalls: number;
  duplicates: number;
  quotaRejections: number;
  /** Calls that failed for good (baseline only). */
  lost?: number;
  peakRss?: number;
  peakHeap?: number;
  rssAtStart?: number;
  /** Each process's CPU from the batch start until every contact was created (ours only). */
  cpu?: CpuShares;
}

function creationFigures(
  run: string,
  emulator: RunningEmulator,
  startedAt: number,
  endedAt: number,
  gaveUp: string | undefined,
): CreationFigures {
  const ledger: Ledger = emulator.ledger();
  const createdAt = emulator
    .snapshot()
    .contacts.filter((contact) => contact.createdBy === 'CreateContact')
    .map((contact) => contact.initiatedAt)
    .sort((a, b) => a - b);
  const perSecond = new Map<number, number>();
  for (const at of createdAt)
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  return {
    run,
    created: ledger.contactsCreated,
    wallMs: endedAt - startedAt,
    gaveUp,
    firstCreateAt: createdAt[0],
    lastCreateAt: createdAt.at(-1),
    startedAt,
    busiestSecond: Math.max(0, ...perSecond.values()),
    throttled: ledger.throttledCalls.CreateContact ?? 0,
    createContactCalls: ledger.calls.CreateContact ?? 0,
    duplicates: ledger.duplicateCreations,
    quotaRejections: ledger.quotaRejections,
  };
}

/** `count` contacts over `ms`, per second; NaN when there is no span or nothing to count. */
function ratePerSecond(count: number, ms: number | undefined): number {
  return ms === undefined || ms <= 0 || count <= 0 ? NaN : count / (ms / 1000);
}

/**
 * Contacts created per second between the first and the last CreateContact that created one
 * (n contacts: n − 1 intervals), and over the wall time; NaN where there is no span.
 */
export function creationRates(row: CreationFigures): { firstToLast: number; overWallTime: number } {
  const span =
    row.firstCreateAt === undefined || row.lastCreateAt === undefined
      ? undefined
      : row.lastCreateAt - row.firstCreateAt;
  return {
    firstToLast: ratePerSecond(row.created - 1, span),
    overWallTime: ratePerSecond(row.created, row.wallMs),
  };
}

/** `n/s (x% of the limit)`. */
function rateCell(rate: number, limit: number): string {
  return Number.isNaN(rate) ? 'n/a' : `${fmt(rate, 1)}/s (${fmt((100 * rate) / limit, 1)}%)`;
}

export function creationTable(rows: CreationFigures[], items: number, limit: number): string {
  return formatTable(
    [
      'run',
      'contacts created',
      'wall time',
      'rate, first → last CreateContact',
      'rate over wall time',
      'busiest second',
      'CreateContact calls',
      'throttled',
      'duplicates',
      'lost for good',
      'worker peak RSS',
    ],
    rows.map((row) => {
      const rates = creationRates(row);
      return [
        row.run,
        `${fmt(row.created)} / ${fmt(items)}`,
        `${seconds(row.wallMs)}${row.gaveUp ? ` (${row.gaveUp})` : ''}`,
        rateCell(rates.firstToLast, limit),
        rateCell(rates.overWallTime, limit),
        fmt(row.busiestSecond),
        fmt(row.createContactCalls),
        fmt(row.throttled),
        fmt(row.duplicates),
        row.lost === undefined ? 'n/a' : fmt(row.lost),
        row.peakRss === undefined ? 'n/a' : mib(row.peakRss),
      ];
    }),
  );
}

/**
 * Where the CPU went while ours created contacts, per 1,000 contacts, and the most contacts per
 * second the machine's cores could carry at that cost (all of them, busy with nothing else).
 */
function cpuTable(rows: CreationFigures[]): string | undefined {
  const measured = rows.filter((row) => row.cpu !== undefined && row.created > 0);
  if (measured.length === 0) return undefined;
  const perThousand = (secondsSpent: number | undefined, created: number) =>
    secondsSpent === undefined ? 'n/a' : `${fmt((1000 * secondsSpent) / created, 1)} s`;
  return formatTable(
    [
      'run (CPU per 1,000 contacts)',
      'worker',
      'Temporal dev server',
      'emulator + bench client',
      'all three',
      'cores busy',
      'contacts/s the cores could carry',
    ],
    measured.map((row) => {
      const cpu = row.cpu!;
      // Without the dev server's figure a sum would leave out the largest part: none is given.
      const all =
        cpu.serverSeconds === undefined
          ? undefined
          : cpu.workerSeconds + cpu.serverSeconds + cpu.benchSeconds;
      return [
        row.run,
        perThousand(cpu.workerSeconds, row.created),
        perThousand(cpu.serverSeconds, row.created),
        perThousand(cpu.benchSeconds, row.created),
        perThousand(all, row.created),
        all === undefined ? 'n/a' : `${fmt(all / cpu.wallSeconds, 2)} of ${cpu.cores}`,
        all === undefined ? 'n/a' : `${fmt(cpu.cores / (all / row.created), 1)}/s`,
      ];
    }),
  );
}

// ---- Ours: bulkCreateTasks -----------------------------------------------------------------------

interface Batch {
  batchId: string;
  file: SourceFile;
  handle: WorkflowHandle<typeof bulkCreateTasks>;
}

/**
 * The batch's progress query with a deadline, so that the client stops retrying it by then (a retry
 * left pending would fire on a closed connection once the dev server is gone).
 */
function askBatch(
  server: BenchServer,
  handle: WorkflowHandle<typeof bulkCreateTasks>,
  ms: number,
): Promise<BulkCreateTasksProgress> {
  return server.client.withDeadline(Date.now() + ms, () => handle.query(bulkProgressQuery));
}

interface ActionsFigures {
  window: { fromMs: number; toMs: number };
  batch: ActionCount;
  batchRuns: number;
  children: ActionCount;
  childrenSampled: number;
  childrenStarted: number;
  dispatcher: ActionCount;
  dispatcherRuns: number;
  /** The batch runs' failed workflow tasks, by cause (e.g. the pending-children limit). */
  batchTaskFailures: Record<string, number>;
}

export interface OursReport {
  figures: CreationFigures;
  text: string;
}

/** Items a batch has started: every status but pending and rejected. */
function startedItems(progress: BulkCreateTasksProgress | undefined): number {
  if (!progress) return 0;
  const { running, assigned, failed, cancelled } = progress.counts;
  return running + assigned + failed + cancelled + progress.counts['already-existed'];
}

/** The SDK's not-found error, or the server's gRPC NOT_FOUND (5) where the SDK passes it on as is. */
function isNotFound(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || (error as { code?: unknown } | undefined)?.code === 5;
}

/**
 * How many of a batch's rows have a child, when no worker is left to answer the progress query:
 * items start in row order, so a binary search on whether the row's child exists (≤ 13 look-ups).
 */
async function probeStarted(server: BenchServer, batchId: string, file: SourceFile): Promise<number> {
  const exists = async (row: number) => {
    try {
      await server.client.workflow
        .getHandle(bulkItemWorkflowId(batchId, itemKey(file.firstItem + row)))
        .describe();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  };
  let low = 0; // rows [0, low) have children
  let high = file.count; // rows [high, count) have none
  for (let step = 0; step < 32 && low < high; step++) {
    const middle = Math.floor((low + high) / 2);
    if (await exists(middle)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Billable actions while contacts were being created: batch runs and dispatcher in full, children sampled. */
async function countCreationActions(
  server: BenchServer,
  deployment: Deployment,
  batches: Batch[],
  progress: (BulkCreateTasksProgress | undefined)[],
  window: { fromMs: number; toMs: number },
  sample: number,
): Promise<ActionsFigures> {
  let batchRuns = 0;
  const batch = emptyCount();
  const batchTaskFailures: Record<string, number> = {};
  for (const { handle } of batches) {
    // Every run of the batch's workflow id, walking back across continue-as-new.
    const runs = await dispatcherRuns(server.client, handle.workflowId, 200);
    batchRuns += runs.length;
    for (const run of runs) {
      addCounts(batch, countActions(run.events, window));
      for (const event of run.events) {
        if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
        const cause = event.workflowTaskFailedEventAttributes?.cause ?? 0;
        const name = (WorkflowTaskFailedCause[cause] ?? String(cause)).replace(
          'WORKFLOW_TASK_FAILED_CAUSE_',
          '',
        );
        batchTaskFailures[name] = (batchTaskFailures[name] ?? 0) + 1;
      }
    }
  }
  // Items start in row order, so the started children of a batch are its first `started` rows.
  const started: string[] = [];
  for (const [b, { batchId, file }] of batches.entries()) {
    const one = progress[b];
    const count = one ? Math.min(file.count, startedItems(one)) : await probeStarted(server, batchId, file);
    for (let i = 0; i < count; i++) started.push(bulkItemWorkflowId(batchId, itemKey(file.firstItem + i)));
  }
  const step = Math.max(1, started.length / sample);
  const picked = [
    ...new Set(
      Array.from({ length: Math.min(sample, started.length) }, (_, i) => started[Math.floor(i * step)]!),
    ),
  ];
  const childCounts = (
    await runBounded(picked.length, 8, async (index) => {
      try {
        const history = await server.client.workflow.getHandle(picked[index]!).fetchHistory();
        return countActions(history.events ?? [], window);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    })
  ).filter((count): count is ActionCount => count !== undefined);
  const dispatcher = emptyCount();
  const runs = await dispatcherRuns(server.client, deployment.dispatcherId, 1_000).catch((error: unknown) => {
    if (isNotFound(error)) return [];
    throw error;
  });
  for (const run of runs) addCounts(dispatcher, countActions(run.events, window));
  return {
    window,
    batch,
    batchRuns,
    children: childCounts.reduce(addCounts, emptyCount()),
    childrenSampled: childCounts.length,
    childrenStarted: started.length,
    dispatcher,
    dispatcherRuns: runs.length,
    batchTaskFailures,
  };
}

function actionsText(actions: ActionsFigures, created: number, items: number): string {
  const n = Math.max(1, created);
  // Children: the sample's mean × the children started, shared out over the contacts created (the
  // same as the sample's mean once every started item has been created).
  const childScale = actions.childrenStarted / Math.max(1, actions.childrenSampled) / n;
  const perChild = actions.children.total * childScale;
  const batchShare = actions.batch.total / n;
  const dispatcherShare = actions.dispatcher.total / n;
  const kindRows = ACTION_KINDS.filter(
    (kind) =>
      actions.batch.byKind[kind] + actions.children.byKind[kind] + actions.dispatcher.byKind[kind] > 0,
  ).map((kind) => [
    kind,
    fmt(actions.batch.byKind[kind] / n, 2),
    fmt(actions.children.byKind[kind] * childScale, 2),
    fmt(actions.dispatcher.byKind[kind] / n, 2),
  ]);
  const signals = [
    ...new Set([
      ...Object.keys(actions.batch.signalsByName),
      ...Object.keys(actions.children.signalsByName),
      ...Object.keys(actions.dispatcher.signalsByName),
    ]),
  ].map((name) => [
    name,
    fmt((actions.batch.signalsByName[name] ?? 0) / n, 2),
    fmt((actions.children.signalsByName[name] ?? 0) * childScale, 2),
    fmt((actions.dispatcher.signalsByName[name] ?? 0) / n, 2),
  ]);
  const activities = [
    ...new Set([
      ...Object.keys(actions.batch.activitiesByType),
      ...Object.keys(actions.children.activitiesByType),
      ...Object.keys(actions.dispatcher.activitiesByType),
    ]),
  ].map((name) => [
    name,
    fmt((actions.batch.activitiesByType[name] ?? 0) / n, 2),
    fmt((actions.children.activitiesByType[name] ?? 0) * childScale, 2),
    fmt((actions.dispatcher.activitiesByType[name] ?? 0) / n, 2),
  ]);
  return [
    `Temporal billable actions from the batch start until ${seconds(GRACE_MS)} after the last CreateContact ` +
      `(${seconds(actions.window.toMs - actions.window.fromMs)}), counted from Event Histories as in ` +
      '`bench:routing --scenario actions`. Scaling: the batch runs (all ' +
      `${actions.batchRuns}) and the instance's dispatcher (${actions.dispatcherRuns} runs) are counted in full and ` +
      `divided by the ${fmt(created)} contacts created; routeTask children: the mean of ${actions.childrenSampled} ` +
      `children spread evenly over the ${fmt(actions.childrenStarted)} started (every ` +
      `${fmt(Math.max(1, actions.childrenStarted / Math.max(1, actions.childrenSampled)), 1)}th), ` +
      `× ${fmt(actions.childrenStarted)} started, divided by the ${fmt(created)} contacts created` +
      `${created < items ? ` (${fmt(items - created)} items were never created)` : ''}. ` +
      "A child's window includes its wait in line until the window closes (early items wait longer than late ones)." +
      (Object.keys(actions.batchTaskFailures).length > 0
        ? ` Failed workflow tasks of the batch runs, by cause: ${Object.entries(actions.batchTaskFailures)
            .map(([cause, count]) => `${cause} ${fmt(count)}`)
            .join(', ')}.`
        : ''),
    '',
    formatTable(
      ['', 'actions per item'],
      [
        [`bulkCreateTasks (${actions.batchRuns} runs)`, fmt(batchShare, 2)],
        ['routeTask children (sample, scaled)', fmt(perChild, 2)],
        ['dispatcher share', fmt(dispatcherShare, 2)],
        ['**total per item**', `**${fmt(batchShare + perChild + dispatcherShare, 2)}**`],
        ['total for the run (scaled)', fmt((batchShare + perChild + dispatcherShare) * created)],
      ],
    ),
    '',
    formatTable(['action kind', 'batch / item', 'child / item', 'dispatcher / item'], kindRows),
    '',
    formatTable(
      ['signal (billed where it arrives)', 'batch / item', 'child / item', 'dispatcher / item'],
      signals,
    ),
    '',
    formatTable(['activity scheduled', 'batch / item', 'child / item', 'dispatcher / item'], activities),
  ].join('\n');
}

/** What the batches said when the wait ended (or why they said nothing). */
function progressSentence(
  workerEnded: string | undefined,
  progress: (BulkCreateTasksProgress | undefined)[],
): string {
  if (workerEnded !== undefined)
    return `The worker process ended (${workerEnded}) before the wait ended; no progress. `;
  const answers = progress.filter((one): one is BulkCreateTasksProgress => one !== undefined);
  if (answers.length === 0) return 'When the wait ended, no batch answered the progress query. ';
  const sum = (of: (one: BulkCreateTasksProgress) => number) =>
    fmt(answers.reduce((total, one) => total + of(one), 0));
  const silent = progress.length - answers.length;
  return (
    `When the wait ended, ${silent > 0 ? `${silent} of ${progress.length} batches did not answer the progress query; the others` : 'the batches'} ` +
    `report ${sum((one) => one.read)} rows read, ${sum(startedItems)} started, ${sum((one) => one.created)} created, ` +
    `${sum((one) => one.counts.running)} running, ${sum((one) => one.counts.pending)} read and pending, ` +
    `${sum((one) => one.counts.failed)} failed, ${sum((one) => one.counts.rejected)} rejected, ` +
    `${sum((one) => one.waitingForCapacity)} waiting for capacity. `
  );
}

export async function runOurs(
  layout: Layout,
  options: BulkBenchOptions,
  log: (line: string) => void,
  onStop: Cleanups,
): Promise<OursReport> {
  const { items, createRate, maxConcurrent } = options;
  const parts = layout === 'one-batch' ? 1 : splitParts(options);
  const label = `bulk-${layout}`;
  const folder = await mkdtemp(join(tmpdir(), 'bench-bulk-'));
  const removeFolder = onStop.add(() => rm(folder, { recursive: true, force: true }));
  const server = await startBenchDevServer(log);
  const stopServer = onStop.add(() => server.teardown());
  try {
    log(`${layout}: Temporal dev server on ${server.address}`);
    const deployment = await startDeployment(server, {
      label,
      config: { ...EVERYONE_OFFLINE, ...roomForTasks(items) },
      connectCallRates: { ...RAISED_CONTACT_QUOTAS, create: createRate },
      maxCachedWorkflows: options.maxCachedWorkflows,
      heapLimitMb: options.workerHeapMb,
    });
    const stopDeployment = onStop.add(() => deployment.stop());
    try {
      const files = await writeSourceFiles(folder, items, parts);
      const stamp = `${process.pid}-${Date.now().toString(36)}`;
      const memory = sampleWorkerMemory(
        deployment.worker,
        Math.ceil((options.timeLimit * 1_000 + 600_000) / RSS_EVERY_MS),
      );
      const cpuMeter = await startCpuMeter(deployment.worker, server.address);
      const startedAt = Date.now();
      const batches: Batch[] = await Promise.all(
        files.map(async (file, part) => {
          const batchId = `bench-${stamp}-p${part + 1}`;
          const handle = await startBulkCreateTasks(
            server.client,
            {
              batchId,
              source: { location: file.location, columns: SOURCE_COLUMNS },
              defaults: {
                instanceId: deployment.instanceId,
                transferFlowId: defaultContactFlowId('Transfer to queue'),
              },
              maxConcurrent,
              ...(options.startsPerRun === undefined ? {} : { startsPerRun: options.startsPerRun }),
              report: { location: join(folder, `report-${part + 1}`) },
            },
            { taskQueue: deployment.taskQueue },
          );
          return { batchId, file, handle };
        }),
      );
      log(`${layout}: ${batches.length} batch(es) started over ${fmt(items)} rows; polling the ledger`);

      // The batches' progress, asked in the background (a busy worker answers queries late).
      let lastProgress = '';
      let asking: Promise<void> | undefined;
      const askProgress = () => {
        asking ??= Promise.all(
          batches.map(({ handle }) => askBatch(server, handle, 10_000).catch(() => undefined)),
        )
          .then((answers) => {
            lastProgress = answers
              .map((p) =>
                p
                  ? `read ${p.read}, started ${startedItems(p)}, created ${p.created}, pending ${p.counts.pending}`
                  : 'no answer',
              )
              .join(' | ');
          })
          .finally(() => {
            asking = undefined;
          });
      };

      // Wait for every contact, bounded by the time limit and by the stall limit.
      const deadline = startedAt + options.timeLimit * 1_000;
      let lastCount = 0;
      let lastNewAt = startedAt;
      let endedAt = startedAt;
      let gaveUp: string | undefined;
      const maxPolls = Math.ceil((options.timeLimit * 1_000) / POLL_MS) + 10;
      for (let poll = 0; ; poll++) {
        const now = Date.now();
        const created = deployment.emulator.ledger().contactsCreated;
        endedAt = now;
        if (created > lastCount) {
          lastCount = created;
          lastNewAt = now;
        }
        if (created >= items) break;
        const workerEnded = deployment.worker.exitReason();
        if (workerEnded !== undefined) {
          gaveUp = `the worker process ended: ${workerEnded}`;
          break;
        }
        if (now >= deadline || poll >= maxPolls) {
          gaveUp = `time limit ${options.timeLimit} s`;
          break;
        }
        if (now - lastNewAt >= options.stall * 1_000) {
          gaveUp = `no new contact for ${options.stall} s`;
          break;
        }
        if (poll % 20 === 0) {
          const ledger = deployment.emulator.ledger();
          log(
            `${layout}: ${fmt(created)} created after ${seconds(now - startedAt)}, ` +
              `${fmt(ledger.throttledCalls.CreateContact ?? 0)} throttled, worker peak rss ${mib(memory.peak().rss)}` +
              `${lastProgress ? `; batches: ${lastProgress}` : ''}`,
          );
          askProgress();
        }
        await sleep(POLL_MS);
      }
      const cpu = deployment.worker.exitReason() === undefined ? await cpuMeter.stop() : undefined;
      log(
        `${layout}: ${fmt(lastCount)} created in ${seconds(endedAt - startedAt)}${gaveUp ? ` (gave up: ${gaveUp})` : ''}`,
      );

      await asking;
      const figures = creationFigures(
        layout === 'one-batch' ? 'ours: one batch' : `ours: ${parts} batches at once`,
        deployment.emulator,
        startedAt,
        endedAt,
        gaveUp,
      );
      // Let the last items tell their batch and join the line, then read the progress and the histories.
      const windowEnd = (figures.lastCreateAt ?? endedAt) + GRACE_MS;
      await sleep(Math.max(0, windowEnd - Date.now()));
      const workerAlive = deployment.worker.exitReason() === undefined;
      const progress = workerAlive
        ? await Promise.all(
            batches.map(({ handle }) =>
              askBatch(server, handle, 30_000).catch((error: unknown) => {
                log(`${layout}: progress query failed: ${String(error)}`);
                return undefined;
              }),
            ),
          )
        : batches.map(() => undefined);
      await memory.stop();
      const peak = memory.peak();
      figures.peakRss = peak.rss;
      figures.peakHeap = peak.heap;
      figures.rssAtStart = deployment.worker.atStart.memory.rss;
      if (cpu) figures.cpu = cpu;
      log(`${layout}: reading histories`);
      const actions = await countCreationActions(
        server,
        deployment,
        batches,
        progress,
        { fromMs: startedAt, toMs: windowEnd },
        options.sample,
      );
      const after = deployment.emulator.ledger();
      // Log lines grouped with their run ids and event numbers left out.
      const grouped = new Map<string, number>();
      for (const [line, n] of Object.entries(memory.logs())) {
        const key = line.replace(/[0-9a-f]{8}-[0-9a-f-]{27}(:\d+)*/g, '<run>').slice(0, 110);
        grouped.set(key, (grouped.get(key) ?? 0) + n);
      }
      const warnings = [...grouped.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([line, n]) => [line, fmt(n)]);
      const text = [
        `### ${figures.run}: ${fmt(items)} rows from CSV (${parts === 1 ? 'one file' : `${parts} files of ≤ ${fmt(Math.ceil(items / parts))} rows`})`,
        '',
        `bulkCreateTasks with \`source\` (a local CSV file, header \`Ref,Customer,Queue,Ticket\` mapped by ` +
          '`columns`, pages of 200 rows), ' +
          `maxConcurrent ${fmt(maxConcurrent)}, startsPerRun ${fmt(options.startsPerRun ?? BULK_LIMITS.startsPerRun.default)}; ` +
          "create-then-associate (CreateContact, then TransferContact into the queue, then the dispatcher's line). " +
          'Every agent Offline. ' +
          `Emulator and worker: CreateContact ${createRate}/s (burst ${connectQuotaBurst(createRate)}); TransferContact, ` +
          'AssociateContactWithUser, DescribeContact, StopContact, StartTaskContact 500/s; GetCurrentUserData and ' +
          `List* 2/s. activeTaskQuota ${fmt(roomForTasks(items).activeTaskQuota)}. Worker: maxCachedWorkflows ` +
          `${fmt(deployment.worker.maxCachedWorkflows)}${options.workerHeapMb ? `, heap limit ${fmt(options.workerHeapMb)} MB` : ''}.`,
        '',
        progressSentence(workerAlive ? undefined : deployment.worker.exitReason(), progress) +
          `Ledger: ${fmt(after.transfers)} TransferContact moves, ${fmt(after.quotaRejections)} quota refusals, ` +
          `CreateContact errors ${JSON.stringify(after.errors.CreateContact ?? {})}. ` +
          `Worker: rss ${mib(figures.rssAtStart)} at start, peak ${mib(peak.rss)}; heapUsed peak ${mib(peak.heap)} ` +
          `(sampled every ${seconds(RSS_EVERY_MS)}).`,
        '',
        ...(warnings.length > 0
          ? [
              "The worker's most frequent warnings (counts up to its last stats sample):",
              '',
              formatTable(['log line (first 110 characters)', 'count'], warnings),
              '',
            ]
          : []),
        actionsText(actions, figures.created, items),
      ].join('\n');
      return { figures, text };
    } finally {
      await stopDeployment();
    }
  } finally {
    await stopServer();
    await removeFolder();
  }
}

// ---- Baseline: Promise.all over CreateContact ----------------------------------------------------

export async function runBaseline(
  options: BulkBenchOptions,
  log: (line: string) => void,
  onStop: Cleanups,
): Promise<OursReport> {
  const { items, createRate } = options;
  const emulator = await startEmulator({
    seed: 7,
    config: {
      ...EVERYONE_OFFLINE,
      ...roomForTasks(items),
      // The same account quota as `ours` (local-stack derives it the same way from the create lane's rate).
      throttling: { CreateContact: { ratePerSecond: createRate, burst: connectQuotaBurst(createRate) } },
    },
  });
  const stopEmulator = onStop.add(() => emulator.stop());
  // What a user would write: the SDK's defaults (standard retry mode, maxAttempts 3); ClientToken is
  // left to the SDK, which fills it once per call and keeps it across that call's retries.
  const connect = new ConnectClient({
    endpoint: emulator.endpoint,
    region: DEFAULT_CALL_CENTRE.instance.region,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const startedAt = Date.now();
    const attempts: number[] = [];
    const failures: Record<string, number> = {};
    log(`baseline: Promise.all over ${fmt(items)} CreateContact calls`);
    const settled = await withTimeout(
      'every CreateContact call',
      Promise.allSettled(
        Array.from({ length: items }, async (_, index) => {
          try {
            const response = await connect.send(
              new CreateContactCommand({
                InstanceId: emulator.instanceId,
                Channel: 'TASK',
                InitiationMethod: 'API',
                Name: itemName(index),
                Attributes: { ticket: `T-${index + 1}` },
              }),
            );
            attempts.push(response.$metadata.attempts ?? 1);
            return response;
          } catch (error) {
            const name = (error as Error).name;
            failures[name] = (failures[name] ?? 0) + 1;
            attempts.push((error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1);
            throw error;
          }
        }),
      ),
      options.timeLimit * 1_000,
    );
    const endedAt = Date.now();
    const lost = settled.filter((result) => result.status === 'rejected').length;
    const figures = creationFigures(
      'baseline: Promise.all + SDK retries',
      emulator,
      startedAt,
      endedAt,
      undefined,
    );
    figures.lost = lost;
    const attemptCounts = new Map<number, number>();
    for (const n of attempts) attemptCounts.set(n, (attemptCounts.get(n) ?? 0) + 1);
    const text = [
      `### baseline: Promise.all over ${fmt(items)} CreateContact calls`,
      '',
      '`@aws-sdk/client-connect` with its defaults (retryMode standard, maxAttempts 3, its client-side retry ' +
        'quota, 50 sockets) against a fresh emulator: every agent Offline, CreateContact ' +
        `${createRate}/s (burst ${connectQuotaBurst(createRate)}), activeTaskQuota ${fmt(roomForTasks(items).activeTaskQuota)}. ` +
        'Creation only: the tasks are in no queue (the package also transfers each into its queue and routes it).',
      '',
      formatTable(
        ['', 'value'],
        [
          ['calls made (promises)', fmt(items)],
          ['settled after', seconds(endedAt - startedAt)],
          ['created (succeeded)', fmt(items - lost)],
          ['failed for good (tasks lost)', fmt(lost)],
          [
            'failures by error',
            Object.entries(failures)
              .map(([name, n]) => `${name} ${fmt(n)}`)
              .join(', ') || 'none',
          ],
          [
            'SDK attempts per call',
            [...attemptCounts.entries()]
              .sort((a, b) => a[0] - b[0])
              .map(([n, calls]) => `${n}: ${fmt(calls)} calls`)
              .join(', '),
          ],
          ['CreateContact requests the emulator saw', fmt(figures.createContactCalls)],
          ['of which throttled', fmt(figures.throttled)],
          ['duplicate creations', fmt(figures.duplicates)],
        ],
      ),
    ].join('\n');
    log(`baseline: ${fmt(items - lost)} created, ${fmt(lost)} lost, in ${seconds(endedAt - startedAt)}`);
    return { figures, text };
  } finally {
    connect.destroy();
    await stopEmulator();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const cleanups = new Cleanups();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping what the bench started`);
      void cleanups.runAll().finally(() => process.exit(130));
    });
  }
  const benchStarted = Date.now();
  const rows: CreationFigures[] = [];
  const loads: string[] = [];
  // The baseline first: it needs no Temporal, and leaves nothing running behind it.
  const order = [...options.runs].sort((a, b) => (a === 'baseline' ? -1 : b === 'baseline' ? 1 : 0));
  for (const run of order) {
    if (run === 'split' && splitParts(options) === 1 && options.runs.includes('one-batch')) {
      log('split: the items fit in one batch; the one-batch run covers it');
      continue;
    }
    const began = Date.now();
    const loadBefore = fmt(loadavg()[0] ?? NaN, 1);
    try {
      const report =
        run === 'baseline'
          ? await runBaseline(options, log, cleanups)
          : await runOurs(run, options, log, cleanups);
      rows.push(report.figures);
      // Printed as soon as the run ends, so that a later run's failure loses nothing.
      console.log(
        `${report.text}\n\nWall time of run ${run}: ${seconds(Date.now() - began)} (setup and teardown included).\n`,
      );
    } catch (error) {
      log(`run ${run} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      console.log(`### run ${run} failed\n\n${String(error)}\n`);
    }
    loads.push(`${run} ${loadBefore} → ${fmt(loadavg()[0] ?? NaN, 1)}`);
  }
  console.log(
    [
      `## Bulk creation: ${fmt(options.items)} task contacts at CreateContact ${options.createRate}/s`,
      '',
      `Machine: ${availableParallelism()} cores, shared with whatever else runs; 1-minute load average at the ` +
        'start → end of each run: ' +
        `${loads.join('; ')}.`,
      '',
      creationTable(rows, options.items, options.createRate),
      '',
      ...cpuLines(rows),
      'Rates are contacts created per second and their share of the CreateContact limit: over the span between ' +
        'the first and the last CreateContact that created a contact (n − 1 intervals), and over the wall time ' +
        '(batch start, or first call, until the ledger showed every contact created or the wait was given up). ' +
        'Busiest second: most contacts created within one clock second (the emulator allows a burst of ' +
        `${connectQuotaBurst(options.createRate)}).`,
      '',
      `Total wall time: ${seconds(Date.now() - benchStarted)}.`,
    ].join('\n'),
  );
}

/** The CPU table with what it means, or nothing when no run measured CPU. */
export function cpuLines(rows: CreationFigures[]): string[] {
  const table = cpuTable(rows);
  if (table === undefined) return [];
  return [
    'CPU from the batch start until every contact was created, per 1,000 contacts: the worker process (every ' +
      'thread), the Temporal dev server (from /proc; n/a where unreadable) and the benchmark process (the Connect ' +
      "emulator and the client). The last column divides the machine's cores by that cost: the most contacts per " +
      'second these processes could create here at full load, whatever the CreateContact limit.',
    '',
    table,
    '',
  ];
}

// Run as a script; bench:report imports the runners.
if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
