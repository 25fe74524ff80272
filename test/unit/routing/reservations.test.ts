import assert from 'node:assert/strict';
import {
  effectiveFreeSlots,
  offerAnswer,
  reviewReservations,
} from '../../../src/shared/routing/reservations';
import type { AgentContactState, AgentState, HeldReservation } from '../../../src/shared/dispatcher-contract';

const NOW = 500_000;
const SETTINGS = {
  catchUpMs: 10_000,
  offerAnswerTimeoutMs: 20_000,
  offerVisibleWithinMs: 3_000,
  reservationTtlMs: 30_000,
};

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

function agent(contacts: [string, AgentContactState?][], freeTaskSlots = 2, observedAt = NOW): AgentState {
  return {
    userId: 'a',
    routingProfileId: 'p',
    statusName: 'Available',
    statusSince: 0,
    freeTaskSlots,
    contacts: contacts.map(([contactId, state]) => ({ contactId, state })),
    observedAt,
  };
}

function review(reservations: HeldReservation[], agents: AgentState[], now = NOW, snapshotTakenAt = now) {
  return reviewReservations(
    reservations,
    { snapshotTakenAt, byId: new Map(agents.map((a) => [a.userId, a])) },
    now,
    SETTINGS,
  );
}

describe('reservations', () => {
  it('hold a slot until Connect lists the reserved contact on the agent', () => {
    assert.equal(effectiveFreeSlots([agent([])], [reservation({})]).get('a'), 1);
    assert.equal(effectiveFreeSlots([agent([['c', 'CONNECTING']])], [reservation({})]).get('a'), 2);
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
    const reviewed = review([live, stale], []);
    assert.deepEqual(reviewed.kept, [live]);
    assert.deepEqual(reviewed.expired, [stale]);
  });

  it("read an offer's answer from the contact's state on the agent, reported after the offer", () => {
    const offered = reservation({ state: 'offered', offeredAt: NOW - 1_000 });
    const answers: [AgentContactState | undefined, string | undefined][] = [
      ['CONNECTING', undefined],
      ['INCOMING', undefined],
      ['CONNECTED', 'accepted'],
      ['CONNECTED_ONHOLD', 'accepted'],
      ['ENDED', 'accepted'],
      ['MISSED', 'missed'],
      ['REJECTED', 'rejected'],
      [undefined, undefined],
    ];
    for (const [state, expected] of answers) {
      assert.equal(offerAnswer(offered, agent([['c', state]])), expected, `state ${state}`);
    }
    assert.equal(offerAnswer(offered, agent([['other', 'CONNECTED']])), undefined, 'another contact');
    assert.equal(
      offerAnswer(offered, agent([['c', 'MISSED']], 2, NOW - 2_000)),
      undefined,
      'a report older than the offer says nothing about it',
    );
  });

  it('settle answered offers, and call an offer unclear once, when no answer came in time', () => {
    const offered = reservation({ state: 'offered', offeredAt: NOW - 1_000 });
    const accepted = review([offered], [agent([['c', 'CONNECTED']])]);
    assert.deepEqual(accepted.answered, [{ reservation: offered, outcome: 'accepted' }]);
    assert.deepEqual(accepted.kept, []);
    assert.deepEqual(review([offered], [agent([['c', 'CONNECTING']])]).kept, [offered]);

    const late = NOW - 1_000 + SETTINGS.offerAnswerTimeoutMs;
    const unclear = review([offered], [agent([['c', 'CONNECTING']])], late);
    assert.equal(unclear.unclear.length, 1);
    const asked = unclear.unclear[0]!;
    assert.equal(asked.unclearAt, late);
    assert.equal(
      asked.expiresAt,
      late + SETTINGS.reservationTtlMs,
      'the slot stays held while the task asks',
    );
    assert.deepEqual(unclear.kept, [asked]);
    const again = review([asked], [agent([])], late + 1_000);
    assert.deepEqual(again.unclear, [], 'unclear is said once');
    assert.deepEqual(again.kept, [asked]);
    assert.deepEqual(review([asked], [agent([])], asked.expiresAt).expired, [asked]);
  });

  it('call an offer unclear at once when the agent, reported well after it, no longer shows the contact', () => {
    const offered = reservation({ state: 'offered', offeredAt: NOW - 1_000 });
    const soon = NOW - 1_000 + SETTINGS.offerVisibleWithinMs - 1;
    assert.deepEqual(review([offered], [agent([], 2, soon)], soon).unclear, [], 'Connect may lag a little');
    const later = NOW - 1_000 + SETTINGS.offerVisibleWithinMs;
    assert.equal(review([offered], [agent([], 2, later)], later).unclear.length, 1);
  });

  it('drop accepted reservations once a later snapshot shows them, or after the catch-up window', () => {
    const accepted = reservation({ state: 'accepted', acceptedAt: NOW - 1_000 });
    const seen = [agent([['c', 'CONNECTED']])];
    assert.deepEqual(review([accepted], seen, NOW, NOW - 2_000).kept, [accepted], 'an earlier snapshot');
    assert.deepEqual(review([accepted], [agent([])]).kept, [accepted]);
    assert.deepEqual(review([accepted], seen).kept, []);
    assert.deepEqual(review([accepted], [agent([])], NOW + SETTINGS.catchUpMs).kept, []);
  });
});
