import assert from 'node:assert/strict';
import { BulkBatchState } from '../../src/shared/bulk-batch-state';
import { type BulkCreateTasksInput, parseBulkCreateTasksInput } from '../../src/shared/bulk-create-contract';
import type { RouteTaskResult } from '../../src/shared/route-task-contract';

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
const assigned = (contactId: string): RouteTaskResult => ({
  outcome: 'assigned',
  contactId,
  userId: 'agent-1',
  queueId: 'billing',
  reservationsTried: 1,
  attemptsByActivity: {},
  offers: [],
});

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
    state.finished(0, assigned('c0'));
    state.alreadyExisted(1);
    assert.deepEqual(
      state.takeStarts().map((start) => start.index),
      [2, 3],
    );
    assert.deepEqual(state.progress().counts, {
      pending: 1,
      running: 2,
      assigned: 1,
      'already-existed': 1,
      failed: 0,
      rejected: 0,
    });
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
    const { items: reports } = state.result();
    assert.equal(reports[0]!.status, 'rejected');
    assert.equal(reports[0]!.issues?.[0]?.field, 'contact.name');
    assert.match(reports[2]!.issues?.[0]?.message ?? '', /priority/);
    state.finished(1, assigned('c1'));
    assert.equal(state.done, true);
  });

  it('stops starting items once failures pass the tolerated count, and says why', () => {
    const state = stateFor({ items: items(6), maxConcurrent: 1, toleratedFailures: { count: 1 } });
    const [first] = state.takeStarts();
    state.failed(first!.index, 'boom');
    const [second] = state.takeStarts();
    state.finished(second!.index, { ...assigned('c'), outcome: 'deadline', reason: 'no agent' });
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
});
