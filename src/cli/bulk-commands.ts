/**
 * `connect-task-router bulk ...` (start, follow and cancel a batch) and `connect-task-router
 * schedule ...` (Temporal Schedules that start batches). A user's mistake (bad JSON, a missing
 * option, an invalid batch, an unknown schedule or batch) ends the command with one line on stderr
 * and exit code 1, never a stack trace.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  BulkCreateTasksInputError,
  cancelBulkCreateTasks,
  describeBulkCreateTasks,
  getBulkProgress,
  resolveBulkBatchWorkflowId,
  startBulkCreateTasks,
  waitForBulkCreateTasks,
} from '../client/bulk-create-client';
import {
  BULK_SCHEDULE_OVERLAPS,
  type BulkScheduleDescription,
  BulkScheduleOptionsError,
  type BulkScheduleOverlap,
  type BulkScheduleSummary,
  backfillBulkSchedule,
  createBulkSchedule,
  deleteBulkSchedule,
  describeBulkSchedule,
  listBulkSchedules,
  pauseBulkSchedule,
  triggerBulkSchedule,
  unpauseBulkSchedule,
} from '../client/bulk-schedule-client';
import {
  BULK_CANCEL_MODES,
  BULK_ITEM_STATUSES,
  BULK_LIMITS,
  type BulkCancelMode,
  type BulkCreateTasksInput,
  type BulkCreateTasksProgress,
  type BulkItemStatus,
  type ToleratedFailures,
} from '../shared/bulk-create-contract';
import { BULK_SOURCE_LIMITS, type BulkSource } from '../shared/bulk-source';
import {
  explain,
  oneLineErrors,
  readJson,
  repeatable,
  taskQueueOption,
  withTemporal,
} from './command-support';
import { integerOption, keyValueOption } from './options';

function toleratedFailuresOption(text: string): ToleratedFailures {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  if (!match || (!match[2] && match[1]!.includes('.'))) {
    throw new InvalidArgumentError(
      '--tolerated-failures must be a number of items (e.g. 5) or a share (e.g. 2%).',
    );
  }
  return match[2] ? { percent: Number(match[1]) } : { count: Number(match[1]) };
}

function timeOption(name: string) {
  return (text: string): Date => {
    const time = new Date(text);
    if (Number.isNaN(time.getTime())) {
      throw new InvalidArgumentError(`${name} must be a time like 2024-01-01T06:00:00Z.`);
    }
    return time;
  };
}

interface BatchInputOptions {
  items?: string;
  source?: string;
  column?: Record<string, string>;
  otherColumns?: NonNullable<BulkSource['otherColumns']>;
  format?: NonNullable<BulkSource['format']>;
  delimiter?: string;
  pageRows?: number;
  defaults?: string;
  maxConcurrent?: number;
  toleratedFailures?: ToleratedFailures;
  report?: string;
  onCancel?: BulkCancelMode;
}

function addBatchInputOptions(command: Command): Command {
  return command
    .option(
      '--items <file.json>',
      'a JSON array of items: routeTask inputs completed by --defaults, each with an optional "key" ' +
        `(at most ${BULK_LIMITS.inlineItems.max})`,
    )
    .option(
      '--source <path|s3://...>',
      'a CSV or JSONL file the workers read page by page, instead of --items',
    )
    .option(
      '--column <field=column>',
      'CSV: the column a routeTask field reads, e.g. contact.name=customer_name or ' +
        'contact.attributes.claim=claim_id (repeat for several; default: columns named after the fields)',
      keyValueOption('--column', 'field=column', 'contact.name=customer_name'),
    )
    .addOption(
      new Option(
        '--other-columns <mode>',
        'CSV: what a column no field reads becomes (default ignore)',
      ).choices(['ignore', 'attributes', 'reject'] as const),
    )
    .addOption(
      new Option('--format <format>', 'the source format (default: from the extension)').choices([
        'csv',
        'jsonl',
      ] as const),
    )
    .option('--delimiter <char>', 'CSV: the field delimiter (default ,)')
    .option(
      '--page-rows <n>',
      `rows per page read (default ${BULK_SOURCE_LIMITS.pageRows.default})`,
      integerOption('--page-rows', 1, BULK_SOURCE_LIMITS.pageRows.max),
    )
    .option(
      '--defaults <json|@file>',
      'routeTask fields every item gets unless it sets them, e.g. \'{"instanceId":"...","queueId":"..."}\'',
    )
    .option(
      '--max-concurrent <n>',
      `items routing at once (default ${BULK_LIMITS.maxConcurrent.default})`,
      integerOption('--max-concurrent', 1, BULK_LIMITS.maxConcurrent.max),
    )
    .option(
      '--tolerated-failures <n|n%>',
      'failed and rejected items past this end the batch early (default: no limit)',
      toleratedFailuresOption,
    )
    .option(
      '--report <location>',
      `where the per-item report goes for batches over ${BULK_LIMITS.reportInline.max} items`,
    )
    .addOption(
      new Option(
        '--on-cancel <mode>',
        'what cancelling the batch does: spare-created (items whose contact exists route on) or cancel-all',
      ).choices(BULK_CANCEL_MODES),
    );
}

/** The option that sets each batch input or schedule field, to name it in a validation message. */
const FIELD_OPTIONS: [field: string, option: string][] = [
  ['items', '--items'],
  ['source.location', '--source'],
  ['source.columns', '--column'],
  ['source.otherColumns', '--other-columns'],
  ['source.format', '--format'],
  ['source.delimiter', '--delimiter'],
  ['source.pageRows', '--page-rows'],
  ['defaults', '--defaults'],
  ['maxConcurrent', '--max-concurrent'],
  ['toleratedFailures', '--tolerated-failures'],
  ['report', '--report'],
  ['onCancel', '--on-cancel'],
  ['every', '--every'],
  ['catchupWindow', '--catchup-window'],
];

function withOption(message: string, field: string): string {
  const option = FIELD_OPTIONS.find(([name]) => field === name || field.startsWith(`${name}.`))?.[1];
  return option ? `${message} (${option})` : message;
}

/** A refused batch or schedule, its messages followed by the option to change (`... (--every)`). */
function namingOptions(error: unknown): unknown {
  if (error instanceof BulkCreateTasksInputError) {
    const issues = error.issues.map((issue) => withOption(issue.message, issue.field));
    return new Error(`Invalid bulkCreateTasks input: ${issues.join('; ')}`);
  }
  if (error instanceof BulkScheduleOptionsError) return new Error(withOption(error.message, error.field));
  return error;
}

function batchInput(batchId: string, options: BatchInputOptions): BulkCreateTasksInput {
  if ((options.items === undefined) === (options.source === undefined)) {
    throw new Error('give exactly one of --items <file.json> and --source <path|s3://...>');
  }
  const sourceOptions = {
    columns: options.column,
    otherColumns: options.otherColumns,
    format: options.format,
    delimiter: options.delimiter,
    pageRows: options.pageRows,
  };
  const given = Object.entries(sourceOptions).filter(([, value]) => value !== undefined);
  if (options.source === undefined && given.length > 0) {
    throw new Error('--column, --other-columns, --format, --delimiter and --page-rows need --source');
  }
  const defaults = options.defaults === undefined ? undefined : readJson('--defaults', options.defaults);
  return {
    batchId,
    ...(options.items === undefined
      ? { source: { location: options.source!, ...Object.fromEntries(given) } }
      : {
          items: readJson('--items', `@${options.items}`) as BulkCreateTasksInput['items'],
        }),
    ...(defaults === undefined ? {} : { defaults: defaults as BulkCreateTasksInput['defaults'] }),
    ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
    ...(options.toleratedFailures === undefined ? {} : { toleratedFailures: options.toleratedFailures }),
    ...(options.report === undefined ? {} : { report: { location: options.report } }),
    ...(options.onCancel === undefined ? {} : { onCancel: options.onCancel }),
  };
}

function overlapOption(description: string): Option {
  return new Option('--overlap <policy>', description).choices(BULK_SCHEDULE_OVERLAPS);
}

const ENDED_STATUSES = BULK_ITEM_STATUSES.filter(
  (status): status is Exclude<BulkItemStatus, 'pending' | 'running'> =>
    status !== 'pending' && status !== 'running',
);

function endedItems({ counts }: BulkCreateTasksProgress): number {
  return ENDED_STATUSES.reduce((sum, status) => sum + counts[status], 0);
}

function formatProgress(progress: BulkCreateTasksProgress): string {
  const { batchId, read, total, created, counts, waitingForCapacity, stoppedEarly, cancelled } = progress;
  return [
    `Batch ${batchId}: ${total ?? `${read} read so far`} items, ${endedItems(progress)} ended, ${created} contacts created`,
    `  ${BULK_ITEM_STATUSES.map((status) => `${counts[status]} ${status}`).join(' · ')}`,
    ...(waitingForCapacity > 0
      ? [`  ${waitingForCapacity} waiting for room under Connect's active-task quota`]
      : []),
    ...(stoppedEarly ? [`  stopped early: ${stoppedEarly}`] : []),
    ...(cancelled ? [`  cancelled (${cancelled})`] : []),
  ].join('\n');
}

/** Follows the batch's progress with a progress bar (on a terminal) until the batch ends. */
async function waitWithProgressBar(client: Client, workflowId: string): Promise<BulkCreateTasksProgress> {
  const bar = new SingleBar(
    { format: '{bar} {value}/{total} items ended · {assigned} assigned · {problems} failed or rejected' },
    Presets.shades_classic,
  );
  bar.start(1, 0, { assigned: 0, problems: 0 });
  let ended = false;
  const result = waitForBulkCreateTasks(client, workflowId).finally(() => (ended = true));
  try {
    while (!ended) {
      // A query can fail while the batch hands over to its next run; the next one answers.
      const progress = await getBulkProgress(client, workflowId).catch(() => undefined);
      if (progress) {
        bar.setTotal(Math.max(1, progress.total ?? progress.read));
        bar.update(endedItems(progress), {
          assigned: progress.counts.assigned,
          problems: progress.counts.failed + progress.counts.rejected,
        });
      }
      await Promise.race([result.catch(() => undefined), sleep(500)]);
    }
  } finally {
    bar.stop();
  }
  return result;
}

async function printBatchStatus(client: Client, batch: string, json: boolean): Promise<void> {
  const description = await describeBulkCreateTasks(client, batch);
  const { workflowId } = description;
  const status = description.status.name;
  let progress: BulkCreateTasksProgress | undefined;
  let failure: string | undefined;
  if (status === 'RUNNING') progress = await getBulkProgress(client, workflowId);
  else {
    // An ended batch answers from its result, which needs no worker.
    await waitForBulkCreateTasks(client, workflowId).then(
      ({ items: _items, ...result }) => (progress = result),
      (error: unknown) => (failure = explain(error)),
    );
  }
  if (json) {
    console.log(JSON.stringify({ workflowId, status, progress, failure }, null, 2));
    return;
  }
  console.log(`${workflowId}: ${status}`);
  if (progress) console.log(formatProgress(progress));
  if (failure) console.log(`  ${failure}`);
}

function formatTime(time: Date): string {
  return time.toISOString().replace('.000Z', 'Z');
}

function formatScheduleLine(schedule: BulkScheduleSummary): string {
  const next = schedule.nextRunTimes[0];
  return [
    schedule.scheduleId,
    `${schedule.spec.join(', ')} (${schedule.timeZone})`,
    schedule.paused ? 'paused' : 'active',
    `batch ${schedule.batchId ?? '?'}`,
    schedule.paused || !next ? 'next run: -' : `next run: ${formatTime(next)}`,
  ].join('  ');
}

function formatScheduleDescription(schedule: BulkScheduleDescription): string {
  const runs = schedule.recentRuns;
  return [
    `Schedule ${schedule.scheduleId}: starts batch ${schedule.batchId} on task queue ${schedule.taskQueue}`,
    `  when: ${schedule.spec.join(', ')} (${schedule.timeZone})`,
    `  state: ${schedule.paused ? 'paused' : 'active'}${schedule.note ? ` (${schedule.note})` : ''}`,
    `  overlap: ${schedule.overlap} · catch-up window ${schedule.catchupWindowMs / 1000} s`,
    `  runs: ${schedule.runsStarted} started, ${schedule.runsMissedCatchupWindow} missed (catch-up window), ` +
      `${schedule.runsSkippedOverlap} skipped (overlap)`,
    ...(runs.length > 0 ? ['  recent runs (scheduled for → workflow id):'] : ['  recent runs: none']),
    ...runs.map((run) => `    ${formatTime(run.scheduledAt)} → ${run.workflowId}`),
    `  running: ${schedule.runningWorkflowIds.join(', ') || 'none'}`,
    `  next runs: ${schedule.paused ? 'none while paused' : schedule.nextRunTimes.map(formatTime).join(', ') || 'none'}`,
  ].join('\n');
}

function registerBatchCommands(program: Command): void {
  const bulk = program
    .command('bulk')
    .description('Start, follow and cancel bulk batches: many routed tasks from one list.')
    .showHelpAfterError(false);

  addBatchInputOptions(
    bulk
      .command('start')
      .description(
        'Start a batch: one routeTask per item, ids from the batch id and item keys, so starting it ' +
          'again creates nothing twice.',
      )
      .argument('<batchId>', 'names the batch (letters, digits and . _ : -)'),
  )
    .addOption(taskQueueOption())
    .option('--wait', 'follow the batch with a progress bar until it ends, then print its counts')
    .addHelpText(
      'after',
      '\nExample:\n  $ connect-task-router bulk start claims-0601 --items claims.json ' +
        '--defaults @defaults.json --tolerated-failures 2% --wait',
    )
    .action(
      oneLineErrors(
        async (batchId: string, options: BatchInputOptions & { taskQueue: string; wait?: boolean }) => {
          const input = batchInput(batchId, options);
          await withTemporal('batch run', async (client) => {
            const handle = await startBulkCreateTasks(client, input, { taskQueue: options.taskQueue }).catch(
              (error: unknown) => {
                throw namingOptions(error);
              },
            );
            console.log(`Started batch ${batchId}: workflow ${handle.workflowId}`);
            if (options.wait) {
              console.log(formatProgress(await waitWithProgressBar(client, handle.workflowId)));
            }
          });
        },
      ),
    );

  bulk
    .command('status')
    .description("Show a batch's progress: items read, started, ended, and how each ended.")
    .argument(
      '<batch>',
      "batch id, or a scheduled run's workflow id (bulk-batch/<batchId>-<time>, see schedule describe)",
    )
    .option('--json', 'print JSON: workflowId, status, progress and failure')
    .action(
      oneLineErrors(async (batch: string, options: { json?: boolean }) =>
        withTemporal('batch run', (client) => printBatchStatus(client, batch, options.json ?? false)),
      ),
    );

  bulk
    .command('cancel')
    .description(
      'Cancel a batch: no new item starts; its --on-cancel mode decides whether started items route on.',
    )
    .argument('<batch>', "batch id, or a scheduled run's workflow id")
    .action(
      oneLineErrors(async (batch: string) =>
        withTemporal('batch run', async (client) => {
          await cancelBulkCreateTasks(client, batch);
          console.log(`Cancellation requested for ${resolveBulkBatchWorkflowId(batch)}.`);
        }),
      ),
    );
}

interface ScheduleCreateOptions extends BatchInputOptions {
  cron?: string[];
  every?: string;
  timeZone?: string;
  overlap?: BulkScheduleOverlap;
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
  taskQueue: string;
}

function registerScheduleCommands(program: Command): void {
  const schedule = program
    .command('schedule')
    .description(
      'Run bulk batches on Temporal Schedules: each run is the batch <batchId>.<scheduled time>, so a ' +
        'time that already ran never creates a contact twice.',
    )
    .showHelpAfterError(false)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        "  $ connect-task-router schedule create nightly-claims claims --items claims.json --defaults @defaults.json --cron '0 6 * * MON-FRI' --time-zone Europe/Paris\n" +
        '  $ connect-task-router schedule backfill nightly-claims --start 2024-06-01T00:00:00Z --end 2024-06-03T00:00:00Z --overlap buffer-all',
    );

  addBatchInputOptions(
    schedule
      .command('create')
      .description('Create a schedule whose runs start a bulk batch.')
      .argument('<scheduleId>', 'names the schedule')
      .argument('<batchId>', 'the batch each run starts, as <batchId>.<scheduled time>'),
  )
    .option('--cron <expression>', 'when to run, e.g. "0 6 * * MON-FRI" (repeat for several)', repeatable)
    .option('--every <duration>', 'run at this interval instead of --cron, e.g. 1h or "15 minutes"')
    .option('--time-zone <name>', 'IANA time zone of --cron, e.g. Europe/Paris (default UTC)')
    .addOption(overlapOption('when the previous run is still running').default('skip'))
    .option('--catchup-window <duration>', 'how late a missed run may still start (default 10 minutes)')
    .option('--paused', 'create it paused (trigger and backfill still work)')
    .option('--note <text>', 'a note shown with the schedule')
    .addOption(taskQueueOption())
    .action(
      oneLineErrors(async (scheduleId: string, batchId: string, options: ScheduleCreateOptions) => {
        const input = batchInput(batchId, options);
        await withTemporal('batch run', async (client) => {
          await createBulkSchedule(client, {
            scheduleId,
            input,
            cron: options.cron,
            every: options.every as Duration | undefined,
            timeZone: options.timeZone,
            overlap: options.overlap,
            catchupWindow: options.catchupWindow as Duration | undefined,
            paused: options.paused,
            note: options.note,
            taskQueue: options.taskQueue,
          }).catch((error: unknown) => {
            // The SDK raises Temporal's refusal of a spec (a cron expression, a time zone) as a TypeError.
            if (!(error instanceof TypeError)) throw namingOptions(error);
            throw new Error(`invalid schedule spec (--cron, --every, --time-zone): ${error.message}`);
          });
          console.log(`Created schedule ${scheduleId}.`);
          console.log(formatScheduleDescription(await describeBulkSchedule(client, scheduleId)));
        });
      }),
    );

  schedule
    .command('list')
    .description('List the schedules that start bulk batches.')
    .option('--json', 'print JSON')
    .action(
      oneLineErrors(async (options: { json?: boolean }) =>
        withTemporal('batch run', async (client) => {
          const schedules = await listBulkSchedules(client);
          if (options.json) console.log(JSON.stringify(schedules, null, 2));
          else if (schedules.length === 0) console.log('No bulk schedules.');
          else for (const found of schedules) console.log(formatScheduleLine(found));
        }),
      ),
    );

  schedule
    .command('describe')
    .description("Show a schedule: when it runs, its state, its recent runs' workflow ids, its next runs.")
    .argument('<scheduleId>')
    .option('--json', 'print JSON')
    .action(
      oneLineErrors(async (scheduleId: string, options: { json?: boolean }) =>
        withTemporal('batch run', async (client) => {
          const description = await describeBulkSchedule(client, scheduleId);
          console.log(
            options.json ? JSON.stringify(description, null, 2) : formatScheduleDescription(description),
          );
        }),
      ),
    );

  schedule
    .command('trigger')
    .description('Start a run now, scheduled for now.')
    .argument('<scheduleId>')
    .addOption(overlapOption("if a run is still running (default: the schedule's policy)"))
    .action(
      oneLineErrors(async (scheduleId: string, options: { overlap?: BulkScheduleOverlap }) =>
        withTemporal('batch run', async (client) => {
          await triggerBulkSchedule(client, scheduleId, options.overlap);
          console.log(`Triggered schedule ${scheduleId}.`);
        }),
      ),
    );

  schedule
    .command('backfill')
    .description(
      'Start the runs the schedule would have started between --start and --end (both included); ' +
        'a time that already ran creates no new contact.',
    )
    .argument('<scheduleId>')
    .requiredOption('--start <time>', 'e.g. 2024-06-01T00:00:00Z', timeOption('--start'))
    .requiredOption('--end <time>', 'e.g. 2024-06-03T00:00:00Z', timeOption('--end'))
    .addOption(
      overlapOption(
        "if runs overlap (default: the schedule's policy; buffer-all runs them one after another)",
      ),
    )
    .action(
      oneLineErrors(
        async (scheduleId: string, options: { start: Date; end: Date; overlap?: BulkScheduleOverlap }) =>
          withTemporal('batch run', async (client) => {
            await backfillBulkSchedule(client, scheduleId, options);
            console.log(
              `Backfill requested for schedule ${scheduleId} from ${formatTime(options.start)} to ${formatTime(options.end)}.`,
            );
          }),
      ),
    );

  schedule
    .command('pause')
    .description('Pause a schedule: no run starts until it is unpaused.')
    .argument('<scheduleId>')
    .option('--note <text>', 'why, shown with the schedule')
    .action(
      oneLineErrors(async (scheduleId: string, options: { note?: string }) =>
        withTemporal('batch run', async (client) => {
          await pauseBulkSchedule(client, scheduleId, options.note);
          console.log(`Paused schedule ${scheduleId}.`);
        }),
      ),
    );

  schedule
    .command('unpause')
    .description('Unpause a schedule: its runs start again at their times.')
    .argument('<scheduleId>')
    .option('--note <text>', 'shown with the schedule')
    .action(
      oneLineErrors(async (scheduleId: string, options: { note?: string }) =>
        withTemporal('batch run', async (client) => {
          await unpauseBulkSchedule(client, scheduleId, options.note);
          console.log(`Unpaused schedule ${scheduleId}.`);
        }),
      ),
    );

  schedule
    .command('delete')
    .description('Delete a schedule; runs it started go on.')
    .argument('<scheduleId>')
    .action(
      oneLineErrors(async (scheduleId: string) =>
        withTemporal('batch run', async (client) => {
          await deleteBulkSchedule(client, scheduleId);
          console.log(`Deleted schedule ${scheduleId}.`);
        }),
      ),
    );
}

export function registerBulkCommands(program: Command): void {
  registerBatchCommands(program);
  registerScheduleCommands(program);
}
