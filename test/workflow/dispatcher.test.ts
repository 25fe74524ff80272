/**
 * connectDispatcher against its contract: stand-in tasks record the reservations and wait notices
 * it sends and settle when told, and Connect is scripted (who is free, how many slots).
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { getDispatcherStatus, getQueueStatistics } from '../../src/client/dispatcher-client';
import { RunAlreadyEndedError } from '../../src/client/workflow-runs';
import {
  type AgentState,
  agentsChangedSignal,
  CLOSING_RUN_MEMO_KEY,
  type DispatcherSettings,
  type DispatcherStatus,
  dispatcherStatusQuery,
  dispatcherWorkflowId,
  explainTaskQuery,
  leaveLineSignal,
  type Reservation,
  settleReservationSignal,
  tasksJoinedSignal,
  type WaitingTask,
  type WaitNotice,
} from '../../src/shared/dispatcher-contract';
import { makeRegisterWithDispatcher } from '../../activities/register-with-dispatcher';
import type { connectDispatcher } from '../../workflows/dispatcher';
import { waitUntil } from '../helpers/eventually';
import { sharedTestEnv } from '../helpers/temporal';
import { waitingTask } from '../helpers/waiting-task';
import {
  endSignal,
  inboxQuery,
  standInTask,
  type StandInTaskInbox,
  startSettlingSignal,
} from './fixtures/stand-ins';
import {
  QUEUE_ID,
  realWorkflowBundle,
  ROUTING_PROFILE_ID,
  runWorkflowTier,
  ScriptedConnect,
  type WorkflowTier,
} from './harness';

const EventType = temporal.api.enums.v1.EventType;
const UNHANDLED_COMMAND =
  temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND;

/**
 * Short enough to keep each test to seconds (no test asserts how long anything took). No catch-up
 * hold: the scripted Connect never shows contacts on agents, so a settled slot is free at once.
 */
// Tasks are told why they wait at once, so that the tests can watch it.
const FAST: Partial<DispatcherSettings> = {
  pollIntervalMs: 100,
  catchUpMs: 0,
  waitNoticeAfterMs: 0,
  closingNoticeMs: 50,
};

interface Line {
  client: Client;
  instanceId: string;
  dispatcher: WorkflowHandle<typeof connectDispatcher>;
  /** Why each task waits, as the answer to its join said (absent: reserved at once, or not said). */
  joinNotices: Map<string, WaitNotice | undefined>;
  /** Starts one more stand-in task and puts it at the end of the line. */
  join(task: LineTask): Promise<void>;
  taskId(name: string): string;
  task(name: string): WorkflowHandle<typeof standInTask>;
  /** Polls a task's inbox until `predicate` holds. */
  untilInbox(
    name: string,
    what: string,
    predicate: (inbox: StandInTaskInbox) => boolean,
  ): Promise<StandInTaskInbox>;
  /** Polls the dispatcher's status until `predicate` holds (a query between runs counts as not yet). */
  untilStatus(what: string, predicate: (status: DispatcherStatus) => boolean): Promise<DispatcherStatus>;
}

/**
 * Runs the real dispatcher with `settings` and the scripted Connect, starts stand-in tasks and
 * registers them in order, as routeTask does: each joins the line behind the ones before it.
 */
async function withLine(
  connect: ScriptedConnect,
  settings: Partial<DispatcherSettings>,
  tasks: LineTask[],
  body: (line: Line) => Promise<void>,
): Promise<void> {
  const temporal = await sharedTestEnv();
  await runWorkflowTier(temporal, { connect: connect.activities, dispatcher: { settings } }, async (tier) =>
    body(await startLine(tier, tasks)),
  );
}

/** A stand-in task to put in line: `contactId`, the contact it joins with (none: create-connected). */
interface LineTask {
  name: string;
  settles: boolean;
  contactId?: string;
}

async function startLine(tier: WorkflowTier, tasks: LineTask[]): Promise<Line> {
  const instanceId = tier.taskQueue;
  const dispatcherId = dispatcherWorkflowId(instanceId);
  const taskId = (name: string) => `${instanceId}/${name}`;
  const joinNotices = new Map<string, WaitNotice | undefined>();
  const join = async ({ name, settles, contactId }: LineTask, enqueuedAt: number) => {
    await tier.client.workflow.start(standInTask, {
      workflowId: taskId(name),
      taskQueue: tier.standInTaskQueue,
      args: [{ dispatcherId, settles }],
    });
    const { notice } = await tier.register({
      instanceId,
      task: waitingTask(taskId(name), enqueuedAt, { queueId: QUEUE_ID, ...(contactId ? { contactId } : {}) }),
    });
    joinNotices.set(name, notice);
  };
  const firstInLine = Date.now();
  for (const [place, task] of tasks.entries()) await join(task, firstInLine + place);
  const dispatcher = tier.client.workflow.getHandle<typeof connectDispatcher>(dispatcherId);
  const task = (name: string) => tier.client.workflow.getHandle<typeof standInTask>(taskId(name));
  return {
    client: tier.client,
    instanceId,
    dispatcher,
    joinNotices,
    join: (task) => join(task, Date.now()),
    taskId,
    task,
    untilInbox: (name, what, predicate) =>
      waitUntil(`${name}: ${what}`, async () => {
        const inbox = await task(name).query(inboxQuery);
        return predicate(inbox) ? inbox : undefined;
      }),
    untilStatus: (what, predicate) =>
      waitUntil(`the dispatcher: ${what}`, async () => {
        const status = await dispatcher.query(dispatcherStatusQuery).catch(() => undefined);
        return status && predicate(status) ? status : undefined;
      }),
  };
}

/** An agent of the scripted routing profile, Available with no free TASK slot. */
function busyAgent(userId: string): AgentState {
  return {
    userId,
    routingProfileId: ROUTING_PROFILE_ID,
    statusName: 'Available',
    statusSince: Date.parse('2025-01-01T00:00:00.000Z'),
    freeTaskSlots: 0,
    contacts: [],
    observedAt: 0,
  };
}

/** Every task served or forgotten, and no slot still reserved. */
function isEmpty(status: DispatcherStatus): boolean {
  return status.waitingCount === 0 && status.reservationCount === 0;
}

/** When the dispatcher made a reservation: it stamps each with its TTL from that moment. */
function reservedAt(reservation: Reservation, reservationTtlMs: number): number {
  return reservation.expiresAt - reservationTtlMs;
}

/** Whether the dispatcher sent `signalName` to `workflowId` and Temporal reported the signal failed. */
async function signalFailed(
  dispatcher: WorkflowHandle,
  workflowId: string,
  signalName: string,
): Promise<boolean> {
  const events = (await dispatcher.fetchHistory()).events ?? [];
  const initiated = events.filter(
    (event) =>
      event.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED &&
      event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === signalName &&
      event.signalExternalWorkflowExecutionInitiatedEventAttributes.workflowExecution?.workflowId ===
        workflowId,
  );
  return events.some(
    (event) =>
      event.eventType === EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED &&
      initiated.some(
        (sent) =>
          Number(sent.eventId) ===
          Number(event.signalExternalWorkflowExecutionFailedEventAttributes?.initiatedEventId),
      ),
  );
}

describe('connectDispatcher with scripted activities (workflow tier)', () => {
  it('releases a reservation its task never settles and serves that task again first, from its old place', async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 1);
    const reservationTtlMs = 1_500;
    await withLine(
      connect,
      { ...FAST, reservationTtlMs },
      [
        { name: 'first', settles: false },
        { name: 'second', settles: true },
      ],
      async (line) => {
        const first = await line.untilInbox(
          'first',
          'a second reservation',
          (inbox) => inbox.reservations.length >= 2,
        );
        const [expired, renewed] = first.reservations;
        assert.equal(expired.userId, 'agent-1');
        assert.equal(renewed.userId, 'agent-1', 'the released slot went back to the task at the head');
        assert.notEqual(renewed.reservationId, expired.reservationId);
        assert.ok(
          reservedAt(renewed, reservationTtlMs) >= expired.expiresAt,
          'the slot was reserved again only once the first reservation had expired',
        );
        assert.deepEqual(
          (await line.task('second').query(inboxQuery)).reservations,
          [],
          'the task behind did not jump the line',
        );

        await line.task('first').signal(startSettlingSignal);
        await line.task('first').result();
        const second = await line.task('second').result();
        assert.deepEqual(
          second.reservations.map((reservation) => reservation.userId),
          ['agent-1'],
          'the next free slot went to the task behind: nothing lost',
        );
        await line.untilStatus('nothing waiting or reserved', isEmpty);
      },
    );
  });

  it('forgets a task that ended before its reservation reached it, and gives the slot to the next task', async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 0);
    await withLine(
      connect,
      FAST,
      [
        { name: 'gone', settles: false },
        { name: 'next', settles: true },
      ],
      async (line) => {
        for (const name of ['gone', 'next']) {
          assert.equal(
            line.joinNotices.get(name)?.decision.reason,
            'no-free-slot',
            `${name}: the join's answer`,
          );
        }
        await line.task('gone').signal(endSignal);
        await line.task('gone').result();

        connect.freeTaskSlots.set('agent-1', 1);
        const next = await line.task('next').result();
        assert.deepEqual(
          next.reservations.map((reservation) => reservation.userId),
          ['agent-1'],
        );
        assert.ok(
          await signalFailed(line.dispatcher, line.taskId('gone'), 'slotReserved'),
          'the slot was reserved for the ended task first, and that signal failed',
        );
        const gone = await line.dispatcher.query(explainTaskQuery, line.taskId('gone'));
        assert.equal(gone.state, 'unknown', 'the dispatcher forgot the ended task');
        await line.untilStatus('nothing waiting or reserved', isEmpty);
      },
    );
  });

  it('answers unclear an offer settled on a reservation it does not hold, so the task asks Connect', async () => {
    const connect = new ScriptedConnect();
    await withLine(connect, FAST, [{ name: 'offered-elsewhere', settles: false }], async (line) => {
      const taskId = line.taskId('offered-elsewhere');
      // A reservation lapsed and forgotten, say: the task's word comes, and nobody watches that agent for it.
      await line.dispatcher.signal(settleReservationSignal, {
        reservationId: 'not-held',
        outcome: 'offered',
        contactId: 'contact-x',
        taskId,
        userId: 'agent-9',
      });
      const inbox = await line.untilInbox('offered-elsewhere', 'a verdict', (box) => box.verdicts.length > 0);
      assert.deepEqual(
        inbox.verdicts.map(({ reservationId, userId, verdict }) => [reservationId, userId, verdict]),
        [['not-held', 'agent-9', 'unclear']],
      );
      await line.task('offered-elsewhere').signal(endSignal);
    });
  });

  it('schedules each poll at once, to wait in its activity: no timer between polls', async () => {
    const connect = new ScriptedConnect();
    await withLine(
      connect,
      { ...FAST, pollIntervalMs: 500 },
      [{ name: 'waits', settles: false }],
      async (line) => {
        const { pollCount } = await line.untilStatus('ten polls', (status) => status.pollCount >= 10);
        const events = (await line.dispatcher.fetchHistory()).events ?? [];
        const polls = events.filter(
          (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === 'getCurrentUserData',
        );
        assert.ok(polls.length >= 10, `${polls.length} polls scheduled`);
        assert.equal(events.filter((event) => event.timerStartedEventAttributes).length, 0, 'no timer');
        const waits = polls.map((event) => {
          const data = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0]?.data;
          return (JSON.parse(Buffer.from(data!).toString('utf8')) as { waitMs?: number }).waitMs ?? 0;
        });
        // A poll already due when the loop comes round (a round slower than the interval, on a loaded
        // machine) is made at once; every other one waits out the rest of the interval in its activity.
        const madeAtOnce = waits.slice(1).filter((waitMs) => waitMs === 0).length;
        assert.ok(
          waits.every((waitMs) => waitMs >= 0 && waitMs <= 500) && madeAtOnce <= 1,
          `each poll after the first waits out the rest of the interval in its activity: ${waits.join(', ')}`,
        );
        const status = await line.dispatcher.query(dispatcherStatusQuery);
        assert.ok(status.pollCount >= pollCount);
        await line.task('waits').signal(endSignal);
      },
    );
  });

  it('makes a poll already due at once, with no timer, when each poll takes longer than the interval', async () => {
    const connect = new ScriptedConnect();
    connect.pollDurationMs = 300;
    await withLine(
      connect,
      { ...FAST, pollIntervalMs: 200 },
      [{ name: 'waits', settles: false }],
      async (line) => {
        await line.untilStatus('five polls', (status) => status.pollCount >= 5);
        const events = (await line.dispatcher.fetchHistory()).events ?? [];
        assert.equal(events.filter((event) => event.timerStartedEventAttributes).length, 0, 'no timer');
        await line.task('waits').signal(endSignal);
      },
    );
  });

  it('keeps one timer for its next poll however many signals wake it before then', async () => {
    const connect = new ScriptedConnect();
    await withLine(
      connect,
      { ...FAST, pollIntervalMs: 600_000 },
      [{ name: 'waits', settles: false }],
      async (line) => {
        await line.untilStatus('a first poll', (status) => status.pollCount > 0);
        for (let i = 0; i < 20; i += 1) {
          await line.dispatcher.signal(leaveLineSignal, { taskId: line.taskId(`never-joined-${i}`) });
        }
        const events = await waitUntil('the dispatcher to take the 20 signals', async () => {
          const history = (await line.dispatcher.fetchHistory()).events ?? [];
          const taken = history.filter((event) => event.workflowExecutionSignaledEventAttributes);
          return taken.length >= 20 ? history : undefined;
        });
        const timers = events.filter((event) => event.timerStartedEventAttributes).length;
        assert.ok(timers <= 2, `${timers} timers for 20 wake-ups before the next poll`);
        await line.task('waits').signal(endSignal);
      },
    );
  });

  it('takes a slot back after the TTL when the settleReservation never arrives', async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 1);
    const reservationTtlMs = 1_000;
    await withLine(
      connect,
      { ...FAST, reservationTtlMs },
      [
        { name: 'silent', settles: false },
        { name: 'next', settles: true },
      ],
      async (line) => {
        await line.untilInbox('silent', 'a reservation', (inbox) => inbox.reservations.length > 0);
        // It ends without a word: its settleReservation is lost.
        await line.task('silent').signal(endSignal);
        const [lost] = (await line.task('silent').result()).reservations;

        const [taken] = (await line.task('next').result()).reservations;
        assert.equal(taken.userId, lost.userId, 'the same slot went to the next task');
        assert.ok(
          reservedAt(taken, reservationTtlMs) >= lost.expiresAt,
          'the slot came back only once the unsettled reservation had expired',
        );
        const silent = await line.dispatcher.query(explainTaskQuery, line.taskId('silent'));
        assert.equal(silent.state, 'unknown');
        await line.untilStatus('nothing waiting or reserved', isEmpty);
      },
    );
  });

  it("tells each task why it waits in its join's answer, and by signal only when the reason changes", async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 0);
    // One poll only: the agent's new status comes by the push path.
    await withLine(
      connect,
      { ...FAST, pollIntervalMs: 600_000 },
      [
        { name: 'first', settles: false },
        { name: 'second', settles: false },
      ],
      async (line) => {
        assert.deepEqual(
          ['first', 'second'].map((name) => {
            const notice = line.joinNotices.get(name);
            return [notice?.taskId, notice?.decision.reason, notice?.position];
          }),
          [
            [line.taskId('first'), 'no-free-slot', 1],
            [line.taskId('second'), 'no-free-slot', 2],
          ],
        );
        // Rounds come with every signal; a busy agent's new state is no news to either task.
        await line.dispatcher.signal(agentsChangedSignal, [
          { ...busyAgent('agent-1'), observedAt: Date.now() },
        ]);
        await line.untilStatus('a round after the push', (status) => status.agentsKnown === 1);
        await line.dispatcher.signal(agentsChangedSignal, [
          { ...busyAgent('agent-1'), statusName: 'Offline', observedAt: Date.now() },
        ]);
        for (const name of ['first', 'second']) {
          const { notices } = await line.untilInbox(
            name,
            'told the agent went offline',
            (inbox) => inbox.notices.length > 0,
          );
          assert.deepEqual(
            notices.map((notice) => notice.decision.reason),
            ['no-agent-in-allowed-status'],
            `${name}: one signal, for the new reason only`,
          );
        }
        for (const name of ['first', 'second']) await line.task(name).signal(endSignal);
      },
    );
  });

  it("sees the offer of a task that joined with its contact in Connect's data, and tells it the agent accepted", async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 1);
    await withLine(
      connect,
      FAST,
      [{ name: 'watched', settles: false, contactId: 'contact-w' }],
      async (line) => {
        const { reservations } = await line.untilInbox(
          'watched',
          'a reservation',
          (inbox) => inbox.reservations.length > 0,
        );
        assert.equal(reservations[0].contactId, 'contact-w', 'the reservation says the dispatcher watches');
        // The task offers the contact (as routeTask does) and says nothing: Connect's data shows it.
        await connect.activities.associateContactWithUser({ contactId: 'contact-w', userId: 'agent-1' });
        const { verdicts } = await line.untilInbox(
          'watched',
          'a verdict',
          (inbox) => inbox.verdicts.length > 0,
        );
        assert.deepEqual(
          verdicts.map((verdict) => [verdict.reservationId, verdict.userId, verdict.verdict]),
          [[reservations[0].reservationId, 'agent-1', 'accepted']],
        );
        await line.task('watched').signal(endSignal);
        await line.untilStatus('nothing waiting or reserved', isEmpty);
      },
    );
  });

  it('applies every agent state of an agentsChanged signal and matches at once, ignoring states older than its poll', async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 0);
    // One poll only: whatever happens after it is the push path's doing.
    await withLine(
      connect,
      { ...FAST, pollIntervalMs: 600_000 },
      [{ name: 'pushed', settles: true }],
      async (line) => {
        assert.equal(line.joinNotices.get('pushed')?.decision.reason, 'no-free-slot', "the join's answer");
        const { pollCount } = await line.dispatcher.query(dispatcherStatusQuery);
        const state = (userId: string, fields: Partial<AgentState>): AgentState => ({
          userId,
          routingProfileId: 'rp-pushed',
          statusName: 'Available',
          statusSince: Date.parse('2020-01-01T00:00:00.000Z'),
          freeTaskSlots: 1,
          contacts: [],
          observedAt: Date.now(),
          ...fields,
        });
        await line.dispatcher.signal(agentsChangedSignal, [
          // Idle longest, so it would be chosen first, but its state is older than the dispatcher's poll.
          state('agent-stale', { statusSince: 0, observedAt: 0 }),
          state('agent-offline', { statusName: 'Offline' }),
          state('agent-1', {}),
        ]);
        const { reservations } = await line.task('pushed').result();
        assert.deepEqual(
          reservations.map((reservation) => reservation.userId),
          ['agent-1'],
        );
        const status = await line.dispatcher.query(dispatcherStatusQuery);
        assert.equal(status.pollCount, pollCount, 'no poll happened in between');
        assert.equal(status.agentsKnown, 2, 'agent-1 and agent-offline; the stale state was ignored');
      },
    );
  });

  it('continues as new while signals keep coming: no task is lost when the server fails a continue-as-new, and every run replays', async () => {
    await floodUntilContinued(async (tier, dispatcher) => {
      const instanceId = tier.taskQueue;
      await tier.register({ instanceId, task: waitingTask(`${instanceId}/first`, Date.now()) });
      const signalJoin = async (task: WaitingTask) => {
        // The server refuses a signal while the run is closing (RESOURCE_EXHAUSTED): send it again.
        for (let tries = 1; ; tries += 1) {
          try {
            await dispatcher.signal(tasksJoinedSignal, { tasks: [task] });
            await sleep(10);
            return;
          } catch (error) {
            if (tries >= 20 || !/workflow is closing/.test(String(error))) throw error;
            await sleep(50);
          }
        }
      };
      return { senders: Array.from({ length: 8 }, () => signalJoin), inLine: 1 };
    });
  });

  it('continues as new while joins keep coming: an update never fails the continue-as-new, and no task is lost', async () => {
    const { failedContinues } = await floodUntilContinued(async (tier) => {
      // Eight workers' registerWithDispatcher, each sending its next update once its last one completed.
      const senders = Array.from({ length: 8 }, () => {
        const register = makeRegisterWithDispatcher({
          temporal: tier.client,
          taskQueue: tier.taskQueue,
          dispatcherTaskQueue: tier.taskQueue,
          dispatcherSettings: FLOODED,
          lineJoins: { intervalMs: 0 },
        });
        return async (task: WaitingTask) => {
          await register({ instanceId: tier.taskQueue, task });
        };
      });
      return { senders, inLine: 0 };
    }, 'joins');
    assert.equal(failedContinues, 0, 'no continue-as-new failed while the joins came by update');
  });

  it("names itself in its memo before it continues as new or ends, and the package's clients ask the next run", async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 0);
    // With a task waiting it polls every 100 ms: 40 events come within a second or so.
    const settings = { ...FAST, continueAsNewAfterEvents: 40, closingNoticeMs: 3_000, idleShutdownMs: 500 };
    await withLine(connect, settings, [{ name: 'waits', settles: false }], async (line) => {
      const { client } = line;
      const closingRun = await untilClosingRun(line.dispatcher);
      const status = await getDispatcherStatus(client, line.instanceId);
      assert.equal(status.runsSoFar, 2, 'answered by the run after the closing one');
      const { runId, memo } = await line.dispatcher.describe();
      assert.notEqual(runId, closingRun);
      assert.notEqual(memo?.[CLOSING_RUN_MEMO_KEY], runId, 'the next run does not say it is closing');
      const closed = await client.workflow.getHandle(line.dispatcher.workflowId, closingRun).fetchHistory();
      const noticedAt = closed.events!.findIndex((event) => event.workflowPropertiesModifiedEventAttributes);
      const timerAt = closed.events!.findIndex((event) => event.timerStartedEventAttributes);
      assert.ok(noticedAt >= 0 && timerAt > noticedAt, 'the notice, then the pause, in the closed run');

      await line.dispatcher.signal(leaveLineSignal, { taskId: line.taskId('waits') });
      await line.dispatcher.result();
      await assert.rejects(getQueueStatistics(client, line.instanceId), RunAlreadyEndedError);
    });
  });

  it('goes on when a task joins while it is about to end idle, and no longer names itself as closing', async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 0);
    const settings = { ...FAST, closingNoticeMs: 3_000, idleShutdownMs: 300 };
    await withLine(connect, settings, [{ name: 'leaves', settles: false }], async (line) => {
      await line.dispatcher.signal(leaveLineSignal, { taskId: line.taskId('leaves') });
      const closingRun = await untilClosingRun(line.dispatcher);
      await line.join({ name: 'late', settles: false });
      await waitUntil('the run to take its notice back', async () => {
        const { memo } = await line.dispatcher.describe();
        return memo?.[CLOSING_RUN_MEMO_KEY] === undefined ? true : undefined;
      });
      const { runId, status } = await line.dispatcher.describe();
      assert.deepEqual([runId, status.name], [closingRun, 'RUNNING'], 'the same run goes on');
      assert.equal((await getDispatcherStatus(line.client, line.instanceId)).waitingCount, 1);
    });
  });

  it('continues-as-new with tasks waiting and reservations held, and serves every task exactly once', async () => {
    const connect = new ScriptedConnect();
    connect.freeTaskSlots.set('agent-1', 1);
    connect.freeTaskSlots.set('agent-2', 1);
    const names = ['t1', 't2', 't3', 't4', 't5', 't6'];
    // A few dozen events per run: with tasks waiting, it polls (and grows its history) every 100 ms.
    const settings = { ...FAST, reservationTtlMs: 10 * 60_000, continueAsNewAfterEvents: 40 };
    await withLine(
      connect,
      settings,
      names.map((name) => ({ name, settles: false })),
      async (line) => {
        const carried = await line.untilStatus('a second run', (status) => status.runsSoFar >= 2);
        assert.equal(carried.reservationCount, 2, 'both reservations are still held');
        assert.equal(carried.waitingCount, 4, 'the other tasks still wait');
        const inboxes = await Promise.all(names.map((name) => line.task(name).query(inboxQuery)));
        assert.deepEqual(
          inboxes.map((inbox) => inbox.reservations.length),
          [1, 1, 0, 0, 0, 0],
          'the two oldest hold the reservations, and nobody was reserved twice',
        );

        await Promise.all(names.map((name) => line.task(name).signal(startSettlingSignal)));
        const results = await Promise.all(names.map((name) => line.task(name).result()));
        assert.deepEqual(
          results.map((result) => result.reservations.length),
          names.map(() => 1),
          'every task was reserved exactly once',
        );
        const reservationIds = results.map((result) => result.reservations[0].reservationId);
        assert.equal(new Set(reservationIds).size, names.length, 'no reservation id was handed out twice');
        const final = await line.untilStatus('nothing waiting or reserved', isEmpty);
        assert.ok(final.runsSoFar > 1, `only ${final.runsSoFar} run(s)`);
      },
    );
  });
});

/** The id of the dispatcher's run once it names itself in its memo as about to close. */
function untilClosingRun(dispatcher: WorkflowHandle<typeof connectDispatcher>): Promise<string> {
  return waitUntil('the run to name itself as closing', async () => {
    const { runId, memo } = await dispatcher.describe();
    return memo?.[CLOSING_RUN_MEMO_KEY] === runId ? runId : undefined;
  });
}

/**
 * Every run of the dispatcher: how many of its continue-as-new tasks the server failed, and a replay
 * of each run that continued as new (at least four), which must find no nondeterminism.
 */
async function replayEveryClosedRun(
  tier: WorkflowTier,
  dispatcherId: string,
): Promise<{ failedContinues: number }> {
  const runs = [];
  for await (const run of tier.client.workflow.list({ query: `WorkflowId = '${dispatcherId}'` })) {
    runs.push(await tier.client.workflow.getHandle(dispatcherId, run.runId).fetchHistory());
  }
  const failedContinues = runs
    .flatMap((history) => history.events ?? [])
    .filter((event) => event.workflowTaskFailedEventAttributes?.cause === UNHANDLED_COMMAND).length;
  const closed = runs.filter((history) =>
    history.events?.some(
      (event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    ),
  );
  assert.ok(closed.length >= 4, `${closed.length} runs continued as new`);
  for (const history of closed) {
    await Worker.runReplayHistory({ workflowBundle: await realWorkflowBundle() }, history, dispatcherId);
  }
  return { failedContinues };
}

/** No agent is free and nobody is told why they wait: the tasks only join, and the line only grows. */
const FLOODED = { ...FAST, waitNoticeAfterMs: 10 * 60_000, continueAsNewAfterEvents: 120 };

/**
 * Senders, made by `makeSenders` once the tier runs (with `inLine` tasks already in line), put tasks
 * in a dispatcher's line until it has continued as new four times (or 3,000 tasks, or 60 s). Then
 * every task must be in line, and every run that continued as new must replay; returns how many
 * continue-as-new tasks the server failed.
 */
async function floodUntilContinued(
  makeSenders: (
    tier: WorkflowTier,
    dispatcher: WorkflowHandle<typeof connectDispatcher>,
  ) => Promise<{ senders: ((task: WaitingTask) => Promise<void>)[]; inLine: number }>,
  what = 'signals',
): Promise<{ failedContinues: number }> {
  return runWorkflowTier(
    await sharedTestEnv(),
    { connect: new ScriptedConnect().activities, dispatcher: { settings: FLOODED } },
    async (tier) => {
      const instanceId = tier.taskQueue;
      const dispatcherId = dispatcherWorkflowId(instanceId);
      const dispatcher = tier.client.workflow.getHandle<typeof connectDispatcher>(dispatcherId);
      const { senders, inLine } = await makeSenders(tier, dispatcher);
      let sent = 0;
      let runsSoFar = 0;
      const deadline = Date.now() + 60_000;
      const flooding = () => sent < 3_000 && runsSoFar < 5 && Date.now() < deadline;
      const send = async (senderIndex: number) => {
        for (let n = 0; flooding(); n += 1) {
          sent += 1;
          await senders[senderIndex]!(waitingTask(`${instanceId}/s${senderIndex}-${n}`, Date.now()));
        }
      };
      // Runs counted from the server (a query needs the worker, which may be replaying the run).
      const runIds = new Set<string>();
      const watcher = async () => {
        while (flooding()) {
          const described = await dispatcher.describe().catch(() => undefined);
          if (described) runIds.add(described.runId);
          runsSoFar = runIds.size;
          await sleep(50);
        }
      };
      await Promise.all([watcher(), ...senders.map((_, i) => send(i))]);
      assert.ok(runsSoFar >= 5, `the dispatcher continued ${runsSoFar - 1} time(s) under ${sent} ${what}`);

      const expected = inLine + sent;
      const status = await waitUntil('every task in line', async () => {
        const now = await dispatcher.query(dispatcherStatusQuery).catch(() => undefined);
        return now && now.waitingCount === expected ? now : undefined;
      });
      assert.equal(status.waitingCount, expected, 'no task lost across the runs');
      const { raw } = await dispatcher.describe();
      assert.equal(
        Number(raw.executionConfig?.defaultWorkflowTaskTimeout?.seconds),
        30,
        'the last run kept the workflow task timeout its first run was started with',
      );
      const { failedContinues } = await replayEveryClosedRun(tier, dispatcherId);
      console.log(
        `      ${sent} ${what}, ${runsSoFar} runs, ${failedContinues} continue-as-new task(s) failed`,
      );
      return { failedContinues };
    },
  );
}
