import assert from 'node:assert/strict';
import { defaultContactFlowId, type Ledger } from '../../src/dev/emulator';
import type { WorkerProcess } from '../../src/dev/worker-process';
import { startBulkCreateTasks } from '../../src/client/bulk-create-client';
import { bulkItemWorkflowId } from '../../src/shared/bulk-create-contract';
import type { routeTask } from '../../workflows/route-task';
import { eventually } from '../helpers/eventually';
import { soakRandom } from '../helpers/soak-seed';
import { assertEachTaskAssignedOnce } from '../integration/routing/assert-assigned-once';
import {
  BILLING_QUEUE,
  type RoutingStack,
  startRoutingStack,
  startStackWorkerProcess,
  SUPPORT_QUEUE,
} from '../integration/routing/routing-stack';
import { QUICK_CALL_CENTRE } from '../integration/bulk/csv-batch-scenario';

const ITEMS = 1_000;
/**
 * Agents with many slots who finish a task in a few seconds: long enough for the dispatcher's polls to
 * see each offer answered, so that the batch, not the agents, sets the pace.
 */
const CALL_CENTRE = { ...QUICK_CALL_CENTRE, handleTimeMs: { min: 1_000, max: 3_000 } };
const KILLS = 3;
/** Each item counts twice on the way: its contact created, then accepted by an agent. */
const progressOf = (ledger: Ledger) => ledger.contactsCreated + ledger.acceptedAssignments;

/**
 * When to kill: one point drawn in each of `KILLS` equal bands between 5% and 90% of the work, so
 * that the kills fall early, midway and late, at moments that differ from run to run.
 */
function killPoints(): number[] {
  const random = soakRandom('bulk worker kill points');
  const [from, to] = [0.05 * 2 * ITEMS, 0.9 * 2 * ITEMS];
  const band = (to - from) / KILLS;
  return Array.from({ length: KILLS }, (_, k) => Math.round(from + band * (k + random.next())));
}

describe('bulkCreateTasks when its worker is killed mid-batch', () => {
  let stack: RoutingStack;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await stack?.stop();
  });

  it(`creates and assigns each of ${ITEMS} items exactly once through ${KILLS} SIGKILLs and fresh workers`, async function () {
    this.timeout(900_000);
    // Slow Connect answers keep calls in flight, so the kill lands in the middle of some of them.
    const slow = { latencyMs: { min: 100, max: 400 } };
    stack = await startRoutingStack({
      inProcessWorker: false,
      config: { ...CALL_CENTRE, faults: { CreateContact: slow, AssociateContactWithUser: slow } },
    });
    const startWorker = async () => {
      const worker = await startStackWorkerProcess(stack);
      workers.push(worker);
      return worker;
    };
    let worker = await startWorker();
    const startedAt = Date.now();
    const batchId = `killed-${stack.instanceId}`;
    const handle = await startBulkCreateTasks(
      stack.client,
      {
        batchId,
        items: Array.from({ length: ITEMS }, (_, i) => ({
          key: `item-${i}`,
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Survivor ${i}`, attributes: { item: String(i) } },
        })),
        defaults: { instanceId: stack.instanceId, transferFlowId: defaultContactFlowId('Transfer to queue') },
        maxConcurrent: 100,
      },
      { taskQueue: stack.taskQueue, workflowId: `bulk-batch/${batchId}` },
    );

    for (const [kill, point] of killPoints().entries()) {
      await eventually(
        `${point} of ${2 * ITEMS} steps done before kill ${kill + 1}`,
        () => progressOf(stack.emulator.ledger()) >= point,
        { timeoutMs: 300_000, intervalMs: 20 },
      );
      await worker.kill();
      const ledger = stack.emulator.ledger();
      console.log(
        `      kill ${kill + 1} at ${point} steps, ${Math.round((Date.now() - startedAt) / 1000)} s in: ` +
          `${ledger.contactsCreated} created, ${ledger.acceptedAssignments} accepted`,
      );
      assert.ok(progressOf(ledger) < 2 * ITEMS, 'the kill came before the work was done');
      worker = await startWorker();
    }

    const result = await handle.result();
    assert.equal(result.counts.assigned, ITEMS);
    assert.equal(result.created, ITEMS);
    // Each child's result: it completed (a failed or terminated run throws here), and how.
    const results = await Promise.all(
      Array.from({ length: ITEMS }, (_, i) =>
        stack.client.workflow.getHandle<typeof routeTask>(bulkItemWorkflowId(batchId, `item-${i}`)).result(),
      ),
    );
    assertEachTaskAssignedOnce(stack.emulator, results);
  });
});
