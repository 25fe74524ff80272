import assert from 'node:assert/strict';
import { defaultContactFlowId } from '../../src/dev/emulator';
import type { WorkerProcess } from '../../src/dev/worker-process';
import { startBulkCreateTasks } from '../../src/client/bulk-create-client';
import { bulkItemWorkflowId } from '../../src/shared/bulk-create-contract';
import type { routeTask } from '../../workflows/route-task';
import { eventually } from '../helpers/eventually';
import { assertEachTaskAssignedOnce } from '../integration/routing/assert-assigned-once';
import {
  BILLING_QUEUE,
  type RoutingStack,
  startRoutingStack,
  startStackWorkerProcess,
  SUPPORT_QUEUE,
} from '../integration/routing/routing-stack';
import { QUICK_CALL_CENTRE } from '../integration/bulk/csv-batch-scenario';

describe('bulkCreateTasks when its worker is killed mid-batch', () => {
  let stack: RoutingStack;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await stack?.stop();
  });

  it('creates and assigns each of 300 items exactly once after SIGKILL and a fresh worker', async function () {
    this.timeout(600_000);
    const items = 300;
    // Slow Connect answers keep calls in flight, so the kill lands in the middle of some of them.
    const slow = { latencyMs: { min: 100, max: 400 } };
    stack = await startRoutingStack({
      inProcessWorker: false,
      config: { ...QUICK_CALL_CENTRE, faults: { CreateContact: slow, AssociateContactWithUser: slow } },
    });
    const startWorker = async () => {
      const worker = await startStackWorkerProcess(stack);
      workers.push(worker);
      return worker;
    };
    const first = await startWorker();
    const batchId = `killed-${stack.instanceId}`;
    const handle = await startBulkCreateTasks(
      stack.client,
      {
        batchId,
        items: Array.from({ length: items }, (_, i) => ({
          key: `item-${i}`,
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Survivor ${i}`, attributes: { item: String(i) } },
        })),
        defaults: { instanceId: stack.instanceId, transferFlowId: defaultContactFlowId('Transfer to queue') },
        maxConcurrent: 100,
      },
      { taskQueue: stack.taskQueue, workflowId: `bulk-batch/${batchId}` },
    );
    await eventually(
      'some contacts created and assigned before the kill',
      () => {
        const ledger = stack.emulator.ledger();
        return ledger.contactsCreated >= 60 && ledger.acceptedAssignments >= 20;
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    await first.kill();
    assert.ok(stack.emulator.ledger().acceptedAssignments < items, 'the kill came before the work was done');

    await startWorker();
    const result = await handle.result();
    assert.equal(result.counts.assigned, items);
    assert.equal(result.created, items);
    const results = await Promise.all(
      Array.from({ length: items }, (_, i) =>
        stack.client.workflow.getHandle<typeof routeTask>(bulkItemWorkflowId(batchId, `item-${i}`)).result(),
      ),
    );
    assertEachTaskAssignedOnce(stack.emulator, results);
  });
});
