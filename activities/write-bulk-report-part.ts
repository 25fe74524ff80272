/**
 * writeBulkReportPart: one part of a large batch's per-item report, as JSON lines in
 * `<location>/part-00001.jsonl` (a directory on the workers' file system, or an `s3://bucket/prefix`).
 * Writing a part again replaces it whole, so a retried write is harmless; a local part is written to
 * a temporary file and renamed into place, so a reader never sees half of one.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import type { WriteBulkReportPartInput, WriteBulkReportPartResult } from '../src/shared/bulk-source';
import { INVALID_INPUT_FAILURE_TYPE } from '../src/shared/error-policy';
import { type BulkFileDeps, fileFailure, parseS3Location, s3Client } from './read-bulk-source-page';

/** The report location is forbidden or its bucket missing: non-retryable. */
export const BULK_REPORT_UNWRITABLE_FAILURE_TYPE = 'BulkReportUnwritable';
/** Writing failed on the way (network, throttling, a full disk...): retried. */
export const BULK_REPORT_UNAVAILABLE_FAILURE_TYPE = 'BulkReportUnavailable';

const REPORT_FAILURE_TYPES = {
  permanent: BULK_REPORT_UNWRITABLE_FAILURE_TYPE,
  transient: BULK_REPORT_UNAVAILABLE_FAILURE_TYPE,
};

/** `part-00001.jsonl`: five digits, so that the parts sort in order (a part past 99,999 takes six). */
export function reportPartName(part: number): string {
  return `part-${String(part).padStart(5, '0')}.jsonl`;
}

export function makeWriteBulkReportPart(deps: BulkFileDeps) {
  return async function writeBulkReportPart(
    input: WriteBulkReportPartInput,
  ): Promise<WriteBulkReportPartResult> {
    if (!Number.isSafeInteger(input.part) || input.part < 1) {
      throw invalidInput(`part must be an integer of at least 1 (got ${input.part})`);
    }
    if (!Array.isArray(input.lines)) throw invalidInput('lines must be a list of JSON values');
    if (!input.location) throw invalidInput('location must be a directory path or an s3://bucket/prefix');
    const body = input.lines.map((line) => `${JSON.stringify(line) ?? 'null'}\n`).join('');
    const name = reportPartName(input.part);

    const s3 = parseS3Location(input.location);
    if (s3) {
      const prefix = s3.key.replace(/\/+$/, '');
      const key = prefix ? `${prefix}/${name}` : name;
      const written = `s3://${s3.bucket}/${key}`;
      try {
        await s3Client(deps).send(
          new PutObjectCommand({
            Bucket: s3.bucket,
            Key: key,
            Body: body,
            ContentType: 'application/x-ndjson',
          }),
        );
      } catch (err) {
        throw fileFailure(err, `Cannot write the bulk report part ${written}`, REPORT_FAILURE_TYPES);
      }
      return { written };
    }

    const written = path.join(input.location, name);
    const temporary = path.join(input.location, `.${name}.${randomUUID()}.tmp`);
    try {
      await mkdir(input.location, { recursive: true });
      await writeFile(temporary, body);
      await rename(temporary, written);
    } catch (err) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw fileFailure(err, `Cannot write the bulk report part ${written}`, REPORT_FAILURE_TYPES);
    }
    return { written };
  };
}

function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: INVALID_INPUT_FAILURE_TYPE,
    message: `Invalid bulk report part: ${message}`,
    nonRetryable: true,
  });
}
