import assert from 'node:assert/strict';
import {
  BILLING_QUEUE,
  type RoutingStack,
  startRoutingStack,
  startStackWorkerProcess,
  SUPPORT_QUEUE,
} from './routing-stack';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import type { WorkerProcess } from '../../../src/dev/worker-process';
import { eventually } from '../../helpers/eventually';

describe('routeTask when its worker is killed mid-run', () => {
  let stack: RoutingStack;
  const workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill()));
    await stack?.stop();
  });

  it('creates and assigns every task exactly once after SIGKILL and a fresh worker', async () => {
    const tasks = 24;
    // Slow Connect answers keep calls in flight, so the kill lands in the middle of some of them.
    const slow = { latencyMs: { min: 200, max: 700 } };
    stack = await startRoutingStack({
      inProcessWorker: false,
      config: {
        handleTimeMs: { min: 300, max: 900 },
        faults: { CreateContact: slow, AssociateContactWithUser: slow, DescribeContact: slow },
      },
    });
    const startWorker = async () => {
      const worker = await startStackWorkerProcess(stack);
      workers.push(worker);
      return worker;
    };

    const first = await startWorker();
    const handles = await Promise.all(
      Array.from({ length: tasks }, (_, i) =>
        stack.startTask(`killed-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Survivor ${i}`, attributes: { item: String(i) } },
        }),
      ),
    );
    await eventually(
      'three assignments before the kill',
      () => stack.emulator.ledger().assignments.length >= 3,
      {
        timeoutMs: 60_000,
        intervalMs: 50,
      },
    );
    await first.kill();
    const atKill = stack.emulator.ledger();
    assert.ok(atKill.assignments.length < tasks, 'the kill came before the work was done');

    await startWorker();
    const results = await Promise.all(handles.map((handle) => handle.result()));

    assertEachTaskAssignedOnce(stack.emulator, results);
  });
});
