import assert from 'node:assert/strict';
import { EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { ALICE, BILLING_QUEUE, type RoutingStack, startRoutingStack } from './routing-stack';
import { cancelRouteTaskSignal } from '../../../src/shared/route-task-contract';
import type { RouteTaskResult } from '../../../src/shared/route-task-contract';

describe('routeTask: cancellation, deadline and expiry stop the contact', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  /** The contact has ended in Connect, stopped by the API, and the dispatcher no longer holds the task. */
  async function assertStopped(result: RouteTaskResult, disconnectReason = 'API'): Promise<void> {
    const contact = stack.emulator.snapshot().contacts.find(({ id }) => id === result.contactId);
    assert.ok(contact, `contact ${result.contactId} not in the emulator`);
    assert.equal(contact.disconnectReason, disconnectReason);
    assert.equal(stack.emulator.ledger().assignments.length, 0);
    assert.equal((await stack.dispatcherStatus()).waitingCount, 0);
    assert.equal(result.attemptsByActivity.stopContact, 1);
  }

  async function startWaiting(
    name: string,
    extra: { deadlineSeconds?: number; expiryMinutes?: number } = {},
  ) {
    const handle = await stack.startTask(name, {
      queueId: BILLING_QUEUE,
      deadlineSeconds: extra.deadlineSeconds,
      contact: { name, expiryDurationInMinutes: extra.expiryMinutes },
    });
    await stack.waitForStatus(handle, (status) => status.stage === 'waiting-for-agent');
    return handle;
  }

  it('the cancel signal', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    const handle = await startWaiting('cancel-signal');
    await handle.signal(cancelRouteTaskSignal, { reason: 'customer called back' });
    const result = await handle.result();
    assert.equal(result.outcome, 'cancelled');
    assert.equal(result.reason, 'customer called back');
    await assertStopped(result);
  });

  it('cancelling the workflow', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    const handle = await startWaiting('cancel-workflow');
    await handle.cancel();
    const result = await handle.result();
    assert.equal(result.outcome, 'cancelled');
    await assertStopped(result);
  });

  it('the deadline', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    const handle = await startWaiting('deadline', { deadlineSeconds: 2 });
    const result = await handle.result();
    assert.equal(result.outcome, 'deadline');
    await assertStopped(result);
    // An agent freed afterwards gets nothing from this task.
    stack.emulator.setAgentStatus(ALICE, 'Available');
    assert.equal(stack.emulator.ledger().assignments.length, 0);
  });

  it("the contact's expiry (Connect's shortest: one minute)", async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    const handle = await startWaiting('expiry', { expiryMinutes: 1 });
    const result = await handle.result();
    assert.equal(result.outcome, 'expired');
    const contact = stack.emulator.snapshot().contacts.find(({ id }) => id === result.contactId);
    // Whichever came first, Connect's expiry or the workflow's StopContact, the contact has ended.
    assert.ok(contact?.disconnectedAt, 'the contact ended in Connect');
    assert.equal((await stack.dispatcherStatus()).waitingCount, 0);
    assert.equal(stack.emulator.ledger().assignments.length, 0);
  });

  it('a contact that ended in Connect while waiting (found out on its next reservation)', async () => {
    // One emulated minute lasts 200 ms here: the contact expires in Connect long before the workflow's timer.
    stack = await startRoutingStack({ config: { ...EVERYONE_OFFLINE, minuteMs: 200 } });
    const handle = await stack.startTask('ended-in-connect', {
      queueId: BILLING_QUEUE,
      contact: { name: 'ends early', expiryDurationInMinutes: 10 },
    });
    await stack.waitForStatus(handle, (status) => status.stage === 'waiting-for-agent');
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const result = await handle.result();
    assert.equal(result.outcome, 'expired');
    assert.equal(result.reservationsTried, 1);
    assert.equal(stack.emulator.ledger().assignments.length, 0);
    assert.equal((await stack.dispatcherStatus()).waitingCount, 0);
  });
});
