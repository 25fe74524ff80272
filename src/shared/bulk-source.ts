/**
 * Where a bulk batch reads its items from when they are not inline: a CSV or JSONL file at a path the
 * workers can read, or an `s3://bucket/key` object, read in pages by the readBulkSourcePage activity.
 * Each page resumes at the byte where the last one ended, so a 100,000-row file is read once, and a
 * page is small enough to travel in workflow history.
 */
import { z } from 'zod';
import type { ConnectValidationIssue } from './connect-validation';
import type { RouteTaskInput } from './route-task-contract';
import { sharedSchemasOf } from './shared-schemas';

const shared = sharedSchemasOf('bulk-source');

/** One item of a batch, inline or read from a source: a routeTask input (or part of one), and its key. */
export type BulkItem = Partial<RouteTaskInput> & { key?: string };

export const BULK_SOURCE_LIMITS = {
  location: { max: 2_048 },
  /** Rows per page; the page also ends at `pageBytes` of items, whichever comes first. */
  pageRows: { max: 1_000, default: 200 },
  /** Well under Temporal's 512 KB payload warning, with room for the rejected rows' reasons. */
  pageBytes: 256 * 1024,
} as const;

/**
 * CSV columns → routeTask fields. Keys are field paths: `key`, `instanceId`, `queueId`, `priority`,
 * `preferredAgentIds`, `excludedAgentIds` (agent ids separated by `;`), `widenAfterSeconds`,
 * `deadlineSeconds`, `scheduledTime`, `transferFlowId`, `contactFlowId`, `contact.name`,
 * `contact.description`, `contact.attributes.<name>`, `contact.references.<name>` (a URL reference).
 * Values are column names. A field not mapped is read from the column named like the field path.
 */
export const BULK_MAPPABLE_FIELDS = [
  'key',
  'instanceId',
  'queueId',
  'priority',
  'preferredAgentIds',
  'excludedAgentIds',
  'widenAfterSeconds',
  'deadlineSeconds',
  'scheduledTime',
  'transferFlowId',
  'contactFlowId',
  'contact.name',
  'contact.description',
] as const;

const FIELD_PATH = new RegExp(
  `^(?:${BULK_MAPPABLE_FIELDS.map((field) => field.replace('.', '\\.')).join('|')}|contact\\.(?:attributes|references)\\.[^.]+)$`,
);

export const bulkSourceSchema = shared('bulkSourceSchema', () =>
  z
    .object({
      /** A file path on the workers' file system, or `s3://bucket/key`. */
      location: z.string().min(1).max(BULK_SOURCE_LIMITS.location.max),
      /** Default: from the extension (`.csv`; `.jsonl`, `.ndjson`). */
      format: z.enum(['csv', 'jsonl']).optional(),
      /** CSV only: field path → column name. */
      columns: z
        .record(
          z.string().regex(FIELD_PATH, {
            error: `must be a routeTask field path: ${BULK_MAPPABLE_FIELDS.join(', ')}, contact.attributes.<name> or contact.references.<name>`,
          }),
          z.string().min(1),
        )
        .optional(),
      /**
       * CSV only: what a column no field reads becomes. `ignore` (default): nothing; `attributes`: a
       * contact attribute named after the column; `reject`: the row is malformed.
       */
      otherColumns: z.enum(['ignore', 'attributes', 'reject']).optional(),
      /** CSV only: one character; default `,`. */
      delimiter: z.string().length(1).optional(),
      pageRows: z.int().min(1).max(BULK_SOURCE_LIMITS.pageRows.max).optional(),
    })
    .strict(),
);

export type BulkSource = z.input<typeof bulkSourceSchema>;

/** Where the next page starts: a byte offset at a row boundary, its line number, the CSV header. */
export interface BulkSourceCursor {
  byteOffset: number;
  /** 1-based line of the next row. */
  line: number;
  header?: string[];
}

/** An item read from the source; `key` is the key column's value or a hash of the item's content. */
export interface BulkSourceItem {
  line: number;
  key: string;
  item: BulkItem;
}

/** A row that is not an item (bad quoting, a missing column, a value that is not a number...). */
export interface BulkSourceRejection {
  line: number;
  key?: string;
  issues: ConnectValidationIssue[];
}

export interface ReadBulkSourcePageInput {
  source: BulkSource;
  /** Absent: the first page. */
  cursor?: BulkSourceCursor;
}

export interface BulkSourcePage {
  items: BulkSourceItem[];
  rejected: BulkSourceRejection[];
  /** Where the next page starts; absent when the source has no more rows. */
  next?: BulkSourceCursor;
}

/** The per-item report of a large batch, written in parts: `<location>/part-00001.jsonl`, ... */
export interface WriteBulkReportPartInput {
  location: string;
  /** 1-based; writing the same part again replaces it, so a retried write is harmless. */
  part: number;
  /** One JSON object per line. */
  lines: unknown[];
}

export interface WriteBulkReportPartResult {
  /** The written part's path or `s3://` URL. */
  written: string;
}
