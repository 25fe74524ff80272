import assert from 'node:assert/strict';
import { EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import { ALICE, BILLING_QUEUE, type RoutingStack, startRoutingStack } from './routing-stack';

describe('the push path: agent events wake the dispatcher', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  it('assigns a waiting task when an agent event arrives, without waiting for the next poll', async () => {
    // A poll interval far longer than the test: only the forwarded agent event can explain the assignment.
    stack = await startRoutingStack({
      config: EVERYONE_OFFLINE,
      dispatcher: { pollIntervalMs: 600_000 },
      push: true,
    });
    const handle = await stack.startTask('pushed', { queueId: BILLING_QUEUE, contact: { name: 'pushed' } });
    await stack.waitForStatus(
      handle,
      (status) => status.lastDecision?.reason === 'no-agent-in-allowed-status',
    );
    const pollsBefore = (await stack.dispatcherStatus()).pollCount;

    stack.emulator.setAgentStatus(ALICE, 'Available');
    const result = await handle.result();

    assert.equal(result.outcome, 'assigned');
    assert.equal(result.userId, ALICE);
    assert.equal((await stack.dispatcherStatus()).pollCount, pollsBefore, 'no poll happened in between');
  });
});
