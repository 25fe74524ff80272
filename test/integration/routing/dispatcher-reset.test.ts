import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing-stack';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import { DEFAULT_CALL_CENTRE, EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { dispatcherWorkflowId } from '../../../src/shared/dispatcher-contract';
import { eventually } from '../../helpers/eventually';

const { EventType } = temporal.api.enums.v1;

describe('connectDispatcher terminated by an operator', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  // The README's recovery: `temporal workflow reset --type LastWorkflowTask` brings the line back.
  it('gets its line back when reset to its last workflow task, and every waiting task is assigned once', async () => {
    const tasks = 6;
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    const handles = await Promise.all(
      Array.from({ length: tasks }, (_, i) =>
        stack.startTask(`reset-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Reset ${i}` },
        }),
      ),
    );
    await eventually(
      'all tasks to wait',
      async () => (await stack.dispatcherStatus()).waitingCount === tasks,
    );

    const workflowId = dispatcherWorkflowId(stack.instanceId);
    const dispatcher = stack.client.workflow.getHandle(workflowId);
    await dispatcher.terminate('operator mistake');
    const history = await dispatcher.fetchHistory();
    const lastCompletedTask = [...(history.events ?? [])]
      .reverse()
      .find((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
    assert.ok(lastCompletedTask?.eventId, 'the terminated run completed a workflow task');
    const { runId: terminatedRunId } = await dispatcher.describe();
    const { runId: resetRunId } = await stack.client.workflowService.resetWorkflowExecution({
      namespace: stack.client.options.namespace,
      workflowExecution: { workflowId, runId: terminatedRunId },
      workflowTaskFinishEventId: lastCompletedTask.eventId,
      reason: 'bring the line back',
      requestId: randomUUID(),
    });
    assert.ok(resetRunId && resetRunId !== terminatedRunId);
    assert.equal((await dispatcher.describe()).status.name, 'RUNNING');
    assert.equal((await stack.dispatcherStatus()).waitingCount, tasks, 'the reset run has the whole line');

    for (const agent of DEFAULT_CALL_CENTRE.agents) stack.emulator.setAgentStatus(agent.id, 'Available');
    const results = await Promise.all(handles.map((handle) => handle.result()));

    assertEachTaskAssignedOnce(stack.emulator, results);
  });
});
