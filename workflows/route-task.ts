/**
 * routeTask: create a Connect task contact and queue it, wait in the instance dispatcher's line for
 * an eligible agent's free TASK slot, offer the contact to that agent (AssociateContactWithUser),
 * and end assigned once Connect shows the agent accepted it; a missed or rejected offer puts the task
 * back in line at its old place. Cancellation, the deadline and the contact's expiry stop the contact
 * in Connect, so no task stays queued there that no workflow owns. The state and its decisions are
 * RouteTaskState's; the calls are the steps'.
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { type ConnectValidationIssue, formatValidationIssues } from '../src/shared/connect-validation';
import {
  type OfferOutcome,
  offerVerdictSignal,
  slotReservedSignal,
  type WaitingTask,
  waitNoticeSignal,
} from '../src/shared/dispatcher-contract';
import { INVALID_INPUT_FAILURE_TYPE } from '../src/shared/error-policy';
import {
  cancelRouteTaskSignal,
  parseRouteTaskInput,
  reprioritizeIssues,
  reprioritizeUpdate,
  type RouteTaskInput,
  type RouteTaskResult,
  routeTaskStatusQuery,
  setPreferredAgentsIssues,
  setPreferredAgentsUpdate,
} from '../src/shared/route-task-contract';
import {
  type AppliedUpdate,
  CONTACT_ENDED,
  type CreatedContact,
  type Interrupted,
  RouteTaskState,
  WORKFLOW_CANCELLED,
} from '../src/shared/route-task-state';
import { recordTaskEnded } from '../src/worker/workflow-metrics';
import { bulkBatchNewsOfThisRun, bulkBatchOfThisRun, type TellBatch } from './bulk-item-news';
import { type Created, type InLine, instanceFullRefusal, routeTaskSteps } from './route-task-steps';

/** Joining the line by a signal straight to the dispatcher, and no upsert for the brief `assigning` stage. */
const FEWER_ACTIONS_PATCH = 'route-task-fewer-actions';
/** Joining the line through registerWithDispatcher, which gathers the joins of a worker's tasks. */
const JOINS_GATHERED_PATCH = 'route-task-joins-gathered';
/**
 * One workflow task from the contact to the line: create-then-associate transfers and joins in one
 * activity (transferIntoLine), and the activity that joins tells a bulk batch of the contact. Runs
 * with it record this patch alone, not the two before it, which it implies.
 */
const QUEUED_AND_JOINED_PATCH = 'route-task-queued-and-joined';
/**
 * The dispatcher answers every offer it hears of (`unclear` where it holds no reservation for it), so
 * an offered task keeps no timer to ask Connect after a silence. Implies the patches before it.
 */
const ANSWERED_OFFERS_PATCH = 'route-task-answered-offers';
/**
 * create-then-associate creates, queues and joins in one activity (createIntoLine), one workflow
 * task and one billed action fewer. Implies the patches before it.
 */
const CREATED_INTO_LINE_PATCH = 'route-task-created-into-line';

export async function routeTask(input: RouteTaskInput): Promise<RouteTaskResult> {
  const tellBatch = bulkBatchOfThisRun();
  try {
    const result = await route(input, tellBatch);
    recordTaskEnded(result);
    const { outcome, contactId, userId, reason } = result;
    await tellBatch({ news: 'ended', outcome, contactId, userId, reason });
    return result;
  } catch (error) {
    await tellBatch({ news: 'ended', reason: (error as Error).message });
    throw error;
  }
}

async function route(input: RouteTaskInput, tellBatch: TellBatch): Promise<RouteTaskResult> {
  const startedAt = Date.now();
  const parsed = parseRouteTaskInput(input, new Date(startedAt));
  if (!parsed.ok) {
    throw ApplicationFailure.create({
      type: INVALID_INPUT_FAILURE_TYPE,
      message: `Invalid routeTask input: ${formatValidationIssues(parsed.issues)}`,
      nonRetryable: true,
      details: [{ issues: parsed.issues }],
    });
  }
  const { workflowId, typedSearchAttributes } = workflowInfo();
  const createdIntoLine = patched(CREATED_INTO_LINE_PATCH);
  const answeredOffers = createdIntoLine || patched(ANSWERED_OFFERS_PATCH);
  const queuedAndJoined = answeredOffers || patched(QUEUED_AND_JOINED_PATCH);
  // Runs begun before it keep their old commands: a registration activity, an upsert at every stage.
  const fewerActions = queuedAndJoined || patched(FEWER_ACTIONS_PATCH);
  const state = new RouteTaskState(parsed.request, workflowId, startedAt, typedSearchAttributes, {
    skipsBriefStages: fewerActions,
    asksConnectAfterSilence: !answeredOffers,
  });
  // Runs begun between the two signalled the dispatcher themselves to join its line.
  const joinLineBySignal = !queuedAndJoined && fewerActions && !patched(JOINS_GATHERED_PATCH);
  const steps = routeTaskSteps(parsed.request, workflowId, state, { joinLineBySignal });

  /** Shows the state: search attributes when the stage changed, and the current details. */
  function publish(): void {
    const changes = state.takeAttributeChanges();
    if (changes.length > 0) upsertSearchAttributes(changes);
    setCurrentDetails(state.details(Date.now()));
  }
  async function applied<A>({ answer, dispatcherChange, attributes }: AppliedUpdate<A>): Promise<A> {
    if (attributes.length > 0) upsertSearchAttributes(attributes);
    if (dispatcherChange) await steps.updateTask(dispatcherChange);
    publish();
    return answer;
  }

  setHandler(slotReservedSignal, (reservation) => state.receiveReservation(reservation));
  setHandler(offerVerdictSignal, (verdict) => state.receiveVerdict(verdict));
  setHandler(waitNoticeSignal, (notice) => {
    state.noteWait(notice, Date.now());
    publish();
  });
  setHandler(cancelRouteTaskSignal, (signal) => state.requestCancel(signal?.reason));
  setHandler(reprioritizeUpdate, ({ priority }) => applied(state.reprioritize(priority)), {
    validator: (update) => rejectInvalidUpdate(reprioritizeIssues(update)),
  });
  setHandler(setPreferredAgentsUpdate, (update) => applied(state.setPreferredAgents(update, Date.now())), {
    validator: (update) =>
      rejectInvalidUpdate(setPreferredAgentsIssues(update, parsed.request.excludedAgentIds)),
  });
  setHandler(routeTaskStatusQuery, () => state.status());
  publish();

  async function finishAssigned(): Promise<RouteTaskResult> {
    await steps.decline(state.takeUnusedReservations());
    const result = state.finishAssigned();
    publish();
    return result;
  }

  /** Waits for the agent's answer to the offer; undefined: the task is back in line for another agent. */
  async function awaitAnswer(): Promise<RouteTaskResult | undefined> {
    for (;;) {
      publish();
      const waitMs = state.waitLimitMs(Date.now());
      await (waitMs === undefined ? condition(() => state.hasNews) : condition(() => state.hasNews, waitMs));
      const stop = state.interruption(Date.now());
      if (stop) return finishInterrupted(stop);
      const news = state.takeOfferWord(Date.now());
      if (!news) continue;
      const { word } = news;
      const answer =
        word === 'unclear' || word === 'unseen' ? await steps.askConnectAboutOffer(news.stage, word) : word;
      if (answer === undefined) continue;
      if (answer === 'contact-ended') return finishInterrupted(CONTACT_ENDED);
      return offerAnswered(answer);
    }
  }

  async function offerAnswered(answer: OfferOutcome | 'unanswered'): Promise<RouteTaskResult | undefined> {
    const { contactToStop } = state.offerAnswered(answer, Date.now());
    if (answer === 'accepted') return finishAssigned();
    if (contactToStop) await steps.stopUntaken(contactToStop);
    return undefined;
  }

  /** Whatever cancelled the run, this cleanup itself cannot be cancelled. */
  function finishInterrupted(interrupted: Interrupted): Promise<RouteTaskResult> {
    return CancellationScope.nonCancellable(async () => {
      const stopping = state.stop(interrupted);
      publish();
      await steps.stop(stopping);
      const result = state.finishInterrupted();
      publish();
      return result;
    });
  }

  /**
   * `task` is in line, its contact `queued` if a transfer queued it; the line hears of the updates
   * made while it joined.
   */
  async function inLine(task: WaitingTask, { queued, notice }: InLine & { queued?: CreatedContact }) {
    if (queued) state.contactQueued(queued);
    const missed = state.joinedLine(task, Date.now(), notice);
    // Runs begun before did not tell the line of updates made while they joined.
    if (missed && createdIntoLine) await steps.updateTask(missed);
  }

  /** The contact, once Connect has room for it; or what stopped the run while it waited for room. */
  async function createWhenConnectHasRoom(): Promise<Created | undefined | Interrupted> {
    const joining = createdIntoLine ? () => state.joinLine(Date.now()) : undefined;
    for (;;) {
      try {
        const created = await steps.createBeforeLine(joining);
        if (created && !queuedAndJoined) await tellBatch({ news: 'created', contactId: created.contactId });
        return created;
      } catch (error) {
        const refusal = instanceFullRefusal(error);
        const wait = refusal === undefined ? undefined : state.instanceFull(Date.now(), refusal);
        if (wait === undefined) throw error;
        if (wait.firstRefusal) await tellBatch({ news: 'instance-full' });
        publish();
        await condition(() => state.hasNews, wait.retryInMs);
        const stop = state.interruption(Date.now());
        if (stop) return stop;
      }
    }
  }

  try {
    const created = await createWhenConnectHasRoom();
    if (created && 'outcome' in created) return await finishInterrupted(created);
    if (created) state.contactCreated(created);
    if (created?.inLine) {
      const { queued, task, notice } = created.inLine;
      await inLine(task, { queued, notice });
    } else if (queuedAndJoined) {
      // A cancel that came meanwhile is seen in line, which the task then leaves.
      const task = state.joinLine(Date.now());
      const news = created && bulkBatchNewsOfThisRun({ news: 'created', contactId: created.contactId });
      await inLine(task, await steps.queueAndJoinLine(created, task, news));
    } else {
      const queued = created && (await steps.queueInConnect(created));
      if (queued) state.contactQueued(queued);
      const early = state.interruption(Date.now());
      if (early) return await finishInterrupted(early);
      const task = state.joinLine(Date.now());
      const { notice } = await steps.joinLine(task);
      state.joinedLine(task, Date.now(), notice);
    }
    for (;;) {
      publish();
      const waitMs = state.waitLimitMs(Date.now());
      await (waitMs === undefined ? condition(() => state.hasNews) : condition(() => state.hasNews, waitMs));
      const stop = state.interruption(Date.now());
      if (stop) return await finishInterrupted(stop);
      const taken = state.takeReservation(Date.now());
      if (!taken) continue;
      publish();
      const tried = await steps.tryReservation(taken);
      if (tried.outcome === 'offered' || tried.outcome === 'accepted') {
        state.reservationOffered(tried.contact, Date.now());
        if (tried.outcome === 'offered' && !tried.dispatcherHeard) state.offerUnheard(Date.now());
        const finished = tried.outcome === 'accepted' ? await offerAnswered('accepted') : await awaitAnswer();
        if (finished) return finished;
        continue;
      }
      state.reservationFailed();
      if (tried.outcome === 'contact-ended') return await finishInterrupted(CONTACT_ENDED);
    }
  } catch (error) {
    if (isCancellation(error)) return await finishInterrupted(WORKFLOW_CANCELLED);
    throw error;
  }
}

/** An update validator's verdict: throwing keeps an invalid update out of history. */
function rejectInvalidUpdate(issues: ConnectValidationIssue[]): void {
  if (issues.length > 0) throw new Error(formatValidationIssues(issues));
}
