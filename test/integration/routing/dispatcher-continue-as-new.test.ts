import assert from 'node:assert/strict';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing-stack';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import { DEFAULT_CALL_CENTRE, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { eventually } from '../../helpers/eventually';

describe('connectDispatcher continue-as-new', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  it('carries its waiting tasks across runs and worker restarts: none lost, none assigned twice', async () => {
    const tasks = 20;
    // A few dozen events per run: with tasks waiting and polls every 500 ms, it continues-as-new every few seconds.
    stack = await startRoutingStack({
      config: { ...EVERYONE_OFFLINE, handleTimeMs: { min: 100, max: 400 } },
      dispatcher: { continueAsNewAfterEvents: 40 },
    });
    const handles = await Promise.all(
      Array.from({ length: tasks }, (_, i) =>
        stack.startTask(`carried-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          priority: 1 + (i % 3),
          contact: { name: `Carried ${i}` },
        }),
      ),
    );
    await eventually(
      'all tasks to wait',
      async () => (await stack.dispatcherStatus()).waitingCount === tasks,
    );
    const runsBefore = (await stack.dispatcherStatus()).runsSoFar;
    await stack.restartWorker();
    await eventually(
      'two more runs',
      async () => (await stack.dispatcherStatus()).runsSoFar >= runsBefore + 2,
      {
        timeoutMs: 60_000,
      },
    );
    const carried = await stack.dispatcherStatus();
    assert.equal(carried.waitingCount, tasks, 'every task still waits after continue-as-new and a restart');

    for (const agent of DEFAULT_CALL_CENTRE.agents) stack.emulator.setAgentStatus(agent.id, 'Available');
    const results = await Promise.all(handles.map((handle) => handle.result()));

    assertEachTaskAssignedOnce(stack.emulator, results);
    const finalStatus = await stack.dispatcherStatus();
    assert.ok(finalStatus.runsSoFar >= 3, `only ${finalStatus.runsSoFar} runs`);
    assert.equal(finalStatus.waitingCount, 0);
  });
});
