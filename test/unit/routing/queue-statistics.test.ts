import assert from 'node:assert/strict';
import {
  type AgentContactState,
  type AgentState,
  type HeldReservation,
  queueStatisticsSchema,
} from '../../../src/shared/dispatcher-contract';
import {
  agentsByQueue,
  type AgentsInput,
  LineTally,
  queueStatistics,
} from '../../../src/shared/routing/queue-statistics';

const T0 = Date.parse('2026-12-04T09:00:00Z');

function agent(
  userId: string,
  routingProfileId: string,
  freeTaskSlots: number,
  more: Partial<AgentState> = {},
  contacts: [string, AgentContactState][] = [],
): AgentState {
  return {
    userId,
    routingProfileId,
    statusName: 'Available',
    statusSince: T0 - 60_000,
    freeTaskSlots,
    contacts: contacts.map(([contactId, state]) => ({ contactId, state })),
    observedAt: T0,
    ...more,
  };
}

function reservation(userId: string, state: HeldReservation['state'], contactId?: string): HeldReservation {
  return {
    reservationId: `r-${userId}-${state}`,
    taskId: `task-of-${userId}`,
    userId,
    expiresAt: T0 + 60_000,
    reservedAt: T0 - 1_000,
    state,
    ...(contactId === undefined ? {} : { contactId }),
  };
}

/** Billing agents serve billing by manual assignment; blended ones billing and support; general is routed only. */
const QUEUES = {
  billing: { manual: ['billing'], routed: ['general'] },
  blended: { manual: ['billing', 'support'], routed: ['general'] },
};

function agentsInput(agents: AgentState[], reservations: HeldReservation[] = []): AgentsInput {
  return {
    queueIds: ['billing', 'support'],
    agents,
    queuesByRoutingProfile: QUEUES,
    reservations,
    allowedStatuses: new Map([
      ['billing', new Set(['Available'])],
      ['support', new Set(['Available', 'Back office'])],
    ]),
  };
}

describe('queue statistics', () => {
  describe('LineTally', () => {
    it('adds up what waits per queue and priority, keeping the oldest known', () => {
      const line = new LineTally();
      line.addWaiting('billing', 2, 1, T0 - 5_000);
      line.addWaiting('billing', 2, 40, undefined);
      line.addWaiting('billing', 2, 3, T0 - 9_000);
      line.addWaiting('billing', 1, 7, undefined);
      line.addAllowedStatuses('billing', ['Available']);
      line.addAllowedStatuses('billing', ['Available', 'Back office']);
      assert.deepEqual(
        [...line.waiting.get('billing')!],
        [
          [2, { count: 44, oldestEnqueuedAt: T0 - 9_000 }],
          [1, { count: 7 }],
        ],
      );
      assert.deepEqual([...line.allowedStatuses.get('billing')!], ['Available', 'Back office']);
    });
  });

  describe('agents by queue', () => {
    it('counts an agent whose offer awaits an answer as offered, whatever their slots', () => {
      const counts = agentsByQueue(
        agentsInput(
          [
            agent('pending', 'billing', 1),
            agent('ringing', 'billing', 0, {}, [['c1', 'CONNECTING']]),
            // Connect's own routing rings them too (a routed queue): an offer all the same.
            agent('connect-offered', 'billing', 2, {}, [['c2', 'CONNECTING']]),
            agent('accepted', 'billing', 1),
          ],
          [
            reservation('pending', 'pending'),
            reservation('ringing', 'offered', 'c1'),
            reservation('accepted', 'accepted', 'c3'),
          ],
        ),
      );
      // The accepted reservation holds the slot Connect does not show yet: that agent is busy.
      assert.deepEqual(counts.get('billing'), { available: 0, offered: 3, busy: 1 });
    });

    it('counts an agent with nothing offered and no free slot as busy, in any status', () => {
      const counts = agentsByQueue(
        agentsInput([
          agent('working', 'billing', 0, {}, [['c1', 'CONNECTED']]),
          agent('after-work', 'billing', 0, { statusName: 'Lunch', nextStatusName: 'Lunch' }, [
            ['c2', 'ENDED'],
          ]),
        ]),
      );
      assert.deepEqual(counts.get('billing'), { available: 0, offered: 0, busy: 2 });
    });

    it("counts an agent with a free slot as available only in a status the queue's tasks allow, with no next status", () => {
      const counts = agentsByQueue(
        agentsInput([
          agent('free', 'billing', 1),
          agent('back-office', 'blended', 2, { statusName: 'Back office' }),
          agent('lunch', 'blended', 3, { statusName: 'Lunch' }),
          agent('leaving', 'blended', 1, { nextStatusName: 'Offline' }),
          agent('missed', 'billing', 1, {}, [['c1', 'MISSED']]),
        ]),
      );
      assert.deepEqual(counts.get('billing'), { available: 2, offered: 0, busy: 0 }, 'free and missed');
      // Blended agents count in both of their queues; Back office is allowed by support's tasks only.
      assert.deepEqual(counts.get('support'), { available: 1, offered: 0, busy: 0 }, 'back-office');
    });

    it('counts only the queues asked about, and agents of a queue by manual assignment only', () => {
      const counts = agentsByQueue({
        ...agentsInput([
          agent('a', 'billing', 1),
          agent('b', 'blended', 1),
          agent('c', 'unknown-profile', 1),
        ]),
        queueIds: ['support', 'general'],
      });
      assert.deepEqual(
        [...counts],
        [
          ['support', { available: 1, offered: 0, busy: 0 }],
          ['general', { available: 0, offered: 0, busy: 0 }],
        ],
        'support: the blended agent; general: nobody, Connect routes it',
      );
    });
  });

  describe('the answer', () => {
    it('puts waiting tasks, the window and the agents together per queue and priority, in order', () => {
      const line = new LineTally();
      line.addWaiting('support', 3, 2, T0 - 90_000);
      line.addWaiting('billing', 5, 1, T0 - 4_000);
      line.addWaiting('billing', 1, 2, undefined);
      line.addAllowedStatuses('billing', ['Available']);
      const answer = queueStatistics({
        now: T0,
        settings: { statisticsWindowMs: 900_000, serviceLevelMs: 60_000 },
        line,
        assigned: [
          {
            queueId: 'billing',
            priority: 5,
            assigned: 4,
            waitP50Ms: 2_000,
            waitP90Ms: 70_000,
            withinServiceLevel: 0.75,
          },
          {
            queueId: 'archive',
            priority: 2,
            assigned: 1,
            waitP50Ms: 10,
            waitP90Ms: 10,
            withinServiceLevel: 1,
          },
        ],
        watchedQueues: ['billing', 'support'],
        agents: [agent('a', 'billing', 1)],
        agentsObservedAt: T0 - 300,
        queuesByRoutingProfile: QUEUES,
        reservations: [],
      });
      assert.deepEqual(answer, {
        at: '2026-12-04T09:00:00.000Z',
        windowMs: 900_000,
        serviceLevelMs: 60_000,
        agentsObservedAt: '2026-12-04T08:59:59.700Z',
        queues: [
          {
            queueId: 'archive',
            priorities: [
              {
                priority: 2,
                waiting: 0,
                assigned: 1,
                waitP50Ms: 10,
                waitP90Ms: 10,
                withinServiceLevel: 1,
              },
            ],
          },
          {
            queueId: 'billing',
            agents: { available: 1, offered: 0, busy: 0 },
            priorities: [
              { priority: 1, waiting: 2, assigned: 0 },
              {
                priority: 5,
                waiting: 1,
                oldestWaitingSince: '2026-12-04T08:59:56.000Z',
                oldestWaitMs: 4_000,
                assigned: 4,
                waitP50Ms: 2_000,
                waitP90Ms: 70_000,
                withinServiceLevel: 0.75,
              },
            ],
          },
          {
            queueId: 'support',
            agents: { available: 0, offered: 0, busy: 0 },
            priorities: [
              {
                priority: 3,
                waiting: 2,
                oldestWaitingSince: '2026-12-04T08:58:30.000Z',
                oldestWaitMs: 90_000,
                assigned: 0,
              },
            ],
          },
        ],
      });
      assert.deepEqual(queueStatisticsSchema.parse({ instanceId: 'i', ...answer }), {
        instanceId: 'i',
        ...answer,
      });
    });

    it('knows no agent before the first poll: their numbers are left out, not 0', () => {
      const line = new LineTally();
      line.addWaiting('billing', 5, 1, T0 - 1_000);
      line.addAllowedStatuses('billing', ['Available']);
      const answer = queueStatistics({
        now: T0,
        settings: { statisticsWindowMs: 900_000, serviceLevelMs: 60_000 },
        line,
        assigned: [],
        watchedQueues: ['billing'],
        agents: [],
        agentsObservedAt: undefined,
        queuesByRoutingProfile: {},
        reservations: [],
      });
      assert.deepEqual(answer, {
        at: '2026-12-04T09:00:00.000Z',
        windowMs: 900_000,
        serviceLevelMs: 60_000,
        queues: [
          {
            queueId: 'billing',
            priorities: [
              {
                priority: 5,
                waiting: 1,
                oldestWaitingSince: '2026-12-04T08:59:59.000Z',
                oldestWaitMs: 1_000,
                assigned: 0,
              },
            ],
          },
        ],
      });
    });
  });
});
