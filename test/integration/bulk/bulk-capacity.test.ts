import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { DEFAULT_CALL_CENTRE, defaultContactFlowId, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { QUICK_CALL_CENTRE } from './csv-batch-scenario';
import { startBulkCreateTasks } from '../../../src/client/bulk-create-client';
import {
  bulkItemWorkflowId,
  bulkProgressQuery,
  type BulkCreateTasksInput,
} from '../../../src/shared/bulk-create-contract';
import { routeTaskStatusQuery } from '../../../src/shared/route-task-contract';
import { eventually } from '../../helpers/eventually';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from '../routing/routing-stack';

/** Quota refusals retried within a second or two, so that the test does not wait Connect-length backoffs. */
const QUICK_QUOTA_RETRIES = {
  ServiceQuotaExceededException: { initialInterval: 500, maximumInterval: 2_000, jitter: 'none' },
};

describe('bulkCreateTasks at Connect limits', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  function batch(batchId: string, count: number, extra: Partial<BulkCreateTasksInput> = {}) {
    return {
      batchId,
      items: Array.from({ length: count }, (_, i) => ({
        key: `${batchId}-${i}`,
        queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
        contact: { name: `Callback ${i} of ${batchId}` },
      })),
      defaults: {
        instanceId: stack.instanceId,
        transferFlowId: defaultContactFlowId('Transfer to queue'),
        errorPolicy: QUICK_QUOTA_RETRIES,
      },
      ...extra,
    };
  }

  function start(input: BulkCreateTasksInput) {
    return startBulkCreateTasks(stack.client, input, {
      taskQueue: stack.taskQueue,
      workflowId: `bulk-batch/${stack.instanceId}/${input.batchId}`,
    });
  }

  it('pauses while the instance is at its active-task quota and routes every item once room comes', async () => {
    // Every agent Offline at first: contacts pile up to the quota, so the batch surely meets it.
    stack = await startRoutingStack({
      config: { ...QUICK_CALL_CENTRE, agents: EVERYONE_OFFLINE.agents, activeTaskQuota: 50 },
    });
    const handle = await start(batch('full', 200, { maxConcurrent: 80 }));
    let sawPause = false;
    const watching = (async () => {
      for (let polls = 0; polls < 1_200; polls++) {
        const progress = await handle.query(bulkProgressQuery).catch(() => undefined);
        if (progress && progress.waitingForCapacity > 0) {
          sawPause = true;
          const { running } = progress.counts;
          assert.ok(running <= 80, `at most maxConcurrent items run (${running})`);
        }
        if (progress?.counts.running === 0 && progress.counts.pending === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await eventually('the batch to report items waiting for room', async () => sawPause, {
      timeoutMs: 60_000,
    });
    // Agents come in and finish their work: room comes as contacts end.
    for (const agent of DEFAULT_CALL_CENTRE.agents) stack.emulator.setAgentStatus(agent.id, 'Available');
    const result = await handle.result();
    await watching;

    assert.equal(result.counts.assigned, 200);
    assert.equal(result.counts.failed, 0, 'no item failed on the quota');
    assert.equal(result.created, 200);
    const ledger = stack.emulator.ledger();
    assert.ok(ledger.quotaRejections > 0, 'Connect did refuse contacts as over the quota');
    assert.equal(ledger.contactsCreated, 200);
    assert.equal(ledger.duplicateCreations, 0);
    assert.equal(ledger.acceptedAssignments, 200);
    assert.equal(ledger.overCapacityAssignments, 0);
  });

  it('keeps the account create rate across two batches at once: no CreateContact throttled', async () => {
    const rate = 8;
    stack = await startRoutingStack({
      connectCallRates: { create: rate, transfer: 20, associate: 20, describe: 50, stop: 50, list: 20 },
      config: EVERYONE_OFFLINE,
    });
    const startedAt = Date.now();
    const batches = await Promise.all(
      ['rate-a', 'rate-b'].map((batchId) => start(batch(batchId, 40, { onCancel: 'cancel-all' }))),
    );
    await eventually('80 contacts created', () => stack.emulator.ledger().contactsCreated === 80, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const seconds = (Date.now() - startedAt) / 1000;
    const ledger = stack.emulator.ledger();
    assert.equal(ledger.throttledCalls.CreateContact ?? 0, 0, 'no CreateContact was throttled');
    assert.equal(ledger.duplicateCreations, 0);
    // 80 creations at 8/s, after at most a burst of 12, cannot take less than 68/8 s.
    assert.ok(seconds >= (80 - 12) / rate, `80 creations took ${seconds.toFixed(1)} s at ${rate}/s`);
    for (const handle of batches) await handle.cancel();
    await eventually('every contact stopped', () => stack.emulator.ledger().calls.StopContact === 80, {
      timeoutMs: 30_000,
    });
  });

  it('when cancelled, cancels the items whose contact does not exist yet and lets the created ones route on', async () => {
    stack = await startRoutingStack({
      config: { ...EVERYONE_OFFLINE, activeTaskQuota: 4 },
    });
    const input = batch('cancelled', 8, { maxConcurrent: 6 });
    const handle = await start(input);
    await eventually(
      'four contacts created and two items waiting for room',
      async () => {
        const progress = await handle.query(bulkProgressQuery);
        return progress.created === 4 && progress.waitingForCapacity === 2;
      },
      { timeoutMs: 30_000 },
    );
    await handle.cancel();
    const failure = await handle.result().then(
      () => assert.fail('the batch should end cancelled'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof WorkflowFailedError && failure.cause instanceof CancelledFailure);
    const progress = await handle.query(bulkProgressQuery);
    assert.equal(progress.cancelled, 'spare-created');
    assert.equal(progress.counts.cancelled, 2, 'the two items never started');

    const item = (i: number) =>
      stack.client.workflow.getHandle(bulkItemWorkflowId(input.batchId, `cancelled-${i}`));
    const started = [0, 1, 2, 3, 4, 5].map(item);
    await eventually(
      'the two items without a contact cancelled, the four with one still waiting for an agent',
      async () => {
        const seen = await Promise.all(
          started.map(async (handle) =>
            (await handle.describe()).status.name === 'COMPLETED'
              ? (await handle.result()).outcome
              : (await handle.query(routeTaskStatusQuery)).stage,
          ),
        );
        return (
          seen.filter((outcome) => outcome === 'cancelled').length === 2 &&
          seen.filter((stage) => stage === 'waiting-for-agent').length === 4
        );
      },
      { timeoutMs: 30_000 },
    );
    assert.equal(stack.emulator.ledger().contactsCreated, 4, 'no contact was created for a cancelled item');
    await Promise.all(started.map((handle) => handle.cancel()));
  });
});
