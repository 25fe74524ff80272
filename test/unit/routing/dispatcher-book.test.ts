import assert from 'node:assert/strict';
import { type BookSettings, DispatcherBook } from '../../../src/shared/routing/dispatcher-book';
import type { AgentState, WaitingTask } from '../../../src/shared/dispatcher-contract';
import { waitingTask } from '../../helpers/waiting-task';

const SETTINGS: BookSettings = {
  reservationTtlMs: 60_000,
  catchUpMs: 15_000,
  maxWaitNoticesPerRound: 3,
};
const T0 = 10_000_000;

const task = waitingTask;

function agent(userId: string, freeTaskSlots: number, contactIds: string[] = []): AgentState {
  return {
    userId,
    routingProfileId: 'rp1',
    statusName: 'Available',
    statusSince: T0 - 1000,
    freeTaskSlots,
    contactIds,
    observedAt: T0 - 1000,
  };
}

function bookWith(...tasks: WaitingTask[]): DispatcherBook {
  const book = new DispatcherBook(SETTINGS);
  book.setRoutingProfileQueues('rp1', ['q1']);
  for (const t of tasks) book.enqueue(t);
  return book;
}

describe('DispatcherBook', () => {
  it('keeps the original place of a task that registers again', () => {
    const book = bookWith(task('a', T0), task('b', T0 + 10));
    book.enqueue(task('a', T0 + 500, { priority: 5 }));
    book.applySnapshot([agent('u1', 1)], T0 + 600);
    assert.deepEqual(
      book.round(T0 + 600).reservations.map((offer) => offer.taskId),
      ['a'],
    );
  });

  it('holds an offered slot across rounds until Connect shows the contact on the agent', () => {
    const book = bookWith(task('a', T0), task('b', T0 + 1));
    book.applySnapshot([agent('u1', 1)], T0);
    const [offer] = book.round(T0).reservations;
    assert.equal(offer.userId, 'u1');

    book.applySnapshot([agent('u1', 1)], T0 + 1000); // Connect has not caught up yet
    assert.deepEqual(book.round(T0 + 1000).reservations, []);

    book.settle(offer.reservationId, 'assigned', T0 + 1500, 'contact-a');
    book.applySnapshot([agent('u1', 1)], T0 + 2000); // still not visible: keep holding
    assert.deepEqual(book.round(T0 + 2000).reservations, []);

    book.applySnapshot([agent('u1', 1, ['contact-a'])], T0 + 3000); // visible and a second slot free
    assert.deepEqual(
      book.round(T0 + 3000).reservations.map((o) => o.taskId),
      ['b'],
    );
  });

  it('puts a task whose associate failed on the agent back at its old place', () => {
    const book = bookWith(task('old', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    const [offer] = book.round(T0).reservations;
    book.enqueue(task('newer', T0 + 100));
    book.settle(offer.reservationId, 'agent-unavailable', T0 + 200);
    book.applySnapshot([agent('u2', 1)], T0 + 1000);
    assert.deepEqual(
      book.round(T0 + 1000).reservations.map((o) => o.taskId),
      ['old'],
    );
  });

  it('releases an offer nobody settled when it expires, and requeues its task', () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    const first = book.round(T0);
    assert.equal(first.nextDeadline, T0 + SETTINGS.reservationTtlMs);
    const later = book.round(T0 + SETTINGS.reservationTtlMs);
    assert.deepEqual(later.requeued, ['a']);
    assert.deepEqual(
      later.reservations.map((o) => o.taskId),
      ['a'],
    );
  });

  it("wakes at the end of an assigned reservation's catch-up window, so an idle dispatcher can end", () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    const [reservation] = book.round(T0).reservations;
    book.settle(reservation.reservationId, 'assigned', T0 + 100, 'contact-a');
    assert.equal(book.round(T0 + 200).nextDeadline, T0 + 100 + SETTINGS.catchUpMs);
    book.round(T0 + 100 + SETTINGS.catchUpMs);
    assert.equal(book.reservationCount, 0);
  });

  it('forgets a task that leaves, including its unsettled reservation', () => {
    const book = bookWith(task('a', T0), task('b', T0 + 1));
    book.applySnapshot([agent('u1', 1)], T0);
    book.round(T0);
    book.leave('a');
    book.leave('b');
    assert.equal(book.waitingCount, 0);
    assert.equal(book.reservationCount, 0);
    assert.deepEqual(book.queuesToWatch(), []);
  });

  it('applies a pushed agent update only when it is newer than the last poll', () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([agent('u1', 0)], T0 + 1000);
    book.applyAgentUpdate({ ...agent('u1', 1), observedAt: T0 + 500 });
    assert.deepEqual(book.round(T0 + 1000).reservations, []);
    book.applyAgentUpdate({ ...agent('u1', 1), observedAt: T0 + 1100 });
    assert.equal(book.round(T0 + 1100).reservations.length, 1);
  });

  it('tells waiting tasks why they wait only when that changes, head of the line first, within a cap', () => {
    const book = bookWith(...['a', 'b', 'c', 'd', 'e'].map((id, i) => task(id, T0 + i)));
    book.applySnapshot([agent('u1', 0)], T0);
    const first = book.round(T0).notices;
    assert.deepEqual(
      first.map((n) => [n.taskId, n.decision.reason, n.position]),
      [
        ['a', 'no-free-slot', 1],
        ['b', 'no-free-slot', 2],
        ['c', 'no-free-slot', 3],
      ],
    );
    assert.deepEqual(
      book.round(T0 + 1).notices.map((n) => n.taskId),
      ['d', 'e'],
    );
    assert.deepEqual(book.round(T0 + 2).notices, []);
    // More busy agents change the candidate count, not the reason: nobody is told again.
    book.applySnapshot([agent('u1', 0), agent('u2', 0)], T0 + 3);
    assert.deepEqual(book.round(T0 + 3).notices, []);
  });

  it('does not tell a task again when it flips between no free slot and behind tasks ahead', () => {
    const book = bookWith(task('a', T0), task('b', T0 + 1));
    book.applySnapshot([agent('u1', 0)], T0);
    assert.deepEqual(
      book.round(T0).notices.map((n) => [n.taskId, n.decision.reason]),
      [
        ['a', 'no-free-slot'],
        ['b', 'no-free-slot'],
      ],
    );
    book.applySnapshot([agent('u1', 1)], T0 + 1_000);
    const busyRound = book.round(T0 + 1_000);
    assert.deepEqual(
      busyRound.reservations.map((offer) => offer.taskId),
      ['a'],
    );
    assert.equal(book.explain('b').decision?.reason, 'behind-tasks-ahead-in-line');
    assert.deepEqual(busyRound.notices, []);
    // A new kind of reason is news again.
    book.applySnapshot([{ ...agent('u1', 1), statusName: 'Offline' }], T0 + 2_000);
    assert.deepEqual(
      book.round(T0 + 2_000).notices.map((n) => [n.taskId, n.decision.reason]),
      [['b', 'no-agent-in-allowed-status']],
    );
  });

  it('survives continue-as-new: the encoded book decides exactly as the original', () => {
    const tasks = Array.from({ length: 40 }, (_, i) =>
      task(`t${i}`, T0 + i, {
        priority: i % 3,
        preferredAgentIds: i % 5 === 0 ? ['u2'] : [],
        widenAt: T0 + 50_000,
      }),
    );
    const original = bookWith(...tasks);
    original.applySnapshot([agent('u1', 2), agent('u2', 1)], T0 + 100);
    original.round(T0 + 100);
    const copy = DispatcherBook.decode(SETTINGS, JSON.parse(JSON.stringify(original.encode())));
    assert.deepEqual(copy.encode(), original.encode());
    for (const book of [original, copy]) book.applySnapshot([agent('u1', 3), agent('u2', 3)], T0 + 60_000);
    assert.deepEqual(copy.round(T0 + 60_000), original.round(T0 + 60_000));
  });

  it('encodes 10,000 waiting tasks in well under the 2 MB payload limit', () => {
    const tasks = Array.from({ length: 10_000 }, (_, i) =>
      task(`route-task-${'x'.repeat(20)}-${i}`, T0 + i, { queueId: `queue-${i % 40}`, priority: i % 10 }),
    );
    const book = bookWith(...tasks);
    book.applySnapshot([agent('u1', 0)], T0);
    book.round(T0);
    const bytes = Buffer.byteLength(JSON.stringify(book.encode()));
    assert.ok(bytes < 1_000_000, `encoded size ${bytes} bytes`);
  });
});
