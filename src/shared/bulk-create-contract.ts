/**
 * The bulkCreateTasks contract: its input, result and progress query. A batch turns each item into a
 * routeTask child whose workflow id comes from the batch id and the item's key, so running a batch
 * again never creates a second contact for an item.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { type ConnectValidationIssue, parseWithSchema } from './connect-validation';
import { type BulkItem, type BulkSource, type BulkSourceCursor, bulkSourceSchema } from './bulk-source';
import { ROUTE_TASK_OUTCOMES, type RouteTaskInput, type RouteTaskOutcome } from './route-task-contract';
import { sharedSchemasOf } from './shared-schemas';

const shared = sharedSchemasOf('bulk-create-contract');

export const BULK_LIMITS = {
  batchId: { max: 100 },
  itemKey: { max: 200 },
  /** Inline items travel in the workflow's input, within Temporal's payload limit. */
  inlineItems: { max: 1_000 },
  /**
   * Items started and not yet ended. Their references are carried across continue-as-new, and each
   * one's contact counts against Connect's active-task quota (2,500 by default) while it waits.
   */
  maxConcurrent: { max: 2_500, default: 500 },
  /**
   * Children one run of a source batch starts before it continues as new. Temporal refuses a run more
   * than 2,000 pending children (its default `limit.numPendingChildExecutions.error`), and each start
   * adds about 6 history events.
   */
  startsPerRun: { min: 10, max: 1_900, default: 1_000 },
  /** A batch with more items than this writes its per-item report to `report.location`. */
  reportInline: { max: 1_000 },
} as const;

const IDENTIFIER = /^[A-Za-z0-9._:-]+$/;
const identifier = (max: number) =>
  z.string().min(1).max(max).regex(IDENTIFIER, { error: 'may contain only letters, digits and . _ : -' });

/** Failed and rejected items past this end the batch early: a number, or a share of the items. */
const toleratedFailuresSchema = shared('toleratedFailuresSchema', () =>
  z.union([
    z.object({ count: z.int().min(0) }).strict(),
    z.object({ percent: z.number().min(0).max(100) }).strict(),
  ]),
);

/**
 * What cancelling a batch does to its items. `spare-created` (default): items whose contact exists
 * route on; the others are cancelled. `cancel-all`: every running item is cancelled (its contact is
 * stopped in Connect).
 */
export const BULK_CANCEL_MODES = ['spare-created', 'cancel-all'] as const;
export type BulkCancelMode = (typeof BULK_CANCEL_MODES)[number];

export const bulkCreateTasksInputSchema = shared('bulkCreateTasksInputSchema', () =>
  z
    .object({
      batchId: identifier(BULK_LIMITS.batchId.max).describe(
        "Names the batch; each item's routeTask id derives from it (bulk/<batchId>/<key>). A batch started " +
          'by a Temporal Schedule runs as `<batchId>.<scheduled time>`, so a run triggered or backfilled ' +
          'again for the same time creates nothing new.',
      ),
      items: z
        .array(z.record(z.string(), z.unknown()))
        .min(1)
        .max(BULK_LIMITS.inlineItems.max)
        .optional()
        .describe(
          'routeTask inputs, each completed by `defaults`; `key` (optional; default `item-<index>`) names ' +
            'the item for idempotency.',
        ),
      source: bulkSourceSchema
        .optional()
        .describe('A CSV or JSONL file (path or `s3://`), read in pages: instead of `items`.'),
      defaults: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('routeTask input fields that every item takes unless it sets them itself.'),
      maxConcurrent: z
        .int()
        .min(1)
        .max(BULK_LIMITS.maxConcurrent.max)
        .optional()
        .describe(`Items started and not yet ended, at most. Default ${BULK_LIMITS.maxConcurrent.default}.`),
      toleratedFailures: toleratedFailuresSchema
        .optional()
        .describe(
          'Failed and rejected items past this (a count, or a percent of the items) stop the batch from ' +
            'starting more. Default: any number.',
        ),
      report: z
        .object({ location: z.string().min(1).max(2_048) })
        .strict()
        .optional()
        .describe(
          'Where the per-item report goes when the batch has more than 1,000 items (path or `s3://` prefix).',
        ),
      onCancel: z
        .enum(BULK_CANCEL_MODES)
        .optional()
        .describe(
          'What cancelling the batch does. spare-created (default): items whose contact exists route on; ' +
            'the others are cancelled. cancel-all: every running item is cancelled.',
        ),
      itemTaskQueue: z
        .string()
        .min(1)
        .max(1_000)
        .optional()
        .describe(
          "The task queue of the items' routeTask runs. Default: the task queue the batch was started on. " +
            "The batch itself runs on that queue's dispatchers' queue (`<itemTaskQueue>-dispatchers`): it " +
            'moves there at its start.',
        ),
      startsPerRun: z
        .int()
        .min(BULK_LIMITS.startsPerRun.min)
        .max(BULK_LIMITS.startsPerRun.max)
        .optional()
        .describe(
          'A source batch continues as new after starting this many children (and once Temporal suggests it). ' +
            `Default ${BULK_LIMITS.startsPerRun.default}.`,
        ),
      carried: z
        .record(z.string(), z.unknown())
        .optional()
        .describe('Set by the batch itself when it continues as new: where it was. Do not set it.'),
    })
    .strict()
    .describe(
      'The input of bulkCreateTasks: a batch of routeTask inputs (inline items or a CSV/JSONL source), ' +
        'each completed by `defaults`. Checked in the workflow too, where exactly one of items and source ' +
        'is required and each item is checked as a routeTask input (an invalid item is reported rejected).',
    ),
);

export type BulkCreateTasksInput = z.input<typeof bulkCreateTasksInputSchema>;
export type ToleratedFailures = z.output<typeof toleratedFailuresSchema>;

export interface BulkCreateTasksRequest {
  batchId: string;
  /** Exactly one of `items` and `source`. */
  items?: BulkItem[];
  source?: BulkSource;
  defaults: Partial<RouteTaskInput>;
  maxConcurrent: number;
  /** Absent: any number of failures is tolerated. */
  toleratedFailures?: ToleratedFailures;
  /** Absent: `<source location>.<batchId>.report` for a file source; inline batches keep theirs inline. */
  reportLocation?: string;
  onCancel: BulkCancelMode;
  /** Absent: the task queue the batch was started on. */
  itemTaskQueue?: string;
  startsPerRun: number;
  carried?: BulkBatchSnapshot;
}

/** An item whose routeTask child was started and has not ended. */
export interface RunningBulkItem {
  index: number;
  line?: number;
  key: string;
  workflowId: string;
  /** Its contact, once the child said Connect created it. */
  contactId?: string;
  /** The child said Connect refused its contact as over the active-task quota, and has not created it since. */
  waitingForCapacity?: true;
}

/** What a batch carries into its next run: counts, the source position, running items, unwritten report lines. */
export interface BulkBatchSnapshot {
  read: number;
  sourceDone: boolean;
  cursor?: BulkSourceCursor;
  ended: Record<Exclude<BulkItemStatus, 'pending' | 'running'>, number>;
  created: number;
  running: RunningBulkItem[];
  report: BulkItemReport[];
  reportParts: number;
  stoppedEarly?: string;
}

export type BulkCreateTasksValidation =
  { ok: true; request: BulkCreateTasksRequest } | { ok: false; issues: ConnectValidationIssue[] };

export function parseBulkCreateTasksInput(raw: unknown): BulkCreateTasksValidation {
  const { issues, data } = parseWithSchema(raw, bulkCreateTasksInputSchema, crossFieldIssues);
  if (!data) return { ok: false, issues };
  return {
    ok: true,
    request: {
      batchId: data.batchId,
      ...(data.items ? { items: data.items as BulkItem[] } : {}),
      ...(data.source ? { source: data.source } : {}),
      defaults: (data.defaults ?? {}) as Partial<RouteTaskInput>,
      maxConcurrent: data.maxConcurrent ?? BULK_LIMITS.maxConcurrent.default,
      toleratedFailures: data.toleratedFailures,
      reportLocation:
        data.report?.location ?? (data.source ? `${data.source.location}.${data.batchId}.report` : undefined),
      onCancel: data.onCancel ?? 'spare-created',
      ...(data.itemTaskQueue ? { itemTaskQueue: data.itemTaskQueue } : {}),
      startsPerRun: data.startsPerRun ?? BULK_LIMITS.startsPerRun.default,
      ...(data.carried ? { carried: data.carried as unknown as BulkBatchSnapshot } : {}),
    },
  };
}

function crossFieldIssues(fields: Record<string, unknown>): ConnectValidationIssue[] {
  const issues: ConnectValidationIssue[] = [];
  const invalid = (field: string, message: string) =>
    issues.push({ field, message, exception: 'InvalidParameterException' });
  if ((fields.items === undefined) === (fields.source === undefined)) {
    invalid('items', 'Give exactly one of items and source');
  }
  const pageRows = (fields.source as { pageRows?: unknown } | undefined)?.pageRows;
  const startsPerRun = fields.startsPerRun ?? BULK_LIMITS.startsPerRun.default;
  if (typeof pageRows === 'number' && typeof startsPerRun === 'number' && pageRows > startsPerRun) {
    invalid(
      'source.pageRows',
      `source.pageRows (${pageRows}) must not exceed startsPerRun (${startsPerRun}): a run starts every row of a page it reads`,
    );
  }
  return issues;
}

/** A scheduled run's batch: the schedule's batch id and the time the run was scheduled for. */
export function scheduledBatchId(batchId: string, scheduledAt: Date): string {
  return `${batchId}.${scheduledAt
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}`;
}

/** The routeTask child of an item: `bulk/<batchId>/<key>`, the same on every run of the batch. */
export function bulkItemWorkflowId(batchId: string, key: string): string {
  return `bulk/${batchId}/${key}`;
}

/**
 * What became of an item. `already-existed`: a routeTask with its workflow id had been started
 * before (an earlier run of the batch), so no second contact was created. `rejected`: the item is not
 * a valid routeTask input (or its row could not be read); nothing was started for it. `cancelled`:
 * the batch was cancelled before the item's routing ended.
 */
export const BULK_ITEM_STATUSES = [
  'pending',
  'running',
  'assigned',
  'already-existed',
  'failed',
  'rejected',
  'cancelled',
] as const;
export type BulkItemStatus = (typeof BULK_ITEM_STATUSES)[number];

// Each of the result, its items and the progress query's answer is a zod schema from which both its
// TypeScript type and its JSON Schema (`npm run schemas`) come.

const count = shared('count', () => z.int().min(0));

/** A validation issue as the report carries it: the shape of ConnectValidationIssue (the annotation keeps them one). */
const validationIssueSchema: z.ZodType<ConnectValidationIssue> = shared('validationIssueSchema', () =>
  z.object({
    field: z.string().describe('Dotted path of the offending field, e.g. `contact.name`.'),
    message: z.string().describe('Names the field and the limit.'),
    exception: z.enum(['InvalidParameterException', 'InvalidRequestException']),
  }),
);

export const bulkItemReportSchema = shared('bulkItemReportSchema', () =>
  z
    .object({
      index: count.describe("0-based position in the batch's items (rows read, for a source)."),
      line: z.int().min(1).optional().describe("The source's line, for an item read from a file."),
      key: z
        .string()
        .optional()
        .describe("The item's key: its routeTask workflow id is bulk/<batchId>/<key>."),
      workflowId: z.string().optional().describe("The item's routeTask workflow id."),
      status: z.enum(BULK_ITEM_STATUSES),
      outcome: z.enum(ROUTE_TASK_OUTCOMES).optional().describe('The routeTask outcome, when its run ended.'),
      contactId: z.string().optional(),
      userId: z.string().optional().describe('The agent who took the task.'),
      reason: z.string().optional().describe('Why it failed or was rejected.'),
      issues: z
        .array(validationIssueSchema)
        .optional()
        .describe('Why the item is not a valid routeTask input.'),
    })
    .describe('What became of one item of a batch.'),
);
export type BulkItemReport = z.output<typeof bulkItemReportSchema>;

const bulkCountsSchema = shared('bulkCountsSchema', () =>
  z
    .object({
      pending: count.describe('Read and valid, not started yet.'),
      running: count.describe('Its routeTask run was started and has not ended.'),
      assigned: count.describe('Its routeTask run ended assigned.'),
      'already-existed': count.describe(
        'A routeTask with its workflow id had been started before (an earlier run of the batch): no second contact.',
      ),
      failed: count.describe('Its routeTask run failed, was terminated, or ended expired or deadline.'),
      rejected: count.describe(
        'Not a valid routeTask input, or its row could not be read: nothing was started.',
      ),
      cancelled: count.describe(
        'Its routeTask run ended cancelled (the batch was cancelled, or the task itself).',
      ),
    } satisfies Record<BulkItemStatus, typeof count>)
    .describe('Items per status.'),
);
export type BulkCounts = z.output<typeof bulkCountsSchema>;

const progressFields = shared('progressFields', () => ({
  batchId: z.string(),
  read: count.describe('Items read so far: all of them for inline items, page by page for a source.'),
  total: count.optional().describe('Known once the whole source has been read.'),
  counts: bulkCountsSchema,
  created: count.describe(
    'Items whose contact this batch created in Connect (an item that already existed is not one).',
  ),
  waitingForCapacity: count.describe(
    'Running items whose creation Connect refused as over its active-task quota: the batch starts no more.',
  ),
  stoppedEarly: z
    .string()
    .optional()
    .describe('Set once failures passed `toleratedFailures`: no new item starts.'),
  cancelled: z.enum(BULK_CANCEL_MODES).optional().describe('Set once the batch was cancelled.'),
}));

export const bulkCreateTasksProgressSchema = shared('bulkCreateTasksProgressSchema', () =>
  z.object(progressFields).describe("The answer to a bulkCreateTasks run's progress query."),
);
export type BulkCreateTasksProgress = z.output<typeof bulkCreateTasksProgressSchema>;

export const bulkCreateTasksResultSchema = shared('bulkCreateTasksResultSchema', () =>
  z
    .object({
      ...progressFields,
      items: z
        .array(bulkItemReportSchema)
        .optional()
        .describe("Every item's report, for a batch of at most 1,000 items without a report location."),
      report: z
        .object({ location: z.string(), parts: z.int().min(1) })
        .optional()
        .describe(
          'Otherwise, where the report was written: JSON lines in `<location>/part-00001.jsonl`, ...',
        ),
    })
    .describe(
      "The result of bulkCreateTasks: the final counts, and each item's report or where it was written.",
    ),
);
export type BulkCreateTasksResult = z.output<typeof bulkCreateTasksResultSchema>;

export const bulkProgressQuery = defineQuery<BulkCreateTasksProgress>('progress');

/**
 * What a batch's routeTask child tells the batch, by the batch's workflow id (so the news reaches
 * the batch's current run across continue-as-new): Connect refused its contact as over the
 * active-task quota, its contact was created, or its run ended.
 */
export type BulkItemNews =
  | { workflowId: string; news: 'instance-full' }
  | { workflowId: string; news: 'created'; contactId: string }
  | {
      workflowId: string;
      news: 'ended';
      outcome?: RouteTaskOutcome;
      contactId?: string;
      userId?: string;
      /** Why it did not end assigned; for a failed run, its failure. */
      reason?: string;
    };

export const bulkItemNewsSignal = defineSignal<[BulkItemNews]>('bulkItemNews');

/**
 * The news of several items, gathered by a worker: a child whose contact was created tells its batch
 * through the activity that puts it in line, so the news costs the child no workflow task of its
 * own and the batch one signal for many items.
 */
export const gatheredBulkItemNewsSignal = defineSignal<[BulkItemNews[]]>('gatheredBulkItemNews');

/** News for the batch that an activity carries, with the batch's workflow id. */
export interface BulkItemNewsDelivery {
  batchWorkflowId: string;
  news: BulkItemNews;
}
