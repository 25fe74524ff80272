import assert from 'node:assert/strict';
import { BulkBatchState } from '../../src/shared/bulk-batch-state';
import { type BulkCreateTasksInput, parseBulkCreateTasksInput } from '../../src/shared/bulk-create-contract';
import type { BulkSourcePage } from '../../src/shared/bulk-source';

const NOW = new Date('2026-03-02T10:00:00Z');
const DEFAULTS = {
  instanceId: '12345678-aaaa-bbbb-cccc-1234567890ab',
  queueId: 'billing',
  transferFlowId: 'transfer-to-queue',
};

function stateFor(input: Partial<BulkCreateTasksInput>): BulkBatchState {
  const parsed = parseBulkCreateTasksInput({ batchId: 'nightly-2026-03-02', defaults: DEFAULTS, ...input });
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.issues));
  return new BulkBatchState(parsed.request, NOW);
}

const items = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ contact: { name: `Task ${i}` } }));
const itemId = (key: string) => `bulk/nightly-2026-03-02/${key}`;
const assigned = (key: string) =>
  ({
    workflowId: itemId(key),
    news: 'ended',
    outcome: 'assigned',
    contactId: `c-${key}`,
    userId: 'agent-1',
  }) as const;
const NO_COUNTS = {
  pending: 0,
  running: 0,
  assigned: 0,
  'already-existed': 0,
  failed: 0,
  rejected: 0,
  cancelled: 0,
};

describe('BulkBatchState', () => {
  it('gives each item a child id from the batch id and its key (its position by default)', () => {
    const state = stateFor({
      items: [{ key: 'claim-7', contact: { name: 'A' } }, { contact: { name: 'B' } }],
    });
    assert.deepEqual(
      state.takeStarts().map((start) => [start.index, start.workflowId, start.input.queueId]),
      [
        [0, 'bulk/nightly-2026-03-02/claim-7', 'billing'],
        [1, 'bulk/nightly-2026-03-02/item-1', 'billing'],
      ],
    );
  });

  it('starts at most maxConcurrent children, and the next ones as children finish', () => {
    const state = stateFor({ items: items(5), maxConcurrent: 2 });
    assert.deepEqual(
      state.takeStarts().map((start) => start.index),
      [0, 1],
    );
    assert.deepEqual(state.takeStarts(), []);
    state.news(assigned('item-0'));
    state.alreadyExisted(itemId('item-1'));
    assert.deepEqual(
      state.takeStarts().map((start) => start.index),
      [2, 3],
    );
    assert.deepEqual(state.progress().counts, {
      ...NO_COUNTS,
      pending: 1,
      running: 2,
      assigned: 1,
      'already-existed': 1,
    });
    assert.equal(state.progress().created, 1);
  });

  it('rejects an invalid item with the field and the limit, and routes the others', () => {
    const state = stateFor({
      items: [
        { contact: { name: 'x'.repeat(1025) } },
        { contact: { name: 'fine' } },
        { contact: { name: 'ok' }, priority: 0 },
      ],
    });
    const starts = state.takeStarts();
    assert.deepEqual(
      starts.map((start) => start.index),
      [1],
    );
    const reports = state.result().items ?? [];
    assert.deepEqual(
      reports.map((report) => [report.index, report.status]),
      [
        [0, 'rejected'],
        [1, 'running'],
        [2, 'rejected'],
      ],
    );
    assert.equal(reports[0]!.issues?.[0]?.field, 'contact.name');
    assert.match(reports[2]!.issues?.[0]?.message ?? '', /priority/);
    state.news(assigned('item-1'));
    assert.equal(state.done, true);
  });

  it('stops starting items once failures pass the tolerated count, and says why', () => {
    const state = stateFor({ items: items(6), maxConcurrent: 1, toleratedFailures: { count: 1 } });
    const [first] = state.takeStarts();
    state.childEnded(first!.workflowId, 'boom');
    const [second] = state.takeStarts();
    state.news({ workflowId: second!.workflowId, news: 'ended', outcome: 'deadline', reason: 'no agent' });
    assert.deepEqual(state.takeStarts(), []);
    assert.equal(state.done, true);
    assert.match(state.stopReason ?? '', /2 of 6 items failed or were rejected .* more than the 1 tolerated/);
    assert.equal(state.progress().counts.pending, 4);
  });

  it('stops before starting anything when rejected items alone pass a tolerated percentage', () => {
    const state = stateFor({
      items: [...items(2), { contact: { name: '' } }, { contact: { name: '' } }],
      toleratedFailures: { percent: 25 },
    });
    assert.deepEqual(state.takeStarts(), []);
    assert.equal(state.done, true);
    assert.match(state.stopReason ?? '', /more than the 25% of 4 tolerated/);
  });

  it('refuses a batch input that breaks a limit, naming the field', () => {
    const parsed = parseBulkCreateTasksInput({ batchId: 'has space', items: [] });
    assert.equal(parsed.ok, false);
    const fields = parsed.ok ? [] : parsed.issues.map((issue) => issue.field);
    assert.ok(fields.includes('batchId') && fields.includes('items'), fields.join(', '));
  });

  it('starts nothing while a running item waits for room in Connect, and resumes once it is created', () => {
    const state = stateFor({ items: items(5), maxConcurrent: 3 });
    const started = state.takeStarts();
    state.news({ workflowId: started[1]!.workflowId, news: 'instance-full' });
    state.news(assigned('item-0'));
    assert.deepEqual(state.takeStarts(), [], 'paused while Connect is full');
    assert.equal(state.progress().waitingForCapacity, 1);
    state.news({ workflowId: started[1]!.workflowId, news: 'created', contactId: 'c-1' });
    assert.deepEqual(
      state.takeStarts().map((start) => start.index),
      [3],
    );
    assert.equal(state.progress().created, 2);
  });

  it('ignores news from a child it did not start (one of an earlier run of the batch)', () => {
    const state = stateFor({ items: items(1) });
    state.takeStarts();
    state.news(assigned('someone-else'));
    state.alreadyExisted(itemId('someone-else'));
    assert.deepEqual(state.progress().counts, { ...NO_COUNTS, running: 1 });
  });

  it('takes source pages in line order, reports malformed rows with their line, and carries on from a snapshot', () => {
    const state = stateFor({ source: { location: '/data/callbacks.csv' }, maxConcurrent: 2 });
    assert.equal(state.wantsPage, true);
    const page: BulkSourcePage = {
      items: [
        { line: 2, key: 'a', item: { contact: { name: 'A' } } },
        { line: 5, key: 'c', item: { contact: { name: 'C' }, priority: 0 } },
        { line: 6, key: 'd', item: { contact: { name: 'D' } } },
      ],
      rejected: [
        {
          line: 3,
          issues: [
            { field: 'priority', message: 'not a whole number', exception: 'InvalidParameterException' },
          ],
        },
      ],
      next: { byteOffset: 120, line: 7, header: ['key', 'contact.name'] },
    };
    state.pageRead(page);
    assert.equal(state.wantsPage, false, 'items of the page wait to start');
    assert.deepEqual(
      state.takeStarts().map((start) => [start.index, start.workflowId]),
      [
        [0, itemId('a')],
        [3, itemId('d')],
      ],
    );
    assert.equal(state.shouldContinueAsNew(true), true, 'every item read has started');
    assert.equal(state.shouldContinueAsNew(false), false, 'room for more pages in this run');
    const report = state.takeRemainingReport(true);
    assert.deepEqual(
      report?.lines.map((line) => [(line as { line: number }).line, (line as { status: string }).status]),
      [
        [3, 'rejected'],
        [5, 'rejected'],
      ],
    );
    assert.equal(report?.location, '/data/callbacks.csv.nightly-2026-03-02.report');

    const parsed = parseBulkCreateTasksInput({
      batchId: 'nightly-2026-03-02',
      defaults: DEFAULTS,
      source: { location: '/data/callbacks.csv' },
      maxConcurrent: 2,
      carried: state.snapshot() as unknown as Record<string, unknown>,
    });
    assert.ok(parsed.ok);
    const next = new BulkBatchState(parsed.request, NOW);
    assert.deepEqual(next.sourceCursor, page.next);
    assert.equal(next.wantsPage, true);
    next.news(assigned('a'));
    next.pageRead({ items: [{ line: 7, key: 'e', item: { contact: { name: 'E' } } }], rejected: [] });
    assert.deepEqual(
      next.takeStarts().map((start) => start.index),
      [4],
    );
    next.news(assigned('d'));
    next.news(assigned('e'));
    assert.equal(next.done, true);
    assert.deepEqual(next.progress(), {
      batchId: 'nightly-2026-03-02',
      read: 5,
      total: 5,
      counts: { ...NO_COUNTS, assigned: 3, rejected: 2 },
      created: 3,
      waitingForCapacity: 0,
    });
    assert.deepEqual(next.result().report, {
      location: '/data/callbacks.csv.nightly-2026-03-02.report',
      parts: 1,
    });
    assert.equal(next.takeRemainingReport(false)?.part, 2, 'the rest of the report is the next part');
  });

  it('judges a tolerated percentage of a source only once 100 items were read', () => {
    const state = stateFor({ source: { location: 'rows.jsonl' }, toleratedFailures: { percent: 10 } });
    const bad = (line: number) => ({
      line,
      issues: [{ field: 'line', message: 'not JSON', exception: 'InvalidParameterException' as const }],
    });
    const good = (line: number) => ({ line, key: `k${line}`, item: { contact: { name: `N${line}` } } });
    state.pageRead({
      items: Array.from({ length: 45 }, (_, i) => good(i + 6)),
      rejected: [1, 2, 3, 4, 5].map(bad),
      next: { byteOffset: 1, line: 51 },
    });
    assert.equal(state.stopReason, undefined, '5 of 50 read: not judged yet');
    state.takeStarts();
    state.pageRead({
      items: Array.from({ length: 44 }, (_, i) => good(i + 51)),
      rejected: [95, 96, 97, 98, 99, 100].map(bad),
      next: { byteOffset: 2, line: 101 },
    });
    assert.match(
      state.stopReason ?? '',
      /11 of 100 read so far items .* more than the 10% of 100 read so far tolerated/,
    );
  });

  it('cancels the children without a contact and spares the rest, unless told to cancel all', () => {
    for (const [mode, expected] of [
      ['spare-created', ['item-1']],
      ['cancel-all', ['item-0', 'item-1']],
    ] as const) {
      const state = stateFor({ items: items(4), maxConcurrent: 2, onCancel: mode });
      state.takeStarts();
      state.news({ workflowId: itemId('item-0'), news: 'created', contactId: 'c-0' });
      assert.deepEqual(state.cancel(mode), expected.map(itemId));
      assert.deepEqual(state.takeStarts(), []);
      assert.equal(state.progress().counts.cancelled, 2, 'the items not started');
      assert.equal(state.progress().cancelled, mode);
    }
  });

  it('reads a page only while the run has room to start all of it, then hands over to a new run', () => {
    const state = stateFor({
      source: { location: 'rows.jsonl', pageRows: 3 },
      startsPerRun: 10,
      maxConcurrent: 100,
    });
    const page = (first: number) => ({
      items: [0, 1, 2].map((i) => ({
        line: first + i,
        key: `k${first + i}`,
        item: { contact: { name: `N${first + i}` } },
      })),
      rejected: [],
      next: { byteOffset: first, line: first + 3 },
    });
    for (const first of [1, 4, 7]) {
      assert.equal(state.wantsPage, true);
      state.pageRead(page(first));
      assert.equal(state.takeStarts().length, 3);
    }
    assert.equal(state.wantsPage, false, '9 started of 10: no room for a page of 3');
    assert.equal(state.shouldContinueAsNew(false), true);
  });

  it('refuses pages larger than a run may start', () => {
    const parsed = parseBulkCreateTasksInput({
      batchId: 'b',
      source: { location: 'rows.csv', pageRows: 500 },
      startsPerRun: 100,
    });
    assert.equal(parsed.ok, false);
    assert.match(
      parsed.ok ? '' : parsed.issues.map((issue) => `${issue.field}: ${issue.message}`).join(),
      /source\.pageRows: .*startsPerRun \(100\)/,
    );
  });
});
