/**
 * The bulkCreateTasks contract: its input, result and progress query. A batch turns each item into a
 * routeTask child whose workflow id comes from the batch id and the item's key, so running a batch
 * again never creates a second contact for an item.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { type ConnectValidationIssue, parseWithSchema } from './connect-validation';
import { type BulkItem, type BulkSource, type BulkSourceCursor, bulkSourceSchema } from './bulk-source';
import type { RouteTaskInput, RouteTaskOutcome } from './route-task-contract';

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
  /** Children one run starts before it continues as new (each start adds about 6 history events). */
  startsPerRun: { min: 10, max: 5_000, default: 2_000 },
  /** A batch with more items than this writes its per-item report to `report.location`. */
  reportInline: { max: 1_000 },
} as const;

const IDENTIFIER = /^[A-Za-z0-9._:-]+$/;
const identifier = (max: number) =>
  z.string().min(1).max(max).regex(IDENTIFIER, { error: 'may contain only letters, digits and . _ : -' });

/** Failed and rejected items past this end the batch early: a number, or a share of the items. */
const toleratedFailuresSchema = z.union([
  z.object({ count: z.int().min(0) }).strict(),
  z.object({ percent: z.number().min(0).max(100) }).strict(),
]);

/**
 * What cancelling a batch does to its items. `spare-created` (default): items whose contact exists
 * route on; the others are cancelled. `cancel-all`: every running item is cancelled (its contact is
 * stopped in Connect).
 */
export const BULK_CANCEL_MODES = ['spare-created', 'cancel-all'] as const;
export type BulkCancelMode = (typeof BULK_CANCEL_MODES)[number];

export const bulkCreateTasksInputSchema = z
  .object({
    /**
     * Names the batch; each item's routeTask id derives from it. A batch started by a Temporal
     * Schedule runs as `<batchId>.<scheduled time>`, so a run triggered or backfilled again for
     * the same time creates nothing new.
     */
    batchId: identifier(BULK_LIMITS.batchId.max),
    /** routeTask inputs, each completed by `defaults`; `key` (optional) names the item for idempotency. */
    items: z.array(z.record(z.string(), z.unknown())).min(1).max(BULK_LIMITS.inlineItems.max).optional(),
    /** A CSV or JSONL file (path or `s3://`), read in pages: instead of `items`. */
    source: bulkSourceSchema.optional(),
    defaults: z.record(z.string(), z.unknown()).optional(),
    maxConcurrent: z.int().min(1).max(BULK_LIMITS.maxConcurrent.max).optional(),
    toleratedFailures: toleratedFailuresSchema.optional(),
    /** Where the per-item report goes when the batch has more than 1,000 items (path or `s3://` prefix). */
    report: z
      .object({ location: z.string().min(1).max(2_048) })
      .strict()
      .optional(),
    onCancel: z.enum(BULK_CANCEL_MODES).optional(),
    /** A source batch continues as new after starting this many children (and once Temporal suggests it). */
    startsPerRun: z.int().min(BULK_LIMITS.startsPerRun.min).max(BULK_LIMITS.startsPerRun.max).optional(),
    /** Set by the batch itself when it continues as new: where it was. */
    carried: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

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
  const { issues, data } = parseWithSchema(raw, bulkCreateTasksInputSchema, (fields) =>
    (fields.items === undefined) === (fields.source === undefined)
      ? [
          {
            field: 'items',
            message: 'Give exactly one of items and source',
            exception: 'InvalidParameterException',
          },
        ]
      : [],
  );
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
      startsPerRun: data.startsPerRun ?? BULK_LIMITS.startsPerRun.default,
      ...(data.carried ? { carried: data.carried as unknown as BulkBatchSnapshot } : {}),
    },
  };
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

export interface BulkItemReport {
  /** 0-based position in the batch's items (rows read, for a source). */
  index: number;
  /** The source's line, for an item read from a file. */
  line?: number;
  key?: string;
  workflowId?: string;
  status: BulkItemStatus;
  /** The routeTask outcome, when its run ended. */
  outcome?: RouteTaskOutcome;
  contactId?: string;
  userId?: string;
  /** Why it failed or was rejected. */
  reason?: string;
  issues?: ConnectValidationIssue[];
}

export type BulkCounts = Record<BulkItemStatus, number>;

export interface BulkCreateTasksProgress {
  batchId: string;
  /** Items read so far: all of them for inline items, page by page for a source. */
  read: number;
  /** Known once the whole source has been read. */
  total?: number;
  counts: BulkCounts;
  /** Items whose contact this batch created in Connect (an item that already existed is not one). */
  created: number;
  /** Running items whose creation Connect refused as over its active-task quota: the batch starts no more. */
  waitingForCapacity: number;
  /** Set once failures passed `toleratedFailures`: no new item starts. */
  stoppedEarly?: string;
  /** Set once the batch was cancelled. */
  cancelled?: BulkCancelMode;
}

export interface BulkCreateTasksResult extends BulkCreateTasksProgress {
  /** Every item's report, for a batch of at most 1,000 items without a report location. */
  items?: BulkItemReport[];
  /** Otherwise, where the report was written: JSON lines in `<location>/part-00001.jsonl`, ... */
  report?: { location: string; parts: number };
}

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
