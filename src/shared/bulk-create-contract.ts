/**
 * The bulkCreateTasks contract: its input, result and progress query. A batch turns each item into a
 * routeTask child whose workflow id comes from the batch id and the item's key, so running a batch
 * again never creates a second contact for an item.
 */
import { defineQuery } from '@temporalio/workflow';
import { z } from 'zod';
import { type ConnectValidationIssue, parseWithSchema } from './connect-validation';
import type { RouteTaskInput, RouteTaskOutcome } from './route-task-contract';

export const BULK_LIMITS = {
  batchId: { max: 100 },
  itemKey: { max: 200 },
  /** Inline items travel in the workflow's input, within Temporal's payload limit. */
  inlineItems: { max: 1_000 },
  maxConcurrent: { max: 10_000, default: 100 },
} as const;

const IDENTIFIER = /^[A-Za-z0-9._:-]+$/;
const identifier = (max: number) =>
  z.string().min(1).max(max).regex(IDENTIFIER, { error: 'may contain only letters, digits and . _ : -' });

/** Failed and rejected items past this end the batch early: a number, or a share of the items. */
const toleratedFailuresSchema = z.union([
  z.object({ count: z.int().min(0) }).strict(),
  z.object({ percent: z.number().min(0).max(100) }).strict(),
]);

export const bulkCreateTasksInputSchema = z
  .object({
    batchId: identifier(BULK_LIMITS.batchId.max),
    /** routeTask inputs, each completed by `defaults`; `key` (optional) names the item for idempotency. */
    items: z.array(z.record(z.string(), z.unknown())).min(1).max(BULK_LIMITS.inlineItems.max),
    defaults: z.record(z.string(), z.unknown()).optional(),
    maxConcurrent: z.int().min(1).max(BULK_LIMITS.maxConcurrent.max).optional(),
    toleratedFailures: toleratedFailuresSchema.optional(),
  })
  .strict();

export type BulkCreateTasksInput = z.input<typeof bulkCreateTasksInputSchema>;
export type ToleratedFailures = z.output<typeof toleratedFailuresSchema>;

/** One item of a batch as given: a routeTask input (or part of one), and its key. */
export type BulkItem = Partial<RouteTaskInput> & { key?: string };

export interface BulkCreateTasksRequest {
  batchId: string;
  items: BulkItem[];
  defaults: Partial<RouteTaskInput>;
  maxConcurrent: number;
  /** Absent: any number of failures is tolerated. */
  toleratedFailures?: ToleratedFailures;
}

export type BulkCreateTasksValidation =
  { ok: true; request: BulkCreateTasksRequest } | { ok: false; issues: ConnectValidationIssue[] };

export function parseBulkCreateTasksInput(raw: unknown): BulkCreateTasksValidation {
  const { issues, data } = parseWithSchema(raw, bulkCreateTasksInputSchema);
  if (!data) return { ok: false, issues };
  return {
    ok: true,
    request: {
      batchId: data.batchId,
      items: data.items as BulkItem[],
      defaults: (data.defaults ?? {}) as Partial<RouteTaskInput>,
      maxConcurrent: data.maxConcurrent ?? BULK_LIMITS.maxConcurrent.default,
      toleratedFailures: data.toleratedFailures,
    },
  };
}

/** The routeTask child of an item: `bulk/<batchId>/<key>`, the same on every run of the batch. */
export function bulkItemWorkflowId(batchId: string, key: string): string {
  return `bulk/${batchId}/${key}`;
}

/**
 * What became of an item. `already-existed`: a routeTask with its workflow id had been started
 * before (an earlier run of the batch), so no second contact was created. `rejected`: the item is not
 * a valid routeTask input; nothing was started for it.
 */
export type BulkItemStatus = 'pending' | 'running' | 'assigned' | 'already-existed' | 'failed' | 'rejected';

export interface BulkItemReport {
  /** 0-based position in the batch's items. */
  index: number;
  key: string;
  workflowId: string;
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
  total: number;
  counts: BulkCounts;
  /** Set once failures passed `toleratedFailures`: no new item starts. */
  stoppedEarly?: string;
}

export interface BulkCreateTasksResult extends BulkCreateTasksProgress {
  items: BulkItemReport[];
}

export const bulkProgressQuery = defineQuery<BulkCreateTasksProgress>('progress');
