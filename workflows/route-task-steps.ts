/**
 * routeTask's calls to Connect and to the dispatcher, per strategy: each step makes its activity
 * calls and signals and returns a plain outcome; the run state decides what follows.
 */
import {
  ActivityFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  proxyActivities,
} from '@temporalio/workflow';
import type { RoutingActivities } from '../activities';
import {
  dispatcherWorkflowId,
  leaveLineSignal,
  type Reservation,
  type SettleOutcome,
  settleReservationSignal,
  type TaskChange,
  updateTaskSignal,
  type WaitingTask,
} from '../src/shared/dispatcher-contract';
import { activityRetryPolicy, resolveErrorPolicy } from '../src/shared/error-policy';
import { ROUTE_TASK_SETTINGS, type RouteTaskRequest } from '../src/shared/route-task-contract';
import type {
  AttemptTally,
  CreatedContact,
  ReservationTry,
  StoppingStage,
} from '../src/shared/route-task-state';

/** How trying a reservation ended; `contact-ended`: Connect ended the contact while the task waited. */
export type ReservationOutcome =
  { outcome: 'assigned'; contact: CreatedContact } | { outcome: 'try-again' | 'contact-ended' };

export type RouteTaskSteps = ReturnType<typeof routeTaskSteps>;

/** The steps of one run; the attempts of every activity call are counted into `tally`. */
export function routeTaskSteps(request: RouteTaskRequest, taskId: string, tally: AttemptTally) {
  const { instanceId, queueId, contact, errorPolicy } = request;
  const activities = proxyActivities<RoutingActivities>({
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
   * Signals to the dispatcher are best effort. A lost settleReservation is repaired when the
   * reservation expires: the dispatcher puts the task back in line, and if the run has finished, the
   * next reservation signalled to it fails and the dispatcher forgets the task. A lost leaveLine is
   * repaired the same way, on the task's next reservation. A lost updateTask is not repaired: the
   * dispatcher keeps the old priority or preferred agents.
   */
  async function tellDispatcher(send: () => Promise<void>, what: string): Promise<void> {
    try {
      await send();
    } catch (error) {
      log.warn(`Could not tell the dispatcher: ${what}`, { error: (error as Error).message });
    }
  }

  function settle(reservation: Reservation, outcome: SettleOutcome, contactId?: string): Promise<void> {
    return tellDispatcher(
      () =>
        dispatcher.signal(settleReservationSignal, {
          reservationId: reservation.reservationId,
          outcome,
          contactId,
        }),
      `reservation ${reservation.reservationId} ${outcome}`,
    );
  }

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
            summary: `Create task "${contact.name}" connected to agent ${reservation.userId}`,
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
      await settle(reservation, 'assigned', created.contactId);
      return { outcome: 'assigned', contact: created };
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      await settle(reservation, 'agent-unavailable');
      return { outcome: 'try-again' };
    }
  }

  /** create-then-associate and start-task-contact: the existing contact goes to the reserved agent. */
  async function associate(
    { reservation, budgetMs }: ReservationTry,
    existing: CreatedContact,
  ): Promise<ReservationOutcome> {
    const assigned = { outcome: 'assigned', contact: existing } as const;
    try {
      await counted(
        'associateContactWithUser',
        activities.associateContactWithUser.executeWithOptions(
          { summary: `Assign contact to agent ${reservation.userId}`, scheduleToCloseTimeout: budgetMs },
          [{ ...contactRef(existing), userId: reservation.userId }],
        ),
      );
      await settle(reservation, 'assigned', existing.contactId);
      return assigned;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      // The association may have happened anyway (a timeout), or the contact may have ended: Connect knows.
      const seen = await counted(
        'describeContact',
        activities.describeContact.executeWithOptions(
          { summary: 'Check the contact after a failed assignment' },
          [contactRef(existing)],
        ),
      );
      if (seen.agentId === reservation.userId) {
        await settle(reservation, 'assigned', existing.contactId);
        return assigned;
      }
      await settle(reservation, 'agent-unavailable', existing.contactId);
      return { outcome: seen.disconnectedAt ? 'contact-ended' : 'try-again' };
    }
  }

  return {
    /** The contact, for the strategies that create it before the task joins the line. */
    async createBeforeLine(): Promise<CreatedContact | undefined> {
      if (request.strategy === 'create-connected') return undefined;
      if (request.strategy === 'start-task-contact') {
        return counted(
          'startTaskContact',
          activities.startTaskContact.executeWithOptions(
            { summary: `Start task "${contact.name}" in a flow` },
            [
              {
                ...contactFields,
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
          { ...contactFields, step: 'create-contact' },
        ]),
      );
    },

    async joinLine(task: WaitingTask): Promise<void> {
      await counted(
        'registerWithDispatcher',
        activities.registerWithDispatcher.executeWithOptions(
          { summary: `Join the line for queue ${queueId}` },
          [{ instanceId, task }],
        ),
      );
    },

    /** Gives the task to the reserved agent, and tells the dispatcher how the reservation ended. */
    tryReservation(taken: ReservationTry): Promise<ReservationOutcome> {
      return taken.contact ? associate(taken, taken.contact) : createConnected(taken);
    },

    /** Whether DescribeContact shows the contact with the agent. */
    async confirm({ contact: assigned, reservation }: { contact: CreatedContact; reservation: Reservation }) {
      const seen = await counted(
        'describeContact',
        activities.describeContact.executeWithOptions({ summary: 'Confirm the agent has the contact' }, [
          contactRef(assigned),
        ]),
      );
      return seen.agentId === reservation.userId;
    },

    async decline(reservations: Reservation[]): Promise<void> {
      for (const reservation of reservations) await settle(reservation, 'declined');
    },

    updateTask(change: TaskChange): Promise<void> {
      return tellDispatcher(
        () => dispatcher.signal(updateTaskSignal, { taskId, ...change }),
        `new ${Object.keys(change).join(' and ')}`,
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
