/**
 * A batch read from a CSV file with some malformed rows, run twice: the scenario the bulk tests run
 * at two sizes (a small one in `npm test`, 500 rows in the soak).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CALL_CENTRE, defaultContactFlowId } from '../../../src/dev/emulator';
import { startBulkCreateTasks } from '../../../src/client/bulk-create-client';
import type { BulkCreateTasksResult, BulkItemReport } from '../../../src/shared/bulk-create-contract';
import { BILLING_QUEUE, startRoutingStack, SUPPORT_QUEUE, type RoutingStack } from '../routing/routing-stack';

/** Agents who take tasks as fast as they come, so that the batch, not the agents, sets the pace. */
export const QUICK_CALL_CENTRE = {
  routingProfiles: DEFAULT_CALL_CENTRE.routingProfiles.map((profile) => ({
    ...profile,
    taskConcurrency: 10,
  })),
  handleTimeMs: { min: 100, max: 400 },
  afterContactWorkMs: 200,
  offers: { autoAccept: true },
};

const MALFORMED_KINDS = ['extra column', 'priority not a number', 'name over the limit'] as const;

/** `rows` data rows, every `rows / malformed`-th one malformed; the lines (1-based, header 1) of the bad ones. */
export function callbackCsv(
  rows: number,
  malformed: number,
): { text: string; badLines: Map<number, string> } {
  const lines = ['key,contact.name,queue,contact.attributes.ticket,priority'];
  const badLines = new Map<number, string>();
  const every = Math.floor(rows / malformed);
  let line = 2;
  for (let i = 0; i < rows; i++, line += 1 + (lines.at(-1)!.match(/\n/g)?.length ?? 0)) {
    const queue = i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE;
    // Quoted commas and a quoted line break: one row, two lines of the file.
    const name =
      i % 7 === 0
        ? `"Callback ${i}, urgent"`
        : i % 11 === 0
          ? `"Callback ${i}\nsecond line"`
          : `Callback ${i}`;
    if (i % every === every - 1 && badLines.size < malformed) {
      const kind = MALFORMED_KINDS[badLines.size % MALFORMED_KINDS.length]!;
      badLines.set(line, kind);
      if (kind === 'extra column') lines.push(`cb-${i},Callback ${i},${queue},T-${i},3,surplus`);
      else if (kind === 'priority not a number') lines.push(`cb-${i},Callback ${i},${queue},T-${i},high`);
      else lines.push(`cb-${i},${'x'.repeat(1_025)},${queue},T-${i},3`);
    } else {
      lines.push(`cb-${i},${name},${queue},T-${i},${1 + (i % 5)}`);
    }
  }
  return { text: `${lines.join('\n')}\n`, badLines };
}

export async function runCsvBatchTwice(options: {
  rows: number;
  malformed: number;
  startsPerRun: number;
  stack?: (config: typeof QUICK_CALL_CENTRE) => Promise<RoutingStack>;
}): Promise<{ stack: RoutingStack; first: BulkCreateTasksResult; reports: BulkItemReport[] }> {
  const stack = await (options.stack ?? ((config) => startRoutingStack({ config })))(QUICK_CALL_CENTRE);
  const folder = await mkdtemp(join(tmpdir(), 'bulk-csv-'));
  const { text, badLines } = callbackCsv(options.rows, options.malformed);
  const location = join(folder, 'callbacks.csv');
  await writeFile(location, text);
  const input = {
    batchId: `callbacks-${stack.instanceId}`,
    source: { location, columns: { queueId: 'queue' }, pageRows: Math.min(50, options.startsPerRun / 2) },
    defaults: { instanceId: stack.instanceId, transferFlowId: defaultContactFlowId('Transfer to queue') },
    startsPerRun: options.startsPerRun,
    report: { location: join(folder, 'report') },
  };
  const run = async (name: string) =>
    (
      await startBulkCreateTasks(stack.client, input, {
        taskQueue: stack.taskQueue,
        workflowId: `bulk-batch/${stack.instanceId}/${name}`,
      })
    ).result();

  const good = options.rows - options.malformed;
  const first = await run('first');
  assert.equal(first.total, options.rows);
  assert.equal(first.counts.assigned, good);
  assert.equal(first.counts.rejected, options.malformed);
  assert.equal(stack.emulator.ledger().contactsCreated, good);

  const reports = await readReport(first, join(folder, 'report'));
  assert.equal(reports.length, options.rows, 'one report line per row');
  const rejected = reports.filter((report) => report.status === 'rejected');
  assert.deepEqual(
    rejected.map((report) => report.line),
    [...badLines.keys()],
    'each malformed row reported with its line',
  );
  for (const report of rejected) {
    const field = report.issues?.[0]?.field ?? '';
    const expected = {
      'extra column': /./,
      'priority not a number': /priority/,
      'name over the limit': /contact\.name/,
    };
    assert.match(
      field,
      expected[badLines.get(report.line!) as keyof typeof expected],
      JSON.stringify(report),
    );
  }

  const again = await run('again');
  assert.equal(again.counts['already-existed'], good, 'every good row already had its routeTask');
  const ledger = stack.emulator.ledger();
  assert.equal(ledger.contactsCreated, good, 'running the batch again created no contact');
  assert.equal(ledger.duplicateCreations, 0);
  assert.equal(ledger.acceptedAssignments, good);
  assert.equal(ledger.overCapacityAssignments, 0);
  return { stack, first, reports };
}

/** The report: inline in the result, or the parts written under `location`. */
async function readReport(result: BulkCreateTasksResult, location: string): Promise<BulkItemReport[]> {
  if (result.items) return result.items;
  assert.equal(result.report?.location, location);
  const parts = (await readdir(location)).filter((name) => name.endsWith('.jsonl')).sort();
  assert.equal(parts.length, result.report?.parts);
  const lines = (await Promise.all(parts.map((part) => readFile(join(location, part), 'utf8'))))
    .join('')
    .split('\n')
    .filter((line) => line.length > 0);
  return lines.map((line) => JSON.parse(line) as BulkItemReport).sort((a, b) => a.index - b.index);
}
