import assert from 'node:assert/strict';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing-stack';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import { DEFAULT_CALL_CENTRE, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { getQueueStatistics } from '../../../src/client/dispatcher-client';
import { dispatcherWorkflowId } from '../../../src/shared/dispatcher-contract';
import { eventually } from '../../helpers/eventually';

describe('connectDispatcher continue-as-new', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  it('carries a line longer than its carried limit, in line segments, across runs and a worker restart: none lost, none assigned twice', async function () {
    this.timeout(240_000);
    const tasks = 48;
    // Limits lowered so that 48 tasks need what 50,000 need at the defaults: a head of 4 per class,
    // at most 16 tasks carried in the next run's input, about 10 per line segment.
    stack = await startRoutingStack({
      config: {
        ...EVERYONE_OFFLINE,
        handleTimeMs: { min: 100, max: 400 },
        afterContactWorkMs: 100,
        offers: { autoAccept: true },
      },
      dispatcher: {
        continueAsNewAfterEvents: 60,
        lineHeadPerClass: 4,
        carriedLineMaxBytes: 2_500,
        lineSegmentMaxBytes: 1_200,
        // The test account's associate quota: offers are not paced at Connect's default 2/s.
        offersPerSecond: 20,
        offerBurst: 20,
      },
    });
    const handles = await Promise.all(
      Array.from({ length: tasks }, (_, i) =>
        stack.startTask(`segmented-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          priority: 1 + (i % 3),
          contact: { name: `Segmented ${i}` },
        }),
      ),
    );
    await eventually(
      'all tasks to wait, most of them in line segments',
      async () => {
        const status = await stack.dispatcherStatus();
        return status.waitingCount === tasks && (status.carriedCount ?? 0) > tasks / 2;
      },
      { timeoutMs: 90_000 },
    );
    // The queue statistics count what the segments hold, and know each priority's oldest task.
    const statistics = await getQueueStatistics(stack.client, stack.instanceId);
    assert.deepEqual(
      statistics.queues.map(({ queueId, priorities }) => [
        queueId,
        priorities.map((figures) => [
          figures.priority,
          figures.waiting,
          figures.oldestWaitingSince !== undefined,
        ]),
      ]),
      [BILLING_QUEUE, SUPPORT_QUEUE].map((queueId) => [
        queueId,
        [1, 2, 3].map((priority) => [priority, 8, true]),
      ]),
    );
    const before = await stack.dispatcherStatus();
    await stack.restartWorker();
    await eventually(
      'two more runs',
      async () => (await stack.dispatcherStatus()).runsSoFar >= before.runsSoFar + 2,
      { timeoutMs: 60_000 },
    );
    assert.equal((await stack.dispatcherStatus()).waitingCount, tasks, 'none lost across runs and a restart');

    for (const agent of DEFAULT_CALL_CENTRE.agents) stack.emulator.setAgentStatus(agent.id, 'Available');
    const results = await Promise.all(handles.map((handle) => handle.result()));
    assertEachTaskAssignedOnce(stack.emulator, results);

    const after = await stack.dispatcherStatus();
    assert.equal(after.waitingCount, 0);
    assert.equal(after.lineSegments, 0, 'every segment was asked back');
    const dispatcherId = dispatcherWorkflowId(stack.emulator.instanceId);
    const segments: string[] = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowType = 'connectLineSegment'` })) {
      if (!run.workflowId.startsWith(`${dispatcherId}/line/`)) continue;
      segments.push(run.workflowId);
      assert.equal(run.status.name, 'COMPLETED', `${run.workflowId} gave its tasks back and ended`);
    }
    assert.ok(segments.length >= 3, `${segments.length} line segments`);
  });
});
