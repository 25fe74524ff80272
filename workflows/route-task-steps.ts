/**
 * routeTask's calls to Connect and to the dispatcher, per strategy: each step makes its activity
 * calls and signals and returns a plain outcome; the run state decides what follows.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  workflowInfo,
} from '@temporalio/workflow';
import {
  dispatcherWorkflowId,
  enqueueTaskSignal,
  leaveLineSignal,
  type Reservation,
  type SettleOutcome,
  settleReservationSignal,
  type TaskUpdate,
  updateTaskSignal,
  type WaitingTask,
  type WaitNotice,
} from '../src/shared/dispatcher-contract';
import {
  activityRetryPolicy,
  type ErrorPolicyOverrides,
  resolveErrorPolicy,
} from '../src/shared/error-policy';
import type { BulkItemNewsDelivery } from '../src/shared/bulk-create-contract';
import { ROUTE_TASK_SETTINGS, type RouteTaskRequest } from '../src/shared/route-task-contract';
import { bulkBatchWorkflowIdOfThisRun } from './bulk-item-news';
import { proxyRoutingActivities } from './connect-calls';
import {
  agentLabel,
  type AttemptTally,
  type CreatedContact,
  type OfferedStage,
  type ReservationTry,
  type StoppingStage,
  type TaskContact,
} from '../src/shared/route-task-state';

/**
 * How trying a reservation ended. `offered`: Connect took the call and offered the contact to the
 * agent; `accepted`: the call's outcome was unclear, and Connect shows the agent already accepted;
 * `contact-ended`: Connect ended the contact while the task waited.
 */
export type ReservationOutcome =
  | {
      outcome: 'offered' | 'accepted';
      contact: CreatedContact;
      /**
       * False: the dispatcher was not there to hear of the offer, and will not answer it. True
       * without a word to it when the reservation named the contact: it sees the offer itself.
       */
      dispatcherHeard: boolean;
    }
  | { outcome: 'try-again' | 'contact-ended' };

/** A task just put in line, and why it waits when the dispatcher's answer said. */
export interface InLine {
  notice?: WaitNotice;
}

/** A contact just created; `inLine` where the same activity queued it in Connect and put `task` in line. */
export interface Created extends CreatedContact {
  inLine?: InLine & { queued: CreatedContact; task: WaitingTask };
}

/** What Connect shows of an offer that the dispatcher could not read an answer to. */
export type AskedOffer = 'accepted' | 'unanswered' | 'contact-ended';

export type RouteTaskSteps = ReturnType<typeof routeTaskSteps>;

const QUOTA_REFUSALS = new Set(['ServiceQuotaExceededException', 'LimitExceededException']);

/** The activity fails at once on a quota refusal; the other rows stay as the task's policy says. */
function quotaRefusalsToWorkflow(errorPolicy: ErrorPolicyOverrides | undefined): ErrorPolicyOverrides {
  return {
    ...errorPolicy,
    ServiceQuotaExceededException: { ...errorPolicy?.ServiceQuotaExceededException, retryable: false },
  };
}

/** Connect's message, when a create call failed because the instance is at its active-task quota. */
export function instanceFullRefusal(error: unknown): string | undefined {
  if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) return undefined;
  return QUOTA_REFUSALS.has(error.cause.type ?? '') ? error.cause.message : undefined;
}

/** The steps of one run; the attempts of every activity call are counted into `tally`. */
export function routeTaskSteps(
  request: RouteTaskRequest,
  taskId: string,
  tally: AttemptTally,
  { joinLineBySignal }: { joinLineBySignal: boolean },
) {
  const { instanceId, queueId, contact, errorPolicy } = request;
  const activities = proxyRoutingActivities(workflowInfo().taskQueue, {
    startToCloseTimeout: ROUTE_TASK_SETTINGS.activityStartToCloseMs,
    scheduleToCloseTimeout: ROUTE_TASK_SETTINGS.activityScheduleToCloseMs,
    retry: activityRetryPolicy(resolveErrorPolicy(errorPolicy)),
  });
  const dispatcher = getExternalWorkflowHandle(dispatcherWorkflowId(instanceId));
  const contactFields = { instanceId, ...contact, errorPolicy };
  const contactRef = (created: CreatedContact) => ({
    instanceId,
    contactId: created.contactId,
    contactCreatedAt: created.createdAt,
    errorPolicy,
  });

  async function counted<R extends { attempt?: number }>(activityType: string, call: Promise<R>): Promise<R> {
    try {
      const result = await call;
      tally.countAttempts(activityType, result.attempt ?? 1);
      return result;
    } catch (error) {
      // Temporal does not tell a workflow how many attempts a failed call took: count it once.
      tally.countAttempts(activityType, 1);
      throw error;
    }
  }

  /**
   * Signals to the dispatcher are best effort; true if it heard. A lost settleReservation is repaired
   * when the reservation expires: the dispatcher puts the task back in line, and if the run has
   * finished, the next reservation signalled to it fails and the dispatcher forgets the task (an offer
   * it did not hear of it cannot answer, so the task then asks Connect at once). A lost leaveLine is
   * repaired the same way, on the task's next reservation. A lost updateTask is not repaired: the
   * dispatcher keeps the old priority or preferred agents.
   */
  async function tellDispatcher(send: () => Promise<void>, what: string): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      log.warn(`Could not tell the dispatcher: ${what}`, { error: (error as Error).message });
      return false;
    }
  }

  function settle(reservation: Reservation, outcome: SettleOutcome, contactId?: string): Promise<boolean> {
    return tellDispatcher(
      () =>
        dispatcher.signal(settleReservationSignal, {
          reservationId: reservation.reservationId,
          outcome,
          contactId,
          taskId,
          userId: reservation.userId,
        }),
      `reservation ${reservation.reservationId} ${outcome}`,
    );
  }

  /**
   * The worker gathers the joins of many tasks into one update (see registerWithDispatcher): a signal
   * per task would reach the dispatcher as fast as tasks arrive. Returns why the task waits, if the
   * dispatcher said in its answer.
   */
  async function joinLine(task: WaitingTask, batchNews?: BulkItemNewsDelivery): Promise<InLine> {
    if (joinLineBySignal) {
      try {
        await dispatcher.signal(enqueueTaskSignal, task);
        return {};
      } catch (error) {
        if (isCancellation(error)) throw error;
      }
    }
    const { notice } = await counted(
      'registerWithDispatcher',
      activities.registerWithDispatcher.executeWithOptions(
        { summary: `Join the line for queue ${queueId}` },
        [{ instanceId, task, batchNews }],
      ),
    );
    return { notice };
  }

  const queueTransfer = () => ({
    contactFlowId: request.transferFlowId!,
    queueId,
    step: 'transfer-to-queue',
  });
  const transferToQueue = (created: CreatedContact) => ({ ...contactRef(created), ...queueTransfer() });

  /** create-connected: a new contact, connected to the reserved agent. */
  async function createConnected({
    reservation,
    tryNumber,
    budgetMs,
  }: ReservationTry): Promise<ReservationOutcome> {
    try {
      const created = await counted(
        'createContact',
        activities.createContact.executeWithOptions(
          {
            summary: `Create task "${contact.name}" connected to ${agentLabel(reservation)}`,
            scheduleToCloseTimeout: budgetMs,
          },
          // A new step per reservation: a different agent is a different request, so a different ClientToken.
          [
            {
              ...contactFields,
              initiateAs: 'CONNECTED_TO_USER',
              userId: reservation.userId,
              step: `create-connected-${tryNumber}`,
            },
          ],
        ),
      );
      const dispatcherHeard = await settle(reservation, 'offered', created.contactId);
      return { outcome: 'offered', contact: created, dispatcherHeard };
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      await settle(reservation, 'agent-unavailable');
      return { outcome: 'try-again' };
    }
  }

  /** DescribeContact: AgentInfo names "the agent who accepted the contact". */
  function describe(existing: CreatedContact, summary: string) {
    return counted(
      'describeContact',
      activities.describeContact.executeWithOptions({ summary }, [contactRef(existing)]),
    );
  }

  /** create-then-associate and start-task-contact: the queued contact is offered to the reserved agent. */
  async function associate(
    { reservation, budgetMs }: ReservationTry,
    existing: CreatedContact,
  ): Promise<ReservationOutcome> {
    try {
      const associated = await counted(
        'associateContactWithUser',
        activities.associateContactWithUser.executeWithOptions(
          { summary: `Offer the contact to ${agentLabel(reservation)}`, scheduleToCloseTimeout: budgetMs },
          [{ ...contactRef(existing), userId: reservation.userId }],
        ),
      );
      const outcome = associated.resolvedBy === 'describeContact' ? 'accepted' : 'offered';
      // A reservation naming the contact is one whose offer the dispatcher sees in Connect's data.
      const seenByDispatcher = outcome === 'offered' && reservation.contactId === existing.contactId;
      const dispatcherHeard = seenByDispatcher || (await settle(reservation, outcome, existing.contactId));
      return { outcome, contact: existing, dispatcherHeard };
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      // The association may have happened anyway (a timeout), or the contact may have ended: Connect knows.
      const seen = await describe(existing, 'Check the contact after a failed assignment');
      if (seen.agentId === reservation.userId) {
        const dispatcherHeard = await settle(reservation, 'accepted', existing.contactId);
        return { outcome: 'accepted', contact: existing, dispatcherHeard };
      }
      await settle(reservation, 'agent-unavailable', existing.contactId);
      return { outcome: seen.disconnectedAt ? 'contact-ended' : 'try-again' };
    }
  }

  return {
    /**
     * The contact, for the strategies that create it before the task joins the line. A refusal as
     * over the instance's active-task quota is not retried by the activity: the run waits in sight
     * and tries again (see `instanceFullRefusal`). With `joining`, create-then-associate creates,
     * queues and joins in one activity (createIntoLine), where the worker's rates allow.
     */
    async createBeforeLine(joining?: () => WaitingTask): Promise<Created | undefined> {
      if (request.strategy === 'create-connected') return undefined;
      const creating = { ...contactFields, errorPolicy: quotaRefusalsToWorkflow(errorPolicy) };
      if (joining && request.strategy === 'create-then-associate') {
        const task = joining();
        const { inLine, ...created } = await counted(
          'createIntoLine',
          activities.createIntoLine.executeWithOptions(
            {
              summary: `Create task "${contact.name}", queue it in queue ${queueId} (transfer flow) and join the line`,
              // Cancelled once running, it ends first, so that the run learns the contact it must stop.
              cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            },
            [
              {
                ...creating,
                step: 'create-contact',
                transfer: { ...queueTransfer(), task, taskQueue: workflowInfo().taskQueue },
                batchWorkflowId: bulkBatchWorkflowIdOfThisRun(),
              },
            ],
          ),
        );
        if (!inLine) return created;
        const queued = { contactId: inLine.contactId, createdAt: created.createdAt };
        return { ...created, inLine: { queued, task, notice: inLine.notice } };
      }
      if (request.strategy === 'start-task-contact') {
        return counted(
          'startTaskContact',
          activities.startTaskContact.executeWithOptions(
            { summary: `Start task "${contact.name}" in a flow` },
            [
              {
                ...creating,
                contactFlowId: request.contactFlowId,
                scheduledTime: request.scheduledTime,
                step: 'start-task-contact',
              },
            ],
          ),
        );
      }
      return counted(
        'createContact',
        activities.createContact.executeWithOptions({ summary: `Create task "${contact.name}"` }, [
          { ...creating, step: 'create-contact' },
        ]),
      );
    },

    /**
     * create-then-associate: CreateContact puts the task in no queue, and Connect assigns only queued
     * contacts, so a transfer-to-queue flow queues it. The transferred contact may have a new id.
     */
    async queueInConnect(created: CreatedContact): Promise<CreatedContact | undefined> {
      if (request.strategy !== 'create-then-associate') return undefined;
      const transferred = await counted(
        'transferContact',
        activities.transferContact.executeWithOptions(
          { summary: `Queue the task in queue ${queueId} (transfer flow)` },
          [transferToQueue(created)],
        ),
      );
      return { contactId: transferred.contactId, createdAt: created.createdAt };
    },

    /**
     * Queues the contact in Connect where the strategy needs it and puts the task in the line, in one
     * activity (transferIntoLine) for create-then-associate; the activity also tells the bulk batch,
     * if any, `batchNews`. Returns the queued contact, if transferred, and why the task waits.
     */
    async queueAndJoinLine(
      created: CreatedContact | undefined,
      task: WaitingTask,
      batchNews: BulkItemNewsDelivery | undefined,
    ): Promise<InLine & { queued?: CreatedContact }> {
      if (request.strategy !== 'create-then-associate' || !created) return joinLine(task, batchNews);
      const { notice, ...transferred } = await counted(
        'transferIntoLine',
        activities.transferIntoLine.executeWithOptions(
          { summary: `Queue the task in queue ${queueId} (transfer flow) and join the line` },
          [{ ...transferToQueue(created), task, batchNews, taskQueue: workflowInfo().taskQueue }],
        ),
      );
      return { queued: { contactId: transferred.contactId, createdAt: created.createdAt }, notice };
    },

    joinLine,

    /** Offers the task to the reserved agent, and tells the dispatcher how the reservation went. */
    tryReservation(taken: ReservationTry): Promise<ReservationOutcome> {
      return taken.contact ? associate(taken, taken.contact) : createConnected(taken);
    },

    /**
     * No answer to the offer was seen in Connect's agent data: DescribeContact says whether the agent
     * accepted, and the dispatcher is told (an unanswered offer puts the task back in line). After
     * `unseen`, an offer not accepted may still ring: the task tells the dispatcher it was offered
     * (it had not seen the offer at all, and now watches it as any reported offer), and waits on.
     */
    async askConnectAboutOffer(
      { contact: offered, reservation }: OfferedStage,
      word: 'unclear' | 'unseen',
    ): Promise<AskedOffer | undefined> {
      const seen = await describe(offered, 'Ask Connect whether the agent accepted the offer');
      const accepted = seen.agentId === reservation.userId;
      if (!accepted && !seen.disconnectedAt && word === 'unseen') {
        await settle(reservation, 'offered', offered.contactId);
        return undefined;
      }
      await settle(reservation, accepted ? 'accepted' : 'offer-unanswered', offered.contactId);
      if (accepted) return 'accepted';
      return seen.disconnectedAt ? 'contact-ended' : 'unanswered';
    },

    async decline(reservations: Reservation[]): Promise<void> {
      for (const reservation of reservations) await settle(reservation, 'declined');
    },

    async updateTask(update: TaskUpdate): Promise<void> {
      const { taskId: _taskId, current: _current, ...change } = update;
      await tellDispatcher(
        () => dispatcher.signal(updateTaskSignal, update),
        `new ${Object.keys(change).join(' and ')}`,
      );
    },

    /** create-connected: the contact made for an agent who did not take it ends, so that none is left unowned. */
    async stopUntaken(untaken: TaskContact): Promise<void> {
      await counted(
        'stopContact',
        activities.stopContact.executeWithOptions({ summary: 'Stop the contact the agent did not take' }, [
          contactRef(untaken),
        ]),
      );
    },

    /** Leaves the line and stops the contact in Connect, so that no task stays queued there unowned. */
    async stop({ leavesLine, contact: toStop, interrupted }: StoppingStage): Promise<void> {
      if (leavesLine) {
        await tellDispatcher(() => dispatcher.signal(leaveLineSignal, { taskId }), 'leaving the line');
      }
      if (toStop) {
        await counted(
          'stopContact',
          activities.stopContact.executeWithOptions(
            { summary: `Stop the contact (${interrupted.outcome})` },
            [contactRef(toStop)],
          ),
        );
      }
    },
  };
}
