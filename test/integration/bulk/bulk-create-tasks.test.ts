import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { defaultContactFlowId, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { startBulkCreateTasks } from '../../../src/client/bulk-create-client';
import {
  type BulkCreateTasksInput,
  bulkItemWorkflowId,
  bulkProgressQuery,
} from '../../../src/shared/bulk-create-contract';
import { RoutingStage } from '../../../src/shared/search-attributes';
import { dispatcherTaskQueue } from '../../../src/shared/task-queues';
import { waitUntil } from '../../helpers/eventually';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack } from '../routing/routing-stack';

describe('bulkCreateTasks against the Connect emulator', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  function batch(
    batchId: string,
    items: BulkCreateTasksInput['items'],
    extra: Partial<BulkCreateTasksInput> = {},
  ) {
    return {
      batchId,
      items,
      defaults: {
        instanceId: stack.instanceId,
        queueId: BILLING_QUEUE,
        transferFlowId: defaultContactFlowId('Transfer to queue'),
      },
      ...extra,
    };
  }

  it('routes every valid item once, reports invalid ones, and creates nothing when run again', async () => {
    stack = await startRoutingStack({ config: { handleTimeMs: { min: 200, max: 600 } } });
    const items = [
      ...Array.from({ length: 10 }, (_, i) => ({ key: `claim-${i}`, contact: { name: `Claim ${i}` } })),
      { key: 'too-long', contact: { name: 'x'.repeat(1025) } },
      { key: 'bad-priority', contact: { name: 'Bad priority' }, priority: 0 },
    ];
    const run = async (runId: string) =>
      (
        await startBulkCreateTasks(stack.client, batch('claims-1', items, { maxConcurrent: 4 }), {
          taskQueue: stack.taskQueue,
          workflowId: `bulk-batch/${stack.instanceId}/${runId}`,
        })
      ).result();

    const first = await run('first');
    assert.deepEqual(first.counts, {
      pending: 0,
      running: 0,
      assigned: 10,
      'already-existed': 0,
      failed: 0,
      rejected: 2,
      cancelled: 0,
    });
    const rejected = (first.items ?? []).filter((item) => item.status === 'rejected');
    assert.deepEqual(
      rejected.map((item) => [item.index, item.key, item.issues?.[0]?.field]),
      [
        [10, 'too-long', 'contact.name'],
        [11, 'bad-priority', 'priority'],
      ],
    );
    assert.equal(stack.emulator.ledger().contactsCreated, 10);
    // Started on the main task queue, the batch moved to the dispatchers' queue; its items stayed.
    const batchRun = await stack.client.workflow.getHandle(`bulk-batch/${stack.instanceId}/first`).describe();
    assert.equal(batchRun.taskQueue, dispatcherTaskQueue(stack.taskQueue));
    const itemRun = await stack.client.workflow
      .getHandle(bulkItemWorkflowId('claims-1', 'claim-0'))
      .describe();
    assert.equal(itemRun.taskQueue, stack.taskQueue);

    const again = await run('again');
    assert.equal(again.counts['already-existed'], 10, 'every item already had its routeTask');
    assert.equal(again.counts.rejected, 2);
    const ledger = stack.emulator.ledger();
    assert.equal(ledger.contactsCreated, 10, 'running the batch again created no contact');
    assert.equal(ledger.duplicateCreations, 0);
    assert.equal(ledger.acceptedAssignments, 10);
  });

  it('hears of each contact through the activity that puts its item in line, gathered; an item starts with its stage attributes', async () => {
    stack = await startRoutingStack({ config: { ...EVERYONE_OFFLINE } });
    const items = Array.from({ length: 30 }, (_, i) => ({
      key: `waits-${i}`,
      contact: { name: `Waits ${i}` },
    }));
    const handle = await startBulkCreateTasks(stack.client, batch('waits-1', items), {
      taskQueue: stack.taskQueue,
      workflowId: `bulk-batch/${stack.instanceId}/waits`,
    });
    let created = 0;
    await waitUntil(
      () => `30 contacts created, by the batch's progress (${created})`,
      async () => {
        created = (await handle.query(bulkProgressQuery)).created;
        return created === 30 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const EventType = temporal.api.enums.v1.EventType;
    const runs = await stack.client.workflow.list({ query: `WorkflowId = "${handle.workflowId}"` });
    let gatheredSignals = 0;
    for await (const run of runs) {
      const history = await stack.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      gatheredSignals += (history.events ?? []).filter(
        (event) =>
          event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED &&
          event.workflowExecutionSignaledEventAttributes?.signalName === 'gatheredBulkItemNews',
      ).length;
    }
    assert.ok(
      gatheredSignals >= 1 && gatheredSignals < 30,
      `${gatheredSignals} signals carried 30 items' news`,
    );
    const item = stack.client.workflow.getHandle(bulkItemWorkflowId('waits-1', 'waits-0'));
    const itemEvents = (await item.fetchHistory()).events ?? [];
    assert.equal(
      itemEvents.filter(
        (event) => event.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
      ).length,
      0,
      'a waiting item has signalled nobody',
    );
    const upserted = itemEvents
      .filter((event) => event.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
      .flatMap((event) =>
        Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        ),
      );
    assert.deepEqual(
      upserted.filter((name) => name !== 'TemporalChangeVersion').sort(),
      ['ConnectContactId', 'RoutingStage'],
      'the only upsert is the one that says the task waits',
    );
    const described = await item.describe();
    assert.equal(described.typedSearchAttributes.get(RoutingStage), 'waiting-for-agent');
    await handle.cancel();
  });

  it('fails early, saying why, when failures pass the tolerated threshold', async () => {
    stack = await startRoutingStack();
    const items = [
      { contact: { name: 'Good' } },
      ...Array.from({ length: 5 }, () => ({ contact: { name: '' } })),
    ];
    const handle = await startBulkCreateTasks(
      stack.client,
      batch('mostly-bad', items, { toleratedFailures: { percent: 20 } }),
      { taskQueue: stack.taskQueue, workflowId: `bulk-batch/${stack.instanceId}/mostly-bad` },
    );
    const failure = await handle.result().then(
      () => assert.fail('the batch should have failed'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WorkflowFailedError);
    assert.ok(failure.cause instanceof ApplicationFailure);
    assert.equal(failure.cause.type, 'ToleratedFailuresExceeded');
    assert.match(failure.cause.message, /5 of 6 items failed or were rejected .* 20% of 6 tolerated/);
    assert.equal(stack.emulator.ledger().contactsCreated, 0, 'no item started once the threshold was passed');
  });
});
