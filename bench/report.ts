/**
 * bench:report: every benchmark against the baseline a user would otherwise write, side by side in one
 * run on the Connect emulator, written as a Markdown report with SVG charts in a folder of its own:
 * bulk creation, GetCurrentUserData calls while tasks wait, agent-free → assigned latency, many agents
 * free at once, Temporal actions per routed task and the worker's peak RSS. It runs the existing
 * runners (see report-measurements.ts); `--quick` runs the same code with small sizes.
 *
 *   npm run bench:report                 # full sizes (over an hour on 2 cores)
 *   npm run bench:report -- --quick      # a smoke run (about 15 minutes)
 *   npm run bench:report -- --help
 *
 * Everything listens on 127.0.0.1; every loop is bounded in count and time; a measurement that fails
 * is reported as such and the others still run. report.md is rewritten after each measurement, so an
 * interrupted run keeps what it measured.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Cleanups } from './cleanups';
import {
  MEASURE,
  type MeasurementResult,
  type ReportContext,
  type ReportSection,
  SECTIONS,
} from './report-measurements';
import { type Measurement, parseReportOptions, type ReportOptions, type ReportSizes } from './report-options';
import { type BenchServer, startBenchDevServer } from './routing-stack';
import { fmt, formatTable, seconds } from './stats';

interface Outcome {
  measurement: Measurement;
  wallMs: number;
  result?: MeasurementResult;
  error?: string;
}

/** `2026-12-03T15-49-07`: sorts by time, and is a valid folder name everywhere. */
const folderStamp = (at: Date) => at.toISOString().slice(0, 19).replace(/:/g, '-');

/** The commit measured, and whether the work tree differed from it. */
function commitMeasured(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: resolve(__dirname, '..'), encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ' (with uncommitted changes in the work tree)' : ''}`;
  } catch {
    return 'unknown (no git)';
  }
}

const SIZE_NAMES: Record<keyof ReportSizes, string> = {
  bulkItems: 'bulk: contacts per run',
  bulkCreateRate: 'bulk: CreateContact limit (/s)',
  bulkTimeLimitSeconds: 'bulk: time limit per run (s)',
  bulkSample: 'bulk: routeTask histories read for actions',
  budgetWaiting: 'polling: tasks waiting (ours)',
  baselinePollers: 'polling: pollers measured (baseline)',
  windowSeconds: 'polling: measurement window (s)',
  latencyWaiting: 'latency: tasks waiting',
  latencyRounds: 'latency: rounds per mode and waiting',
  freeAgents: 'free at once: agents',
  freeWaiting: 'free at once: tasks waiting',
  freeAssociateRate: 'free at once: AssociateContactWithUser limit (/s)',
  freeTimeLimitSeconds: 'free at once: time limit (s)',
  actionsTasks: 'actions: tasks routed',
  fillTimeoutSeconds: 'time limit to get a line in line (s)',
  startConcurrency: 'routeTask starts in flight',
};

function reportMarkdown(
  options: ReportOptions,
  startedAt: Date,
  outcomes: readonly Outcome[],
  loads: { start: number; end: number },
  commit: string,
  finished: boolean,
): string {
  const sections: ReportSection[] = outcomes
    .flatMap((outcome) =>
      outcome.result
        ? outcome.result.sections
        : SECTIONS[outcome.measurement].map((planned) => ({
            ...planned,
            body: `**Failed** after ${seconds(outcome.wallMs)}: ${outcome.error}`,
            charts: [],
          })),
    )
    .sort((a, b) => a.order - b.order);
  const wallMs = Date.now() - startedAt.getTime();
  const sizeValue = (value: number | number[]) =>
    Array.isArray(value) ? value.map((n) => fmt(n)).join(', ') : fmt(value);
  return [
    `# Benchmark report: ${options.quick ? 'quick run (small sizes)' : 'full run'}`,
    '',
    `Started ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` +
      `${finished ? `, ${seconds(wallMs)} in all` : ` — **in progress** (${seconds(wallMs)} so far)`}. ` +
      `Commit ${commit}. Node ${process.version}, ${cpus().length} cores, ${fmt(totalmem() / 2 ** 30)} GiB of ` +
      `memory; 1-minute load average ${fmt(loads.start, 1)} at the start, ${fmt(loads.end, 1)} at the end. ` +
      'Everything ran on this machine on 127.0.0.1: a Temporal dev server, the Connect emulator, the worker in a ' +
      'child process. Figures are measured, never asserted; on a shared machine they vary from run to run.',
    '',
    formatTable(
      ['measurement', 'wall time', 'outcome'],
      outcomes.map((outcome) => [
        outcome.measurement,
        seconds(outcome.wallMs),
        outcome.error ? 'failed' : 'done',
      ]),
    ),
    '',
    '<details><summary>Sizes</summary>',
    '',
    formatTable(
      ['size', 'value'],
      (Object.keys(SIZE_NAMES) as (keyof ReportSizes)[]).map((key) => [
        SIZE_NAMES[key],
        sizeValue(options.sizes[key]),
      ]),
    ),
    '',
    '</details>',
    '',
    ...sections.flatMap((one) => [`## ${one.order}. ${one.title}`, '', one.body, '']),
    '## Details',
    '',
    "Each runner's own Markdown, as `npm run bench:bulk` and `npm run bench:routing` print it.",
    '',
    ...outcomes.flatMap((outcome) => outcome.result?.details.flatMap((text) => [text, '']) ?? []),
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseReportOptions();
  const log = (line: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  const cleanups = new Cleanups();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping what the report started`);
      void cleanups.runAll().finally(() => process.exit(130));
    });
  }
  const startedAt = new Date();
  const folder = join(options.out, folderStamp(startedAt));
  await mkdir(folder, { recursive: true });
  const reportFile = join(folder, 'report.md');
  const commit = commitMeasured();
  const loadAtStart = loadavg()[0] ?? NaN;
  log(`bench:report (${options.quick ? 'quick' : 'full'}): writing to ${folder}`);

  let server: BenchServer | undefined;
  let stopServer: (() => Promise<void>) | undefined;
  const context: ReportContext = {
    sizes: options.sizes,
    cleanups,
    log,
    async server() {
      if (!server) {
        server = await startBenchDevServer(log);
        const started = server;
        stopServer = cleanups.add(() => started.teardown());
        log(`Temporal dev server on ${server.address}`);
      }
      return server;
    },
  };

  const outcomes: Outcome[] = [];
  const write = async (finished: boolean) => {
    const markdown = reportMarkdown(
      options,
      startedAt,
      outcomes,
      { start: loadAtStart, end: loadavg()[0] ?? NaN },
      commit,
      finished,
    );
    await writeFile(reportFile, markdown);
  };
  try {
    for (const measurement of options.measurements) {
      const began = Date.now();
      log(`measurement ${measurement}...`);
      try {
        const result = await MEASURE[measurement](context);
        outcomes.push({ measurement, wallMs: Date.now() - began, result });
        for (const chart of result.sections.flatMap((one) => one.charts))
          await writeFile(join(folder, chart.file), chart.svg);
      } catch (error) {
        log(
          `measurement ${measurement} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        outcomes.push({ measurement, wallMs: Date.now() - began, error: String(error) });
      }
      log(`measurement ${measurement}: ${seconds(Date.now() - began)}`);
      await write(false);
    }
  } finally {
    await stopServer?.();
  }
  await write(true);
  console.log(`Report written to ${reportFile}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
