/**
 * readBulkSourcePage: one page of a bulk batch's items from a CSV or JSONL file, a local path or an
 * `s3://bucket/key` object. Each page starts at the byte where the previous one stopped (an S3
 * `Range` read, or a file stream from that offset), so a large file is read once, page by page, and
 * each page stays small enough to travel in workflow history.
 *
 * A malformed row does not stop the page: it comes back as a rejection with its line and the reason.
 * Routing limits are not checked here; the workflow validates each item with routeTask's own schema.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { CsvError, parse as parseCsv } from 'csv-parse';
import {
  BULK_MAPPABLE_FIELDS,
  BULK_SOURCE_LIMITS,
  type BulkItem,
  type BulkSource,
  type BulkSourceCursor,
  type BulkSourceItem,
  type BulkSourcePage,
  type BulkSourceRejection,
  bulkSourceSchema,
  type ReadBulkSourcePageInput,
} from '../src/shared/bulk-source';
import {
  type ConnectValidationIssue,
  formatValidationIssues,
  parseWithSchema,
} from '../src/shared/connect-validation';
import { INVALID_INPUT_FAILURE_TYPE } from '../src/shared/error-policy';

/** The source is missing or forbidden (file not found, S3 NoSuchKey, AccessDenied): non-retryable. */
export const BULK_SOURCE_UNREADABLE_FAILURE_TYPE = 'BulkSourceUnreadable';
/** Reading the source failed on the way (network, throttling, a server error): retried. */
export const BULK_SOURCE_UNAVAILABLE_FAILURE_TYPE = 'BulkSourceUnavailable';

/**
 * The longest row read, in characters (a JSONL line: in bytes). A longer JSONL line is rejected; a
 * longer CSV row is taken for a quote never closed, and fails the read rather than buffer the rest
 * of the file. (Any row over BULK_SOURCE_LIMITS.pageBytes as JSON is rejected anyway.)
 */
export const MAX_SOURCE_ROW_SIZE = 1_048_576;

/** Rows between two heartbeats. */
const HEARTBEAT_EVERY_ROWS = 100;

export interface BulkFileDeps {
  /** The S3 client, or a function that builds it on first use (a worker that never reads S3 needs no AWS setup). */
  s3: S3Client | (() => S3Client);
}

export function makeReadBulkSourcePage(deps: BulkFileDeps) {
  return async function readBulkSourcePage(input: ReadBulkSourcePageInput): Promise<BulkSourcePage> {
    const source = validateSource(input.source);
    const format = sourceFormat(source);
    const cursor = validateCursor(input.cursor, format);
    const options: PageOptions = {
      source,
      location: source.location,
      pageRows: source.pageRows ?? BULK_SOURCE_LIMITS.pageRows.default,
      pageBytes: BULK_SOURCE_LIMITS.pageBytes,
    };
    const bytes = await openSource(deps, source.location, cursor.byteOffset);
    try {
      return await readPage(bytes, cursor, format, options);
    } catch (err) {
      throw asReadFailure(err, source.location);
    } finally {
      bytes.destroy();
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

type SourceFormat = 'csv' | 'jsonl';

interface PageOptions {
  source: BulkSource;
  location: string;
  pageRows: number;
  pageBytes: number;
}

function invalidInput(issues: ConnectValidationIssue[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: INVALID_INPUT_FAILURE_TYPE,
    message: `Invalid bulk source: ${formatValidationIssues(issues)}`,
    nonRetryable: true,
    details: [{ issues }],
  });
}

function issue(field: string, message: string): ConnectValidationIssue {
  return { field, message, exception: 'InvalidParameterException' };
}

function validateSource(raw: unknown): BulkSource {
  const { issues, data } = parseWithSchema(raw, bulkSourceSchema);
  if (!data) {
    throw invalidInput(
      issues.map((found) => ({
        ...found,
        field: found.field ? `source.${found.field}` : 'source',
        message: found.field ? `source.${found.message}` : found.message,
      })),
    );
  }
  if (data.delimiter !== undefined && /["\r\n]/.test(data.delimiter)) {
    throw invalidInput([
      issue(
        'source.delimiter',
        `source.delimiter cannot be a quote or a line break (got ${JSON.stringify(data.delimiter)})`,
      ),
    ]);
  }
  return data;
}

/** `source.format`, else the location's extension. */
export function sourceFormat(source: BulkSource): SourceFormat {
  let format: SourceFormat | undefined = source.format;
  if (!format) {
    const extension = path.posix.extname(source.location).toLowerCase();
    if (extension === '.csv') format = 'csv';
    else if (extension === '.jsonl' || extension === '.ndjson') format = 'jsonl';
    else {
      throw invalidInput([
        issue(
          'source.format',
          `source.format is not set and the extension of ${source.location} (${extension || 'none'}) does not tell: ` +
            'set source.format to csv or jsonl, or name the file .csv, .jsonl or .ndjson',
        ),
      ]);
    }
  }
  if (format === 'jsonl') {
    const csvOnly = (['columns', 'otherColumns', 'delimiter'] as const).filter(
      (name) => source[name] !== undefined,
    );
    if (csvOnly.length > 0) {
      throw invalidInput(
        csvOnly.map((name) =>
          issue(`source.${name}`, `source.${name} applies to CSV sources only; this source is JSONL`),
        ),
      );
    }
  }
  return format;
}

function validateCursor(cursor: BulkSourceCursor | undefined, format: SourceFormat): BulkSourceCursor {
  if (cursor === undefined) return { byteOffset: 0, line: 1 };
  const issues: ConnectValidationIssue[] = [];
  if (!Number.isSafeInteger(cursor.byteOffset) || cursor.byteOffset < 0) {
    issues.push(
      issue(
        'cursor.byteOffset',
        `cursor.byteOffset must be an integer of at least 0 (got ${cursor.byteOffset})`,
      ),
    );
  }
  if (!Number.isSafeInteger(cursor.line) || cursor.line < 1) {
    issues.push(issue('cursor.line', `cursor.line must be an integer of at least 1 (got ${cursor.line})`));
  }
  if (
    cursor.header !== undefined &&
    !(Array.isArray(cursor.header) && cursor.header.every((n) => typeof n === 'string'))
  ) {
    issues.push(issue('cursor.header', 'cursor.header must be a list of column names'));
  }
  if (format === 'csv' && cursor.header === undefined && cursor.byteOffset > 0) {
    issues.push(issue('cursor.header', 'cursor.header is required to read a CSV source past its first row'));
  }
  if (issues.length > 0) throw invalidInput(issues);
  return cursor;
}

// ---------------------------------------------------------------------------------------------
// Opening the bytes: a file from an offset, or an S3 object with a Range
// ---------------------------------------------------------------------------------------------

export interface S3Location {
  bucket: string;
  key: string;
}

/** `s3://bucket/key` → bucket and key (the key as written, slashes included); undefined for a local path. */
export function parseS3Location(location: string): S3Location | undefined {
  if (!/^s3:\/\//i.test(location)) return undefined;
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(location);
  if (!match) {
    throw ApplicationFailure.create({
      type: INVALID_INPUT_FAILURE_TYPE,
      message: `${location} is not an s3://bucket/key location`,
      nonRetryable: true,
    });
  }
  return { bucket: match[1]!, key: match[2]! };
}

export function s3Client(deps: BulkFileDeps): S3Client {
  return typeof deps.s3 === 'function' ? deps.s3() : deps.s3;
}

async function openSource(deps: BulkFileDeps, location: string, byteOffset: number): Promise<Readable> {
  const s3 = parseS3Location(location);
  if (s3) {
    if (!s3.key)
      throw invalidInput([
        issue('source.location', `source.location ${location} names a bucket but no object key`),
      ]);
    try {
      const response = await s3Client(deps).send(
        new GetObjectCommand({ Bucket: s3.bucket, Key: s3.key, Range: `bytes=${byteOffset}-` }),
      );
      return response.Body ? (response.Body as Readable) : Readable.from([]);
    } catch (err) {
      // A range that starts at (or past) the end of the object: nothing left to read.
      if (errorName(err) === 'InvalidRange') return Readable.from([]);
      throw fileFailure(err, `Cannot read the bulk source ${location}`);
    }
  }
  try {
    const handle = await open(location, 'r');
    return handle.createReadStream({ start: byteOffset });
  } catch (err) {
    throw fileFailure(err, `Cannot read the bulk source ${location}`);
  }
}

const PERMANENT_S3_ERRORS = new Set([
  'NoSuchKey',
  'NoSuchBucket',
  'NotFound',
  'AccessDenied',
  'Forbidden',
  'AllAccessDisabled',
  'InvalidBucketName',
  'InvalidObjectState',
  'PermanentRedirect',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
]);
const PERMANENT_FILE_ERRORS = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'ELOOP',
  'ENAMETOOLONG',
  'EROFS',
]);

function errorName(err: unknown): string | undefined {
  return err instanceof Error ? err.name : undefined;
}

/** Failure types for a file or S3 error: one for what retrying cannot fix, one for the rest. */
export interface FileFailureTypes {
  permanent: string;
  transient: string;
}

const SOURCE_FAILURE_TYPES: FileFailureTypes = {
  permanent: BULK_SOURCE_UNREADABLE_FAILURE_TYPE,
  transient: BULK_SOURCE_UNAVAILABLE_FAILURE_TYPE,
};

/**
 * A file or S3 error as a failure whose message names the location: missing and forbidden are
 * non-retryable, anything else (network, throttling, 5xx) is retried.
 */
export function fileFailure(
  err: unknown,
  what: string,
  types: FileFailureTypes = SOURCE_FAILURE_TYPES,
): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const code = (error as NodeJS.ErrnoException).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const permanent =
    (code !== undefined && PERMANENT_FILE_ERRORS.has(code)) ||
    PERMANENT_S3_ERRORS.has(error.name) ||
    (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429);
  const reason = code ?? (error.name !== 'Error' ? error.name : undefined);
  const prefix = reason && !error.message.startsWith(reason) ? `${reason}: ` : '';
  return ApplicationFailure.create({
    type: permanent ? types.permanent : types.transient,
    message: `${what}: ${prefix}${error.message}`,
    nonRetryable: permanent,
    cause: error,
  });
}

function asReadFailure(err: unknown, location: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  return fileFailure(err, `Reading the bulk source ${location} failed`);
}

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

/** One row of the source, as its format reader found it. */
interface SourceRow {
  /** Absolute byte offsets of the row, its line terminator included. */
  start: number;
  end: number;
  /** The line the row starts on, and the line after it. */
  line: number;
  nextLine: number;
  /** Absent for a blank row, which is skipped. */
  result?: { item: BulkSourceItem } | { rejected: BulkSourceRejection };
}

interface RowReader {
  rows: AsyncGenerator<SourceRow>;
  /** The CSV header, once read. */
  header(): string[] | undefined;
}

async function readPage(
  bytes: Readable,
  cursor: BulkSourceCursor,
  format: SourceFormat,
  options: PageOptions,
): Promise<BulkSourcePage> {
  const reader = format === 'csv' ? csvRows(bytes, cursor, options) : jsonlRows(bytes, cursor);
  const page: BulkSourcePage = { items: [], rejected: [] };
  let rows = 0;
  let pageBytes = 0;
  let position = { byteOffset: cursor.byteOffset, line: cursor.line };
  const cursorAt = (at: { byteOffset: number; line: number }): BulkSourceCursor => {
    const header = reader.header();
    return { ...at, ...(header ? { header } : {}) };
  };
  try {
    for await (const row of reader.rows) {
      const here = { byteOffset: row.start, line: row.line };
      if (row.result) {
        if (rows >= options.pageRows) {
          page.next = cursorAt(here);
          break;
        }
        const result = withinPageBytes(row.result, options.pageBytes);
        const size = Buffer.byteLength(JSON.stringify('item' in result ? result.item : result.rejected)) + 1;
        if (rows > 0 && pageBytes + size > options.pageBytes) {
          page.next = cursorAt(here);
          break;
        }
        if ('item' in result) page.items.push(result.item);
        else page.rejected.push(result.rejected);
        rows += 1;
        pageBytes += size;
      }
      position = { byteOffset: row.end, line: row.nextLine };
      if (row.result && rows % HEARTBEAT_EVERY_ROWS === 0) heartbeat(position);
    }
  } finally {
    await reader.rows.return(undefined);
  }
  heartbeat(page.next ? { byteOffset: page.next.byteOffset, line: page.next.line } : position);
  return page;
}

/** A row whose JSON alone is over the page size is rejected: no page could carry it. */
function withinPageBytes(
  result: NonNullable<SourceRow['result']>,
  pageBytes: number,
): NonNullable<SourceRow['result']> {
  if (!('item' in result)) return result;
  const size = Buffer.byteLength(JSON.stringify(result.item));
  if (size <= pageBytes) return result;
  const { line, key } = result.item;
  return {
    rejected: {
      line,
      key,
      issues: [
        issue(
          'row',
          `the row is ${formatNumber(size)} bytes as JSON; a row can be at most ${formatNumber(pageBytes)} bytes`,
        ),
      ],
    },
  };
}

function heartbeat(details: { line: number; byteOffset: number }): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // called outside an activity (a direct call in a unit test)
  }
  context.heartbeat(details);
}

// ---------------------------------------------------------------------------------------------
// Bytes as they pass: what the row readers slice rows from
// ---------------------------------------------------------------------------------------------

/** The bytes read and not yet released, addressed by absolute offset in the source. */
class ByteWindow {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private base: number) {}

  /** The absolute offset just past the bytes seen so far. */
  get end(): number {
    return this.base + this.buffer.length;
  }

  append(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  slice(start: number, end: number): Buffer {
    return this.buffer.subarray(start - this.base, end - this.base);
  }

  /** Forgets the bytes before `offset`. */
  release(offset: number): void {
    if (offset <= this.base) return;
    this.buffer = this.buffer.subarray(offset - this.base);
    this.base = offset;
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** Line breaks in `bytes` as an editor counts them: LF, CRLF and a lone CR each end one line. */
function countLineBreaks(bytes: Buffer): number {
  let count = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    if (bytes[i] === LF) count += 1;
    else if (bytes[i] === CR && bytes[i + 1] !== LF) count += 1;
  }
  return count;
}

/** The text of a row's bytes, without its line terminator (nor a UTF-8 BOM at byte 0). */
function rowText(bytes: Buffer, start: number): string {
  let text = bytes.toString('utf8').replace(/(?:\r\n|\n|\r)$/, '');
  if (start === 0 && text.startsWith('\uFEFF')) text = text.slice(1);
  return text;
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

const NUMBER_FIELDS = new Set(['priority', 'widenAfterSeconds', 'deadlineSeconds']);
const AGENT_LIST_FIELDS = new Set(['preferredAgentIds', 'excludedAgentIds']);
const CONTACT_MAP_FIELD = /^contact\.(attributes|references)\.([^.]+)$/;

/** Which column each field reads, and the columns no field reads. */
interface ColumnPlan {
  header: string[];
  reads: { field: string; index: number }[];
  others: number[];
  keyIndex?: number;
  /** The field reading each column (the first one, if several do), for naming a column in an issue. */
  fieldOf: Map<number, string>;
}

/** Fails the read when the header names a column twice or a mapping names a column it lacks. */
function planColumns(header: string[], source: BulkSource): ColumnPlan {
  const issues: ConnectValidationIssue[] = [];
  const indexOf = new Map<string, number>();
  header.forEach((name, index) => {
    if (name === '') return;
    const first = indexOf.get(name);
    if (first === undefined) indexOf.set(name, index);
    else {
      issues.push(
        issue(
          'source.header',
          `the header names column "${name}" twice (columns ${first + 1} and ${index + 1})`,
        ),
      );
    }
  });
  const mapped = source.columns ?? {};
  const reads: ColumnPlan['reads'] = [];
  for (const [field, column] of Object.entries(mapped)) {
    const index = indexOf.get(column.trim());
    if (index === undefined) {
      issues.push(
        issue(
          `source.columns.${field}`,
          `source.columns.${field} names column "${column}", which is not in the header (columns: ${header
            .filter((name) => name !== '')
            .map((name) => `"${name}"`)
            .join(', ')})`,
        ),
      );
    } else reads.push({ field, index });
  }
  if (issues.length > 0) throw invalidInput(issues);
  // A field not mapped reads the column named like it, unless a mapping took that column.
  const claimed = new Set(reads.map(({ index }) => index));
  for (const field of BULK_MAPPABLE_FIELDS) {
    const index = indexOf.get(field);
    if (!(field in mapped) && index !== undefined && !claimed.has(index)) reads.push({ field, index });
  }
  header.forEach((name, index) => {
    if (CONTACT_MAP_FIELD.test(name) && !(name in mapped) && !claimed.has(index))
      reads.push({ field: name, index });
  });
  const read = new Set(reads.map(({ index }) => index));
  const fieldOf = new Map<number, string>();
  for (const { field, index } of reads) if (!fieldOf.has(index)) fieldOf.set(index, field);
  return {
    header,
    reads,
    others: header.map((_, index) => index).filter((index) => !read.has(index)),
    keyIndex: reads.find(({ field }) => field === 'key')?.index,
    fieldOf,
  };
}

function csvRows(bytes: Readable, cursor: BulkSourceCursor, options: PageOptions): RowReader {
  const delimiter = options.source.delimiter ?? ',';
  let plan = cursor.header ? planColumns(cursor.header, options.source) : undefined;
  const window = new ByteWindow(cursor.byteOffset);
  const tap = new Transform({
    transform(chunk: Uint8Array, _encoding, done) {
      window.append(
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
      );
      done(null, chunk);
    },
  });
  const parser = parseCsv({
    // Quotes are checked row by row below (a bad one rejects its row, not the file); relaxed here,
    // csv-parse still finds each row's end exactly and never skips a row.
    relax_quotes: true,
    relax_column_count: true,
    delimiter,
    record_delimiter: ['\r\n', '\n', '\r'],
    bom: cursor.byteOffset === 0,
    info: true,
    max_record_size: MAX_SOURCE_ROW_SIZE,
  });
  const records = pipeline(bytes, tap, parser, () => {
    // Errors reach the loop below through the parser; closing early is not an error.
  });

  async function* rows(): AsyncGenerator<SourceRow> {
    let start = cursor.byteOffset;
    let line = cursor.line;
    try {
      for await (const { record, info } of records as AsyncIterable<{
        record: string[];
        info: { bytes: number };
      }>) {
        const end = cursor.byteOffset + info.bytes;
        const raw = window.slice(start, end);
        const nextLine = line + countLineBreaks(raw);
        const row: SourceRow = { start, end, line, nextLine };
        if (!record.every((cell) => cell.trim() === '')) {
          if (plan) row.result = csvRow(record, rowText(raw, start), line, plan, delimiter, options.source);
          else plan = planColumns(headerOf(record, rowText(raw, start), line, delimiter), options.source);
        }
        window.release(end);
        start = end;
        line = nextLine;
        yield row;
      }
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      const rest = window.slice(start, window.end);
      const endsLine = rest.length > 0 && (rest[rest.length - 1] === LF || rest[rest.length - 1] === CR);
      const lastLine = line + countLineBreaks(rest) - (endsLine ? 1 : 0);
      if (err.code === 'CSV_QUOTE_NOT_CLOSED' && plan) {
        // At the end of the file: this row took every line left.
        yield {
          start,
          end: window.end,
          line,
          nextLine: lastLine + 1,
          result: {
            rejected: {
              line,
              issues: [
                issue(
                  'row',
                  `a quote opened in this row is never closed: lines ${line} to ${lastLine} were read as one row`,
                ),
              ],
            },
          },
        };
        return;
      }
      throw invalidInput([
        issue(
          'source',
          `${options.location} line ${line}: ${
            err.code === 'CSV_MAX_RECORD_SIZE'
              ? `the row is longer than ${formatNumber(MAX_SOURCE_ROW_SIZE)} characters (a quote never closed?)`
              : err.message
          }`,
        ),
      ]);
    } finally {
      records.destroy();
    }
  }
  return { rows: rows(), header: () => plan?.header };
}

function headerOf(record: string[], text: string, line: number, delimiter: string): string[] {
  const problem = quotingProblem(text, delimiter);
  if (problem) {
    throw invalidInput([
      issue('source.header', `the header (line ${line}): column ${problem.column + 1} ${problem.message}`),
    ]);
  }
  return record.map((name) => name.trim());
}

/** One data row: its item, or why it is not one. */
function csvRow(
  record: string[],
  text: string,
  line: number,
  plan: ColumnPlan,
  delimiter: string,
  source: BulkSource,
): NonNullable<SourceRow['result']> {
  const keyCell = plan.keyIndex === undefined ? undefined : record[plan.keyIndex]?.trim();
  const key = keyCell ? keyCell : undefined;
  const reject = (issues: ConnectValidationIssue[]) => ({
    rejected: { line, ...(key ? { key } : {}), issues },
  });
  const columnName = (index: number) => (plan.header[index] ? `"${plan.header[index]}"` : `${index + 1}`);

  const problem = quotingProblem(text, delimiter);
  if (problem) {
    const field = plan.fieldOf.get(problem.column) ?? plan.header[problem.column] ?? 'row';
    return reject([issue(field || 'row', `column ${columnName(problem.column)} ${problem.message}`)]);
  }
  if (record.length !== plan.header.length) {
    return reject([
      issue(
        'row',
        `the row has ${record.length} column${record.length === 1 ? '' : 's'}; the header has ${plan.header.length}`,
      ),
    ]);
  }

  const issues: ConnectValidationIssue[] = [];
  const item: Record<string, unknown> = {};
  const contact: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  const references: Record<string, { type: 'URL'; value: string }> = {};
  for (const index of plan.others) {
    const value = record[index]!;
    if (value.trim() === '') continue;
    const name = plan.header[index]!;
    if (source.otherColumns === 'reject') {
      issues.push(
        issue(
          name || 'row',
          `column ${columnName(index)} is read by no field, and source.otherColumns is reject (got ${describe(value)})`,
        ),
      );
    } else if (source.otherColumns === 'attributes') {
      if (name === '') {
        issues.push(
          issue('row', `column ${index + 1} has no name in the header, so it cannot be a contact attribute`),
        );
      } else attributes[name] = value;
    }
  }
  for (const { field, index } of plan.reads) {
    const value = record[index]!;
    if (value.trim() === '') continue;
    if (field === 'key') continue;
    const mapEntry = CONTACT_MAP_FIELD.exec(field);
    if (mapEntry) {
      if (mapEntry[1] === 'attributes') attributes[mapEntry[2]!] = value;
      else references[mapEntry[2]!] = { type: 'URL', value: value.trim() };
    } else if (field === 'contact.name' || field === 'contact.description') {
      contact[field.slice('contact.'.length)] = value;
    } else if (NUMBER_FIELDS.has(field)) {
      const number = parseInteger(value);
      if (number === undefined) {
        issues.push(
          issue(
            field,
            `${field} must be a whole number of at most 15 digits (got ${describe(value)} in column ${columnName(index)})`,
          ),
        );
      } else item[field] = number;
    } else if (AGENT_LIST_FIELDS.has(field)) {
      const ids = value
        .split(';')
        .map((id) => id.trim())
        .filter((id) => id !== '');
      if (ids.length > 0) item[field] = ids;
    } else item[field] = value.trim();
  }
  if (issues.length > 0) return reject(issues);
  if (Object.keys(attributes).length > 0) contact.attributes = attributes;
  if (Object.keys(references).length > 0) contact.references = references;
  if (Object.keys(contact).length > 0) item.contact = contact;
  const built = item as BulkItem;
  return { item: { line, key: key ?? contentKey(built), item: built } };
}

/**
 * Where a row's quoting breaks RFC 4180: a quote inside a value that does not start with one, text
 * after a closing quote, a quote never closed. `text` is the row without its terminator.
 */
function quotingProblem(text: string, delimiter: string): { column: number; message: string } | undefined {
  let pos = 0;
  for (let column = 0; ; column += 1) {
    if (text[pos] === '"') {
      let close = text.indexOf('"', pos + 1);
      while (close >= 0 && text[close + 1] === '"') close = text.indexOf('"', close + 2);
      if (close < 0) return { column, message: 'has a quote that is never closed' };
      pos = close + 1;
      if (pos === text.length) return undefined;
      if (text[pos] !== delimiter) {
        return {
          column,
          message: 'has text after its closing quote (quote the whole value and double each quote in it)',
        };
      }
    } else {
      const next = text.indexOf(delimiter, pos);
      const fieldEnd = next < 0 ? text.length : next;
      const quote = text.indexOf('"', pos);
      if (quote >= 0 && quote < fieldEnd) {
        return {
          column,
          message:
            'has a quote in a value that does not start with one (quote the whole value and double each quote in it)',
        };
      }
      if (next < 0) return undefined;
      pos = next;
    }
    pos += delimiter.length;
  }
}

function parseInteger(value: string): number | undefined {
  const trimmed = value.trim();
  if (!/^[+-]?\d{1,15}$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function describe(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

// ---------------------------------------------------------------------------------------------
// JSONL
// ---------------------------------------------------------------------------------------------

function jsonlRows(bytes: Readable, cursor: BulkSourceCursor): RowReader {
  async function* lines(): AsyncGenerator<{ start: number; end: number; bytes?: Buffer }> {
    let start = cursor.byteOffset;
    let offset = cursor.byteOffset;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let oversized = false;
    for await (const data of bytes) {
      const chunk = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array);
      let from = 0;
      for (let newline = chunk.indexOf(LF); newline >= 0; newline = chunk.indexOf(LF, from)) {
        const end = offset + newline + 1;
        if (!oversized) pending.push(chunk.subarray(from, newline + 1));
        yield { start, end, ...(oversized ? {} : { bytes: Buffer.concat(pending) }) };
        pending = [];
        pendingBytes = 0;
        oversized = false;
        start = end;
        from = newline + 1;
      }
      const rest = chunk.subarray(from);
      if (!oversized && rest.length > 0) {
        pending.push(rest);
        pendingBytes += rest.length;
        // Past the limit the line's bytes are dropped as they come: it is rejected, not buffered.
        if (pendingBytes > MAX_SOURCE_ROW_SIZE) {
          oversized = true;
          pending = [];
        }
      }
      offset += chunk.length;
    }
    if (start < offset) yield { start, end: offset, ...(oversized ? {} : { bytes: Buffer.concat(pending) }) };
  }

  async function* rows(): AsyncGenerator<SourceRow> {
    let line = cursor.line;
    for await (const { start, end, bytes: raw } of lines()) {
      const row: SourceRow = { start, end, line, nextLine: line + 1 };
      if (raw === undefined) {
        row.result = {
          rejected: {
            line,
            issues: [issue('row', `the line is longer than ${formatNumber(MAX_SOURCE_ROW_SIZE)} bytes`)],
          },
        };
      } else {
        const text = rowText(raw, start);
        if (text.trim() !== '') row.result = jsonlRow(text, line);
      }
      line += 1;
      yield row;
    }
  }
  return { rows: rows(), header: () => undefined };
}

function jsonlRow(text: string, line: number): NonNullable<SourceRow['result']> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return {
      rejected: { line, issues: [issue('row', `the line is not valid JSON: ${(err as Error).message}`)] },
    };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const got = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return { rejected: { line, issues: [issue('row', `the line must be a JSON object (got ${got})`)] } };
  }
  const { key, ...item } = parsed as Record<string, unknown>;
  if (key !== undefined && (typeof key !== 'string' || key === '')) {
    return {
      rejected: {
        line,
        issues: [issue('key', `key must be a non-empty string (got ${JSON.stringify(key)})`)],
      },
    };
  }
  return { item: { line, key: key ?? contentKey(item as BulkItem), item: item as BulkItem } };
}

// ---------------------------------------------------------------------------------------------
// Keys by content
// ---------------------------------------------------------------------------------------------

/** `h-` and the first 20 hex digits of the SHA-256 of the item's canonical JSON (keys sorted): the same row, the same key. */
export function contentKey(item: BulkItem): string {
  return `h-${createHash('sha256').update(canonicalJson(item)).digest('hex').slice(0, 20)}`;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((entry) => canonicalJson(entry)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, entry]) => `${JSON.stringify(name)}:${canonicalJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function formatNumber(value: number): string {
  return value.toLocaleString('en-US');
}
