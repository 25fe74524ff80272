/**
 * Temporal Schedules that start bulkCreateTasks: create one from a batch input and a cron or an
 * interval, list, describe, trigger, backfill, pause, unpause and delete them.
 *
 * Each run starts `bulk-batch/<batchId>` (Temporal appends the scheduled time, e.g.
 * `bulk-batch/claims-2024-01-01T06:00:00Z`) and runs as the batch `<batchId>.<scheduled time>`, so
 * a run triggered or backfilled again for a time that already ran creates no second contact.
 * The input is checked with the schema the workflow itself uses before anything reaches Temporal.
 */
import {
  type CalendarSpecDescription,
  type Client,
  type Range,
  type ScheduleDescription,
  type ScheduleExecutionResult,
  type ScheduleHandle,
  ScheduleOverlapPolicy,
  type ScheduleSpecDescription,
  type ScheduleSummary,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  type BulkCreateTasksInput,
  type BulkCreateTasksRequest,
  parseBulkCreateTasksInput,
} from '../shared/bulk-create-contract';
import { BulkBatchId } from '../shared/search-attributes';
import { DEFAULT_TASK_QUEUE } from '../shared/task-queues';
import type { bulkCreateTasks } from '../../workflows/bulk-create-tasks';
import { BulkCreateTasksInputError, bulkBatchWorkflowId } from './bulk-create-client';

const BULK_CREATE_TASKS = 'bulkCreateTasks';

/**
 * What a run does when the previous one is still running. `skip` (default): it does not start.
 * `buffer-one` / `buffer-all`: it starts when the previous one ends. `cancel-other`: the running batch
 * is cancelled (its `onCancel` decides what becomes of its items), then the new one starts.
 * `terminate-other`: the running batch is terminated (its started items route on). `allow-all`: both run.
 */
const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type BulkScheduleOverlap = keyof typeof OVERLAP_POLICIES;
export const BULK_SCHEDULE_OVERLAPS = Object.keys(OVERLAP_POLICIES) as BulkScheduleOverlap[];

/**
 * Temporal's default catch-up window is a year: after an outage, every run missed in the past year
 * would still start, days late, and hand agents tasks meant for another day. Ten minutes covers a
 * server restart or a deploy; a run missed for longer is counted (`actionsMissedCatchupWindow`)
 * and left to a deliberate backfill, which creates nothing twice for times that did run.
 */
export const DEFAULT_CATCHUP_WINDOW = '10 minutes';
/** Temporal's own minimum. */
const MIN_CATCHUP_WINDOW_MS = 10_000;

/** A schedule option that Temporal would refuse or misread, named by its field. */
export class BulkScheduleOptionsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'BulkScheduleOptionsError';
  }
}

/** Describing a schedule whose action starts another workflow type. */
export class NotABulkScheduleError extends Error {
  constructor(
    readonly scheduleId: string,
    readonly workflowType: string,
  ) {
    super(`Schedule ${scheduleId} starts ${workflowType}, not ${BULK_CREATE_TASKS}`);
    this.name = 'NotABulkScheduleError';
  }
}

export interface CreateBulkScheduleOptions {
  scheduleId: string;
  /** The batch every run starts; each run is the batch `<batchId>.<scheduled time>`. */
  input: BulkCreateTasksInput;
  /** Cron expressions (5 to 7 fields, or `@daily`...): exactly one of `cron` and `every`. */
  cron?: string | string[];
  /** An interval such as `'1h'` or `'15 minutes'`, or milliseconds: exactly one of `cron` and `every`. */
  every?: Duration;
  /** IANA name, e.g. `Europe/Paris`; default UTC. */
  timeZone?: string;
  /** Default `skip`. */
  overlap?: BulkScheduleOverlap;
  /** How late a missed run may still start, e.g. after an outage; default DEFAULT_CATCHUP_WINDOW. */
  catchupWindow?: Duration;
  /** Create it paused: it takes no action until unpaused (trigger and backfill still work). */
  paused?: boolean;
  /** Shown with the schedule, e.g. why it is paused. */
  note?: string;
  /** Default DEFAULT_TASK_QUEUE. */
  taskQueue?: string;
}

/** A run the schedule started. */
export interface BulkScheduleRun {
  /** The time the run was scheduled for: its batch is `<batchId>.<this time>`. */
  scheduledAt: Date;
  takenAt: Date;
  /** `bulk-batch/<batchId>-<scheduled time>`. */
  workflowId: string;
  firstExecutionRunId: string;
}

export interface BulkScheduleSummary {
  scheduleId: string;
  /** The batch id its runs start from (from the schedule's memo; absent if it was created elsewhere). */
  batchId?: string;
  /** When it runs, e.g. `cron 0 6 * * MON-FRI` or `every 1h`. */
  spec: string[];
  /** `UTC` unless set. */
  timeZone: string;
  paused: boolean;
  note?: string;
  /** The latest runs it started, oldest first. */
  recentRuns: BulkScheduleRun[];
  nextRunTimes: Date[];
}

export interface BulkScheduleDescription extends BulkScheduleSummary {
  batchId: string;
  input: BulkCreateTasksInput;
  taskQueue: string;
  overlap: BulkScheduleOverlap;
  catchupWindowMs: number;
  /** Runs it started that are still running. */
  runningWorkflowIds: string[];
  runsStarted: number;
  runsMissedCatchupWindow: number;
  runsSkippedOverlap: number;
  createdAt: Date;
}

function durationMs(field: string, value: Duration, minMs: number): number {
  let ms: number;
  try {
    ms = msToNumber(value);
  } catch {
    ms = Number.NaN;
  }
  if (!(ms >= minMs)) {
    throw new BulkScheduleOptionsError(
      field,
      `${field} must be a duration of at least ${minMs / 1000} s, like '1h', '15 minutes' or ` +
        `a number of milliseconds (got ${JSON.stringify(value)})`,
    );
  }
  return ms;
}

function batchContents({ items, source }: BulkCreateTasksRequest): string {
  return items ? `${items.length} tasks` : `tasks from ${source?.location}`;
}

export async function createBulkSchedule(
  client: Client,
  options: CreateBulkScheduleOptions,
): Promise<ScheduleHandle> {
  const parsed = parseBulkCreateTasksInput(options.input);
  if (!parsed.ok) throw new BulkCreateTasksInputError(parsed.issues);
  const cronExpressions = options.cron === undefined ? [] : [options.cron].flat();
  const hasCron = cronExpressions.length > 0;
  if (hasCron === (options.every !== undefined)) {
    throw new BulkScheduleOptionsError(
      'cron',
      `Give exactly one of cron and every (got ${hasCron ? 'both' : 'neither'})`,
    );
  }
  const every = options.every === undefined ? undefined : durationMs('every', options.every, 1_000);
  const catchupWindow = durationMs(
    'catchupWindow',
    options.catchupWindow ?? DEFAULT_CATCHUP_WINDOW,
    MIN_CATCHUP_WINDOW_MS,
  );
  const { batchId } = parsed.request;
  const contents = batchContents(parsed.request);
  return client.schedule.create<typeof bulkCreateTasks>({
    scheduleId: options.scheduleId,
    spec: {
      ...(every === undefined ? { cronExpressions } : { intervals: [{ every }] }),
      timezone: options.timeZone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: BULK_CREATE_TASKS,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      workflowId: bulkBatchWorkflowId(batchId),
      args: [options.input],
      staticSummary: `Scheduled bulk batch ${batchId} (schedule ${options.scheduleId}): ${contents}`,
      typedSearchAttributes: [{ key: BulkBatchId, value: batchId }],
    },
    policies: { overlap: OVERLAP_POLICIES[options.overlap ?? 'skip'], catchupWindow },
    state: { paused: options.paused ?? false, note: options.note },
    memo: { batchId, contents },
  });
}

export async function listBulkSchedules(client: Client): Promise<BulkScheduleSummary[]> {
  const schedules: BulkScheduleSummary[] = [];
  for await (const schedule of client.schedule.list()) {
    if (schedule.action?.workflowType !== BULK_CREATE_TASKS) continue;
    const batchId = schedule.memo?.batchId;
    schedules.push(summarize(schedule, typeof batchId === 'string' ? batchId : undefined));
  }
  return schedules;
}

export async function describeBulkSchedule(
  client: Client,
  scheduleId: string,
): Promise<BulkScheduleDescription> {
  const description = await client.schedule.getHandle(scheduleId).describe();
  const { action, policies, info } = description;
  if (action.workflowType !== BULK_CREATE_TASKS)
    throw new NotABulkScheduleError(scheduleId, action.workflowType);
  const input = action.args?.[0] as BulkCreateTasksInput;
  return {
    ...summarize(description, input.batchId),
    batchId: input.batchId,
    input,
    taskQueue: action.taskQueue,
    overlap: overlapName(policies.overlap),
    catchupWindowMs: policies.catchupWindow,
    runningWorkflowIds: info.runningActions.map((run) => run.workflow.workflowId),
    runsStarted: info.numActionsTaken,
    runsMissedCatchupWindow: info.numActionsMissedCatchupWindow,
    runsSkippedOverlap: info.numActionsSkippedOverlap,
    createdAt: info.createdAt,
  };
}

/**
 * Starts a run now. `overlap` defaults to the schedule's own policy (the SDK's default would be
 * `allow-all`, a second batch alongside a running one).
 */
export async function triggerBulkSchedule(
  client: Client,
  scheduleId: string,
  overlap?: BulkScheduleOverlap,
): Promise<void> {
  const handle = client.schedule.getHandle(scheduleId);
  await handle.trigger(overlap ? OVERLAP_POLICIES[overlap] : (await handle.describe()).policies.overlap);
}

/**
 * Starts the runs the schedule would have started between `start` and `end` (both included), as
 * if that time passed now; `overlap` defaults to the schedule's own policy (with `skip`, a time
 * whose run would overlap a running one is dropped: `buffer-all` runs them one after another).
 * A time that already ran runs again as the same batch, so it creates no new contact.
 */
export async function backfillBulkSchedule(
  client: Client,
  scheduleId: string,
  { start, end, overlap }: { start: Date; end: Date; overlap?: BulkScheduleOverlap },
): Promise<void> {
  if (!(start.getTime() < end.getTime())) {
    throw new BulkScheduleOptionsError(
      'end',
      `end must be after start (got ${start.toISOString()} to ${end.toISOString()})`,
    );
  }
  await client.schedule
    .getHandle(scheduleId)
    .backfill({ start, end, overlap: overlap ? OVERLAP_POLICIES[overlap] : undefined });
}

export async function pauseBulkSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).pause(note);
}

export async function unpauseBulkSchedule(client: Client, scheduleId: string, note?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).unpause(note);
}

/** Deletes the schedule; the runs it started go on. */
export async function deleteBulkSchedule(client: Client, scheduleId: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
}

function summarize(
  schedule: ScheduleSummary | ScheduleDescription,
  batchId: string | undefined,
): BulkScheduleSummary {
  const { scheduleId, spec, state, info } = schedule;
  return {
    scheduleId,
    ...(batchId === undefined ? {} : { batchId }),
    spec: spec ? describeSpec(spec) : [],
    timeZone: spec?.timezone || 'UTC',
    paused: state.paused,
    ...(state.note ? { note: state.note } : {}),
    recentRuns: info.recentActions.map(runOf),
    nextRunTimes: info.nextActionTimes,
  };
}

function runOf({ scheduledAt, takenAt, action }: ScheduleExecutionResult): BulkScheduleRun {
  return {
    scheduledAt,
    takenAt,
    workflowId: action.workflow.workflowId,
    firstExecutionRunId: action.workflow.firstExecutionRunId,
  };
}

function overlapName(policy: ScheduleOverlapPolicy): BulkScheduleOverlap {
  return BULK_SCHEDULE_OVERLAPS.find((name) => OVERLAP_POLICIES[name] === policy) ?? 'skip';
}

/** Temporal keeps cron expressions as calendars: each is written back as a cron expression. */
function describeSpec({ calendars = [], intervals = [] }: ScheduleSpecDescription): string[] {
  return [
    ...calendars.map(
      (calendar) => `cron ${cronOf(calendar)}${calendar.comment ? ` # ${calendar.comment}` : ''}`,
    ),
    ...intervals.map(
      ({ every, offset }) =>
        `every ${formatDuration(every)}${offset ? ` offset ${formatDuration(offset)}` : ''}`,
    ),
  ];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** `second minute hour day-of-month month day-of-week year`, the 5-field form when second is 0 and any year. */
function cronOf(calendar: CalendarSpecDescription): string {
  const month = (name: string) => MONTHS.find((short) => name.startsWith(short))!;
  const day = (name: string) => DAYS.find((short) => name.startsWith(short))!;
  const second = cronField(calendar.second, 0, 59, String, '0');
  const year = cronField(calendar.year, Number.NaN, Number.NaN, String, '*');
  const fields = [
    cronField(calendar.minute, 0, 59, String, '0'),
    cronField(calendar.hour, 0, 23, String, '0'),
    cronField(calendar.dayOfMonth, 1, 31, String, '*'),
    cronField(calendar.month, 'JANUARY', 'DECEMBER', month, '*'),
    cronField(calendar.dayOfWeek, 'SUNDAY', 'SATURDAY', day, '*'),
  ];
  return (second === '0' && year === '*' ? fields : [second, ...fields, year]).join(' ');
}

function cronField<Unit>(
  ranges: Range<Unit>[],
  first: Unit,
  last: Unit,
  write: (unit: Unit) => string,
  whenEmpty: string,
): string {
  if (ranges.length === 0) return whenEmpty;
  return ranges
    .map(({ start, end, step }) => {
      const every = step > 1 ? `/${step}` : '';
      if (start === first && end === last) return `*${every}`;
      return (start === end ? write(start) : `${write(start)}-${write(end)}`) + every;
    })
    .join(',');
}

function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ];
  let rest = ms;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (rest < size) continue;
    parts.push(`${Math.floor(rest / size)}${unit}`);
    rest %= size;
  }
  return parts.join('') || `${ms}ms`;
}
