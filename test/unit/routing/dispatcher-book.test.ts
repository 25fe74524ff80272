import assert from 'node:assert/strict';
import { type BookSettings, DispatcherBook } from '../../../src/shared/routing/dispatcher-book';
import type {
  AgentContactState,
  AgentState,
  OfferVerdict,
  WaitingTask,
} from '../../../src/shared/dispatcher-contract';
import type { RoutingCriteria } from '../../../src/shared/routing-criteria';
import { bookSettings } from '../../helpers/book-settings';
import { waitingTask } from '../../helpers/waiting-task';

const SETTINGS: BookSettings = bookSettings();
const T0 = 10_000_000;

const task = waitingTask;

function agent(
  userId: string,
  freeTaskSlots: number,
  contacts: [string, AgentContactState][] = [],
  observedAt = T0 - 1000,
): AgentState {
  return {
    userId,
    routingProfileId: 'rp1',
    statusName: 'Available',
    statusSince: T0 - 1000,
    freeTaskSlots,
    contacts: contacts.map(([contactId, state]) => ({ contactId, state })),
    observedAt,
  };
}

function bookWith(...tasks: WaitingTask[]): DispatcherBook {
  return bookWithSettings(SETTINGS, ...tasks);
}

function bookWithSettings(settings: BookSettings, ...tasks: WaitingTask[]): DispatcherBook {
  const book = new DispatcherBook(settings);
  book.setRoutingProfileQueues('rp1', { manual: ['q1'], routed: [] });
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

    book.settle(offer.reservationId, 'offered', T0 + 1500, 'contact-a');
    book.applySnapshot([agent('u1', 1)], T0 + 2000); // still not visible: keep holding
    assert.deepEqual(book.round(T0 + 2000).reservations, []);

    // Offered (ringing) and counted by Connect, and a second slot free.
    book.applySnapshot([agent('u1', 1, [['contact-a', 'CONNECTING']], T0 + 3000)], T0 + 3000);
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

  it('watches an offer its task reports after the reservation lapsed, and voids the newer reservation', () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([agent('u1', 1), agent('u2', 1)], T0);
    const [first] = book.round(T0).reservations;
    assert.equal(first.userId, 'u1');
    // The association went through (Connect shows the offer ringing on u1), but the task's worker was
    // down past the expiry: the task is back in line and reserved u2.
    const ttl = T0 + SETTINGS.reservationTtlMs;
    book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTING']], ttl), agent('u2', 1)], ttl);
    const [second] = book.round(T0 + SETTINGS.reservationTtlMs).reservations;
    assert.equal(second.userId, 'u2');

    // Then it reports that Connect offered it u1 on the first reservation.
    const late = T0 + SETTINGS.reservationTtlMs + 500;
    book.settle(first.reservationId, 'offered', late, 'contact-a');
    assert.equal(book.waitingCount, 0);
    assert.equal(book.offersAwaitingAnswer, 1);
    // u1 accepts: the task hears it, and u2's slot (the void reservation) goes to the next task.
    book.enqueue(task('b', T0 + 1));
    book.applySnapshot(
      [agent('u1', 0, [['contact-a', 'CONNECTED']], late + 1000), agent('u2', 1)],
      late + 1000,
    );
    const round = book.round(late + 1000);
    assert.deepEqual(
      round.verdicts.map(({ taskId, verdict }) => [taskId, verdict.reservationId, verdict.verdict]),
      [['a', first.reservationId, 'accepted']],
    );
    assert.deepEqual(
      round.reservations.map((o) => [o.taskId, o.userId]),
      [['b', 'u2']],
    );
  });

  it('ignores a lapsed reservation settled late when the run began before reviving them', () => {
    const book = bookWithSettings({ ...SETTINGS, revivesLapsedOffers: false }, task('a', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    const [first] = book.round(T0).reservations;
    book.round(T0 + SETTINGS.reservationTtlMs);
    book.settle(first.reservationId, 'offered', T0 + SETTINGS.reservationTtlMs + 500, 'contact-a');
    assert.equal(book.offersAwaitingAnswer, 0);
  });

  it('answers an offer settled on a reservation it no longer holds unclear, across continue-as-new too', () => {
    const book = bookWith(task('a', T0));
    const from = { taskId: 'a', userId: 'u9' };
    book.settle('forgotten-1', 'offered', T0 + 100, 'contact-a', from);
    book.settle('forgotten-2', 'offered', T0 + 100, 'contact-a'); // a run begun before: who settled is not said
    book.settle('forgotten-3', 'agent-unavailable', T0 + 100, 'contact-a', from); // nothing to answer
    const next = DispatcherBook.decode(SETTINGS, book.encode());
    assert.deepEqual(
      next
        .round(T0 + 200)
        .verdicts.map(({ taskId, verdict }) => [
          taskId,
          verdict.reservationId,
          verdict.userId,
          verdict.verdict,
        ]),
      [['a', 'forgotten-1', 'u9', 'unclear']],
    );
    assert.deepEqual(next.round(T0 + 300).verdicts, [], 'told once');
  });

  it('ignores an offer settled on a reservation it no longer holds when the run began before answering them', () => {
    const book = bookWithSettings({ ...SETTINGS, answersUnheldOffers: false }, task('a', T0));
    book.settle('forgotten-1', 'offered', T0 + 100, 'contact-a', { taskId: 'a', userId: 'u9' });
    assert.deepEqual(book.round(T0 + 200).verdicts, []);
  });

  it("wakes at the end of an accepted reservation's catch-up window, so an idle dispatcher can end", () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    const [reservation] = book.round(T0).reservations;
    book.settle(reservation.reservationId, 'accepted', T0 + 100, 'contact-a');
    assert.equal(book.round(T0 + 200).nextDeadline, T0 + 100 + SETTINGS.catchUpMs);
    book.round(T0 + 100 + SETTINGS.catchUpMs);
    assert.equal(book.reservationCount, 0);
  });

  describe('offers', () => {
    /** A book with task `a` (and `b` behind it) offered to u1 as contact-a at T0 + 100. */
    function offered(...more: WaitingTask[]) {
      const book = bookWith(task('a', T0), ...more);
      book.applySnapshot([agent('u1', 1)], T0);
      const [reservation] = book.round(T0).reservations;
      assert.equal(reservation.userId, 'u1');
      book.settle(reservation.reservationId, 'offered', T0 + 100, 'contact-a');
      return { book, reservation };
    }
    const verdictsOf = (verdicts: { taskId: string; verdict: OfferVerdict }[]) =>
      verdicts.map(({ taskId, verdict }) => [taskId, verdict.userId, verdict.verdict]);

    it("sees the offer of a task that joined with its contact in Connect's data, without the task's word", () => {
      const book = bookWith(task('a', T0, { contactId: 'contact-a' }));
      book.applySnapshot([agent('u1', 1)], T0);
      const [reservation] = book.round(T0).reservations;
      assert.equal(
        reservation.contactId,
        'contact-a',
        'the reservation tells the task the dispatcher watches',
      );
      assert.ok(book.watchesAgents, 'a pending offer keeps the agents polled');
      assert.equal(book.offersAwaitingAnswer, 0);

      // A poll that began before the reservation cannot show its offer, whatever it lists.
      book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTING']], T0 - 1)], T0 - 1);
      book.round(T0 + 10);
      assert.equal(book.offersAwaitingAnswer, 0);
      book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTING']], T0 + 500)], T0 + 500);
      assert.deepEqual(book.round(T0 + 500).verdicts, []);
      assert.equal(book.offersAwaitingAnswer, 1, 'ringing: offered as if the task had said so');

      book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTED']], T0 + 1000)], T0 + 1000);
      assert.deepEqual(verdictsOf(book.round(T0 + 1000).verdicts), [['a', 'u1', 'accepted']]);
      assert.equal(book.reservationCount, 0);
      assert.equal(book.watchesAgents, false);
    });

    it('tells the task once that Connect does not show its offer well after the reservation, and keeps the slot held', () => {
      const book = bookWith(task('a', T0, { contactId: 'contact-a' }), task('b', T0 + 1));
      book.applySnapshot([agent('u1', 1)], T0);
      const [reservation] = book.round(T0).reservations;
      const visible = T0 + SETTINGS.offerVisibleWithinMs;
      book.applySnapshot([agent('u1', 1, [], visible - 1)], visible - 1);
      assert.deepEqual(book.round(visible - 1).verdicts, [], 'not yet: the task may still be offering it');
      book.applySnapshot([agent('u1', 1, [], visible)], visible);
      const unseen = book.round(visible);
      assert.deepEqual(verdictsOf(unseen.verdicts), [['a', 'u1', 'unseen']]);
      assert.deepEqual(unseen.reservations, [], "u1's slot stays held for a");
      book.applySnapshot([agent('u1', 1, [], visible + 1000)], visible + 1000);
      assert.deepEqual(book.round(visible + 1000).verdicts, [], 'told once');
      // The task asks Connect: the agent took it and finished it between two polls.
      const accepted = visible + 1200;
      book.settle(reservation.reservationId, 'accepted', accepted, 'contact-a', {
        taskId: 'a',
        userId: 'u1',
      });
      const caughtUp = accepted + SETTINGS.catchUpMs;
      book.applySnapshot([agent('u1', 1, [], caughtUp)], caughtUp);
      assert.deepEqual(
        book.round(caughtUp).reservations.map((r) => r.taskId),
        ['b'],
        'accepted: held as any acceptance Connect may not count yet, then the slot Connect shows free goes on',
      );
    });

    it('watches an unseen offer its task then reports as any reported offer: unclear once it vanishes', () => {
      const book = bookWith(task('a', T0, { contactId: 'contact-a' }));
      book.applySnapshot([agent('u1', 1)], T0);
      const [reservation] = book.round(T0).reservations;
      const visible = T0 + SETTINGS.offerVisibleWithinMs;
      book.applySnapshot([agent('u1', 1, [], visible)], visible);
      assert.deepEqual(verdictsOf(book.round(visible).verdicts), [['a', 'u1', 'unseen']]);
      // Its worker was down: the offer went out only now, and Connect does not say it was taken.
      const reported = visible + 500;
      book.settle(reservation.reservationId, 'offered', reported, 'contact-a', { taskId: 'a', userId: 'u1' });
      assert.equal(book.offersAwaitingAnswer, 1);
      const gone = reported + SETTINGS.offerVisibleWithinMs;
      book.applySnapshot([agent('u1', 1, [], gone - 1)], gone - 1);
      assert.deepEqual(book.round(gone - 1).verdicts, []);
      book.applySnapshot([agent('u1', 1, [], gone)], gone);
      assert.deepEqual(verdictsOf(book.round(gone).verdicts), [['a', 'u1', 'unclear']]);
    });

    it('answers a watched offer Connect shows missed in the same round, and puts the task back in line', () => {
      const book = bookWith(task('a', T0, { contactId: 'contact-a' }));
      book.applySnapshot([agent('u1', 1), agent('u2', 0)], T0);
      book.round(T0);
      book.applySnapshot(
        [agent('u1', 1, [['contact-a', 'MISSED']], T0 + 800), agent('u2', 1, [], T0 + 800)],
        T0 + 800,
      );
      const round = book.round(T0 + 800);
      assert.deepEqual(verdictsOf(round.verdicts), [['a', 'u1', 'missed']]);
      assert.deepEqual(
        round.reservations.map((r) => [r.taskId, r.userId]),
        [['a', 'u2']],
      );
    });

    it('tells the task of a watched reservation that expires unseen unclear, and holds the agent again if it was accepted', () => {
      const book = bookWith(task('a', T0, { contactId: 'contact-a' }));
      book.applySnapshot([agent('u1', 1)], T0);
      const [reservation] = book.round(T0).reservations;
      const ttl = T0 + SETTINGS.reservationTtlMs;
      book.applySnapshot([agent('u1', 0, [], ttl)], ttl);
      const expired = book.round(ttl);
      assert.deepEqual(expired.requeued, ['a']);
      assert.deepEqual(verdictsOf(expired.verdicts), [['a', 'u1', 'unclear']]);
      // The task asks Connect, which says u1 took it (they finished between two polls).
      book.settle(reservation.reservationId, 'accepted', ttl + 100, 'contact-a', {
        taskId: 'a',
        userId: 'u1',
      });
      assert.notEqual(book.explain('a').state, 'waiting', 'out of line');
      book.enqueue(task('b', ttl + 200));
      book.applySnapshot([agent('u1', 1, [], ttl + 300)], ttl + 300);
      assert.deepEqual(
        book.round(ttl + 300).reservations,
        [],
        "u1's slot is held for a until Connect shows it",
      );
    });

    it('a run begun before watching offers reserves no contact id: the task reports its offer', () => {
      const book = bookWithSettings(
        { ...SETTINGS, watchesOffers: false },
        task('a', T0, { contactId: 'contact-a' }),
      );
      book.applySnapshot([agent('u1', 1)], T0);
      const [reservation] = book.round(T0).reservations;
      assert.equal(reservation.contactId, undefined);
      assert.equal(book.watchesAgents, false);
      const ttl = T0 + SETTINGS.reservationTtlMs;
      assert.deepEqual(book.round(ttl).verdicts, [], 'an expiry is not news to the task');
    });

    it('tells the task it was accepted once Connect shows the contact connected, and frees the hold', () => {
      const { book } = offered();
      book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTING']], T0 + 500)], T0 + 500);
      const ringing = book.round(T0 + 500);
      assert.deepEqual(ringing.verdicts, []);
      assert.equal(book.offersAwaitingAnswer, 1);
      assert.deepEqual(book.queuesToWatch(), ['q1'], 'an open offer keeps its queue polled');

      book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTED']], T0 + 1000)], T0 + 1000);
      assert.deepEqual(verdictsOf(book.round(T0 + 1000).verdicts), [['a', 'u1', 'accepted']]);
      assert.equal(book.reservationCount, 0);
      assert.equal(book.explain('a').state, 'unknown');
      assert.deepEqual(book.queuesToWatch(), []);
    });

    it('puts a missed task back at its old place, offers it to another agent, and skips the one who missed', () => {
      const { book } = offered(task('b', T0 + 1));
      book.applySnapshot(
        [agent('u1', 1, [['contact-a', 'MISSED']], T0 + 1000), agent('u2', 0, [], T0 + 1000)],
        T0 + 1000,
      );
      const missed = book.round(T0 + 1000);
      assert.deepEqual(verdictsOf(missed.verdicts), [['a', 'u1', 'missed']]);
      // u1 shows a missed contact: Connect routes nothing to them until it clears.
      assert.deepEqual(missed.reservations, []);

      book.applySnapshot([agent('u1', 1, [], T0 + 2000), agent('u2', 1, [], T0 + 2000)], T0 + 2000);
      assert.deepEqual(
        book.round(T0 + 2000).reservations.map((r) => [r.taskId, r.userId]),
        [
          ['a', 'u2'],
          ['b', 'u1'],
        ],
        'a keeps its place ahead of b, and is not offered to u1 again',
      );
    });

    it('re-offers a missed task in the very round that sees the miss, when another agent has a slot', () => {
      const { book } = offered();
      book.applySnapshot(
        [agent('u1', 1, [['contact-a', 'MISSED']], T0 + 1000), agent('u2', 1, [], T0 + 1000)],
        T0 + 1000,
      );
      const round = book.round(T0 + 1000);
      assert.deepEqual(verdictsOf(round.verdicts), [['a', 'u1', 'missed']]);
      assert.deepEqual(
        round.reservations.map((r) => [r.taskId, r.userId]),
        [['a', 'u2']],
      );
    });

    it('offers the task to the agent who missed it again once the skip is over', () => {
      const { book } = offered();
      book.applySnapshot([agent('u1', 1, [['contact-a', 'REJECTED']], T0 + 1000)], T0 + 1000);
      assert.deepEqual(verdictsOf(book.round(T0 + 1000).verdicts), [['a', 'u1', 'rejected']]);
      book.applySnapshot([agent('u1', 1, [], T0 + 2000)], T0 + 2000);
      const skipping = book.round(T0 + 2000);
      assert.deepEqual(skipping.reservations, []);
      assert.equal(book.explain('a').decision?.reason, 'all-eligible-agents-excluded');
      assert.equal(skipping.nextDeadline, T0 + 1000 + SETTINGS.missedAgentSkipMs, 'wakes when the skip ends');
      assert.deepEqual(
        book.round(T0 + 1000 + SETTINGS.missedAgentSkipMs).reservations.map((r) => r.userId),
        ['u1'],
      );
    });

    it('offers nothing more to an agent who missed offers in a row, until their status changes', () => {
      const book = bookWith(task('a', T0), task('b', T0 + 1), task('c', T0 + 2));
      let now = T0;
      for (const [taskId, contactId] of [
        ['a', 'contact-a'],
        ['b', 'contact-b'],
      ]) {
        book.applySnapshot([agent('u1', 1, [], now)], now);
        const [reservation] = book.round(now).reservations;
        assert.equal(reservation.taskId, taskId);
        book.settle(reservation.reservationId, 'offered', now + 10, contactId);
        book.applySnapshot([agent('u1', 1, [[contactId, 'MISSED']], now + 20)], now + 20);
        book.round(now + 20);
        now += 1000;
      }
      book.applySnapshot([agent('u1', 1, [], now)], now);
      assert.deepEqual(book.round(now).reservations, [], 'held after two misses in a row');
      book.applySnapshot([{ ...agent('u1', 1, [], now + 1), statusSince: now + 1 }], now + 1);
      assert.deepEqual(
        book.round(now + 1).reservations.map((r) => r.taskId),
        ['c'],
        'routable again once the status changed',
      );
    });

    it('calls an offer unclear when no answer shows in time, and acts on what the task then learns', () => {
      const { book, reservation } = offered(task('b', T0 + 1));
      const timeout = T0 + 100 + SETTINGS.offerAnswerTimeoutMs;
      book.applySnapshot([agent('u1', 0, [], timeout), agent('u2', 0, [], timeout)], timeout);
      assert.deepEqual(verdictsOf(book.round(timeout).verdicts), [['a', 'u1', 'unclear']]);
      assert.deepEqual(book.round(timeout + 1).verdicts, [], 'said once');
      assert.equal(book.explain('a').state, 'reserved', 'the slot stays held while the task asks Connect');

      book.settle(reservation.reservationId, 'offer-unanswered', timeout + 500);
      book.applySnapshot(
        [agent('u1', 1, [], timeout + 600), agent('u2', 1, [], timeout + 600)],
        timeout + 600,
      );
      assert.deepEqual(
        book.round(timeout + 600).reservations.map((r) => [r.taskId, r.userId]),
        [
          ['a', 'u2'],
          ['b', 'u1'],
        ],
      );
    });

    it('paces offers at the offer rate after a burst, and says so to the tasks it holds back', () => {
      const paced = { ...SETTINGS, offersPerSecond: 2, offerBurst: 5 };
      const book = bookWithSettings(paced, ...Array.from({ length: 8 }, (_, i) => task(`t${i}`, T0 + i)));
      book.applySnapshot(
        Array.from({ length: 8 }, (_, i) => agent(`u${i}`, 1)),
        T0,
      );
      const burst = book.round(T0);
      assert.equal(burst.reservations.length, 5);
      assert.equal(book.explain('t5').decision?.reason, 'offer-pacing');
      assert.equal(burst.nextDeadline, T0 + 500, 'wakes when the next offer may go out');
      assert.equal(book.round(T0 + 499).reservations.length, 0);
      assert.deepEqual(
        book.round(T0 + 500).reservations.map((r) => r.taskId),
        ['t5'],
      );
      assert.equal(book.round(T0 + 1500).reservations.length, 2);
    });
  });

  it("names the agent in each reservation once it has read the agents' usernames", () => {
    const book = bookWith(task('a', T0), task('b', T0 + 1));
    book.applySnapshot([agent('u1', 1)], T0);
    assert.equal(book.unnamedAgents(), 'new');
    assert.deepEqual(
      book.round(T0).reservations.map((r) => r.agentName),
      [undefined],
      'unnamed until read',
    );
    book.setAgentNames({ u1: 'alice', u2: 'bob', 'someone-never-seen': 'zed' });
    assert.equal(book.unnamedAgents(), undefined);
    book.applySnapshot([agent('u1', 2)], T0 + 1000);
    assert.deepEqual(
      book.round(T0 + 1000).reservations.map((r) => [r.taskId, r.agentName]),
      [['b', 'alice']],
    );
    assert.deepEqual(book.encode().agentNames, { u1: 'alice' }, 'only the agents seen are carried');
  });

  it('asks for names at once when an agent appears after the last lookup, and now and then for one never found', () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    book.setAgentNames({});
    assert.equal(book.unnamedAgents(), 'looked-up', 'u1 was looked up and not found');
    book.applySnapshot([agent('u1', 1), agent('u2', 1)], T0 + 1000);
    assert.equal(book.unnamedAgents(), 'new', 'u2 appeared since the lookup');
    book.setAgentNames({ u2: 'bob' });
    assert.equal(book.unnamedAgents(), 'looked-up');
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

  it('offers nothing to an agent waiting to go to a next status, free slots or not', () => {
    const book = bookWith(task('a', T0));
    book.applySnapshot([{ ...agent('u1', 2), nextStatusName: 'Offline' }], T0);
    assert.deepEqual(book.round(T0).reservations, []);
    assert.equal(book.explain('a').decision?.reason, 'no-free-slot');
    book.applySnapshot([agent('u1', 2)], T0 + 1000);
    assert.deepEqual(
      book.round(T0 + 1000).reservations.map((r) => r.userId),
      ['u1'],
    );
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

  it('tells a task why it waits only once it has waited waitNoticeAfterMs, keeping its place in the count', () => {
    const settings = { ...SETTINGS, waitNoticeAfterMs: 10_000 };
    const book = bookWithSettings(settings, task('old', T0), task('new', T0 + 8_000));
    book.applySnapshot([agent('u1', 0)], T0 + 9_000);
    assert.deepEqual(book.round(T0 + 9_000).notices, [], 'nobody has waited 10 s yet');
    assert.deepEqual(
      book.round(T0 + 10_000).notices.map((n) => [n.taskId, n.position]),
      [['old', 1]],
    );
    assert.deepEqual(
      book.round(T0 + 18_000).notices.map((n) => [n.taskId, n.position, n.waitingCount]),
      [['new', 2, 2]],
    );
  });

  it('answers a join with why each joined task waits, and tells it again only when that changes', () => {
    const settings = { ...SETTINGS, waitNoticeAfterMs: 10_000 };
    const book = bookWithSettings(settings, task('ahead', T0));
    book.applySnapshot([agent('u1', 1)], T0);
    book.enqueue(task('joined', T0 + 1));
    book.enqueue(task('served', T0 + 2, { priority: 1 }));
    const round = book.round(T0 + 10);
    assert.deepEqual(
      round.reservations.map((r) => r.taskId),
      ['served'],
    );
    assert.deepEqual(
      book
        .answerJoins(['joined', 'served', 'never-joined'])
        .map((n) => [n.taskId, n.decision.reason, n.position]),
      [['joined', 'behind-tasks-ahead-in-line', 2]],
      'the reserved task is told by its reservation; the position counts the task ahead',
    );
    assert.deepEqual(book.answerJoins(['joined']), [], 'an answered task counts as told');
    book.applySnapshot([agent('u1', 0)], T0 + 20_000);
    assert.deepEqual(
      book.round(T0 + 20_000).notices.map((n) => n.taskId),
      ['ahead'],
      'no free slot is no news to the joined task, which was told it waits its turn',
    );
    book.applySnapshot([{ ...agent('u1', 0), statusName: 'Offline' }], T0 + 21_000);
    assert.deepEqual(
      book.round(T0 + 21_000).notices.map((n) => [n.taskId, n.decision.reason]),
      [
        ['ahead', 'no-agent-in-allowed-status'],
        ['joined', 'no-agent-in-allowed-status'],
      ],
    );
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
    const [missedOffer] = original.round(T0 + 100).reservations;
    // A missed offer leaves a skip and a miss count behind, which must survive too.
    original.settle(missedOffer.reservationId, 'offered', T0 + 150, 'c-missed');
    original.applySnapshot([agent(missedOffer.userId, 0, [['c-missed', 'MISSED']], T0 + 200)], T0 + 200);
    original.round(T0 + 200);
    const copy = DispatcherBook.decode(SETTINGS, JSON.parse(JSON.stringify(original.encode())));
    assert.deepEqual(copy.encode(), original.encode());
    for (const book of [original, copy]) book.applySnapshot([agent('u1', 3), agent('u2', 3)], T0 + 60_000);
    assert.deepEqual(copy.round(T0 + 60_000), original.round(T0 + 60_000));
  });

  it("carries each task's contact id across continue-as-new, with routing criteria or without", () => {
    const criteria: RoutingCriteria = {
      steps: [
        { expression: { attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 2 } } },
      ],
    };
    const tasks = [
      task('plain', T0, { contactId: 'contact-plain' }),
      task('changed', T0 + 1, { contactId: 'contact-changed', version: 2 }),
      task('skilled', T0 + 2, { contactId: 'contact-skilled', routingCriteria: criteria }),
      task('connected-later', T0 + 3, { routingCriteria: criteria }),
      task('before', T0 + 4),
    ];
    const copy = DispatcherBook.decode(SETTINGS, JSON.parse(JSON.stringify(bookWith(...tasks).encode())));
    copy.setRoutingProfileQueues('rp1', { manual: ['q1'], routed: [] });
    copy.setSkills({ u1: [{ name: 'Language', value: 'Spanish', level: 3 }] }, [], T0);
    copy.applySnapshot([agent('u1', 5)], T0 + 10);
    assert.deepEqual(
      copy.round(T0 + 10).reservations.map((r) => [r.taskId, r.contactId]),
      [
        ['plain', 'contact-plain'],
        ['changed', 'contact-changed'],
        ['skilled', 'contact-skilled'],
        ['connected-later', undefined],
        ['before', undefined],
      ],
    );
  });

  describe('queue statistics', () => {
    const iso = (ms: number) => new Date(ms).toISOString();

    /** Tasks a and b (priority 1) offered to u1 and u2, c and d (priority 2) waiting; u3 has no free slot. */
    function twoOffered() {
      const book = bookWith(
        task('a', T0, { priority: 1 }),
        task('b', T0 + 1, { priority: 1 }),
        task('c', T0 + 2, { priority: 2 }),
        task('d', T0 + 3, { priority: 2 }),
      );
      book.applySnapshot([agent('u1', 1), agent('u2', 1), agent('u3', 0)], T0 + 1_000);
      const reservations = book.round(T0 + 1_000).reservations;
      assert.deepEqual(
        reservations.map((r) => [r.taskId, r.userId]),
        [
          ['a', 'u1'],
          ['b', 'u2'],
        ],
      );
      book.settle(reservations[0]!.reservationId, 'offered', T0 + 1_100, 'contact-a');
      return { book, reservations };
    }

    it('answers from the book: what waits, the agents of the polled queues, and the waits of accepted offers', () => {
      const { book, reservations } = twoOffered();
      assert.deepEqual(book.queueStatistics(T0 + 2_000).queues, [
        {
          queueId: 'q1',
          agents: { available: 0, offered: 2, busy: 1 },
          // Offered tasks no longer wait, and none was assigned yet.
          priorities: [
            {
              priority: 2,
              waiting: 2,
              oldestWaitingSince: iso(T0 + 2),
              oldestWaitMs: 1_998,
              assigned: 0,
            },
          ],
        },
      ]);

      // Connect shows u1 accepted a; b's task learns of its acceptance itself (DescribeContact).
      book.applySnapshot(
        [agent('u1', 0, [['contact-a', 'CONNECTED']], T0 + 5_000), agent('u2', 1), agent('u3', 0)],
        T0 + 5_000,
      );
      assert.deepEqual(
        book.round(T0 + 5_000).verdicts.map(({ taskId, verdict }) => [taskId, verdict.verdict]),
        [['a', 'accepted']],
      );
      book.settle(reservations[1]!.reservationId, 'accepted', T0 + 8_001, 'contact-b');
      const statistics = book.queueStatistics(T0 + 9_000);
      assert.equal(statistics.at, iso(T0 + 9_000));
      assert.equal(statistics.agentsObservedAt, iso(T0 + 5_000));
      assert.deepEqual(statistics.queues, [
        {
          queueId: 'q1',
          // u2's accepted slot is held until Connect shows the contact.
          agents: { available: 0, offered: 0, busy: 3 },
          priorities: [
            {
              priority: 1,
              waiting: 0,
              assigned: 2,
              waitP50Ms: 5_000,
              waitP90Ms: 8_000,
              withinServiceLevel: 1,
            },
            {
              priority: 2,
              waiting: 2,
              oldestWaitingSince: iso(T0 + 2),
              oldestWaitMs: 8_998,
              assigned: 0,
            },
          ],
        },
      ]);
      assert.deepEqual(
        book.queueStatistics(T0 + 5_000 + SETTINGS.statisticsWindowMs + 1).queues[0]!.priorities[0],
        { priority: 1, waiting: 0, assigned: 1, waitP50Ms: 8_000, waitP90Ms: 8_000, withinServiceLevel: 1 },
        'a slid out of the window, b not yet',
      );
    });

    it('carries its window across continue-as-new, unless told not to (runs begun before it)', () => {
      const { book } = twoOffered();
      book.applySnapshot([agent('u1', 0, [['contact-a', 'CONNECTED']], T0 + 5_000)], T0 + 5_000);
      book.round(T0 + 5_000);
      const carried = DispatcherBook.decode(SETTINGS, JSON.parse(JSON.stringify(book.encode())));
      const { agents: _agents, ...figures } = book.queueStatistics(T0 + 6_000).queues[0]!;
      assert.deepEqual(carried.queueStatistics(T0 + 6_000).queues[0]!.priorities, figures.priorities);
      assert.equal(figures.priorities[0]!.assigned, 1);

      const older = { ...SETTINGS, carriesStatistics: false };
      const encoded = DispatcherBook.decode(older, JSON.parse(JSON.stringify(book.encode()))).encode();
      assert.equal(encoded.assignedWaits, undefined);
      assert.equal(
        DispatcherBook.decode(SETTINGS, encoded).queueStatistics(T0 + 6_000).queues[0]!.priorities[0]!
          .assigned,
        0,
      );
    });
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
