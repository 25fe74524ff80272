import assert from 'node:assert/strict';
import { EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import {
  ALICE,
  BILLING_QUEUE,
  BOB,
  ERIN,
  FRANK,
  type RoutingStack,
  startRoutingStack,
} from './routing-stack';
import { eventually } from '../../helpers/eventually';
import {
  reprioritizeUpdate,
  routeTaskStatusQuery,
  setPreferredAgentsUpdate,
} from '../../../src/shared/route-task-contract';

describe('routeTask: order and eligibility', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  function waitingInLine(names: string[]): Promise<void> {
    return eventually(
      `${names.join(', ')} all waiting`,
      async () => (await stack.dispatcherStatus()).waitingCount === names.length,
    );
  }

  it('gives a freed slot to the lowest priority number first, then to the oldest task', async () => {
    // The test completes each contact at once, before any poll shows it on the agent: the dispatcher
    // then holds the slot for the catch-up window, kept short here.
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE, dispatcher: { catchUpMs: 1_000 } });
    const start = (name: string, priority: number) =>
      stack.startTask(name, { queueId: BILLING_QUEUE, priority, contact: { name } });
    // Started one after the other so that their ages in the line differ.
    const older = await start('older', 5);
    await waitingInLine(['older']);
    const newer = await start('newer', 5);
    await waitingInLine(['older', 'newer']);
    const urgent = await start('urgent', 1);
    await waitingInLine(['older', 'newer', 'urgent']);

    // Alice has one TASK slot: each completion frees it for exactly the next task in line.
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const order: string[] = [];
    for (const [name, handle] of [
      ['urgent', urgent],
      ['older', older],
      ['newer', newer],
    ] as const) {
      const result = await handle.result();
      assert.equal(result.userId, ALICE, `${name} went to ${result.userId}`);
      order.push(name);
      stack.emulator.completeContact(result.contactId!);
    }
    assert.deepEqual(
      stack.emulator.ledger().assignments.map((assignment) => assignment.contactId),
      await Promise.all([urgent, older, newer].map(async (handle) => (await handle.result()).contactId)),
    );
    assert.deepEqual(order, ['urgent', 'older', 'newer']);
  });

  it('waits for a preferred agent until the widening delay, then takes any eligible agent', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const preferBob = await stack.startTask('prefer-bob', {
      queueId: BILLING_QUEUE,
      preferredAgentIds: [BOB],
      // Long enough for a new dispatcher's first round (poll, routing profiles, names) on a busy machine.
      widenAfterSeconds: 6,
      contact: { name: 'prefer bob' },
    });
    const waiting = await stack.waitForStatus(preferBob, (status) => status.lastDecision !== undefined);
    assert.equal(waiting.lastDecision?.reason, 'waiting-for-preferred-agents');
    assert.ok(waiting.widensAt);

    const result = await preferBob.result();
    assert.equal(result.userId, ALICE, 'after widening, the free non-preferred agent takes it');
    assert.ok(
      Date.parse(result.assignedAt!) >= Date.parse(waiting.widensAt),
      `assigned at ${result.assignedAt}, before widening at ${waiting.widensAt}`,
    );

    // Preferred and free: the preferred agent wins over a longer-idle one.
    stack.emulator.setAgentStatus(ERIN, 'Available');
    stack.emulator.setAgentStatus(FRANK, 'Available');
    const preferFrank = await stack.startTask('prefer-frank', {
      queueId: BILLING_QUEUE,
      preferredAgentIds: [FRANK],
      contact: { name: 'prefer frank' },
    });
    assert.equal((await preferFrank.result()).userId, FRANK);
  });

  it('takes a new priority and new preferred agents while waiting, and refuses invalid ones before history', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    const first = await stack.startTask('first-in', {
      queueId: BILLING_QUEUE,
      excludedAgentIds: [FRANK],
      contact: { name: 'first in' },
    });
    const second = await stack.startTask('second-in', {
      queueId: BILLING_QUEUE,
      contact: { name: 'second in' },
    });
    await waitingInLine(['first-in', 'second-in']);

    assert.equal(await second.executeUpdate(reprioritizeUpdate, { args: [{ priority: 1 }] }), 1);
    await assert.rejects(
      first.executeUpdate(reprioritizeUpdate, { args: [{ priority: 0 }] }),
      (error: Error) => /priority/.test(`${error.message} ${String(error.cause)}`),
    );
    await assert.rejects(
      first.executeUpdate(setPreferredAgentsUpdate, { args: [{ preferredAgentIds: [FRANK] }] }),
      (error: Error) => /must not share agents/.test(`${error.message} ${String(error.cause)}`),
    );
    // Bob takes the reprioritized task, though the other one is older.
    stack.emulator.setAgentStatus(BOB, 'Available');
    assert.equal((await second.result()).userId, BOB);

    const preferred = await first.executeUpdate(setPreferredAgentsUpdate, {
      args: [{ preferredAgentIds: [ALICE], widenAfterSeconds: 300 }],
    });
    assert.deepEqual(preferred.preferredAgentIds, [ALICE]);
    stack.emulator.setAgentStatus(ERIN, 'Available');
    const waiting = await stack.waitForStatus(
      first,
      (status) => status.lastDecision?.reason === 'waiting-for-preferred-agents',
    );
    assert.equal(waiting.priority, 5, 'the refused update left the priority alone');
    const pollsNow = (await stack.dispatcherStatus()).pollCount;
    await eventually(
      'two more polls',
      async () => (await stack.dispatcherStatus()).pollCount >= pollsNow + 2,
    );
    assert.equal(
      (await first.query(routeTaskStatusQuery)).stage,
      'waiting-for-agent',
      'Erin is free but not preferred',
    );
    stack.emulator.setAgentStatus(ALICE, 'Available');
    assert.equal((await first.result()).userId, ALICE);
    const updatesInHistory = (await first.fetchHistory()).events?.filter(
      (event) => event.workflowExecutionUpdateAcceptedEventAttributes,
    );
    assert.equal(updatesInHistory?.length, 1, 'only the valid update entered history');
  });

  it('never offers a task to an excluded agent', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    stack.emulator.setAgentStatus(ALICE, 'Available');
    const handle = await stack.startTask('not-alice', {
      queueId: BILLING_QUEUE,
      excludedAgentIds: [ALICE],
      contact: { name: 'not for alice' },
    });
    const waiting = await stack.waitForStatus(handle, (status) => status.lastDecision !== undefined);
    assert.equal(waiting.lastDecision?.reason, 'all-eligible-agents-excluded');

    stack.emulator.setAgentStatus(BOB, 'Available');
    const result = await handle.result();
    assert.equal(result.userId, BOB);
    assert.equal(result.reservationsTried, 1);
  });

  it('takes agents in the custom statuses a task allows, and only those', async () => {
    stack = await startRoutingStack({ config: EVERYONE_OFFLINE });
    stack.emulator.setAgentStatus(ALICE, 'Lunch');
    stack.emulator.setAgentStatus(BOB, 'Training');
    const trainingOnly = await stack.startTask('training', {
      queueId: BILLING_QUEUE,
      allowedStatuses: ['Training'],
      contact: { name: 'for agents in training' },
    });
    const byDefault = await stack.startTask('default-statuses', {
      queueId: BILLING_QUEUE,
      contact: { name: 'for available agents' },
    });

    assert.equal((await trainingOnly.result()).userId, BOB);
    const waiting = await stack.waitForStatus(byDefault, (status) => status.lastDecision !== undefined);
    assert.equal(waiting.lastDecision?.reason, 'no-agent-in-allowed-status');
    assert.equal(waiting.stage, 'waiting-for-agent');
    const [assignment] = stack.emulator.ledger().assignments;
    assert.equal(assignment.agentStatus, 'Training');
    assert.equal(stack.emulator.ledger().assignments.length, 1, 'the Lunch agent took nothing');
    await byDefault.cancel();
  });
});
