/**
 * The dispatcher's queue statistics against a scripted day at the call centre: tasks wait with every
 * agent offline, agents log in and get offers that the test accepts one by one through the
 * emulator's admin API, so that each figure is known. Counts (waiting, assigned, agents available,
 * offered and busy) are checked exactly, waits within a tolerance: the dispatcher times an acceptance
 * from its own round, the task from the verdict it is sent.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle } from '@temporalio/client';
import { getQueueStatistics } from '../../../src/client/dispatcher-client';
import { EVERYONE_OFFLINE } from '../../../src/dev/emulator';
import {
  type QueueAgents,
  type QueueStatistics,
  queueStatisticsSchema,
} from '../../../src/shared/dispatcher-contract';
import type { RouteTaskResult } from '../../../src/shared/route-task-contract';
import type { routeTask } from '../../../workflows/route-task';
import { waitUntil } from '../../helpers/eventually';
import {
  ALICE,
  BILLING_QUEUE,
  BOB,
  ERIN,
  type RoutingStack,
  startRoutingStack,
  SUPPORT_QUEUE,
} from './routing-stack';

const SERVICE_LEVEL_MS = 10_000;
/** A task's wait as the dispatcher counts it and as its result says differ by a signal's way. */
const WAIT_TOLERANCE_MS = 2_000;

/** The counts of an answer: per queue, its agents (polled queues only) and, per priority, waiting and assigned. */
interface QueueCounts {
  queueId: string;
  agents?: QueueAgents;
  priorities: { priority: number; waiting: number; assigned: number }[];
}

function counts(statistics: QueueStatistics): QueueCounts[] {
  return statistics.queues.map(({ queueId, agents, priorities }) => ({
    queueId,
    ...(agents ? { agents } : {}),
    priorities: priorities.map(({ priority, waiting, assigned }) => ({ priority, waiting, assigned })),
  }));
}

function figuresOf(statistics: QueueStatistics, queueId: string, priority: number) {
  const figures = statistics.queues
    .find((queue) => queue.queueId === queueId)
    ?.priorities.find((row) => row.priority === priority);
  assert.ok(figures, `${queueId} priority ${priority} in ${JSON.stringify(statistics)}`);
  return figures;
}

function assertWaitNear(actual: number | undefined, expected: number, what: string): void {
  assert.ok(
    actual !== undefined && actual <= expected && actual >= expected - WAIT_TOLERANCE_MS,
    `${what}: ${actual} ms, the tasks say ${expected} ms`,
  );
}

describe('queue statistics (the dispatcher on the emulator, offers accepted one by one)', () => {
  let stack: RoutingStack;
  afterEach(() => stack?.stop());

  it('counts waiting tasks, offers, assignments and agents exactly, and times waits and the service level', async function () {
    this.timeout(90_000);
    stack = await startRoutingStack({
      config: {
        ...EVERYONE_OFFLINE,
        // Nobody answers an offer by themselves: the test accepts each one.
        offers: { autoAccept: false, acceptDelayMs: 600_000, timeoutMs: 600_000 },
      },
      dispatcher: {
        serviceLevelMs: SERVICE_LEVEL_MS,
        offerAnswerTimeoutMs: 120_000,
        // A few runs during the test: the window must be carried across them.
        continueAsNewAfterEvents: 150,
      },
    });
    let last: QueueStatistics | undefined;
    const statistics = () => getQueueStatistics(stack.client, stack.instanceId);
    /** Polls the answer until its counts are `expected`; the answer is valid by the query's schema. */
    const untilCounts = (what: string, expected: QueueCounts[]) =>
      waitUntil(
        () => `${what}: ${JSON.stringify(last && counts(last))}`,
        async () => {
          last = await statistics().catch(() => undefined);
          if (!last || JSON.stringify(counts(last)) !== JSON.stringify(expected)) return undefined;
          return queueStatisticsSchema.parse(last);
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
    const start = (name: string, queueId: string, priority: number, excludedAgentIds: string[] = []) =>
      stack.startTask(name, { queueId, priority, excludedAgentIds, contact: { name } });
    const acceptOffer = async (handle: WorkflowHandle<typeof routeTask>) => {
      const offered = await stack.waitForStatus(handle, (status) => status.stage === 'offered');
      stack.emulator.acceptOffer(offered.contactId!);
    };
    const nobody = { available: 0, offered: 0, busy: 0 };

    // Everyone is offline: four tasks wait; erin will never be offered b3.
    const b1 = await start('b1', BILLING_QUEUE, 1);
    const b2 = await start('b2', BILLING_QUEUE, 1);
    const b3 = await start('b3', BILLING_QUEUE, 3, [ERIN]);
    const s1 = await start('s1', SUPPORT_QUEUE, 2);
    const waiting = await untilCounts('four tasks waiting, nobody to take them', [
      {
        queueId: BILLING_QUEUE,
        agents: nobody,
        priorities: [
          { priority: 1, waiting: 2, assigned: 0 },
          { priority: 3, waiting: 1, assigned: 0 },
        ],
      },
      { queueId: SUPPORT_QUEUE, agents: nobody, priorities: [{ priority: 2, waiting: 1, assigned: 0 }] },
    ]);
    const since = async (handle: WorkflowHandle<typeof routeTask>) =>
      (await stack.waitForStatus(handle, (status) => status.waitingSince !== undefined)).waitingSince!;
    // b1 and b2 start together: either may join the line first.
    const oldest = [await since(b1), await since(b2)].sort()[0]!;
    const billingFirst = figuresOf(waiting, BILLING_QUEUE, 1);
    assert.equal(billingFirst.oldestWaitingSince, oldest);
    assert.equal(billingFirst.oldestWaitMs, Date.parse(waiting.at) - Date.parse(oldest));
    assert.equal(figuresOf(waiting, SUPPORT_QUEUE, 2).oldestWaitingSince, await since(s1));
    assert.equal(billingFirst.waitP50Ms, undefined, 'nothing assigned yet');
    assert.ok(waiting.agentsObservedAt, 'the agents as of a poll');

    // Erin (blended, three TASK slots) logs in: b1, b2 and s1 are offered to her, b3 is not hers.
    stack.emulator.setAgentStatus(ERIN, 'Available');
    await untilCounts('three offers to erin, b3 waiting', [
      {
        queueId: BILLING_QUEUE,
        agents: { available: 0, offered: 1, busy: 0 },
        priorities: [{ priority: 3, waiting: 1, assigned: 0 }],
      },
      // Offered tasks no longer wait, and none is assigned yet: no priority has figures.
      { queueId: SUPPORT_QUEUE, agents: { available: 0, offered: 1, busy: 0 }, priorities: [] },
    ]);
    // She takes b1 and s1 at once, and b2 only once it has waited past the service level.
    await acceptOffer(b1);
    await acceptOffer(s1);
    const b2Since = Date.parse(await since(b2));
    await sleep(Math.max(0, b2Since + SERVICE_LEVEL_MS + 1_000 - Date.now()));
    await acceptOffer(b2);
    const [r1, r2, rs1] = (await Promise.all([b1, b2, s1].map((handle) => handle.result()))) as [
      RouteTaskResult,
      RouteTaskResult,
      RouteTaskResult,
    ];
    assert.ok(r1.waitedMs! < SERVICE_LEVEL_MS, `b1 waited ${r1.waitedMs} ms: the stack was too slow`);
    assert.ok(r2.waitedMs! > SERVICE_LEVEL_MS);
    // Erin's three slots are taken; support has nothing left to poll for, billing has b3.
    const assigned = await untilCounts('b1, b2 and s1 assigned, erin busy', [
      {
        queueId: BILLING_QUEUE,
        agents: { available: 0, offered: 0, busy: 1 },
        priorities: [
          { priority: 1, waiting: 0, assigned: 2 },
          { priority: 3, waiting: 1, assigned: 0 },
        ],
      },
      { queueId: SUPPORT_QUEUE, priorities: [{ priority: 2, waiting: 0, assigned: 1 }] },
    ]);
    const billing = figuresOf(assigned, BILLING_QUEUE, 1);
    assertWaitNear(billing.waitP50Ms, r1.waitedMs!, 'billing p50 (nearest rank: the shorter wait)');
    assertWaitNear(billing.waitP90Ms, r2.waitedMs!, 'billing p90');
    assert.equal(billing.withinServiceLevel, 0.5, 'b1 within the service level, b2 not');
    const support = figuresOf(assigned, SUPPORT_QUEUE, 2);
    assertWaitNear(support.waitP50Ms, rs1.waitedMs!, 'support p50');
    assert.equal(support.withinServiceLevel, 1);

    // Alice logs in and is offered b3; Bob, logging in after her, has nothing left to take.
    stack.emulator.setAgentStatus(ALICE, 'Available');
    await stack.waitForStatus(b3, (status) => status.stage === 'offered');
    stack.emulator.setAgentStatus(BOB, 'Available');
    await untilCounts('b3 offered to alice, bob available, erin busy', [
      {
        queueId: BILLING_QUEUE,
        agents: { available: 1, offered: 1, busy: 1 },
        priorities: [{ priority: 1, waiting: 0, assigned: 2 }],
      },
      { queueId: SUPPORT_QUEUE, priorities: [{ priority: 2, waiting: 0, assigned: 1 }] },
    ]);
    await acceptOffer(b3);
    const r3 = await b3.result();
    assert.equal(r3.userId, ALICE);
    const done = await untilCounts('every task assigned, nothing left to poll for', [
      {
        queueId: BILLING_QUEUE,
        priorities: [
          { priority: 1, waiting: 0, assigned: 2 },
          { priority: 3, waiting: 0, assigned: 1 },
        ],
      },
      { queueId: SUPPORT_QUEUE, priorities: [{ priority: 2, waiting: 0, assigned: 1 }] },
    ]);
    assertWaitNear(figuresOf(done, BILLING_QUEUE, 3).waitP50Ms, r3.waitedMs!, 'billing p3 p50');
    const { runsSoFar } = await stack.dispatcherStatus();
    assert.ok(runsSoFar > 1, `the window was carried across ${runsSoFar - 1} continue-as-new`);
  });
});
