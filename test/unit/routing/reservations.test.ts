import assert from 'node:assert/strict';
import { effectiveFreeSlots, pruneReservations } from '../../../src/shared/routing/reservations';
import type { AgentState, HeldReservation } from '../../../src/shared/dispatcher-contract';

const NOW = 500_000;
const CATCH_UP_MS = 10_000;

function reservation(overrides: Partial<HeldReservation>): HeldReservation {
  return {
    reservationId: 'r',
    taskId: 't',
    userId: 'a',
    contactId: 'c',
    reservedAt: NOW - 100,
    state: 'pending',
    expiresAt: NOW + 30_000,
    ...overrides,
  };
}

function agent(contactIds: string[], freeTaskSlots = 2): AgentState {
  return {
    userId: 'a',
    routingProfileId: 'p',
    statusName: 'Available',
    statusSince: 0,
    freeTaskSlots,
    contactIds,
    observedAt: 0,
  };
}

describe('reservations', () => {
  it('hold a slot until Connect lists the reserved contact on the agent', () => {
    assert.equal(effectiveFreeSlots([agent([])], [reservation({})]).get('a'), 1);
    assert.equal(effectiveFreeSlots([agent(['c'])], [reservation({})]).get('a'), 2);
    assert.equal(
      effectiveFreeSlots(
        [agent([], 1)],
        [reservation({}), reservation({ reservationId: 'r2', contactId: undefined })],
      ).get('a'),
      0,
    );
  });

  it('release pending reservations at expiry, so their tasks can go back in line', () => {
    const live = reservation({ reservationId: 'live' });
    const stale = reservation({ reservationId: 'stale', expiresAt: NOW });
    const pruned = pruneReservations([live, stale], undefined, NOW, CATCH_UP_MS);
    assert.deepEqual(pruned.kept, [live]);
    assert.deepEqual(pruned.expired, [stale]);
  });

  it('drop assigned reservations once a later snapshot shows them, or after the catch-up window', () => {
    const assigned = reservation({ state: 'assigned', assignedAt: NOW - 1_000 });
    const earlierSnapshot = { takenAt: NOW - 2_000, agents: [agent(['c'])] };
    const laterSnapshotWithout = { takenAt: NOW, agents: [agent([])] };
    const laterSnapshotWith = { takenAt: NOW, agents: [agent(['c'])] };
    assert.deepEqual(pruneReservations([assigned], earlierSnapshot, NOW, CATCH_UP_MS).kept, [assigned]);
    assert.deepEqual(pruneReservations([assigned], laterSnapshotWithout, NOW, CATCH_UP_MS).kept, [assigned]);
    assert.deepEqual(pruneReservations([assigned], laterSnapshotWith, NOW, CATCH_UP_MS).kept, []);
    assert.deepEqual(
      pruneReservations([assigned], laterSnapshotWithout, NOW + CATCH_UP_MS, CATCH_UP_MS).kept,
      [],
    );
  });
});
