/**
 * routeTask against its contract only: the stand-in dispatcher records the signals routeTask sends
 * it, the test sends the reservations a dispatcher would, and Connect is scripted.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { makeCreateIntoLine } from '../../activities/create-into-line';
import { startRouteTask } from '../../src/client/route-task-client';
import {
  dispatcherWorkflowId,
  type OfferVerdict,
  offerVerdictSignal,
  type Reservation,
  slotReservedSignal,
  type TaskUpdate,
  type WaitingTask,
} from '../../src/shared/dispatcher-contract';
import {
  cancelRouteTaskSignal,
  type RouteTaskInput,
  reprioritizeUpdate,
  type RouteTaskResult,
  routeTaskStatusQuery,
} from '../../src/shared/route-task-contract';
import { waitUntil } from '../helpers/eventually';
import { sharedTestEnv } from '../helpers/temporal';
import { type ReceivedSignal, signalLogQuery } from './fixtures/stand-ins';
import { QUEUE_ID, runWorkflowTier, ScriptedConnect, type WorkflowTier } from './harness';

type RouteTaskHandle = Awaited<ReturnType<typeof startRouteTask>>;

interface WaitingRouteTask {
  taskId: string;
  handle: RouteTaskHandle;
  /** Every signal the task sent its dispatcher so far, in order. */
  dispatcherLog(): Promise<ReceivedSignal[]>;
  /** Polls the dispatcher's log until a signal named `signalName` satisfying `matches` is in it. */
  untilSent(signalName: string, matches?: (payload: unknown) => boolean): Promise<ReceivedSignal[]>;
  /** The task as it joined the line. */
  joined: WaitingTask;
  /** Sends a reservation; with `watchedContactId`, one whose offer the dispatcher sees for itself. */
  reserve(reservationId: string, userId: string, ttlMs?: number, watchedContactId?: string): Promise<void>;
  /** Waits until the task settles `reservationId` as offered, then says how the agent answered. */
  answer(reservationId: string, userId: string, verdict: OfferVerdict['verdict']): Promise<void>;
}

/** Runs the test with the real routeTask, the stand-in dispatcher and `connect`. */
async function withRouteTask(
  connect: ScriptedConnect,
  body: (tier: WorkflowTier) => Promise<void>,
): Promise<void> {
  await runWorkflowTier(await sharedTestEnv(), { connect: connect.activities, dispatcher: 'stand-in' }, body);
}

/** Starts a routeTask in the tier's own instance, named `<instance>/<name>`. */
function startTaskIn(tier: WorkflowTier, name: string, input: Partial<RouteTaskInput> = {}) {
  const instanceId = tier.taskQueue;
  return startRouteTask(
    tier.client,
    { instanceId, queueId: QUEUE_ID, contact: { name }, transferFlowId: TRANSFER_FLOW, ...input },
    { workflowId: `${instanceId}/${name}`, taskQueue: tier.taskQueue },
  );
}

/** The activity types a run scheduled, in order. */
async function scheduledActivities(handle: RouteTaskHandle): Promise<string[]> {
  const { events } = await handle.fetchHistory();
  return (events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

/** Starts a routeTask in the tier's own instance and returns once it has joined the line. */
async function startWaitingTask(
  tier: WorkflowTier,
  name: string,
  input: Partial<RouteTaskInput> = {},
): Promise<WaitingRouteTask> {
  const instanceId = tier.taskQueue;
  const handle = await startTaskIn(tier, name, input);
  const taskId = handle.workflowId;
  const dispatcher = tier.client.workflow.getHandle(dispatcherWorkflowId(instanceId));
  const dispatcherLog = () => dispatcher.query(signalLogQuery);
  const untilSent = (signalName: string, matches: (payload: unknown) => boolean = () => true) =>
    waitUntil(`routeTask to send ${signalName}`, async () => {
      const log = await dispatcherLog().catch(() => []);
      return log.some((signal) => signal.signalName === signalName && matches(signal.payload))
        ? log
        : undefined;
    });
  const [enqueued] = await untilSent('enqueueTask');
  const task = enqueued.payload as WaitingTask;
  assert.equal(task.taskId, taskId, 'the task registers under its workflow id');
  assert.equal(task.queueId, QUEUE_ID);
  return {
    taskId,
    handle,
    joined: task,
    dispatcherLog,
    untilSent,
    reserve: (reservationId, userId, ttlMs = 10 * 60_000, watchedContactId = undefined) => {
      const reservation: Reservation = {
        reservationId,
        taskId,
        userId,
        expiresAt: Date.now() + ttlMs,
        ...(watchedContactId === undefined ? {} : { contactId: watchedContactId }),
      };
      return handle.signal(slotReservedSignal, reservation);
    },
    async answer(reservationId, userId, verdict) {
      await untilSent('settleReservation', (payload) => {
        const settled = payload as { reservationId: string; outcome: string };
        return settled.reservationId === reservationId && settled.outcome === 'offered';
      });
      await handle.signal(offerVerdictSignal, { reservationId, userId, verdict, at: Date.now() });
    },
  };
}

function settlements(log: ReceivedSignal[]): unknown[] {
  return log.filter((signal) => signal.signalName === 'settleReservation').map((signal) => signal.payload);
}

/** What every interrupted run must leave behind: its contact stopped once, and its place in line given up. */
async function assertStoppedAndLeft(
  connect: ScriptedConnect,
  task: Pick<WaitingRouteTask, 'taskId' | 'dispatcherLog'>,
  result: RouteTaskResult,
): Promise<void> {
  assert.equal(result.contactId, connect.createdContacts[0]);
  assert.deepEqual(connect.stoppedContacts, [result.contactId], 'stopContact called once, with the contact');
  const leaving = (await task.dispatcherLog()).filter((signal) => signal.signalName === 'leaveLine');
  assert.deepEqual(
    leaving.map((signal) => signal.payload),
    [{ taskId: task.taskId }],
  );
}

const [AGENT_1, AGENT_2] = ['agent-1', 'agent-2'];
const TRANSFER_FLOW = 'transfer-to-queue-flow';

describe('routeTask with scripted activities and a stand-in dispatcher (workflow tier)', () => {
  it('queues the contact through the transfer flow, offers it to the reserved agent, and ends assigned once accepted', async () => {
    const connect = new ScriptedConnect();
    await withRouteTask(connect, async (tier) => {
      const task = await startWaitingTask(tier, 'assigned');
      const contactId = connect.createdContacts[0];
      assert.deepEqual(connect.transfers, [{ contactId, contactFlowId: TRANSFER_FLOW, queueId: QUEUE_ID }]);
      await task.reserve('r1', AGENT_1);
      await task.answer('r1', AGENT_1, 'accepted');
      const result = await task.handle.result();

      assert.equal(result.outcome, 'assigned');
      assert.equal(result.userId, AGENT_1);
      assert.equal(result.contactId, contactId);
      assert.equal(result.reservationsTried, 1);
      assert.deepEqual(
        result.offers.map((offer) => [offer.userId, offer.outcome]),
        [[AGENT_1, 'accepted']],
      );
      assert.deepEqual(connect.associations, [{ contactId, userId: AGENT_1 }]);
      assert.deepEqual(connect.stoppedContacts, []);
      assert.deepEqual(settlements(await task.dispatcherLog()), [
        { reservationId: 'r1', outcome: 'offered', contactId, taskId: task.taskId, userId: AGENT_1 },
      ]);
      assert.deepEqual(
        await scheduledActivities(task.handle),
        ['createIntoLine', 'associateContactWithUser'],
        'one activity creates, queues and joins',
      );
    });
  });

  it('transfers into line in an activity of its own where the worker only creates (its transfer lane is slower)', async () => {
    const connect = new ScriptedConnect();
    const createOnly = makeCreateIntoLine(
      connect.activities.createContact,
      async () => assert.fail('this worker does not transfer in createIntoLine'),
      false,
    );
    const tierOptions = {
      connect: { ...connect.activities, createIntoLine: createOnly },
      dispatcher: 'stand-in' as const,
    };
    await runWorkflowTier(await sharedTestEnv(), tierOptions, async (tier) => {
      const task = await startWaitingTask(tier, 'create-only');
      const contactId = connect.createdContacts[0];
      assert.equal(task.joined.contactId, contactId);
      assert.deepEqual(connect.transfers, [{ contactId, contactFlowId: TRANSFER_FLOW, queueId: QUEUE_ID }]);
      await task.reserve('r1', AGENT_1);
      await task.answer('r1', AGENT_1, 'accepted');
      assert.equal((await task.handle.result()).outcome, 'assigned');
      assert.deepEqual(await scheduledActivities(task.handle), [
        'createIntoLine',
        'transferIntoLine',
        'associateContactWithUser',
      ]);
    });
  });

  /** A ScriptedConnect whose first creation waits for `release`; `creating` settles once it is in flight. */
  function heldCreation() {
    const connect = new ScriptedConnect();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const creating = new Promise<void>((resolve) => {
      connect.beforeCreating = () => {
        resolve();
        return released;
      };
    });
    return { connect, creating, release };
  }

  it('cancelled while creating into line, waits for the creation, then stops the contact and leaves the line', async () => {
    const { connect, creating, release } = heldCreation();
    await withRouteTask(connect, async (tier) => {
      const handle = await startTaskIn(tier, 'cancelled-while-creating');
      await creating;
      await handle.cancel();
      await waitUntil('the cancel request in history', async () => {
        const { events } = await handle.fetchHistory();
        return events?.some((event) => event.activityTaskCancelRequestedEventAttributes) || undefined;
      });
      release();
      const result = await handle.result();
      assert.equal(result.outcome, 'cancelled');
      const dispatcher = tier.client.workflow.getHandle(dispatcherWorkflowId(tier.taskQueue));
      const task = { taskId: handle.workflowId, dispatcherLog: () => dispatcher.query(signalLogQuery) };
      await assertStoppedAndLeft(connect, task, result);
    });
  });

  it('tells the line of an update made while it was creating into line', async () => {
    const { connect, creating, release } = heldCreation();
    await withRouteTask(connect, async (tier) => {
      const handle = await startTaskIn(tier, 'updated-while-creating');
      await creating;
      await handle.executeUpdate(reprioritizeUpdate, { args: [{ priority: 1 }] });
      release();
      const dispatcher = tier.client.workflow.getHandle(dispatcherWorkflowId(tier.taskQueue));
      const log = await waitUntil('the update to reach the line', async () => {
        const signals = await dispatcher.query(signalLogQuery).catch(() => []);
        return signals.some((signal) => signal.signalName === 'updateTask') ? signals : undefined;
      });
      const joined = log.find((signal) => signal.signalName === 'enqueueTask')!.payload as WaitingTask;
      assert.equal(joined.priority, 5, 'the task joined as it was when the creation began');
      const update = log.find((signal) => signal.signalName === 'updateTask')!.payload as TaskUpdate;
      assert.equal(update.priority, 1);
      assert.equal(update.current?.priority, 1);
      assert.equal(update.current?.enqueuedAt, joined.enqueuedAt);
    });
  });

  it('joins with its queued contact, and does not report an offer of a reservation that names it', async () => {
    const connect = new ScriptedConnect();
    await withRouteTask(connect, async (tier) => {
      const task = await startWaitingTask(tier, 'watched');
      const contactId = connect.createdContacts[0];
      assert.equal(task.joined.contactId, contactId, 'the line knows the contact to look for');
      await task.reserve('r1', AGENT_1, undefined, contactId);
      await waitUntil('the association', async () => connect.associations.length > 0 || undefined);
      await task.handle.signal(offerVerdictSignal, {
        reservationId: 'r1',
        userId: AGENT_1,
        verdict: 'accepted',
        at: Date.now(),
      });
      const result = await task.handle.result();
      assert.equal(result.outcome, 'assigned');
      assert.equal(result.userId, AGENT_1);
      assert.deepEqual(settlements(await task.dispatcherLog()), [], 'the dispatcher saw the offer itself');
    });
  });

  it('asks Connect about an offer the dispatcher calls unseen: waits on while it rings, ends assigned once taken', async () => {
    const connect = new ScriptedConnect();
    connect.offersAccepted = false;
    await withRouteTask(connect, async (tier) => {
      const task = await startWaitingTask(tier, 'unseen');
      const contactId = connect.createdContacts[0];
      await task.reserve('r1', AGENT_1, undefined, contactId);
      await waitUntil('the association', async () => connect.associations.length > 0 || undefined);
      const verdict = (word: 'unseen' | 'unclear') =>
        task.handle.signal(offerVerdictSignal, {
          reservationId: 'r1',
          userId: AGENT_1,
          verdict: word,
          at: Date.now(),
        });
      await verdict('unseen');
      await waitUntil('DescribeContact', async () => connect.describedContacts.length > 0 || undefined);
      await sleep(300);
      assert.equal(
        (await task.handle.query(routeTaskStatusQuery)).stage,
        'offered',
        'still ringing: it waits on',
      );
      assert.deepEqual(
        settlements(await task.dispatcherLog()),
        [{ reservationId: 'r1', outcome: 'offered', contactId, taskId: task.taskId, userId: AGENT_1 }],
        'the dispatcher did not see the offer: the task reports it',
      );

      // The reservation expires unseen: the dispatcher says unclear, and Connect now shows the agent took it.
      connect.offersAccepted = true;
      await verdict('unclear');
      const result = await task.handle.result();
      assert.equal(result.outcome, 'assigned');
      assert.deepEqual(settlements(await task.dispatcherLog()).slice(1), [
        { reservationId: 'r1', outcome: 'accepted', contactId, taskId: task.taskId, userId: AGENT_1 },
      ]);
    });
  });

  it('after a missed offer waits for the next reservation with the same contact; after no word, asks Connect', async () => {
    const connect = new ScriptedConnect();
    await withRouteTask(connect, async (tier) => {
      const task = await startWaitingTask(tier, 'missed-then-unclear');
      const contactId = connect.createdContacts[0];
      await task.reserve('r1', AGENT_1);
      await task.answer('r1', AGENT_1, 'missed');
      await task.reserve('r2', AGENT_2);
      // No answer seen in Connect's agent data: the task asks DescribeContact, which shows AGENT_2.
      await task.answer('r2', AGENT_2, 'unclear');
      const result = await task.handle.result();

      assert.equal(result.outcome, 'assigned');
      assert.equal(result.userId, AGENT_2);
      assert.deepEqual(
        result.offers.map((offer) => [offer.userId, offer.contactId, offer.outcome]),
        [
          [AGENT_1, contactId, 'missed'],
          [AGENT_2, contactId, 'accepted'],
        ],
      );
      assert.deepEqual(connect.createdContacts, [contactId], 'one contact, whatever the offers');
      assert.equal(result.attemptsByActivity.describeContact, 1);
      assert.deepEqual(settlements(await task.dispatcherLog()), [
        { reservationId: 'r1', outcome: 'offered', contactId, taskId: task.taskId, userId: AGENT_1 },
        { reservationId: 'r2', outcome: 'offered', contactId, taskId: task.taskId, userId: AGENT_2 },
        { reservationId: 'r2', outcome: 'accepted', contactId, taskId: task.taskId, userId: AGENT_2 },
      ]);
    });
  });

  it('keeps no timer while offered, and asks Connect at once about an offer its dispatcher was not there to hear of', async () => {
    const connect = new ScriptedConnect();
    await withRouteTask(connect, async (tier) => {
      const task = await startWaitingTask(tier, 'offer-unheard');
      // Gone (terminated, say): the signal that tells it of the offer fails, and no verdict would come.
      await tier.client.workflow.getHandle(dispatcherWorkflowId(tier.taskQueue)).terminate('gone');
      await task.reserve('r1', AGENT_1);
      const result = await task.handle.result();

      assert.equal(result.outcome, 'assigned');
      assert.equal(result.userId, AGENT_1);
      assert.equal(result.attemptsByActivity.describeContact, 1);
      const { events } = await task.handle.fetchHistory();
      assert.equal(
        events?.filter((event) => event.timerStartedEventAttributes).length,
        0,
        'no timer: the dispatcher answers every offer it hears of',
      );
    });
  });

  const unansweredAssociations: [string, () => Promise<void>][] = [
    [
      'fails',
      async () => {
        throw ApplicationFailure.nonRetryable('The agent has no free slot', 'InvalidRequestException');
      },
    ],
    // Until the worker shuts down: routeTask must give up within the reservation's time on its own.
    ['never answers', () => sleep(10 * 60_000, undefined, { signal: Context.current().cancellationSignal })],
  ];
  for (const [how, unanswered] of unansweredAssociations) {
    it(`settles a reservation as agent-unavailable when the association ${how}, and takes the next one`, async () => {
      const connect = new ScriptedConnect();
      connect.beforeAssociating = async (userId) => {
        if (userId === AGENT_1) await unanswered();
      };
      await withRouteTask(connect, async (tier) => {
        const task = await startWaitingTask(tier, `association-${how.replace(' ', '-')}`);
        // Expiring soon: routeTask must end the call a safety margin before then.
        await task.reserve('r1', AGENT_1, 6_000);
        await task.untilSent(
          'settleReservation',
          (payload) => (payload as { reservationId: string }).reservationId === 'r1',
        );
        await task.reserve('r2', AGENT_2);
        await task.answer('r2', AGENT_2, 'accepted');
        const result = await task.handle.result();

        const contactId = connect.createdContacts[0];
        assert.equal(result.outcome, 'assigned');
        assert.equal(result.userId, AGENT_2);
        assert.equal(result.reservationsTried, 2);
        assert.deepEqual(
          connect.associations.map((association) => association.userId),
          [AGENT_1, AGENT_2],
        );
        assert.deepEqual(settlements(await task.dispatcherLog()), [
          {
            reservationId: 'r1',
            outcome: 'agent-unavailable',
            contactId,
            taskId: task.taskId,
            userId: AGENT_1,
          },
          { reservationId: 'r2', outcome: 'offered', contactId, taskId: task.taskId, userId: AGENT_2 },
        ]);
      });
    });
  }

  const cancellations: [string, (handle: RouteTaskHandle) => Promise<void>][] = [
    ['the cancel signal', (handle) => handle.signal(cancelRouteTaskSignal, { reason: 'customer withdrew' })],
    ['workflow cancellation', (handle) => handle.cancel().then(() => undefined)],
  ];
  for (const [how, cancel] of cancellations) {
    it(`on ${how}, stops the contact, leaves the line and ends cancelled`, async () => {
      const connect = new ScriptedConnect();
      await withRouteTask(connect, async (tier) => {
        const task = await startWaitingTask(tier, `cancelled-by-${how.replace(/ /g, '-')}`);
        await cancel(task.handle);
        const result = await task.handle.result();

        assert.equal(result.outcome, 'cancelled');
        await assertStoppedAndLeft(connect, task, result);
        assert.deepEqual(connect.associations, []);
      });
    });
  }

  it('ends with outcome deadline when no agent took it within deadlineSeconds, and stops the contact', async () => {
    const connect = new ScriptedConnect();
    await withRouteTask(connect, async (tier) => {
      const task = await startWaitingTask(tier, 'deadline', { deadlineSeconds: 1 });
      const result = await task.handle.result();

      assert.equal(result.outcome, 'deadline');
      await assertStoppedAndLeft(connect, task, result);
    });
  });
});
