import assert from 'node:assert/strict';
import { runDemo } from '../../src/dev/demo/run-demo';
import { demoSucceeded, formatDemoReport } from '../../src/dev/demo/report';
import { dispatcherWorkflowId } from '../../src/shared/dispatcher-contract';
import { sharedTestEnv, uniqueTaskQueue } from '../helpers/temporal';

describe('the demo (on the shared dev server)', () => {
  it('routes every task, breaks no ledger invariant, and leaves no dispatcher running', async () => {
    const env = await sharedTestEnv();
    const instanceId = `demo-test-${process.pid}-${Date.now().toString(36)}`;
    const report = await runDemo({
      client: env.client,
      connection: env.nativeConnection,
      taskQueue: uniqueTaskQueue('demo'),
      instanceId,
      // One more task than the agents online at the start have slots, so one must wait.
      tasks: 8,
      seed: 7,
      timeoutMs: 60_000,
    });

    assert.deepEqual(
      report.tasks.map((task) => [task.workflowId.split('/').pop(), task.outcome]),
      report.tasks.map((_, index) => [`task-${index + 1}`, 'assigned']),
    );
    for (const task of report.tasks) {
      assert.equal(
        task.result?.offers.at(-1)?.outcome,
        'accepted',
        `${task.workflowId} ended assigned without an accepted offer`,
      );
      assert.ok(task.result?.userId, `${task.workflowId} has no agent`);
    }
    assert.equal(report.ledger.contactsCreated, 8);
    assert.equal(report.ledger.assignments.length, 8);
    assert.deepEqual(
      {
        duplicateCreations: report.ledger.duplicateCreations,
        overCapacityAssignments: report.ledger.overCapacityAssignments,
        doubleAssignments: report.ledger.doubleAssignments,
      },
      { duplicateCreations: 0, overCapacityAssignments: 0, doubleAssignments: 0 },
    );
    assert.ok(demoSucceeded(report));

    const summary = formatDemoReport(report, 'http://127.0.0.1:8233/namespaces/default/workflows');
    assert.match(summary, /Routed 8 tasks in [\d.]+ s: 8 assigned/);
    assert.match(summary, /doubleAssignments: 0\n/);

    const dispatcher = await env.client.workflow.getHandle(dispatcherWorkflowId(instanceId)).describe();
    assert.equal(dispatcher.status.name, 'TERMINATED');
  });
});
