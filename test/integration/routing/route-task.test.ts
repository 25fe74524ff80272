import assert from 'node:assert/strict';
import { EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import {
  ConnectAgentId,
  ConnectContactId,
  RoutingStage,
  TaskPriority,
} from '../../../src/shared/search-attributes';
import { dispatcherWorkflowId, explainTaskQuery } from '../../../src/shared/dispatcher-contract';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import { ALICE, BILLING_QUEUE, type RoutingStack, startRoutingStack, SUPPORT_QUEUE } from './routing-stack';

describe('routeTask against the Connect emulator', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  it('waits while no agent can take the task, then assigns it within a polling round of one becoming Available', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    // Auto-accept, so the count of polls measures routing, not how long Alice takes to answer.
    stack.emulator.setAgentOffers(ALICE, { autoAccept: true });
    const handle = await stack.startTask('happy-path', {
      queueId: BILLING_QUEUE,
      priority: 3,
      contact: { name: 'Call back Mrs Example', attributes: { ticket: 'T-1' } },
    });

    const waiting = await stack.waitForStatus(handle, (status) => status.lastDecision !== undefined);
    assert.equal(waiting.stage, 'waiting-for-agent');
    assert.equal(waiting.lastDecision?.reason, 'no-agent-in-allowed-status');
    assert.match(waiting.lastDecision?.explanation ?? '', /allowed status \(Available\)/);
    assert.ok(waiting.contactId, 'the contact exists in Connect while the task waits');
    const waitingAttributes = (await handle.describe()).typedSearchAttributes;
    assert.equal(waitingAttributes.get(RoutingStage), 'waiting-for-agent');
    assert.equal(waitingAttributes.get(ConnectContactId), waiting.contactId);
    assert.equal(waitingAttributes.get(TaskPriority), 3);
    const explained = await stack.client.workflow
      .getHandle(dispatcherWorkflowId(stack.instanceId))
      .query(explainTaskQuery, handle.workflowId);
    assert.equal(explained.state, 'waiting');
    assert.equal(explained.position, 1);
    assert.equal(explained.decision?.reason, 'no-agent-in-allowed-status');

    const pollsBefore = (await stack.dispatcherStatus()).pollCount;
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const result = await handle.result();
    const pollsAfter = (await stack.dispatcherStatus()).pollCount;

    assert.equal(result.outcome, 'assigned');
    assert.equal(result.userId, ALICE);
    assert.equal(result.contactId, waiting.contactId);
    assert.deepEqual(
      result.offers.map((offer) => [offer.userId, offer.contactId, offer.outcome]),
      [[ALICE, waiting.contactId, 'accepted']],
      'assigned means Connect showed the agent accepted',
    );
    assert.equal(result.reservationsTried, 1);
    // One poll may already be in flight when she changes, one sees her Available, one sees her accept.
    assert.ok(pollsAfter - pollsBefore <= 3, `assigned after ${pollsAfter - pollsBefore} polls`);
    assert.ok((result.waitedMs ?? -1) >= 0);
    assert.equal(result.attemptsByActivity.createIntoLine, 1);
    assert.equal(result.attemptsByActivity.associateContactWithUser, 1);

    const finalAttributes = (await handle.describe()).typedSearchAttributes;
    assert.equal(finalAttributes.get(RoutingStage), 'assigned');
    assert.equal(finalAttributes.get(ConnectAgentId), ALICE);
    const ledger = stack.emulator.ledger();
    assert.equal(ledger.assignments.length, 1);
    assert.equal(ledger.overCapacityAssignments, 0);
    assert.equal(ledger.contactsCreated, 1);
  });

  it('assigns 60 tasks to 6 agents of mixed TASK concurrency exactly once, never over capacity', async () => {
    stack = await startRoutingStack({ config: { handleTimeMs: { min: 100, max: 500 } } });
    const handles = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        stack.startTask(`bulk-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Task ${i}`, attributes: { item: String(i) } },
        }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));

    assertEachTaskAssignedOnce(stack.emulator, results);
    assert.equal(new Set(results.map((result) => result.contactId)).size, 60);
  });
});
