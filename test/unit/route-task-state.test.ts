import assert from 'node:assert/strict';
import { TypedSearchAttributes } from '@temporalio/common';
import type { Reservation, WaitNotice } from '../../src/shared/dispatcher-contract';
import {
  parseRouteTaskInput,
  ROUTE_TASK_SETTINGS,
  type RouteTaskInput,
} from '../../src/shared/route-task-contract';
import {
  CONTACT_ENDED,
  RouteTaskState,
  type RouteTaskRunRules,
  WORKFLOW_CANCELLED,
} from '../../src/shared/route-task-state';
import {
  ConnectAgentId,
  ConnectContactId,
  ConnectInstanceId,
  ConnectQueueId,
  RoutingStage,
  TaskPriority,
} from '../../src/shared/search-attributes';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const INSTANCE = '12345678-aaaa-bbbb-cccc-1234567890ab';
const CONTACT = { contactId: 'contact-1', createdAt: new Date(T0 + 100).toISOString() };
/** What startRouteTask sets when it starts a run. */
const STARTED_BY_CLIENT = new TypedSearchAttributes([
  { key: ConnectInstanceId, value: INSTANCE },
  { key: ConnectQueueId, value: 'billing' },
  { key: TaskPriority, value: 5 },
  { key: RoutingStage, value: 'creating' },
]);

function stateFor(
  overrides: Partial<RouteTaskInput> = {},
  startAttributes = new TypedSearchAttributes(),
  rules?: RouteTaskRunRules,
): RouteTaskState {
  const transfer =
    (overrides.strategy ?? 'create-then-associate') === 'create-then-associate'
      ? { transferFlowId: 'transfer-to-queue' }
      : {};
  const parsed = parseRouteTaskInput(
    { instanceId: INSTANCE, queueId: 'billing', contact: { name: 'Call back' }, ...transfer, ...overrides },
    new Date(T0),
  );
  assert.ok(parsed.ok, 'the test input is valid');
  return new RouteTaskState(parsed.request, 'task-1', T0, startAttributes, rules);
}

function reservation(userId: string, expiresAt: number, reservationId = `r-${userId}`): Reservation {
  return { reservationId, taskId: 'task-1', userId, expiresAt };
}

const NO_FREE_SLOT: WaitNotice = {
  taskId: 'task-1',
  decision: { reason: 'no-free-slot', candidateCount: 2 },
  position: 3,
  waitingCount: 7,
};

/** Created, in line since T0 + 1000 and published, as a create-then-associate run is before its first reservation. */
function waitingState(overrides: Partial<RouteTaskInput> = {}, rules?: RouteTaskRunRules): RouteTaskState {
  const state = stateFor(overrides, undefined, rules);
  state.takeAttributeChanges();
  state.contactCreated(CONTACT);
  state.joinedLine(state.joinLine(T0 + 1000), T0 + 1000);
  state.takeAttributeChanges();
  return state;
}

describe('RouteTaskState', () => {
  it('shows each stage of an assigned run in its status and details', () => {
    const state = stateFor();
    assert.equal(state.status().stage, 'creating');
    assert.equal(state.details(T0), '**creating** · queue `billing` · priority 5');

    state.contactCreated(CONTACT);
    const task = state.joinLine(T0 + 1000);
    assert.equal(state.status().waitingSince, undefined, 'not waiting before the dispatcher has the task');
    // The join's answer says why it waits.
    state.joinedLine(task, T0 + 2000, NO_FREE_SLOT);
    const waiting = state.status();
    assert.equal(waiting.stage, 'waiting-for-agent');
    assert.equal(waiting.contactId, 'contact-1');
    assert.equal(waiting.waitingSince, new Date(T0 + 1000).toISOString());
    assert.equal(waiting.position, 3);
    assert.equal(waiting.waitingCount, 7);
    assert.equal(waiting.candidateCount, 2);
    assert.deepEqual(waiting.lastDecision, {
      reason: 'no-free-slot',
      at: new Date(T0 + 2000).toISOString(),
      explanation: 'All 2 eligible agent(s) are at their TASK capacity (position 3 of 7 waiting).',
    });
    assert.equal(
      state.details(T0 + 2000),
      [
        '**waiting-for-agent** · queue `billing` · priority 5',
        'Contact `contact-1`',
        `Waiting since ${new Date(T0 + 1000).toISOString()}`,
        'All 2 eligible agent(s) are at their TASK capacity (position 3 of 7 waiting).',
      ].join('\n\n'),
    );

    state.receiveReservation(reservation('alice', T0 + 60_000));
    state.takeReservation(T0 + 3000);
    const assigning = state.status();
    assert.equal(assigning.stage, 'assigning');
    assert.equal(assigning.userId, 'alice');
    assert.deepEqual(assigning.currentReservation, {
      userId: 'alice',
      expiresAt: new Date(T0 + 60_000).toISOString(),
    });
    assert.equal(assigning.reservationsTried, 1);
    assert.match(state.details(T0 + 3000), /\*\*assigning\*\*[\s\S]*Assigning to agent `alice`$/);
    assert.doesNotMatch(state.details(T0 + 3000), /Waiting since/);

    state.reservationOffered(CONTACT, T0 + 4000);
    assert.equal(state.status().stage, 'offered');
    assert.equal(state.status().userId, 'alice');
    assert.deepEqual(state.status().offers, [
      { userId: 'alice', contactId: 'contact-1', offeredAt: new Date(T0 + 4000).toISOString() },
    ]);
    assert.match(state.details(T0 + 4000), /Offered to agent `alice` at .*: waiting for the agent to accept/);
    state.offerAnswered('accepted', T0 + 5000);
    state.finishAssigned();
    const assigned = state.status();
    assert.equal(assigned.stage, 'assigned');
    assert.equal(assigned.contactId, 'contact-1');
    assert.equal(assigned.userId, 'alice', 'the agent who accepted');
    assert.equal(assigned.currentReservation, undefined, 'the reservation is settled');
    assert.match(state.details(T0 + 5000), /Accepted by agent `alice`/);
  });

  it("keeps a notice signalled before the join's answer arrived: the answer's reason is older", () => {
    const state = stateFor();
    state.contactCreated(CONTACT);
    const task = state.joinLine(T0 + 1000);
    const newer: WaitNotice = {
      ...NO_FREE_SLOT,
      decision: { reason: 'no-agent-in-allowed-status', candidateCount: 0 },
    };
    state.noteWait(newer, T0 + 3000);
    state.joinedLine(task, T0 + 3100, NO_FREE_SLOT);
    assert.equal(state.status().lastDecision?.reason, 'no-agent-in-allowed-status');
    assert.equal(state.status().lastDecision?.at, new Date(T0 + 3000).toISOString());
  });

  it('returns the assigned result: wait from joining the line to the acceptance, and every offer', () => {
    const state = waitingState();
    state.receiveReservation(reservation('bob', T0 + 60_000));
    state.takeReservation(T0 + 2000);
    state.reservationOffered(CONTACT, T0 + 2500);
    state.offerAnswered('missed', T0 + 3000);
    assert.equal(state.status().stage, 'waiting-for-agent');
    assert.equal(state.status().contactId, 'contact-1', 'the same contact, back in its queue');
    assert.match(state.details(T0 + 3000), /Earlier offers: agent `bob` missed at/);
    state.receiveReservation({ ...reservation('alice', T0 + 60_000), agentName: 'Alice A.' });
    state.takeReservation(T0 + 3000);
    state.reservationOffered(CONTACT, T0 + 4500);
    assert.match(state.details(T0 + 4500), /Offered to Alice A\. \(`alice`\) at/);
    state.offerAnswered('accepted', T0 + 6000);
    assert.deepEqual(state.finishAssigned(), {
      outcome: 'assigned',
      contactId: 'contact-1',
      userId: 'alice',
      queueId: 'billing',
      createdAt: CONTACT.createdAt,
      assignedAt: new Date(T0 + 6000).toISOString(),
      waitedMs: 5000,
      reservationsTried: 2,
      attemptsByActivity: {},
      offers: [
        {
          userId: 'bob',
          contactId: 'contact-1',
          offeredAt: new Date(T0 + 2500).toISOString(),
          outcome: 'missed',
          answeredAt: new Date(T0 + 3000).toISOString(),
        },
        {
          userId: 'alice',
          agentName: 'Alice A.',
          contactId: 'contact-1',
          offeredAt: new Date(T0 + 4500).toISOString(),
          outcome: 'accepted',
          answeredAt: new Date(T0 + 6000).toISOString(),
        },
      ],
    });
  });

  it("reads the dispatcher's word on the current offer only, and waits for it without a limit", () => {
    const state = waitingState();
    state.receiveReservation(reservation('alice', T0 + 60_000));
    state.takeReservation(T0 + 2000);
    state.reservationOffered(CONTACT, T0 + 2000);
    assert.equal(state.hasNews, false);
    assert.equal(state.waitLimitMs(T0 + 2000), undefined, 'no timer: the dispatcher answers every offer');
    state.receiveVerdict({ reservationId: 'r-other', userId: 'bob', verdict: 'missed', at: T0 + 2100 });
    assert.equal(state.hasNews, false, 'a word on another offer is not news');
    assert.equal(state.takeOfferWord(T0 + 2200), undefined);
    state.receiveVerdict({ reservationId: 'r-alice', userId: 'alice', verdict: 'rejected', at: T0 + 2300 });
    assert.equal(state.hasNews, true);
    assert.equal(state.takeOfferWord(T0 + 2300)?.word, 'rejected');
    assert.equal(state.hasNews, false, 'taken once');
    assert.equal(state.takeOfferWord(T0 + 2300 + ROUTE_TASK_SETTINGS.offerVerdictWaitMs), undefined);
  });

  it('asks Connect at once about an offer the dispatcher did not hear of', () => {
    const state = waitingState();
    state.receiveReservation(reservation('alice', T0 + 60_000));
    state.takeReservation(T0 + 2000);
    state.reservationOffered(CONTACT, T0 + 2000);
    state.offerUnheard(T0 + 2100);
    assert.equal(state.hasNews, true);
    assert.equal(state.takeOfferWord(T0 + 2100)?.word, 'unclear');
  });

  it('runs begun before: ask Connect after offerVerdictWaitMs without a word, on a timer', () => {
    const state = waitingState({}, { skipsBriefStages: true, asksConnectAfterSilence: true });
    state.receiveReservation(reservation('alice', T0 + 60_000));
    state.takeReservation(T0 + 2000);
    state.reservationOffered(CONTACT, T0 + 2000);
    assert.equal(state.waitLimitMs(T0 + 2000), ROUTE_TASK_SETTINGS.offerVerdictWaitMs);
    state.offerUnheard(T0 + 2100);
    assert.equal(state.hasNews, false, 'their replays decide as they did');
    assert.equal(state.takeOfferWord(T0 + 2000 + ROUTE_TASK_SETTINGS.offerVerdictWaitMs)?.word, 'unclear');
  });

  it('create-connected: no contact until one is created under a reservation, then it carries the contact', () => {
    const state = stateFor({ strategy: 'create-connected' });
    state.joinedLine(state.joinLine(T0), T0);
    state.receiveReservation(reservation('alice', T0 + 60_000));
    const taken = state.takeReservation(T0 + 1000);
    assert.equal(taken?.contact, undefined);
    assert.equal(state.status().contactId, undefined);
    state.reservationOffered(CONTACT, T0 + 2000);
    assert.equal(state.status().contactId, 'contact-1');
    assert.deepEqual(state.offerAnswered('missed', T0 + 2500), {
      contactToStop: { contactId: 'contact-1', createdAt: CONTACT.createdAt, expiresAt: undefined },
    });
    assert.equal(state.status().contactId, undefined, 'the next reservation creates a new contact');
    state.receiveReservation(reservation('bob', T0 + 60_000));
    assert.equal(state.takeReservation(T0 + 3000)?.contact, undefined);
    state.reservationOffered({ ...CONTACT, contactId: 'contact-2' }, T0 + 3500);
    assert.deepEqual(state.offerAnswered('accepted', T0 + 4000), {});
    assert.equal(state.finishAssigned().contactId, 'contact-2');
  });

  it('skips reservations past their expiry and tries the first one still valid', () => {
    const state = waitingState();
    state.receiveReservation(reservation('alice', T0 + 5000));
    state.receiveReservation(reservation('bob', T0 + 6000));
    state.receiveReservation(reservation('carol', T0 + 60_000));
    const taken = state.takeReservation(T0 + 6000);
    assert.equal(taken?.reservation.userId, 'carol');
    assert.equal(taken?.tryNumber, 1, 'an expired reservation is not a try');
    assert.equal(taken?.contact?.contactId, 'contact-1');
    assert.equal(state.hasNews, false);
  });

  it('takes nothing, and keeps waiting, when every reservation has expired', () => {
    const state = waitingState();
    state.receiveReservation(reservation('alice', T0 + 5000));
    assert.equal(state.takeReservation(T0 + 5000), undefined);
    assert.equal(state.status().stage, 'waiting-for-agent');
    assert.equal(state.status().reservationsTried, 0);
  });

  it('gives a call under a reservation until the safety margin before its expiry, and never less than the minimum', () => {
    const { reservationSafetyMarginMs, minimumReservationCallMs } = ROUTE_TASK_SETTINGS;
    const state = waitingState();
    state.receiveReservation(reservation('alice', T0 + 60_000));
    assert.equal(state.takeReservation(T0 + 10_000)?.budgetMs, 50_000 - reservationSafetyMarginMs);
    state.reservationFailed();
    state.receiveReservation(reservation('bob', T0 + 20_000));
    const late = state.takeReservation(T0 + 20_000 - reservationSafetyMarginMs);
    assert.equal(late?.budgetMs, minimumReservationCallMs);
    assert.equal(late?.tryNumber, 2);
  });

  it('goes back to waiting after a failed reservation, and declines the reservations left once assigned', () => {
    const state = waitingState();
    state.receiveReservation(reservation('alice', T0 + 60_000));
    state.takeReservation(T0 + 2000);
    state.reservationFailed();
    assert.equal(state.status().stage, 'waiting-for-agent');
    assert.equal(state.status().userId, undefined);
    state.receiveReservation(reservation('bob', T0 + 60_000));
    state.takeReservation(T0 + 3000);
    state.receiveReservation(reservation('carol', T0 + 60_000));
    state.reservationOffered(CONTACT, T0 + 4000);
    state.offerAnswered('accepted', T0 + 4500);
    assert.deepEqual(
      state.takeUnusedReservations().map(({ userId }) => userId),
      ['carol'],
    );
    assert.deepEqual(state.takeUnusedReservations(), []);
    assert.equal(state.finishAssigned().reservationsTried, 2);
  });

  describe('widening', () => {
    it('is immediate without preferred agents', () => {
      const state = stateFor();
      const task = state.joinLine(T0 + 1000);
      assert.equal(task.widenAt, T0 + 1000);
      assert.equal(state.status().widensAt, undefined);
    });

    it('keeps to preferred agents for widenAfterSeconds from joining the line, and says so while it does', () => {
      const state = stateFor({ preferredAgentIds: ['bob'], widenAfterSeconds: 30 });
      assert.equal(state.status().widensAt, undefined, 'no widening time before the line');
      state.contactCreated(CONTACT);
      const task = state.joinLine(T0 + 1000);
      assert.equal(task.widenAt, T0 + 31_000);
      assert.deepEqual(task.preferredAgentIds, ['bob']);
      state.joinedLine(task, T0 + 1000);
      assert.equal(state.status().widensAt, new Date(T0 + 31_000).toISOString());
      const preferred = `Preferred agents: bob; widening to the whole queue at ${new Date(T0 + 31_000).toISOString()}`;
      assert.ok(state.details(T0 + 30_999).endsWith(preferred));
      assert.ok(!state.details(T0 + 31_000).includes('Preferred agents'), 'not once widened');
    });

    it('setPreferredAgents restarts widening from now; the dispatcher hears it only once it has the task', () => {
      const state = stateFor({ widenAfterSeconds: 30 });
      const before = state.setPreferredAgents({ preferredAgentIds: ['bob'] }, T0 + 500);
      assert.deepEqual(before.answer, {
        preferredAgentIds: ['bob'],
        widensAt: new Date(T0 + 30_500).toISOString(),
      });
      assert.equal(before.dispatcherChange, undefined, 'not registered yet: the line gets it on joining');
      const task = state.joinLine(T0 + 1000);
      assert.equal(task.widenAt, T0 + 30_500, 'joining keeps the widening the update set');
      assert.deepEqual(task.preferredAgentIds, ['bob']);
      state.joinedLine(task, T0 + 1000);

      const after = state.setPreferredAgents(
        { preferredAgentIds: ['carol'], widenAfterSeconds: 10 },
        T0 + 5000,
      );
      // With the whole task as it now is: the dispatcher may hold the task only in a line segment.
      const changed = { preferredAgentIds: ['carol'], widenAt: T0 + 15_000 };
      assert.deepEqual(after.dispatcherChange, {
        taskId: task.taskId,
        ...changed,
        current: { ...task, ...changed, version: 1 },
      });
      assert.deepEqual(after.attributes, []);
      assert.deepEqual(state.status().preferredAgentIds, ['carol']);
      assert.equal(state.status().widensAt, new Date(T0 + 15_000).toISOString());

      const none = state.setPreferredAgents({ preferredAgentIds: [] }, T0 + 6000);
      const widened = { preferredAgentIds: [], widenAt: T0 + 6000 };
      assert.deepEqual(none.dispatcherChange, {
        taskId: task.taskId,
        ...widened,
        current: { ...task, ...widened, version: 2 },
      });
      assert.equal(state.status().widensAt, undefined);
    });

    it('an update made while the task was on its way into the line is the change the line needs on joining', () => {
      const quiet = stateFor();
      const unchanged = quiet.joinLine(T0 + 1000);
      assert.equal(quiet.joinedLine(unchanged, T0 + 2000), undefined, 'nothing changed: nothing to send');

      const state = stateFor({ widenAfterSeconds: 30 });
      const task = state.joinLine(T0 + 1000);
      state.reprioritize(2);
      state.setPreferredAgents({ preferredAgentIds: ['bob'] }, T0 + 1500);
      const missed = state.joinedLine(task, T0 + 2000);
      const changed = { priority: 2, preferredAgentIds: ['bob'], widenAt: T0 + 31_500 };
      assert.deepEqual(missed, {
        taskId: task.taskId,
        ...changed,
        current: { ...task, ...changed, version: 1 },
      });
    });
  });

  describe('interruptions', () => {
    const expiring = { contact: { name: 'Call back', expiryDurationInMinutes: 1 }, deadlineSeconds: 30 };
    const expiresAt = Date.parse(CONTACT.createdAt) + 60_000;

    it('none before the deadline or expiry; the wait ends at the nearer one', () => {
      const state = waitingState(expiring);
      assert.equal(state.interruption(T0 + 29_999), undefined);
      assert.equal(state.waitLimitMs(T0 + 10_000), 20_000);
      assert.equal(state.waitLimitMs(T0 + 30_000), 1, 'never a zero wait');
      assert.equal(waitingState().waitLimitMs(T0), undefined, 'no deadline, no expiry: no limit');
      const expiryFirst = waitingState({ ...expiring, deadlineSeconds: 3600 });
      assert.equal(expiryFirst.waitLimitMs(T0), expiresAt - T0);
    });

    it('cancel before expiry before deadline', () => {
      const state = waitingState(expiring);
      assert.deepEqual(state.interruption(T0 + 30_000), {
        outcome: 'deadline',
        reason: 'no agent took the task within the deadline of 30 s',
      });
      assert.deepEqual(state.interruption(expiresAt), {
        outcome: 'expired',
        reason: 'the contact reached its expiry before an agent took it',
      });
      state.requestCancel('customer called back');
      state.requestCancel('a second request keeps the first reason');
      assert.equal(state.hasNews, true);
      assert.deepEqual(state.interruption(expiresAt), {
        outcome: 'cancelled',
        reason: 'customer called back',
      });
    });

    it('a cancel without a reason', () => {
      const state = stateFor();
      state.requestCancel(undefined);
      assert.deepEqual(state.interruption(T0), { outcome: 'cancelled', reason: 'cancel requested' });
    });

    it('the expiry counts from when the contact was created, through either way Connect sets it', () => {
      const state = stateFor({
        contact: {
          name: 'Call back',
          segmentAttributes: {
            'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 2 } } },
          },
        },
      });
      assert.equal(state.interruption(T0 + 10 * 60_000), undefined, 'no contact yet, nothing to expire');
      state.contactCreated(CONTACT);
      assert.equal(state.interruption(Date.parse(CONTACT.createdAt) + 120_000 - 1), undefined);
      assert.equal(state.interruption(Date.parse(CONTACT.createdAt) + 120_000)?.outcome, 'expired');
    });

    it('stopping a waiting task leaves the line and stops its contact, then returns the interrupted result', () => {
      const state = waitingState();
      state.receiveReservation(reservation('alice', T0 + 60_000));
      state.takeReservation(T0 + 2000);
      const stopping = state.stop(WORKFLOW_CANCELLED);
      assert.equal(stopping.leavesLine, true);
      assert.equal(stopping.contact?.contactId, 'contact-1');
      assert.equal(state.status().stage, 'stopping');
      assert.equal(state.status().userId, 'alice', 'stopped while assigning: the reservation still shows');
      state.countAttempts('stopContact', 1);
      assert.deepEqual(state.finishInterrupted(), {
        outcome: 'cancelled',
        reason: 'the workflow was cancelled',
        contactId: 'contact-1',
        queueId: 'billing',
        createdAt: CONTACT.createdAt,
        reservationsTried: 1,
        offers: [],
        attemptsByActivity: { stopContact: 1 },
      });
      assert.equal(state.status().stage, 'cancelled');
      assert.equal(state.status().waitingSince, new Date(T0 + 1000).toISOString());
    });

    it('a contact that ended in Connect stops the run as expired, without the failed reservation', () => {
      const state = waitingState();
      state.receiveReservation(reservation('alice', T0 + 60_000));
      state.takeReservation(T0 + 2000);
      state.reservationFailed();
      state.stop(CONTACT_ENDED);
      assert.equal(state.status().userId, undefined);
      const result = state.finishInterrupted();
      assert.equal(result.outcome, 'expired');
      assert.equal(result.reason, 'the contact ended in Connect before an agent took it');
    });

    it('a run stopped before it joined the line has nothing to leave, and one without a contact nothing to stop', () => {
      const state = stateFor({ strategy: 'create-connected' });
      const stopping = state.stop({ outcome: 'deadline', reason: 'late' });
      assert.equal(stopping.leavesLine, false);
      assert.equal(stopping.contact, undefined);
      const result = state.finishInterrupted();
      assert.equal(result.contactId, undefined);
      assert.equal(result.outcome, 'deadline');
    });
  });

  describe('search attributes', () => {
    it('go out once per stage change, with only what changed since the run started', () => {
      const state = stateFor({}, STARTED_BY_CLIENT);
      assert.deepEqual(state.takeAttributeChanges(), [], 'startRouteTask set them all already');

      state.contactCreated(CONTACT);
      assert.deepEqual(state.takeAttributeChanges(), [], 'the contact id waits for the next stage');
      state.joinedLine(state.joinLine(T0 + 1000), T0 + 1000);
      assert.deepEqual(state.takeAttributeChanges(), [
        { key: ConnectContactId, value: 'contact-1' },
        { key: RoutingStage, value: 'waiting-for-agent' },
      ]);
      assert.deepEqual(state.takeAttributeChanges(), [], 'nothing new while the stage stays');

      state.receiveReservation(reservation('alice', T0 + 60_000));
      state.takeReservation(T0 + 2000);
      assert.deepEqual(state.takeAttributeChanges(), [], 'assigning lasts one call: not upserted');
      state.reservationOffered(CONTACT, T0 + 3000);
      assert.deepEqual(state.takeAttributeChanges(), [
        { key: ConnectAgentId, value: 'alice' },
        { key: RoutingStage, value: 'offered' },
      ]);
      state.offerAnswered('accepted', T0 + 3500);
      state.finishAssigned();
      assert.deepEqual(state.takeAttributeChanges(), [{ key: RoutingStage, value: 'assigned' }]);
    });

    it('a failed assignment back to waiting-for-agent upserts nothing', () => {
      const state = stateFor({}, STARTED_BY_CLIENT);
      state.contactCreated(CONTACT);
      state.joinedLine(state.joinLine(T0 + 1000), T0 + 1000);
      state.takeAttributeChanges();
      state.receiveReservation(reservation('alice', T0 + 60_000));
      state.takeReservation(T0 + 2000);
      state.reservationFailed();
      assert.deepEqual(state.takeAttributeChanges(), []);
    });

    it('a run started without them (another SDK, the CLI) sets them with its first stage', () => {
      const state = stateFor({ priority: 9 });
      assert.deepEqual(state.takeAttributeChanges(), [
        { key: ConnectInstanceId, value: INSTANCE },
        { key: ConnectQueueId, value: 'billing' },
        { key: TaskPriority, value: 9 },
        { key: RoutingStage, value: 'creating' },
      ]);
    });

    it('a new priority goes out at once, and the start value does not undo it', () => {
      const state = stateFor();
      const update = state.reprioritize(2);
      assert.equal(update.answer, 2);
      assert.deepEqual(update.attributes, [{ key: TaskPriority, value: 2 }]);
      assert.equal(update.dispatcherChange, undefined);
      assert.deepEqual(state.takeAttributeChanges(), [
        { key: ConnectInstanceId, value: INSTANCE },
        { key: ConnectQueueId, value: 'billing' },
        { key: RoutingStage, value: 'creating' },
      ]);
      assert.equal(state.status().priority, 2);
      assert.equal(state.joinLine(T0).priority, 2);
    });

    it('the dispatcher hears a new priority while it has the task', () => {
      const state = waitingState();
      const { taskId, priority, current } = state.reprioritize(1).dispatcherChange!;
      assert.deepEqual({ taskId, priority }, { taskId: 'task-1', priority: 1 });
      assert.deepEqual([current?.priority, current?.version], [1, 1]);
      assert.match(state.details(T0), /priority 1$/m);
    });
  });

  it('tallies attempts per activity across calls', () => {
    const state = waitingState();
    state.countAttempts('createContact', 3);
    state.countAttempts('describeContact', 1);
    state.countAttempts('describeContact', 2);
    state.receiveReservation(reservation('alice', T0 + 60_000));
    state.takeReservation(T0 + 2000);
    state.reservationOffered(CONTACT, T0 + 3000);
    state.offerAnswered('accepted', T0 + 3500);
    assert.deepEqual(state.finishAssigned().attemptsByActivity, { createContact: 3, describeContact: 3 });
  });

  it('refuses a step out of order', () => {
    const state = stateFor();
    assert.throws(() => state.reservationFailed(), /routeTask is creating, not assigning/);
  });

  describe('when Connect refuses the contact as over the active-task quota', () => {
    it('waits by the error policy row, in sight, and says when it tries again', () => {
      const state = stateFor({
        errorPolicy: {
          ServiceQuotaExceededException: { initialInterval: 2_000, maximumInterval: 5_000, jitter: 'none' },
        },
      });
      const refusal = 'The instance has 2500 active tasks, its quota of 2500';
      assert.deepEqual(state.instanceFull(T0, refusal), { retryInMs: 2_000, firstRefusal: true });
      assert.deepEqual(state.instanceFull(T0 + 2_000, refusal), { retryInMs: 4_000, firstRefusal: false });
      assert.deepEqual(state.instanceFull(T0 + 6_000, refusal), { retryInMs: 5_000, firstRefusal: false });
      const status = state.status();
      assert.equal(status.stage, 'creating');
      assert.equal(status.waitingForCapacitySince, new Date(T0).toISOString());
      assert.match(
        state.details(T0 + 6_000),
        /Connect's instance is full: it refused the contact 3 time\(s\) since 2026-03-02T10:00:00.000Z \(The instance has 2500 active tasks.*\); trying again at 2026-03-02T10:00:11.000Z/,
      );
      state.contactCreated(CONTACT);
      assert.equal(state.status().waitingForCapacitySince, undefined, 'created: no longer waiting for room');
    });

    it('does not wait when the policy says the refusal is not retried', () => {
      const state = stateFor({ errorPolicy: { ServiceQuotaExceededException: { retryable: false } } });
      assert.equal(state.instanceFull(T0, 'full'), undefined);
    });
  });
});
