import assert from 'node:assert/strict';
import {
  backfillBulkSchedule,
  type BulkScheduleRun,
  createBulkSchedule,
  type CreateBulkScheduleOptions,
  deleteBulkSchedule,
  describeBulkSchedule,
  pauseBulkSchedule,
  triggerBulkSchedule,
} from '../../../src/client/bulk-schedule-client';
import { defaultContactFlowId } from '../../../src/dev/emulator';
import { type BulkCreateTasksResult, scheduledBatchId } from '../../../src/shared/bulk-create-contract';
import type { bulkCreateTasks } from '../../../workflows/bulk-create-tasks';
import { waitUntil } from '../../helpers/eventually';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack } from '../routing/routing-stack';

const ITEMS = 3;

describe('bulk schedules against the Connect emulator', () => {
  let stack: RoutingStack;
  let scheduleIds: string[] = [];
  let contactsBefore = 0;

  before(async () => {
    stack = await startRoutingStack({ config: { handleTimeMs: { min: 200, max: 600 } } });
  });
  beforeEach(() => {
    contactsBefore = stack.emulator.ledger().contactsCreated;
  });
  afterEach(async () => {
    await Promise.all(scheduleIds.map((id) => deleteBulkSchedule(stack.client, id).catch(() => undefined)));
    scheduleIds = [];
  });
  after(() => stack?.stop());

  const contactsCreatedInTest = () => stack.emulator.ledger().contactsCreated - contactsBefore;

  /** A schedule (and its batch, of the same name) whose runs route ITEMS tasks each. */
  async function schedule(
    name: string,
    when: Pick<CreateBulkScheduleOptions, 'cron' | 'every' | 'paused'>,
  ): Promise<{ scheduleId: string; batchId: string }> {
    const scheduleId = `${name}-${stack.instanceId}`;
    const batchId = scheduleId;
    await createBulkSchedule(stack.client, {
      scheduleId,
      input: {
        batchId,
        items: Array.from({ length: ITEMS }, (_, i) => ({
          key: `item-${i}`,
          contact: { name: `Item ${i}` },
        })),
        defaults: {
          instanceId: stack.instanceId,
          queueId: BILLING_QUEUE,
          transferFlowId: defaultContactFlowId('Transfer to queue'),
        },
      },
      taskQueue: stack.taskQueue,
      ...when,
    });
    scheduleIds.push(scheduleId);
    return { scheduleId, batchId };
  }

  async function runsOf(scheduleId: string, count: number, timeoutMs = 15_000): Promise<BulkScheduleRun[]> {
    let seen = 0;
    return waitUntil(
      () => `${count} runs of ${scheduleId} (seen ${seen})`,
      async () => {
        const { recentRuns } = await describeBulkSchedule(stack.client, scheduleId);
        seen = recentRuns.length;
        return seen >= count ? recentRuns : undefined;
      },
      { timeoutMs, intervalMs: 200 },
    );
  }

  function resultOf(run: BulkScheduleRun): Promise<BulkCreateTasksResult> {
    return stack.client.workflow
      .getHandle<typeof bulkCreateTasks>(run.workflowId, run.firstExecutionRunId)
      .result();
  }

  /** Each run is the batch `<batchId>.<scheduled time>`, and assigned all its items. */
  function assertRoutedAll(result: BulkCreateTasksResult, batchId: string, run: BulkScheduleRun): void {
    assert.equal(
      result.batchId,
      scheduledBatchId(batchId, run.scheduledAt),
      "the run is its scheduled time's batch",
    );
    assert.equal(result.counts.assigned, ITEMS, JSON.stringify(result.counts));
    assert.equal(result.created, ITEMS);
  }

  it('an interval schedule starts runs on its own, and each run assigns every item', async () => {
    const { scheduleId, batchId } = await schedule('every-2s', { every: '2s' });
    await runsOf(scheduleId, 1, 10_000);
    await pauseBulkSchedule(stack.client, scheduleId, 'the test saw a run');

    const description = await describeBulkSchedule(stack.client, scheduleId);
    assert.deepEqual(
      [
        description.spec,
        description.timeZone,
        description.overlap,
        description.catchupWindowMs,
        description.paused,
      ],
      [['every 2s'], 'UTC', 'skip', 600_000, true],
    );
    assert.equal(description.note, 'the test saw a run');
    // A second run may have started before the pause; each is its own batch.
    const runs = description.recentRuns;
    for (const run of runs) {
      assert.match(
        run.workflowId,
        new RegExp(`^bulk-batch/${batchId}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`),
      );
      assertRoutedAll(await resultOf(run), batchId, run);
    }
    assert.equal(contactsCreatedInTest(), ITEMS * runs.length);
  });

  it('trigger starts a run now, even while the schedule is paused', async () => {
    const { scheduleId, batchId } = await schedule('trigger', { cron: '0 0 1 1 *', paused: true });
    await triggerBulkSchedule(stack.client, scheduleId);
    const [run] = await runsOf(scheduleId, 1);
    assert.ok(Math.abs(run!.scheduledAt.getTime() - Date.now()) < 30_000, 'scheduled for now');
    assertRoutedAll(await resultOf(run!), batchId, run!);
    assert.equal(contactsCreatedInTest(), ITEMS);
  });

  it('a backfill starts the runs of a past time range, each a batch of its own', async () => {
    const { scheduleId, batchId } = await schedule('backfill', { every: '1h', paused: true });
    await backfillBulkSchedule(stack.client, scheduleId, {
      start: new Date('2024-01-01T00:30:00Z'),
      end: new Date('2024-01-01T02:30:00Z'),
      overlap: 'allow-all',
    });
    const runs = await runsOf(scheduleId, 2);
    assert.deepEqual(
      runs.map((run) => [run.scheduledAt.toISOString(), run.workflowId]),
      [
        ['2024-01-01T01:00:00.000Z', `bulk-batch/${batchId}-2024-01-01T01:00:00Z`],
        ['2024-01-01T02:00:00.000Z', `bulk-batch/${batchId}-2024-01-01T02:00:00Z`],
      ],
    );
    for (const run of runs) assertRoutedAll(await resultOf(run), batchId, run);
    assert.equal(contactsCreatedInTest(), 2 * ITEMS, 'each scheduled time created its own contacts');
  });

  it('backfilling a time that already ran creates no new contact and reports every item already-existed', async () => {
    const { scheduleId, batchId } = await schedule('backfill-again', { every: '1h', paused: true });
    const range = { start: new Date('2024-03-01T05:30:00Z'), end: new Date('2024-03-01T06:30:00Z') };
    await backfillBulkSchedule(stack.client, scheduleId, range);
    const [first] = await runsOf(scheduleId, 1);
    assertRoutedAll(await resultOf(first!), batchId, first!);
    assert.equal(contactsCreatedInTest(), ITEMS);

    // allow-all: the schedule may not have seen the first run end yet, and `skip` would drop this one.
    await backfillBulkSchedule(stack.client, scheduleId, { ...range, overlap: 'allow-all' });
    const [, again] = await runsOf(scheduleId, 2);
    assert.equal(again!.workflowId, first!.workflowId, 'the same scheduled time, the same workflow id');
    assert.notEqual(again!.firstExecutionRunId, first!.firstExecutionRunId);
    const result = await resultOf(again!);
    assert.equal(result.batchId, scheduledBatchId(batchId, first!.scheduledAt));
    assert.equal(result.counts['already-existed'], ITEMS, JSON.stringify(result.counts));
    assert.equal(result.created, 0);
    assert.deepEqual(
      result.items?.map((item) => item.status),
      Array.from({ length: ITEMS }, () => 'already-existed'),
    );
    assert.equal(contactsCreatedInTest(), ITEMS, 'the second run of the same time created no contact');
  });
});
