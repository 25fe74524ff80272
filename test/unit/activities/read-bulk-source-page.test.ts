import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { makeReadBulkSourcePage } from '../../../activities/read-bulk-source-page';
import {
  BULK_SOURCE_LIMITS,
  type BulkSource,
  type BulkSourceCursor,
  type BulkSourceItem,
  type BulkSourcePage,
  type BulkSourceRejection,
} from '../../../src/shared/bulk-source';
import { failureOf } from './activity-env';

const s3 = new S3Client({
  region: 'us-east-1',
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const readBulkSourcePage = makeReadBulkSourcePage({ s3 });

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bulk-source-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Buffer): string {
  const location = path.join(dir, name);
  fs.writeFileSync(location, content);
  return location;
}

interface FullRead {
  pages: BulkSourcePage[];
  items: BulkSourceItem[];
  rejected: BulkSourceRejection[];
}

async function readAll(source: BulkSource, read = readBulkSourcePage): Promise<FullRead> {
  const pages: BulkSourcePage[] = [];
  let cursor: BulkSourceCursor | undefined;
  do {
    const page = await read({ source, cursor });
    pages.push(page);
    if (page.next) {
      assert.ok(page.next.byteOffset > (cursor?.byteOffset ?? 0), 'each page moves the cursor on');
      assert.ok(page.items.length + page.rejected.length > 0, 'a page that does not end the source has rows');
    }
    cursor = page.next;
  } while (cursor);
  return {
    pages,
    items: pages.flatMap((page) => page.items),
    rejected: pages.flatMap((page) => page.rejected),
  };
}

/** The file's text as rows, so that the tests know each row's byte offset and line. */
function rowsOf(rows: string[]): { text: string; offsets: number[] } {
  const offsets: number[] = [];
  let offset = 0;
  for (const row of rows) {
    offsets.push(offset);
    offset += Buffer.byteLength(row);
  }
  return { text: rows.join(''), offsets };
}

describe('readBulkSourcePage activity: CSV', () => {
  const tricky = rowsOf([
    // The BOM, then a quoted first name: a parser that kept the BOM would misread that quote.
    '\uFEFF"key",instanceId,queueId,contact.name,contact.description,priority\r\n',
    'k1,inst-1,queue-1,"Doe, Jane","first line\r\nsecond line",3\r\n',
    'k2,inst-1,queue-1,Zoë Ærøskøbing 山田太郎,"say ""hi"", then go",\r\n',
    '\r\n',
    'k3,inst-1,queue-2,Ünïcödé 🎉,"a\nb\nc",7\r\n',
    'k4,inst-1,queue-2,Last,no newline at the end,1',
  ]);
  const trickyItems = [
    {
      line: 2,
      key: 'k1',
      item: {
        instanceId: 'inst-1',
        queueId: 'queue-1',
        priority: 3,
        contact: { name: 'Doe, Jane', description: 'first line\r\nsecond line' },
      },
    },
    {
      line: 4,
      key: 'k2',
      item: {
        instanceId: 'inst-1',
        queueId: 'queue-1',
        contact: { name: 'Zoë Ærøskøbing 山田太郎', description: 'say "hi", then go' },
      },
    },
    {
      line: 6,
      key: 'k3',
      item: {
        instanceId: 'inst-1',
        queueId: 'queue-2',
        priority: 7,
        contact: { name: 'Ünïcödé 🎉', description: 'a\nb\nc' },
      },
    },
    {
      line: 9,
      key: 'k4',
      item: {
        instanceId: 'inst-1',
        queueId: 'queue-2',
        priority: 1,
        contact: { name: 'Last', description: 'no newline at the end' },
      },
    },
  ];

  it('reads quoted commas, quoted newlines, CRLF, a BOM and multibyte text, with the line each row starts on', async () => {
    const location = file('tricky.csv', tricky.text);
    const page = await readBulkSourcePage({ source: { location } });
    assert.deepEqual(page, { items: trickyItems, rejected: [] });
  });

  it('resumes each page at the byte where the last one stopped, the header carried in the cursor', async () => {
    const location = file('tricky-pages.csv', tricky.text);
    const { pages, items, rejected } = await readAll({ location, pageRows: 1 });
    assert.deepEqual(items, trickyItems);
    assert.deepEqual(rejected, []);
    assert.equal(pages.length, 4);
    const header = ['key', 'instanceId', 'queueId', 'contact.name', 'contact.description', 'priority'];
    // Byte offsets, not characters: the BOM is 3 bytes, each multibyte name more than its length.
    assert.deepEqual(
      pages.map((page) => page.next),
      [
        { byteOffset: tricky.offsets[2], line: 4, header },
        // The blank line before k3 is consumed by the page that skipped it.
        { byteOffset: tricky.offsets[4], line: 6, header },
        { byteOffset: tricky.offsets[5], line: 9, header },
        undefined,
      ],
    );
    assert.notEqual(
      tricky.offsets[2],
      tricky.text.indexOf('k2'),
      'the test must have multibyte text before k2',
    );
  });

  it('reads a 1,000+ row file page by page: every row exactly once, in order, with its line', async () => {
    const rows = ['key,instanceId,queueId,contact.name,contact.description,priority\n'];
    const expected: BulkSourceItem[] = [];
    let line = 2;
    for (let n = 1; n <= 1_234; n += 1) {
      // Every 7th row's description spans lines, every 5th name is multibyte.
      const description = n % 7 === 0 ? `row ${n}\nstill row ${n}` : `row ${n}`;
      const name = n % 5 === 0 ? `Åsa Ngô ${n} 東京` : `Name ${n}`;
      rows.push(`item-${n},inst,queue-${n % 3},${name},"${description}",${(n % 1000) + 1}\n`);
      expected.push({
        line,
        key: `item-${n}`,
        item: {
          instanceId: 'inst',
          queueId: `queue-${n % 3}`,
          priority: (n % 1000) + 1,
          contact: { name, description },
        },
      });
      line += n % 7 === 0 ? 2 : 1;
    }
    const location = file('big.csv', rows.join(''));
    const small = await readAll({ location, pageRows: 97 });
    assert.equal(small.pages.length, Math.ceil(1_234 / 97));
    assert.ok(small.pages.every((page) => page.items.length <= 97));
    assert.ok(small.pages.slice(0, -1).every((page) => page.items.length === 97 && page.next));
    assert.deepEqual(small.items, expected);
    const large = await readAll({ location, pageRows: BULK_SOURCE_LIMITS.pageRows.max });
    assert.equal(large.pages.length, 2);
    assert.deepEqual(large.items, small.items);
    const byDefault = await readBulkSourcePage({ source: { location } });
    assert.equal(byDefault.items.length, BULK_SOURCE_LIMITS.pageRows.default);
  });

  it('ends a page before its items pass pageBytes of JSON', async () => {
    const long = 'x'.repeat(3_000);
    const rows = ['key,contact.name,contact.description\n'];
    for (let n = 1; n <= 300; n += 1) rows.push(`k${n},Name ${n},${long}\n`);
    const location = file('wide.csv', rows.join(''));
    const { pages, items } = await readAll({ location, pageRows: 1_000 });
    assert.ok(pages.length >= 4, `expected the 900 KB of rows over several pages, got ${pages.length}`);
    for (const page of pages) {
      assert.ok(JSON.stringify(page.items).length <= BULK_SOURCE_LIMITS.pageBytes);
    }
    assert.deepEqual(
      items.map(({ key }) => key),
      Array.from({ length: 300 }, (_, index) => `k${index + 1}`),
    );
  });

  it('rejects a row too large for any page', async () => {
    const huge = 'y'.repeat(BULK_SOURCE_LIMITS.pageBytes + 10);
    const location = file('huge-row.csv', `key,contact.name\nsmall,A\nbig,${huge}\nafter,B\n`);
    const { items, rejected } = await readAll({ location });
    assert.deepEqual(
      items.map(({ key }) => key),
      ['small', 'after'],
    );
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.line, 3);
    assert.equal(rejected[0]!.key, 'big');
    assert.match(rejected[0]!.issues[0]!.message, /at most 262,144 bytes/);
  });

  it('reports malformed rows with their line and field while the rows around them come through', async () => {
    const location = file(
      'malformed.csv',
      [
        'key,instanceId,queueId,contact.name,priority',
        'a,i,q,Alice,1',
        'b,i,q,Bob',
        'c,i,q,Ca"rl,2',
        'd,i,q,"Dave" Jr,3',
        'e,i,q,Eve,high',
        'f,i,q,"Frank\non two lines",2.5',
        'g,i,q,Gina,4,extra',
        'h,i,q,Hank,5',
        '',
      ].join('\n'),
    );
    const page = await readBulkSourcePage({ source: { location } });
    assert.deepEqual(
      page.items.map(({ line, key }) => ({ line, key })),
      [
        { line: 2, key: 'a' },
        { line: 10, key: 'h' },
      ],
    );
    const summary = page.rejected.map(({ line, key, issues }) => ({
      line,
      key,
      fields: issues.map((found) => found.field),
    }));
    assert.deepEqual(summary, [
      { line: 3, key: 'b', fields: ['row'] },
      { line: 4, key: 'c', fields: ['contact.name'] },
      { line: 5, key: 'd', fields: ['contact.name'] },
      { line: 6, key: 'e', fields: ['priority'] },
      { line: 7, key: 'f', fields: ['priority'] },
      { line: 9, key: 'g', fields: ['row'] },
    ]);
    const messages = page.rejected.map(({ issues }) => issues[0]!.message);
    assert.match(messages[0]!, /the row has 4 columns; the header has 5/);
    assert.match(messages[1]!, /column "contact\.name" has a quote in a value that does not start with one/);
    assert.match(messages[2]!, /column "contact\.name" has text after its closing quote/);
    assert.match(messages[3]!, /priority must be a whole number .*\(got "high" in column "priority"\)/);
    assert.match(messages[4]!, /got "2\.5"/);
    assert.match(messages[5]!, /the row has 6 columns; the header has 5/);
    assert.ok(
      page.rejected.every(({ issues }) =>
        issues.every((found) => found.exception === 'InvalidParameterException'),
      ),
    );
  });

  it('rejects a row whose quote is never closed, which takes the rest of the file', async () => {
    const location = file('unclosed.csv', 'key,contact.name\na,Alice\nb,"Bob\nc,Carol\nd,Dan\n');
    const { items, rejected, pages } = await readAll({ location });
    assert.deepEqual(
      items.map(({ key }) => key),
      ['a'],
    );
    assert.equal(pages.length, 1);
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]!.line, 3);
    assert.match(rejected[0]!.issues[0]!.message, /never closed: lines 3 to 5 were read as one row/);
    const unended = file('unclosed-unended.csv', 'key,contact.name\na,Alice\nb,"Bob\nc,Carol');
    const { rejected: cut } = await readAll({ location: unended });
    assert.match(cut[0]!.issues[0]!.message, /never closed: lines 3 to 4 were read as one row/);
  });

  it('skips blank rows, and rows whose every cell is empty', async () => {
    const location = file('blank.csv', '\n\nkey,contact.name\n,\n\na,Alice\n  ,  \n');
    const { items, rejected } = await readAll({ location });
    assert.deepEqual(items, [{ line: 6, key: 'a', item: { contact: { name: 'Alice' } } }]);
    assert.deepEqual(rejected, []);
  });

  it('reads a semicolon-delimited file when told to', async () => {
    const location = file('semicolon.csv', 'key;contact.name;priority\na;Smith, John;2\n');
    const page = await readBulkSourcePage({ source: { location, delimiter: ';' } });
    assert.deepEqual(page.items, [
      { line: 2, key: 'a', item: { priority: 2, contact: { name: 'Smith, John' } } },
    ]);
  });

  describe('column mapping', () => {
    const header =
      'Ref,Instance,Queue,Customer,Agents,Not these,Prio,Region,Note,contact.attributes.tier,contact.references.ticket,contact.name';
    const content = [
      header,
      'r1,inst-1,queue-1,Ann, agent-1 ; ;agent-2 ,agent-9,7,EU,hello,gold, https://tickets/1 ,ignored',
      'r2,inst-1,queue-1,Ben,,,,,,,,',
      '',
    ].join('\n');
    const columns = {
      key: 'Ref',
      instanceId: 'Instance',
      queueId: 'Queue',
      'contact.name': 'Customer',
      preferredAgentIds: 'Agents',
      excludedAgentIds: 'Not these',
      priority: 'Prio',
    };
    const first = {
      instanceId: 'inst-1',
      queueId: 'queue-1',
      preferredAgentIds: ['agent-1', 'agent-2'],
      excludedAgentIds: ['agent-9'],
      priority: 7,
    };
    const second = {
      line: 3,
      key: 'r2',
      item: { instanceId: 'inst-1', queueId: 'queue-1', contact: { name: 'Ben' } },
    };

    it('reads mapped columns, and columns named like a field; empty cells leave the field out', async () => {
      const location = file('mapped.csv', content);
      const page = await readBulkSourcePage({ source: { location, columns } });
      assert.deepEqual(page.items, [
        {
          line: 2,
          key: 'r1',
          item: {
            ...first,
            contact: {
              name: 'Ann',
              attributes: { tier: 'gold' },
              references: { ticket: { type: 'URL', value: 'https://tickets/1' } },
            },
          },
        },
        second,
      ]);
      assert.deepEqual(page.rejected, []);
    });

    it('otherColumns: attributes makes every column no field reads a contact attribute', async () => {
      const location = file('mapped-attributes.csv', content);
      const page = await readBulkSourcePage({ source: { location, columns, otherColumns: 'attributes' } });
      assert.deepEqual(page.items[0]!.item.contact!.attributes, {
        tier: 'gold',
        Region: 'EU',
        Note: 'hello',
        'contact.name': 'ignored',
      });
      assert.deepEqual(page.items[1], second);
    });

    it('otherColumns: reject rejects a row with a value in a column no field reads', async () => {
      const location = file('mapped-reject.csv', content);
      const page = await readBulkSourcePage({ source: { location, columns, otherColumns: 'reject' } });
      assert.deepEqual(page.items, [second]);
      assert.equal(page.rejected.length, 1);
      assert.equal(page.rejected[0]!.line, 2);
      assert.equal(page.rejected[0]!.key, 'r1');
      assert.deepEqual(
        page.rejected[0]!.issues.map((found) => found.field),
        ['Region', 'Note', 'contact.name'],
      );
      assert.match(
        page.rejected[0]!.issues[0]!.message,
        /column "Region" is read by no field, and source\.otherColumns is reject/,
      );
    });

    it('fails the whole read, non-retryably, when a mapping names a column the header lacks', async () => {
      const location = file('mapped-missing.csv', content);
      const failure = await failureOf(
        readBulkSourcePage({ source: { location, columns: { ...columns, queueId: 'Queue ID' } } }),
      );
      assert.equal(failure.type, 'InvalidInput');
      assert.equal(failure.nonRetryable, true);
      assert.match(
        failure.message,
        /source\.columns\.queueId names column "Queue ID", which is not in the header/,
      );
      // On a later page too (the header comes from the cursor).
      const later = await failureOf(
        readBulkSourcePage({
          source: { location, columns: { ...columns, queueId: 'Queue ID' } },
          cursor: { byteOffset: header.length + 1, line: 2, header: header.split(',') },
        }),
      );
      assert.match(later.message, /source\.columns\.queueId/);
    });

    it('fails the read when the header names a column twice', async () => {
      const location = file('twice.csv', 'key,contact.name,key\na,b,c\n');
      const failure = await failureOf(readBulkSourcePage({ source: { location } }));
      assert.equal(failure.type, 'InvalidInput');
      assert.match(failure.message, /the header names column "key" twice \(columns 1 and 3\)/);
    });
  });

  describe('keys by content', () => {
    it('are the same on every read, different for different rows, and the same for the same item in JSONL', async () => {
      const location = file(
        'unkeyed.csv',
        'instanceId,queueId,contact.name\ni,q,Alice\ni,q,Bob\ni,q,Alice\ni,q2,Alice\n',
      );
      const first = await readBulkSourcePage({ source: { location } });
      const again = await readAll({ location, pageRows: 1 });
      const keys = first.items.map(({ key }) => key);
      assert.deepEqual(
        again.items.map(({ key }) => key),
        keys,
      );
      for (const key of keys) assert.match(key, /^h-[0-9a-f]{20}$/);
      assert.equal(keys[0], keys[2], 'the same content, the same key');
      assert.equal(new Set([keys[0], keys[1], keys[3]]).size, 3);
      const jsonl = file('unkeyed.jsonl', '{"contact":{"name":"Alice"},"queueId":"q","instanceId":"i"}\n');
      const fromJsonl = await readBulkSourcePage({ source: { location: jsonl } });
      assert.equal(fromJsonl.items[0]!.key, keys[0]);
    });
  });
});

describe('readBulkSourcePage activity: JSONL', () => {
  it('reads objects line by line; a line that is not a JSON object is rejected with its line', async () => {
    const lines = [
      '\uFEFF{"key":"a","instanceId":"i","queueId":"q","contact":{"name":"Ålice 山田"}}\r\n',
      '\n',
      'not json\n',
      '[1,2]\n',
      '{"key":5,"queueId":"q"}\n',
      '   \n',
      '{"instanceId":"i","contact":{"name":"Bob"},"priority":3}\n',
      '{"key":"c","preferredAgentIds":["u1"]}',
    ];
    const { text, offsets } = rowsOf(lines);
    const location = file('items.ndjson', text);
    const full = await readBulkSourcePage({ source: { location } });
    assert.deepEqual(
      full.items.map(({ line, key, item }) => ({ line, key, item })),
      [
        { line: 1, key: 'a', item: { instanceId: 'i', queueId: 'q', contact: { name: 'Ålice 山田' } } },
        {
          line: 7,
          key: full.items[1]!.key,
          item: { instanceId: 'i', contact: { name: 'Bob' }, priority: 3 },
        },
        { line: 8, key: 'c', item: { preferredAgentIds: ['u1'] } },
      ],
    );
    assert.match(full.items[1]!.key, /^h-[0-9a-f]{20}$/);
    assert.deepEqual(
      full.rejected.map(({ line, issues }) => ({ line, field: issues[0]!.field })),
      [
        { line: 3, field: 'row' },
        { line: 4, field: 'row' },
        { line: 5, field: 'key' },
      ],
    );
    assert.match(full.rejected[0]!.issues[0]!.message, /not valid JSON/);
    assert.match(full.rejected[1]!.issues[0]!.message, /must be a JSON object \(got an array\)/);
    assert.match(full.rejected[2]!.issues[0]!.message, /key must be a non-empty string \(got 5\)/);

    const paged = await readAll({ location, pageRows: 2 });
    assert.deepEqual(paged.items, full.items);
    assert.deepEqual(paged.rejected, full.rejected);
    assert.deepEqual(paged.pages[0]!.next, { byteOffset: offsets[3], line: 4 });
  });

  it('takes the format from source.format whatever the extension, and names source.format when it cannot tell', async () => {
    const location = file('items.txt', '{"key":"a"}\n');
    const page = await readBulkSourcePage({ source: { location, format: 'jsonl' } });
    assert.deepEqual(page.items, [{ line: 1, key: 'a', item: {} }]);
    const failure = await failureOf(readBulkSourcePage({ source: { location } }));
    assert.equal(failure.type, 'InvalidInput');
    assert.equal(failure.nonRetryable, true);
    assert.match(
      failure.message,
      /source\.format is not set and the extension of .*items\.txt \(\.txt\) does not tell/,
    );
  });
});

describe('readBulkSourcePage activity: S3 and unreadable sources', () => {
  const csv = Buffer.from(
    'key,contact.name,contact.description\r\na,Zoë,"two\r\nlines"\r\nb,山田,x\r\nc,Çelik,y\r\nd,Dan,z\r\n',
  );

  function mockedS3(object: Buffer) {
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const mock = mockClient(client);
    mock.on(GetObjectCommand).callsFake((input: { Range?: string }) => {
      const start = Number(/^bytes=(\d+)-$/.exec(input.Range ?? '')?.[1] ?? 0);
      return { Body: Readable.from([object.subarray(start)]) as never };
    });
    return { mock, read: makeReadBulkSourcePage({ s3: client }) };
  }

  it('reads each page with a Range from the cursor, and gives the same pages as the same file', async () => {
    const { mock, read } = mockedS3(csv);
    const location = file('same.csv', csv);
    const fromS3 = await readAll({ location: 's3://my-bucket/batches/2026/same.csv', pageRows: 2 }, read);
    const fromFile = await readAll({ location, pageRows: 2 });
    assert.deepEqual(fromS3.pages, fromFile.pages);
    assert.equal(fromS3.items.length, 4);
    const requests = mock.commandCalls(GetObjectCommand).map((call) => call.args[0].input);
    assert.deepEqual(requests, [
      { Bucket: 'my-bucket', Key: 'batches/2026/same.csv', Range: 'bytes=0-' },
      {
        Bucket: 'my-bucket',
        Key: 'batches/2026/same.csv',
        Range: `bytes=${fromFile.pages[0]!.next!.byteOffset}-`,
      },
    ]);
    assert.equal(fromFile.pages[0]!.next!.byteOffset, csv.indexOf('c,'));
  });

  it('fails non-retryably, naming the location, when the object does not exist', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    mockClient(client)
      .on(GetObjectCommand)
      .rejects(
        new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
      );
    const read = makeReadBulkSourcePage({ s3: client });
    const failure = await failureOf(read({ source: { location: 's3://my-bucket/missing.csv' } }));
    assert.equal(failure.type, 'BulkSourceUnreadable');
    assert.equal(failure.nonRetryable, true);
    assert.match(failure.message, /s3:\/\/my-bucket\/missing\.csv: NoSuchKey/);
  });

  it('fails non-retryably, naming the path, when the file does not exist', async () => {
    const location = path.join(dir, 'nowhere.csv');
    const failure = await failureOf(readBulkSourcePage({ source: { location } }));
    assert.equal(failure.type, 'BulkSourceUnreadable');
    assert.equal(failure.nonRetryable, true);
    assert.ok(failure.message.includes(location), failure.message);
    assert.match(failure.message, /ENOENT/);
  });

  it('fails retryably when the network fails, before or during the read', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const mock = mockClient(client);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    mock
      .on(GetObjectCommand)
      .rejectsOnce(reset)
      .resolves({
        Body: Readable.from(
          (async function* () {
            yield Buffer.from('key,contact.name\na,Alice\nb,Bo');
            throw reset;
          })(),
        ) as never,
      });
    const read = makeReadBulkSourcePage({ s3: client });
    for (const attempt of ['before', 'during']) {
      const failure = await failureOf(read({ source: { location: 's3://my-bucket/flaky.csv' } }));
      assert.equal(failure.type, 'BulkSourceUnavailable', attempt);
      assert.equal(failure.nonRetryable, false, attempt);
      assert.match(failure.message, /s3:\/\/my-bucket\/flaky\.csv.*ECONNRESET/, attempt);
    }
  });

  it('reads nothing, and ends, from a cursor at the end of the object', async () => {
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const invalidRange = Object.assign(new Error('The requested range is not satisfiable'), {
      name: 'InvalidRange',
      $metadata: { httpStatusCode: 416 },
    });
    mockClient(client).on(GetObjectCommand).rejects(invalidRange);
    const read = makeReadBulkSourcePage({ s3: client });
    const page = await read({
      source: { location: 's3://my-bucket/done.csv' },
      cursor: { byteOffset: 120, line: 9, header: ['key'] },
    });
    assert.deepEqual(page, { items: [], rejected: [] });
  });
});

describe('readBulkSourcePage activity: heartbeats', () => {
  it('heartbeats its position every 100 rows and at the end of the page', async () => {
    const rows = ['key,contact.name\n'];
    for (let n = 1; n <= 250; n += 1) rows.push(`k${n},Name ${n}\n`);
    const location = file('heartbeats.csv', rows.join(''));
    const silent: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const environment = new MockActivityEnvironment({}, { logger: silent });
    const beats: unknown[] = [];
    environment.on('heartbeat', (details: unknown) => beats.push(details));
    const page = (await environment.run(readBulkSourcePage, {
      source: { location, pageRows: 300 },
    })) as BulkSourcePage;
    assert.equal(page.items.length, 250);
    assert.equal(page.next, undefined);
    const offsetOf = (n: number) => Buffer.byteLength(rows.slice(0, n).join(''));
    assert.deepEqual(beats, [
      { byteOffset: offsetOf(101), line: 102 },
      { byteOffset: offsetOf(201), line: 202 },
      { byteOffset: offsetOf(251), line: 252 },
    ]);
  });

  it('rejects an invalid source before reading', async () => {
    const failure = await failureOf(
      readBulkSourcePage({ source: { location: path.join(dir, 'x.csv'), pageRows: 5_000 } }),
    );
    assert.ok(failure instanceof ApplicationFailure);
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /source\.pageRows must be at most 1,000/);
  });
});
