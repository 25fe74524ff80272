import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { makeWriteBulkReportPart, reportPartName } from '../../../activities/write-bulk-report-part';
import { failureOf } from './activity-env';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function s3Writer() {
  const client = new S3Client({ region: 'us-east-1', credentials });
  return { s3Mock: mockClient(client), write: makeWriteBulkReportPart({ s3: client }) };
}

const readLines = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

describe('writeBulkReportPart activity', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-report-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names parts with five digits, so that they sort in order', () => {
    assert.equal(reportPartName(1), 'part-00001.jsonl');
    assert.equal(reportPartName(42), 'part-00042.jsonl');
    assert.equal(reportPartName(123_456), 'part-123456.jsonl');
  });

  it('writes a part as JSON lines in a directory it creates, and replaces it when written again', async () => {
    const { write } = s3Writer();
    const location = path.join(dir, 'reports', 'batch-1');
    const first = [
      { index: 0, line: 2, key: 'a', status: 'assigned', userId: 'u-1' },
      { index: 1, line: 3, key: 'b', status: 'rejected', reason: 'contact.name: "Zoë\nÅsa" is "quoted"' },
    ];
    const result = await write({ location, part: 1, lines: first });
    assert.deepEqual(result, { written: path.join(location, 'part-00001.jsonl') });
    assert.deepEqual(readLines(result.written), first);
    assert.equal(
      fs.readFileSync(result.written, 'utf8').split('\n').length,
      3,
      'one line per item, then a newline',
    );

    const retried = [{ index: 0, key: 'a', status: 'failed' }];
    await write({ location, part: 1, lines: retried });
    assert.deepEqual(readLines(result.written), retried);

    const second = await write({ location, part: 2, lines: [{ index: 2 }] });
    assert.equal(second.written, path.join(location, 'part-00002.jsonl'));
    assert.deepEqual(
      fs.readdirSync(location).sort(),
      ['part-00001.jsonl', 'part-00002.jsonl'],
      'no temporary files left',
    );
  });

  it('puts a part under an s3:// prefix', async () => {
    const { s3Mock, write } = s3Writer();
    s3Mock.on(PutObjectCommand).resolves({});
    const lines = [{ index: 0, key: 'a', status: 'assigned' }, { index: 1 }];
    const result = await write({ location: 's3://reports-bucket/bulk/batch-1/', part: 3, lines });
    assert.deepEqual(result, { written: 's3://reports-bucket/bulk/batch-1/part-00003.jsonl' });
    const calls = s3Mock.commandCalls(PutObjectCommand);
    assert.equal(calls.length, 1);
    const input = calls[0]!.args[0].input;
    assert.equal(input.Bucket, 'reports-bucket');
    assert.equal(input.Key, 'bulk/batch-1/part-00003.jsonl');
    assert.equal(input.Body, `${JSON.stringify(lines[0])}\n${JSON.stringify(lines[1])}\n`);

    await write({ location: 's3://reports-bucket', part: 1, lines });
    assert.equal(s3Mock.commandCalls(PutObjectCommand)[1]!.args[0].input.Key, 'part-00001.jsonl');
  });

  it('fails non-retryably when S3 refuses, retryably when S3 is unavailable', async () => {
    const { s3Mock, write } = s3Writer();
    const refusal = (name: string, httpStatusCode: number) =>
      new S3ServiceException({
        name,
        $fault: httpStatusCode < 500 ? 'client' : 'server',
        $metadata: { httpStatusCode },
      });
    s3Mock
      .on(PutObjectCommand)
      .rejectsOnce(refusal('AccessDenied', 403))
      .rejectsOnce(refusal('SlowDown', 503));
    const denied = await failureOf(write({ location: 's3://locked/reports', part: 1, lines: [] }));
    assert.equal(denied.type, 'BulkReportUnwritable');
    assert.equal(denied.nonRetryable, true);
    assert.match(denied.message, /s3:\/\/locked\/reports\/part-00001\.jsonl: AccessDenied/);
    const slow = await failureOf(write({ location: 's3://locked/reports', part: 1, lines: [] }));
    assert.equal(slow.type, 'BulkReportUnavailable');
    assert.equal(slow.nonRetryable, false);
  });

  it('rejects a part number that is not a positive integer', async () => {
    const { write } = s3Writer();
    const failure = await failureOf(write({ location: dir, part: 0, lines: [] }));
    assert.equal(failure.type, 'InvalidInput');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /part must be an integer of at least 1 \(got 0\)/);
  });
});
