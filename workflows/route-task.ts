/**
 * routeTask: create a Connect task contact, wait in the instance dispatcher's line for an eligible
 * agent's free TASK slot, associate the contact with that agent, and confirm it. Cancellation, the
 * deadline and the contact's expiry stop the contact in Connect, so no task stays queued there that
 * no workflow owns.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { RoutingActivities } from '../activities';
import {
  type ConnectValidationIssue,
  formatValidationIssues,
  requestedExpiryMinutes,
} from '../src/shared/connect-validation';
import {
  activityRetryPolicy,
  INVALID_INPUT_FAILURE_TYPE,
  resolveErrorPolicy,
} from '../src/shared/error-policy';
import {
  parseRouteTaskInput,
  reprioritizeIssues,
  type RouteTaskInput,
  setPreferredAgentsIssues,
  cancelRouteTaskSignal,
  reprioritizeUpdate,
  type RouteTaskOutcome,
  type RouteTaskResult,
  routeTaskStatusQuery,
  type RoutingStage,
  setPreferredAgentsUpdate,
} from '../src/shared/route-task-contract';
import type { Reservation, SettleOutcome, WaitNotice, WaitingTask } from '../src/shared/dispatcher-contract';
import { describeWait } from '../src/shared/routing/wait-reasons';
import {
  ConnectAgentId,
  ConnectContactId,
  ConnectInstanceId,
  ConnectQueueId,
  RoutingStage as RoutingStageAttribute,
  TaskPriority,
} from '../src/shared/search-attributes';
import {
  dispatcherWorkflowId,
  leaveLineSignal,
  slotReservedSignal,
  settleReservationSignal,
  updateTaskSignal,
  waitNoticeSignal,
} from '../src/shared/dispatcher-contract';

/** An offered association must finish this long before the dispatcher would release the slot. */
const OFFER_SAFETY_MARGIN_MS = 5_000;

type Interruption = Exclude<RouteTaskOutcome, 'assigned'>;
type OfferOutcome = 'assigned' | 'try-again' | 'contact-ended';

export async function routeTask(input: RouteTaskInput): Promise<RouteTaskResult> {
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
  const request = parsed.request;
  const { instanceId, queueId, contact, errorPolicy } = request;
  const taskId = workflowInfo().workflowId;
  const dispatcher = getExternalWorkflowHandle(dispatcherWorkflowId(instanceId));
  const activities = proxyActivities<RoutingActivities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '10 minutes',
    retry: activityRetryPolicy(resolveErrorPolicy(errorPolicy)),
  });

  let stage: RoutingStage = 'creating';
  let priority = request.priority;
  let preferredAgentIds = request.preferredAgentIds;
  /** A task with preferred agents keeps to them for `seconds` from `base`; one without is wide at once. */
  const widenAtFrom = (base: number, seconds: number) =>
    preferredAgentIds.length > 0 ? base + seconds * 1000 : base;
  let contactId: string | undefined;
  let contactCreatedAt: string | undefined;
  let expiresAt: number | undefined;
  let enqueuedAt: number | undefined;
  let widenAt: number | undefined;
  let registered = false;
  let cancelReason: string | undefined;
  let lastNotice: (WaitNotice & { at: number }) | undefined;
  let currentOffer: Reservation | undefined;
  let reservationsTried = 0;
  const offers: Reservation[] = [];
  const attemptsByActivity: Record<string, number> = {};
  const deadlineAt =
    request.deadlineSeconds === undefined ? undefined : startedAt + request.deadlineSeconds * 1000;

  /** Runs an activity call and adds the attempts it took to the result's tally. */
  async function counted<R extends { attempt?: number }>(activityType: string, call: Promise<R>): Promise<R> {
    try {
      const result = await call;
      attemptsByActivity[activityType] = (attemptsByActivity[activityType] ?? 0) + (result.attempt ?? 1);
      return result;
    } catch (error) {
      // Temporal does not tell a workflow how many attempts a failed call took: count it once.
      attemptsByActivity[activityType] = (attemptsByActivity[activityType] ?? 0) + 1;
      throw error;
    }
  }

  /**
   * Search attributes wait here and go out with the next stage change, in one upsert of only what
   * changed: each upsert is an action that Temporal Cloud bills.
   */
  let pendingAttributes: SearchAttributeUpdatePair[] = [];
  function noteAttribute(pair: SearchAttributeUpdatePair): void {
    pendingAttributes.push(pair);
  }

  function enterStage(next: RoutingStage): void {
    stage = next;
    const current = workflowInfo().typedSearchAttributes;
    const changed = [...pendingAttributes, { key: RoutingStageAttribute, value: next }].filter(
      (pair) => current.get(pair.key) !== pair.value,
    );
    pendingAttributes = [];
    if (changed.length > 0) upsertSearchAttributes(changed);
    setCurrentDetails(currentDetails());
  }

  function currentDetails(): string {
    const lines = [`**${stage}** · queue \`${queueId}\` · priority ${priority}`];
    if (contactId) lines.push(`Contact \`${contactId}\``);
    if (stage === 'waiting-for-agent' && enqueuedAt !== undefined) {
      lines.push(`Waiting since ${new Date(enqueuedAt).toISOString()}`);
      if (lastNotice)
        lines.push(describeWait(lastNotice, { queueId, allowedStatuses: request.allowedStatuses }));
      if (preferredAgentIds.length > 0 && widenAt !== undefined && Date.now() < widenAt) {
        lines.push(
          `Preferred agents: ${preferredAgentIds.join(', ')}; widening to the whole queue at ${new Date(widenAt).toISOString()}`,
        );
      }
    }
    if (currentOffer) lines.push(`Assigning to agent \`${currentOffer.userId}\``);
    return lines.join('\n\n');
  }

  function waitingTask(): WaitingTask {
    return {
      taskId,
      queueId,
      priority,
      enqueuedAt: enqueuedAt!,
      preferredAgentIds,
      widenAt: widenAt!,
      excludedAgentIds: request.excludedAgentIds,
      allowedStatuses: request.allowedStatuses,
    };
  }

  /** Signals to the dispatcher are best effort: a missed one is repaired by offer expiry or re-registration. */
  async function tellDispatcher(send: () => Promise<void>, what: string): Promise<void> {
    try {
      await send();
    } catch (error) {
      log.warn(`Could not tell the dispatcher: ${what}`, { error: (error as Error).message });
    }
  }

  function settle(offer: Reservation, outcome: SettleOutcome): Promise<void> {
    return tellDispatcher(
      () =>
        dispatcher.signal(settleReservationSignal, {
          reservationId: offer.reservationId,
          outcome,
          contactId,
        }),
      `reservation ${offer.reservationId} ${outcome}`,
    );
  }

  setHandler(slotReservedSignal, (offer) => {
    offers.push(offer);
  });
  setHandler(waitNoticeSignal, (notice) => {
    lastNotice = { ...notice, at: Date.now() };
    setCurrentDetails(currentDetails());
  });
  setHandler(cancelRouteTaskSignal, (signal) => {
    cancelReason ??= signal?.reason ?? 'cancel requested';
  });
  setHandler(
    reprioritizeUpdate,
    async ({ priority: newPriority }) => {
      priority = newPriority;
      upsertSearchAttributes([{ key: TaskPriority, value: priority }]);
      if (registered) {
        await tellDispatcher(() => dispatcher.signal(updateTaskSignal, { taskId, priority }), 'new priority');
      }
      setCurrentDetails(currentDetails());
      return priority;
    },
    { validator: (update) => rejectInvalidUpdate(reprioritizeIssues(update)) },
  );
  setHandler(
    setPreferredAgentsUpdate,
    async (update) => {
      preferredAgentIds = update.preferredAgentIds;
      widenAt = widenAtFrom(Date.now(), update.widenAfterSeconds ?? request.widenAfterSeconds);
      if (registered) {
        await tellDispatcher(
          () => dispatcher.signal(updateTaskSignal, { taskId, preferredAgentIds, widenAt }),
          'new preferred agents',
        );
      }
      setCurrentDetails(currentDetails());
      return { preferredAgentIds, widensAt: new Date(widenAt).toISOString() };
    },
    {
      validator: (update) => rejectInvalidUpdate(setPreferredAgentsIssues(update, request.excludedAgentIds)),
    },
  );
  setHandler(routeTaskStatusQuery, () => ({
    stage,
    instanceId,
    queueId,
    priority,
    contactId,
    userId: currentOffer?.userId,
    waitingSince: enqueuedAt === undefined ? undefined : new Date(enqueuedAt).toISOString(),
    position: lastNotice?.position,
    waitingCount: lastNotice?.waitingCount,
    candidateCount: lastNotice?.decision.candidateCount,
    lastDecision: lastNotice && {
      reason: lastNotice.decision.reason,
      at: new Date(lastNotice.at).toISOString(),
      explanation: describeWait(lastNotice, { queueId, allowedStatuses: request.allowedStatuses }),
    },
    currentReservation: currentOffer && {
      userId: currentOffer.userId,
      expiresAt: new Date(currentOffer.expiresAt).toISOString(),
    },
    preferredAgentIds,
    widensAt:
      widenAt === undefined || preferredAgentIds.length === 0 ? undefined : new Date(widenAt).toISOString(),
    reservationsTried,
  }));

  // Already set when started through startRouteTask; a start from another SDK or the CLI gets them here.
  noteAttribute({ key: ConnectInstanceId, value: instanceId });
  noteAttribute({ key: ConnectQueueId, value: queueId });
  noteAttribute({ key: TaskPriority, value: priority });
  enterStage('creating');

  function interruption(): Interruption | undefined {
    if (cancelReason !== undefined) return 'cancelled';
    if (expiresAt !== undefined && Date.now() >= expiresAt) return 'expired';
    if (deadlineAt !== undefined && Date.now() >= deadlineAt) return 'deadline';
    return undefined;
  }

  /** Waits for `ready`, a cancel request, the deadline or the contact's expiry, whichever comes first. */
  async function waitFor(ready: () => boolean): Promise<Interruption | undefined> {
    const limit = Math.min(expiresAt ?? Infinity, deadlineAt ?? Infinity);
    const done = () => ready() || cancelReason !== undefined;
    if (limit === Infinity) await condition(done);
    else await condition(done, Math.max(1, limit - Date.now()));
    return interruption();
  }

  async function createTheContact(connectedTo?: Reservation): Promise<void> {
    const base = { instanceId, ...contact, errorPolicy };
    const created =
      request.strategy === 'start-task-contact'
        ? await counted(
            'startTaskContact',
            activities.startTaskContact.executeWithOptions(
              { summary: `Start task "${contact.name}" in a flow` },
              [
                {
                  ...base,
                  contactFlowId: request.contactFlowId,
                  scheduledTime: request.scheduledTime,
                  step: 'start-task-contact',
                },
              ],
            ),
          )
        : await counted(
            'createContact',
            activities.createContact.executeWithOptions(
              {
                summary: connectedTo
                  ? `Create task "${contact.name}" connected to agent ${connectedTo.userId}`
                  : `Create task "${contact.name}"`,
                ...(connectedTo && { scheduleToCloseTimeout: offerBudgetMs(connectedTo) }),
              },
              [
                connectedTo
                  ? // A new step per offer: a different agent is a different request, so a different ClientToken.
                    {
                      ...base,
                      initiateAs: 'CONNECTED_TO_USER',
                      userId: connectedTo.userId,
                      step: `create-connected-${reservationsTried}`,
                    }
                  : { ...base, step: 'create-contact' },
              ],
            ),
          );
    contactId = created.contactId;
    contactCreatedAt = created.createdAt;
    const expiryMinutes = requestedExpiryMinutes(contact.expiryDurationInMinutes, contact.segmentAttributes);
    if (expiryMinutes !== undefined) expiresAt = Date.parse(created.createdAt) + expiryMinutes * 60_000;
    noteAttribute({ key: ConnectContactId, value: created.contactId });
  }

  async function joinLine(): Promise<void> {
    enqueuedAt ??= Date.now();
    widenAt ??= widenAtFrom(enqueuedAt, request.widenAfterSeconds);
    await counted(
      'registerWithDispatcher',
      activities.registerWithDispatcher.executeWithOptions(
        { summary: `Join the line for queue ${queueId}` },
        [{ instanceId, task: waitingTask() }],
      ),
    );
    registered = true;
  }

  function offerBudgetMs(offer: Reservation): number {
    return Math.max(1_000, offer.expiresAt - Date.now() - OFFER_SAFETY_MARGIN_MS);
  }

  async function takeOffer(offer: Reservation): Promise<OfferOutcome> {
    if (request.strategy === 'create-connected') {
      try {
        await createTheContact(offer);
        await settle(offer, 'assigned');
        return 'assigned';
      } catch (error) {
        if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
        await settle(offer, 'agent-unavailable');
        return 'try-again';
      }
    }
    try {
      await counted(
        'associateContactWithUser',
        activities.associateContactWithUser.executeWithOptions(
          {
            summary: `Assign contact to agent ${offer.userId}`,
            scheduleToCloseTimeout: offerBudgetMs(offer),
          },
          [{ instanceId, contactId: contactId!, userId: offer.userId, contactCreatedAt, errorPolicy }],
        ),
      );
      await settle(offer, 'assigned');
      return 'assigned';
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      // The association may have happened anyway (a timeout), or the contact may have ended: Connect knows.
      const seen = await counted(
        'describeContact',
        activities.describeContact.executeWithOptions(
          { summary: 'Check the contact after a failed assignment' },
          [{ instanceId, contactId: contactId!, contactCreatedAt, errorPolicy }],
        ),
      );
      if (seen.agentId === offer.userId) {
        await settle(offer, 'assigned');
        return 'assigned';
      }
      await settle(offer, 'agent-unavailable');
      return seen.disconnectedAt ? 'contact-ended' : 'try-again';
    }
  }

  async function finishAssigned(offer: Reservation): Promise<RouteTaskResult> {
    const assignedAt = Date.now();
    noteAttribute({ key: ConnectAgentId, value: offer.userId });
    enterStage('confirming');
    const seen = await counted(
      'describeContact',
      activities.describeContact.executeWithOptions({ summary: 'Confirm the agent has the contact' }, [
        { instanceId, contactId: contactId!, contactCreatedAt, errorPolicy },
      ]),
    );
    for (const extra of offers.splice(0)) await settle(extra, 'declined');
    currentOffer = undefined;
    enterStage('assigned');
    return {
      outcome: 'assigned',
      contactId,
      userId: offer.userId,
      queueId,
      createdAt: contactCreatedAt,
      assignedAt: new Date(assignedAt).toISOString(),
      waitedMs: assignedAt - enqueuedAt!,
      reservationsTried,
      attemptsByActivity,
      confirmed: seen.agentId === offer.userId,
    };
  }

  /** Stops the contact and leaves the line, whatever cancelled the run: this cleanup itself cannot be cancelled. */
  async function finishInterrupted(outcome: Interruption, reason: string): Promise<RouteTaskResult> {
    return CancellationScope.nonCancellable(async () => {
      enterStage('stopping');
      if (registered)
        await tellDispatcher(() => dispatcher.signal(leaveLineSignal, { taskId }), 'leaving the line');
      if (contactId !== undefined) {
        await counted(
          'stopContact',
          activities.stopContact.executeWithOptions({ summary: `Stop the contact (${outcome})` }, [
            { instanceId, contactId, contactCreatedAt, errorPolicy },
          ]),
        );
      }
      currentOffer = undefined;
      enterStage(outcome);
      return {
        outcome,
        reason,
        contactId,
        queueId,
        createdAt: contactCreatedAt,
        reservationsTried,
        attemptsByActivity,
      };
    });
  }

  function reasonFor(outcome: Interruption): string {
    if (outcome === 'cancelled') return cancelReason ?? 'cancel requested';
    if (outcome === 'expired') return 'the contact reached its expiry before an agent took it';
    return `no agent took the task within the deadline of ${request.deadlineSeconds} s`;
  }

  try {
    if (request.strategy !== 'create-connected') await createTheContact();
    const early = interruption();
    if (early) return await finishInterrupted(early, reasonFor(early));
    await joinLine();
    for (;;) {
      enterStage('waiting-for-agent');
      const stop = await waitFor(() => offers.length > 0);
      if (stop) return await finishInterrupted(stop, reasonFor(stop));
      const offer = offers.shift()!;
      // The dispatcher has already released an offer past its expiry.
      if (offer.expiresAt <= Date.now()) continue;
      reservationsTried += 1;
      currentOffer = offer;
      enterStage('assigning');
      const outcome = await takeOffer(offer);
      if (outcome === 'assigned') return await finishAssigned(offer);
      currentOffer = undefined;
      if (outcome === 'contact-ended') {
        return await finishInterrupted('expired', 'the contact ended in Connect before an agent took it');
      }
    }
  } catch (error) {
    if (isCancellation(error)) return await finishInterrupted('cancelled', 'the workflow was cancelled');
    throw error;
  }
}

/** An update validator's verdict: throwing keeps an invalid update out of history. */
function rejectInvalidUpdate(issues: ConnectValidationIssue[]): void {
  if (issues.length > 0) throw new Error(formatValidationIssues(issues));
}
