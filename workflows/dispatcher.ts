/**
 * connectDispatcher: one long-running workflow per Connect instance. It polls GetCurrentUserData
 * for the queues that have waiting tasks or open offers at a fixed budget (never more often because
 * more tasks wait), matches free TASK slots to the line within the offer rate, hands out
 * reservations so that no two tasks are given the same slot, and tells each task how the agent
 * answered its offer (accepted, missed, rejected) as Connect shows it. An `agentsChanged` signal
 * (the push path) triggers a round at once.
 */
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  setHandler,
  type SignalDefinition,
  sleep,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { UserDataSummary } from '../activities';
import {
  agentsChangedSignal,
  type AgentState,
  CLOSING_RUN_MEMO_KEY,
  DEFAULT_DISPATCHER_SETTINGS,
  type DispatcherInput,
  type DispatcherSettings,
  type DispatcherStatus,
  dispatcherStatusQuery,
  enqueueTaskSignal,
  explainTaskQuery,
  joinLineUpdate,
  leaveLineSignal,
  lineSegmentReturnedSignal,
  offerVerdictSignal,
  POLL_WAIT_MAX_MS,
  type QueueStatistics,
  queueStatisticsQuery,
  settleReservationSignal,
  slotReservedSignal,
  tasksJoinedSignal,
  updateTaskSignal,
  waitNoticeSignal,
  type WaitingTask,
} from '../src/shared/dispatcher-contract';
import { activityRetryPolicy, resolveErrorPolicy } from '../src/shared/error-policy';
import { lineSegmentWorkflowId, returnLineSegmentSignal } from '../src/shared/line-segment-contract';
import { DispatcherBook } from '../src/shared/routing/dispatcher-book';
import { ConnectInstanceId } from '../src/shared/search-attributes';
import { QueueStatisticsGauges } from '../src/worker/workflow-metrics';
import { Alarm } from './alarm';
import { proxyRoutingActivities } from './connect-calls';
import { connectLineSegment } from './line-segment';

export async function connectDispatcher(input: DispatcherInput): Promise<DispatcherStatus> {
  // A new run records one marker, for the newest rule, which implies every rule before it (one
  // search-attribute upsert where each marker costs one). Runs begun before it recorded a marker per
  // rule, oldest first, and their replays must ask for them in that order.
  // Runs begun before it closed without a notice in their memo.
  const noticesClosing = patched('dispatcher-closing-notice');
  // Runs begun before it started a 1 ms timer when a poll was already due as the loop came to wait.
  const pollsWhenDue = noticesClosing || patched('dispatcher-polls-when-due');
  // Runs begun before it started a timer for each poll due, instead of scheduling the poll at once.
  const pollsAhead = pollsWhenDue || patched('dispatcher-polls-ahead');
  // Runs begun before it reserved no contact id, and had every task report its offer.
  const watchesOffers = pollsAhead || patched('dispatcher-watches-offers');
  // Runs begun before it answered a join at once, and told tasks why they wait by signal only.
  const answersJoins = watchesOffers || patched('dispatcher-join-answers');
  const {
    delaysWaitNotices,
    respectsNextStatus,
    boundsTheLine,
    carriesStatistics,
    revivesLapsedOffers,
    answersUnheldOffers,
    keepsOneAlarm,
  } = answersJoins ? EVERY_EARLIER_RULE : earlierRulesOfThisRun();
  const alarm = new Alarm();
  /** An agent state as this run decides with it (see respectsNextStatus). */
  const asDecided = ({ nextStatusName, ...agent }: AgentState): AgentState =>
    respectsNextStatus && nextStatusName !== undefined ? { ...agent, nextStatusName } : agent;
  const settings: DispatcherSettings = {
    ...DEFAULT_DISPATCHER_SETTINGS,
    ...(delaysWaitNotices ? {} : { waitNoticeAfterMs: 0 }),
    ...input.settings,
    ...(boundsTheLine
      ? {}
      : { lineHeadPerClass: Number.MAX_SAFE_INTEGER, carriedLineMaxBytes: Number.MAX_SAFE_INTEGER }),
  };
  const bookSettings = {
    ...settings,
    carriesStatistics,
    revivesLapsedOffers,
    answersUnheldOffers,
    watchesOffers,
  };
  const book = input.carried
    ? DispatcherBook.decode(bookSettings, input.carried.book)
    : new DispatcherBook(bookSettings);
  const counters = {
    pollCount: input.carried?.pollCount ?? 0,
    getCurrentUserDataCalls: input.carried?.getCurrentUserDataCalls ?? 0,
    runsSoFar: (input.carried?.runsSoFar ?? 0) + 1,
  };
  const {
    getCurrentUserData,
    listRoutingProfileManualAssignmentQueues,
    listRoutingProfileQueues,
    listUserProficiencies,
    listUsers,
  } = proxyRoutingActivities(input.taskQueue, {
    startToCloseTimeout: '30 seconds',
    // A poll that cannot succeed within this long is given up; the next one is due soon anyway.
    scheduleToCloseTimeout: '2 minutes',
    retry: activityRetryPolicy(resolveErrorPolicy(input.errorPolicy)),
  });
  upsertSearchAttributes([{ key: ConnectInstanceId, value: input.instanceId }]);

  let roundRequested = true;
  let lastPollAt: number | undefined;
  let nextPollAt = 0;
  let nextDeadline: number | undefined;
  let routingProfilesReadAt = Date.now();
  let agentNamesReadAt: number | undefined;
  let nextSkillReadAt = 0;
  let readingSkills = false;
  let busySince = Date.now();
  /** A poll scheduled ahead of its time, waiting in its activity: no other poll starts meanwhile. */
  let pollInFlight = false;
  /** That poll, once landed: the loop awaits it, so that what failed it fails the loop. */
  let landedPoll: Promise<void> | undefined;
  /** Rounds done by this run: a join is answered after the first round that had it in line. */
  let roundsDone = 0;
  /** While the run waits for its handlers before it ends or continues as new, no round comes. */
  let closing = false;
  const statisticsGauges = new QueueStatisticsGauges();

  function joinLine(tasks: WaitingTask[], answered = false): void {
    for (const task of tasks) book.enqueue(task, answered);
    roundRequested = true;
  }
  setHandler(enqueueTaskSignal, (task) => joinLine([task]));
  setHandler(tasksJoinedSignal, ({ tasks }) => joinLine(tasks));
  setHandler(joinLineUpdate, async ({ tasks }) => {
    joinLine(tasks, answersJoins);
    if (!answersJoins) return;
    const joinedBefore = roundsDone;
    await condition(() => roundsDone > joinedBefore || closing);
    return { notices: book.answerJoins(tasks.map((task) => task.taskId)) };
  });
  setHandler(leaveLineSignal, ({ taskId }) => {
    book.leave(taskId);
    // A slot offered to the task is free again.
    roundRequested = true;
  });
  setHandler(updateTaskSignal, (update) => {
    roundRequested = book.update(update) || roundRequested;
  });
  setHandler(lineSegmentReturnedSignal, ({ segmentId, tasks }) => {
    book.segmentReturned(segmentId, tasks);
    roundRequested = true;
  });
  setHandler(settleReservationSignal, ({ reservationId, outcome, contactId, taskId, userId }) => {
    const settledBy = taskId === undefined || userId === undefined ? undefined : { taskId, userId };
    book.settle(reservationId, outcome, Date.now(), contactId, settledBy);
    roundRequested = true;
  });
  setHandler(agentsChangedSignal, (agents) => {
    for (const agent of agents) book.applyAgentUpdate(asDecided(agent));
    roundRequested = true;
  });
  setHandler(dispatcherStatusQuery, () => statusNow());
  setHandler(explainTaskQuery, (taskId) => book.explain(taskId));
  setHandler(queueStatisticsQuery, () => queueStatisticsNow());

  /** Polls Connect, after `waitMs` in the activity when scheduled ahead of its time. */
  async function poll(waitMs = 0): Promise<void> {
    // The activity calls no sooner than this: the data is at least as new, the safe time to stamp it with.
    const startedAt = Date.now() + waitMs;
    lastPollAt = startedAt;
    counters.pollCount += 1;
    const queueIds = book.queuesToWatch();
    try {
      const result = await getCurrentUserData.executeWithOptions(
        { summary: `Poll agents of ${queueIds.length} queue(s)` },
        [
          {
            instanceId: input.instanceId,
            queueIds,
            errorPolicy: input.errorPolicy,
            ...(waitMs > 0 ? { waitMs } : {}),
          },
        ],
      );
      counters.getCurrentUserDataCalls += result.requestCount;
      book.applySnapshot(
        result.agents.flatMap((agent) => toAgentState(agent, startedAt).map(asDecided)),
        startedAt,
      );
      nextPollAt = startedAt + Math.max(1, result.requestCount) * settings.pollIntervalMs;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('GetCurrentUserData failed; polling again after a back-off', { error: error.cause?.message });
      nextPollAt = startedAt + settings.pollFailureBackoffIntervals * settings.pollIntervalMs;
    }
  }

  async function learnRoutingProfiles(): Promise<void> {
    if (Date.now() - routingProfilesReadAt >= settings.routingProfileRefreshMs) {
      book.forgetRoutingProfiles();
      routingProfilesReadAt = Date.now();
    }
    await Promise.all(
      book.unknownRoutingProfiles().map(async (routingProfileId) => {
        try {
          const request = { instanceId: input.instanceId, routingProfileId, errorPolicy: input.errorPolicy };
          const [manual, routed] = await Promise.all([
            listRoutingProfileManualAssignmentQueues(request),
            listRoutingProfileQueues(request),
          ]);
          book.setRoutingProfileQueues(routingProfileId, {
            manual: manual.queueIds,
            routed: routed.queueIds,
          });
        } catch (error) {
          if (!(error instanceof ActivityFailure)) throw error;
          log.warn("A routing profile's queues could not be listed; its agents wait for the next round", {
            routingProfileId,
          });
        }
      }),
    );
  }

  /**
   * Usernames for offers: read as soon as an agent appears whose name was never looked up, and again
   * for agents ListUsers did not name at most once per routing-profile refresh.
   */
  async function learnAgentNames(): Promise<void> {
    const unnamed = book.unnamedAgents();
    if (unnamed === undefined) return;
    const readRecently =
      agentNamesReadAt !== undefined && Date.now() - agentNamesReadAt < settings.routingProfileRefreshMs;
    if (unnamed === 'looked-up' && readRecently) return;
    agentNamesReadAt = Date.now();
    try {
      const { usernames } = await listUsers({ instanceId: input.instanceId, errorPolicy: input.errorPolicy });
      book.setAgentNames(usernames);
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.warn('ListUsers failed; offers show agent ids only until the next try', {
        error: error.cause?.message,
      });
    }
  }

  /**
   * Proficiencies, read in the background a few agents per call at `skillReadsPerSecond`: a round
   * never waits for them (at Connect's List* rate, hundreds of agents take minutes), and each answer
   * brings a round of its own.
   */
  function learnSkills(): void {
    const startedAt = Date.now();
    if (readingSkills || startedAt < nextSkillReadAt) return;
    const userIds = book.agentsNeedingSkills(
      startedAt,
      Math.max(1, Math.floor(settings.skillReadsPerSecond * 4)),
    );
    if (userIds.length === 0) return;
    readingSkills = true;
    void listUserProficiencies
      .executeWithOptions({ summary: `Read the proficiencies of ${userIds.length} agent(s)` }, [
        { instanceId: input.instanceId, userIds, errorPolicy: input.errorPolicy },
      ])
      .then(
        ({ proficiencies, unknownUserIds }) => {
          book.setSkills(proficiencies, unknownUserIds, startedAt);
          roundRequested = true;
        },
        (error: unknown) => {
          if (!(error instanceof ActivityFailure)) throw error;
          log.warn("Agents' proficiencies could not be read; trying again later", {
            error: error.cause?.message,
          });
        },
      )
      .finally(() => {
        readingSkills = false;
        nextSkillReadAt = startedAt + (userIds.length / settings.skillReadsPerSecond) * 1000;
      });
  }

  async function dispatchRound(): Promise<void> {
    const outcome = book.round(Date.now());
    roundsDone += 1;
    nextDeadline = outcome.nextDeadline;
    await Promise.all([
      ...outcome.reservations.map((reservation) =>
        tellTask(reservation.taskId, slotReservedSignal, reservation),
      ),
      ...outcome.verdicts.map(({ taskId, verdict }) => tellTask(taskId, offerVerdictSignal, verdict)),
      ...outcome.notices.map((notice) => tellTask(notice.taskId, waitNoticeSignal, notice)),
      ...outcome.segmentsToRequest.map(askForSegment),
    ]);
  }

  async function askForSegment(segmentId: string): Promise<void> {
    try {
      await getExternalWorkflowHandle(segmentId).signal(returnLineSegmentSignal);
    } catch {
      const lost = book.segmentLost(segmentId);
      log.error('A line segment is gone (terminated?): its tasks are no longer in line', { segmentId, lost });
    }
  }

  /** The line beyond what the next run's input carries goes to line segments, started before it continues. */
  async function spillLine(): Promise<void> {
    const { workflowId, runId } = workflowInfo();
    const segments = book.spillForContinueAsNew(Date.now(), (index) =>
      lineSegmentWorkflowId(workflowId, runId, index),
    );
    await Promise.all(
      segments.map(({ ref, tasks }) =>
        startChild(connectLineSegment, {
          workflowId: ref.segmentId,
          args: [{ dispatcherWorkflowId: workflowId, queueId: tasks.strings[tasks.tasks[0]![1]]!, tasks }],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          staticSummary: `${ref.count} waiting tasks of ${input.instanceId}'s line, from ${new Date(ref.first[1]).toISOString()}`,
        }),
      ),
    );
  }

  async function tellTask<T>(taskId: string, signal: SignalDefinition<[T]>, payload: T): Promise<void> {
    try {
      await getExternalWorkflowHandle(taskId).signal(signal, payload);
    } catch {
      // The task's workflow is gone: free any slot offered to it and forget the task.
      book.leave(taskId);
      roundRequested = true;
    }
  }

  /**
   * From now on joins are answered without waiting for a round: none may come before the run ends.
   * The notice comes first: a client that read the memo just before it sends a query that this run,
   * still open, answers during the pause.
   */
  async function untilHandlersFinished(): Promise<void> {
    closing = true;
    if (noticesClosing && settings.closingNoticeMs > 0) {
      upsertMemo({ [CLOSING_RUN_MEMO_KEY]: workflowInfo().runId });
      await sleep(settings.closingNoticeMs);
    }
    await condition(allHandlersFinished);
  }

  /** A task joined as the run was about to end idle: it goes on, and says so in its memo. */
  function reopen(): void {
    closing = false;
    if (workflowInfo().memo?.[CLOSING_RUN_MEMO_KEY] !== undefined)
      upsertMemo({ [CLOSING_RUN_MEMO_KEY]: null });
  }

  /**
   * The poll due next is scheduled now and waits in its activity, which costs no timer; its answer
   * brings a round of its own. Signals that come meanwhile bring rounds as ever.
   */
  function pollAhead(waitMs: number): void {
    pollInFlight = true;
    const polled = poll(waitMs).finally(() => {
      pollInFlight = false;
      landedPoll = polled;
      roundRequested = true;
    });
    polled.catch(() => undefined);
  }

  /** Tasks waiting for a slot, or offers waiting for the agent's answer: both need Connect's data. */
  const needsPolling = () => book.waitingCount > 0 || book.watchesAgents;

  for (;;) {
    const idle = book.waitingCount === 0 && book.reservationCount === 0;
    if (!idle) busySince = Date.now();
    const pollDueAt = needsPolling() && !pollInFlight ? nextPollAt : Infinity;
    const otherWakeAt = Math.min(
      nextDeadline ?? Infinity,
      idle ? busySince + settings.idleShutdownMs : Infinity,
    );
    const pollWaitMs = pollDueAt - Date.now();
    const pollsNow = pollsAhead && !roundRequested && pollWaitMs > 0 && pollWaitMs <= POLL_WAIT_MAX_MS;
    if (pollsNow) pollAhead(pollWaitMs);
    const wakeAt = pollsNow ? otherWakeAt : Math.min(pollDueAt, otherWakeAt);
    // A poll already due (the round before took its interval) is made by the round now: no wait.
    const pollOverdue = pollsWhenDue && pollWaitMs <= 0;
    if (!roundRequested && !pollOverdue) {
      if (wakeAt === Infinity) await condition(() => roundRequested);
      else if (keepsOneAlarm) {
        alarm.setFor(wakeAt);
        await condition(() => roundRequested || alarm.rang);
      } else await condition(() => roundRequested, Math.max(1, wakeAt - Date.now()));
    }
    roundRequested = false;
    if (landedPoll) {
      const landed = landedPoll;
      landedPoll = undefined;
      await landed;
    }

    if (
      book.waitingCount === 0 &&
      book.reservationCount === 0 &&
      Date.now() >= busySince + settings.idleShutdownMs
    ) {
      await untilHandlersFinished();
      if (!roundRequested) return statusNow();
      reopen();
    }
    if (needsPolling() && !pollInFlight && Date.now() >= nextPollAt) await poll();
    await Promise.all([learnRoutingProfiles(), learnAgentNames()]);
    learnSkills();
    await dispatchRound();
    const info = workflowInfo();
    // Gauges are not emitted while replaying, and a long replay should be as short as it can be.
    if (!info.unsafe.isReplaying) statisticsGauges.set(queueStatisticsNow());

    if (info.continueAsNewSuggested || info.historyLength >= settings.continueAsNewAfterEvents) {
      await untilHandlersFinished();
      // A poll landing during the continue-as-new would fail it (a new event in its task): let it land.
      await condition(() => !pollInFlight);
      if (boundsTheLine) await spillLine();
      await continueAsNew<typeof connectDispatcher>({
        ...input,
        carried: { book: book.encode(), ...counters },
      });
    }
  }

  function statusNow(): DispatcherStatus {
    return {
      instanceId: input.instanceId,
      waitingCount: book.waitingCount,
      carriedCount: book.carriedCount,
      lineSegments: book.lineSegmentCount,
      reservationCount: book.reservationCount,
      offersAwaitingAnswer: book.offersAwaitingAnswer,
      watchedQueues: book.queuesToWatch(),
      pollCount: counters.pollCount,
      getCurrentUserDataCalls: counters.getCurrentUserDataCalls,
      lastPollAt: lastPollAt === undefined ? undefined : new Date(lastPollAt).toISOString(),
      agentsKnown: book.agentCount,
      runsSoFar: counters.runsSoFar,
    };
  }

  function queueStatisticsNow(): QueueStatistics {
    return { instanceId: input.instanceId, ...book.queueStatistics(Date.now()) };
  }
}

/** The rules a dispatcher run decides by, each one that runs begun before it did without. */
interface EarlierRules {
  /** Without: tasks were told why they wait at once. */
  delaysWaitNotices: boolean;
  /** Without: agents with a pending NextStatus were offered tasks. */
  respectsNextStatus: boolean;
  /** Without: rounds matched from the whole line, and continue-as-new carried all of it. */
  boundsTheLine: boolean;
  /** Without: continue-as-new carried no queue statistics (and spilled the line by that size). */
  carriesStatistics: boolean;
  /** Without: an offer reported after its reservation had lapsed was ignored. */
  revivesLapsedOffers: boolean;
  /** Without: an offer settled on a reservation no longer held was ignored. */
  answersUnheldOffers: boolean;
  /** Without: each signal that woke the loop before its timer rang started another timer. */
  keepsOneAlarm: boolean;
}

const EVERY_EARLIER_RULE: EarlierRules = {
  delaysWaitNotices: true,
  respectsNextStatus: true,
  boundsTheLine: true,
  carriesStatistics: true,
  revivesLapsedOffers: true,
  answersUnheldOffers: true,
  keepsOneAlarm: true,
};

/** The earlier rules of a run begun before `dispatcher-join-answers`, by its markers, asked in their order. */
function earlierRulesOfThisRun(): EarlierRules {
  return {
    delaysWaitNotices: patched('dispatcher-wait-notice-after'),
    respectsNextStatus: patched('dispatcher-next-status'),
    boundsTheLine: patched('dispatcher-line-segments'),
    carriesStatistics: patched('dispatcher-queue-statistics'),
    revivesLapsedOffers: patched('dispatcher-revive-lapsed-offers'),
    answersUnheldOffers: patched('dispatcher-answer-unheld-offers'),
    keepsOneAlarm: patched('dispatcher-one-alarm'),
  };
}

/** A polled agent as the book knows agents; one without a routing profile or status cannot take work. */
function toAgentState(agent: UserDataSummary, observedAt: number): AgentState[] {
  if (agent.routingProfileId === undefined || agent.statusName === undefined) return [];
  return [
    {
      userId: agent.userId,
      routingProfileId: agent.routingProfileId,
      statusName: agent.statusName,
      statusSince: agent.statusStartTimestamp === undefined ? 0 : Date.parse(agent.statusStartTimestamp),
      freeTaskSlots: agent.availableTaskSlots,
      contacts: agent.contacts,
      ...(agent.nextStatus === undefined ? {} : { nextStatusName: agent.nextStatus }),
      observedAt,
    },
  ];
}
