/**
 * Routing along Connect's documented paths, against the emulator strict to the documentation:
 * contacts queued before they are assigned, offers that agents accept, miss or reject, after-contact
 * work, and Connect's documented default rates.
 */
import assert from 'node:assert/strict';
import {
  DEFAULT_CALL_CENTRE,
  defaultContactFlowId,
  type EmulatorConfig,
  EVERYONE_OFFLINE,
} from '../../../src/dev/emulator';
import type { RouteTaskResult, RoutingStrategy } from '../../../src/shared/route-task-contract';
import { LOCAL_DISPATCHER_SETTINGS } from '../../../src/shared/dispatcher-contract';
import { eventually } from '../../helpers/eventually';
import { assertEachTaskAssignedOnce } from './assert-assigned-once';
import {
  ALICE,
  BILLING_QUEUE,
  BOB,
  type RoutingStack,
  startRoutingStack,
  SUPPORT_QUEUE,
} from './routing-stack';

const [BILLING_PROFILE, SUPPORT_PROFILE, BLENDED_PROFILE] = DEFAULT_CALL_CENTRE.routingProfiles.map(
  (profile) => profile.id,
);

/** Agents who answer quickly, so that a test is about routing and not about waiting. */
const QUICK: EmulatorConfig = {
  handleTimeMs: { min: 300, max: 1_000 },
  afterContactWorkMs: 200,
  missedContactClearMs: 1_000,
  offers: { acceptDelayMs: { min: 100, max: 400 }, timeoutMs: 1_500 },
};

type AgentConfig = NonNullable<EmulatorConfig['agents']>[number];

function agentsOf(profile: string, usernames: string[]): AgentConfig[] {
  return usernames.map((username) => ({
    id: `agent-${username}`,
    username,
    routingProfileId: profile,
    status: 'Available',
  }));
}

describe('routing along documented paths, with offers (strict emulator)', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  const strategies: [RoutingStrategy, object][] = [
    ['create-then-associate', {}],
    ['start-task-contact', { contactFlowId: defaultContactFlowId('Billing task flow') }],
    ['create-connected', {}],
  ];
  for (const [strategy, fields] of strategies) {
    it(`${strategy}: every task accepted once, no association refused, nothing routed by Connect`, async () => {
      stack = await startRoutingStack({ config: QUICK });
      const handles = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          stack.startTask(`${strategy}-${i}`, {
            queueId: BILLING_QUEUE,
            strategy,
            ...fields,
            contact: { name: `${strategy} ${i}`, attributes: { item: String(i) } },
          }),
        ),
      );
      const results = await Promise.all(handles.map((handle) => handle.result()));
      const ledger = assertEachTaskAssignedOnce(stack.emulator, results);
      assert.equal(ledger.connectRoutedContacts, 0);
      const usernames = new Map(DEFAULT_CALL_CENTRE.agents.map((agent) => [agent.id, agent.username]));
      for (const result of results) {
        assert.equal(result.offers.at(-1)?.agentName, usernames.get(result.userId!), 'offers name the agent');
      }
      if (strategy === 'create-then-associate') {
        assert.equal(ledger.transfers, results.length, 'each task queued through the transfer flow');
      }
    });
  }

  it('100 tasks, 8 agents, two missing half their offers and one rejecting 30%: each accepted exactly once', async function () {
    // Missed offers wait out Connect's 20 s accept timeout: a busy machine stretches the run.
    this.timeout(240_000);
    const agents = [
      ...agentsOf(BILLING_PROFILE, ['b0', 'b1', 'b2']),
      ...agentsOf(SUPPORT_PROFILE, ['s0', 's1', 's2']),
      ...agentsOf(BLENDED_PROFILE, ['x0', 'x1']),
    ];
    agents[0]!.offers = { missProbability: 0.5 };
    agents[3]!.offers = { missProbability: 0.5 };
    agents[6]!.offers = { rejectProbability: 0.3 };
    const missedAgentSkipMs = 20_000;
    stack = await startRoutingStack({
      config: { ...QUICK, agents },
      dispatcher: { missedAgentSkipMs },
      seed: 5,
    });
    const handles = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        stack.startTask(`offers-${i}`, {
          queueId: i % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
          contact: { name: `Offer ${i}`, attributes: { item: String(i) } },
        }),
      ),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));

    const ledger = assertEachTaskAssignedOnce(stack.emulator, results);
    // Which offers are refused depends on which agent each offer reaches (timing): require refusals, not each kind.
    assert.ok(ledger.misses + ledger.rejections > 0, 'the scenario refused offers');
    const refused = results.flatMap((result) =>
      result.offers.filter((offer) => offer.outcome === 'missed' || offer.outcome === 'rejected'),
    );
    const unanswered = results.flatMap((result) =>
      result.offers.filter((offer) => offer.outcome === 'unanswered'),
    );
    // A refusal the dispatcher did not see in time shows as unanswered (DescribeContact: not accepted).
    assert.equal(
      refused.length + unanswered.length,
      ledger.misses + ledger.rejections,
      'every refused offer is in a result',
    );
    for (const result of results) assertNoQuickReoffer(result, missedAgentSkipMs);
  });

  it('an agent who misses every offer holds no task past the accept timeout, and gets no more offers', async () => {
    const timeoutMs = 1_500;
    stack = await startRoutingStack({
      config: {
        ...QUICK,
        // Connect's default: the miss stays in sight long enough for a poll to see it.
        missedContactClearMs: 5_000,
        offers: { ...QUICK.offers, timeoutMs },
        agents: EVERYONE_OFFLINE.agents?.map((agent) =>
          agent.id === ALICE ? { ...agent, status: 'Available', offers: { missProbability: 1 } } : agent,
        ),
      },
    });
    const handles = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        stack.startTask(`missed-${i}`, { queueId: BILLING_QUEUE, contact: { name: `Missed ${i}` } }),
      ),
    );
    // Two misses in a row (the dispatcher's default), then nothing more for alice.
    await eventually('alice to have missed two offers', () => stack.emulator.ledger().misses >= 2, {
      timeoutMs: 30_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 3 * timeoutMs));
    assert.equal(stack.emulator.ledger().misses, 2, 'no offer to an agent who keeps missing');

    stack.emulator.setAgentStatus(BOB, 'Available');
    const results = await Promise.all(handles.map((handle) => handle.result()));
    assertEachTaskAssignedOnce(stack.emulator, results);
    assert.deepEqual(
      results.map((result) => result.userId),
      [BOB, BOB, BOB],
    );
    // A miss a poll did not catch in sight shows as unanswered (DescribeContact: not accepted).
    const missed = results.flatMap((result) =>
      result.offers.filter((offer) => offer.outcome === 'missed' || offer.outcome === 'unanswered'),
    );
    assert.equal(missed.length, 2);
    // The answer comes from the polls after Connect shows the miss, not after the dispatcher's own (much
    // longer) offerAnswerTimeoutMs.
    const { pollIntervalMs = 0, offerAnswerTimeoutMs = 0 } = LOCAL_DISPATCHER_SETTINGS;
    for (const offer of missed) {
      const heldMs = Date.parse(offer.answeredAt!) - Date.parse(offer.offeredAt);
      assert.ok(heldMs <= timeoutMs + 6 * pollIntervalMs, `a missed offer held its task ${heldMs} ms`);
      assert.ok(heldMs < offerAnswerTimeoutMs);
    }
  });

  it('offers nothing to an agent whose only slot after-contact work still holds', async () => {
    const afterContactWorkMs = 3_000;
    stack = await startRoutingStack({
      config: {
        ...QUICK,
        ...EVERYONE_OFFLINE,
        afterContactWorkMs,
        agents: EVERYONE_OFFLINE.agents?.map((agent) =>
          agent.id === ALICE ? { ...agent, status: 'Available' } : agent,
        ),
      },
    });
    const first = await stack.startTask('acw-first', { queueId: BILLING_QUEUE, contact: { name: 'First' } });
    const firstResult = await first.result();
    assert.equal(firstResult.userId, ALICE);
    const second = await stack.startTask('acw-second', {
      queueId: BILLING_QUEUE,
      contact: { name: 'Second' },
    });
    await stack.waitForStatus(second, (status) => status.lastDecision?.reason === 'no-free-slot');

    const completedAt = Date.now();
    stack.emulator.completeContact(firstResult.contactId!);
    const secondResult = await second.result();
    assert.equal(secondResult.userId, ALICE);
    const offeredAt = Date.parse(secondResult.offers[0]!.offeredAt);
    assert.ok(
      offeredAt >= completedAt + afterContactWorkMs,
      `offered ${offeredAt - completedAt} ms after the first task ended, inside its after-contact work`,
    );
    assertEachTaskAssignedOnce(stack.emulator, [firstResult, secondResult]);
  });
});

/** After an agent missed or rejected a task, the task is not offered to that agent again within the skip. */
function assertNoQuickReoffer(result: RouteTaskResult, skipMs: number): void {
  result.offers.forEach((offer, index) => {
    if (offer.outcome !== 'missed' && offer.outcome !== 'rejected') return;
    const refusedAt = Date.parse(offer.answeredAt!);
    const again = result.offers
      .slice(index + 1)
      .find((later) => later.userId === offer.userId && Date.parse(later.offeredAt) < refusedAt + skipMs);
    assert.equal(again, undefined, `${result.contactId} offered to ${offer.userId} again within the skip`);
  });
}
