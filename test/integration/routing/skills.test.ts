import assert from 'node:assert/strict';
import { EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import type { RoutingCriteria } from '../../../src/shared/routing-criteria';
import { ALICE, BILLING_QUEUE, BOB, ERIN, type RoutingStack, startRoutingStack } from './routing-stack';

const spanish = (proficiencyLevel: number) => ({
  attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel },
});

describe('routeTask: skills (routing criteria and agent proficiencies)', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  /** Alice speaks Spanish at 4, Bob at 2, Erin not at all; all three serve Billing; all start Offline. */
  async function start(): Promise<void> {
    const levels: Record<string, number> = { [ALICE]: 4, [BOB]: 2 };
    stack = await startRoutingStack({
      config: {
        ...EVERYONE_OFFLINE,
        predefinedAttributes: { Language: ['Spanish', 'French'] },
        agents: EVERYONE_OFFLINE.agents!.map((agent) => ({
          ...agent,
          proficiencies:
            levels[agent.id] === undefined
              ? []
              : [{ name: 'Language', value: 'Spanish', level: levels[agent.id]! }],
        })),
      },
      // Read every agent's proficiencies within a round or two (the test account's List* quota is 20/s).
      dispatcher: { skillReadsPerSecond: 10 },
    });
  }

  it('offers a task only to an agent with the skill at the level, and says why it waits meanwhile', async () => {
    await start();
    stack.emulator.setAgentStatus(BOB, 'Available');
    stack.emulator.setAgentStatus(ERIN, 'Available');
    const routingCriteria: RoutingCriteria = { steps: [{ expression: spanish(3) }] };
    const handle = await stack.startTask('needs-spanish-3', {
      queueId: BILLING_QUEUE,
      routingCriteria,
      contact: { name: 'needs Spanish 3' },
    });
    // Only Alice has Spanish ≥ 3, and she is Offline.
    const waiting = await stack.waitForStatus(
      handle,
      (status) => status.lastDecision?.reason === 'no-agent-in-allowed-status',
    );
    assert.deepEqual(waiting.routingStep, { step: 1, of: 1, requirement: 'Language: Spanish ≥ 3' });
    assert.equal(
      waiting.lastDecision!.explanation,
      'Step 1 of 1 (Language: Spanish ≥ 3, never expires): No agent with the skills is in an allowed status (Available).',
    );

    stack.emulator.setAgentStatus(ALICE, 'Available');
    const result = await handle.result();
    assert.equal(result.outcome, 'assigned');
    assert.equal(result.userId, ALICE);
    assert.deepEqual(
      stack.emulator.ledger().assignments.map((assignment) => assignment.userId),
      [ALICE],
      'no one else was ever offered it',
    );
  });

  it('widens when a step expires, to the next step and then to any agent of the queue', async () => {
    await start();
    stack.emulator.setAgentStatus(BOB, 'Available');
    const stepSeconds = 6;
    const handle = await stack.startTask('widening', {
      queueId: BILLING_QUEUE,
      routingCriteria: { steps: [{ expression: spanish(4), expirySeconds: stepSeconds }] },
      contact: { name: 'Spanish 4 first' },
    });
    const first = await stack.waitForStatus(handle, (status) => status.routingStep?.step === 1);
    assert.equal(first.routingStep?.requirement, 'Language: Spanish ≥ 4');
    const result = await handle.result();
    assert.equal(result.userId, BOB, 'once the step expired, any agent of the queue');
    const createdAt = Date.parse(result.createdAt!);
    assert.ok(
      Date.parse(result.assignedAt!) >= createdAt + stepSeconds * 1000,
      `accepted at ${result.assignedAt}, before the step expired (created ${result.createdAt})`,
    );
  });

  it('reports criteria nobody can meet as such, and ends the task at its deadline', async () => {
    await start();
    for (const agent of [ALICE, BOB, ERIN]) stack.emulator.setAgentStatus(agent, 'Available');
    const handle = await stack.startTask('needs-french', {
      queueId: BILLING_QUEUE,
      routingCriteria: {
        steps: [
          { expression: { attributeCondition: { name: 'Language', value: 'French', proficiencyLevel: 1 } } },
        ],
      },
      deadlineSeconds: 12,
      contact: { name: 'needs French' },
    });
    const waiting = await stack.waitForStatus(
      handle,
      (status) => status.lastDecision?.reason === 'no-agent-meets-criteria',
    );
    assert.match(waiting.lastDecision!.explanation, /any later one, and the last step never expires/);
    const result = await handle.result();
    assert.equal(result.outcome, 'deadline');
    assert.deepEqual(stack.emulator.ledger().assignments, []);
  });
});
