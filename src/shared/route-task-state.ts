/**
 * A routeTask run's whole state and every decision it makes, as plain deterministic code: the
 * workflow feeds it signals, updates, activity outcomes and the clock, and asks it what to show,
 * what to tell the dispatcher, how long to wait and what the run returns.
 */
import type { SearchAttributeUpdatePair, TypedSearchAttributes } from '@temporalio/common';
import { requestedExpiryMinutes } from './connect-validation';
import { resolveErrorPolicy, retryDelayFor } from './error-policy';
import type {
  OfferOutcome,
  OfferVerdict,
  Reservation,
  TaskChange,
  TaskUpdate,
  WaitingTask,
  WaitNotice,
} from './dispatcher-contract';
import {
  type OfferRecord,
  ROUTE_TASK_SETTINGS,
  type RouteTaskOutcome,
  type RouteTaskRequest,
  type RouteTaskResult,
  type RouteTaskStatus,
  type RoutingStage,
} from './route-task-contract';
import { describeWait } from './routing/wait-reasons';
import { describeExpression } from './routing/routing-steps';
import {
  ConnectAgentId,
  ConnectContactId,
  ConnectInstanceId,
  ConnectQueueId,
  RoutingStage as RoutingStageAttribute,
  TaskPriority,
} from './search-attributes';

export type Interruption = Exclude<RouteTaskOutcome, 'assigned'>;

/** What ends a run before an agent has the task, and the reason its result gives. */
export interface Interrupted {
  outcome: Interruption;
  reason: string;
}

export const CONTACT_ENDED: Interrupted = {
  outcome: 'expired',
  reason: 'the contact ended in Connect before an agent took it',
};
export const WORKFLOW_CANCELLED: Interrupted = { outcome: 'cancelled', reason: 'the workflow was cancelled' };

/** A contact as the activity that created it reports it. */
export interface CreatedContact {
  contactId: string;
  /** Passed on to later calls as `contactCreatedAt`. */
  createdAt: string;
}

export interface TaskContact extends CreatedContact {
  /** When Connect ends the contact, if the task asked for an expiry. */
  expiresAt?: number;
}

/**
 * Each stage carries what exists in it. The contact exists from its creation, before the task joins
 * the line, except with create-connected, which creates it under a reservation: from 'offered' on.
 */
export type RouteTaskStage =
  | { name: 'creating'; contact?: TaskContact; enqueuedAt?: undefined; capacityWait?: CapacityWait }
  | { name: 'waiting-for-agent'; contact?: TaskContact; enqueuedAt: number }
  | { name: 'assigning'; contact?: TaskContact; enqueuedAt: number; reservation: Reservation }
  | { name: 'offered'; contact: TaskContact; enqueuedAt: number; reservation: Reservation; offeredAt: number }
  | {
      name: 'assigned';
      contact: TaskContact;
      enqueuedAt: number;
      reservation: Reservation;
      assignedAt: number;
    }
  | {
      name: 'stopping';
      contact?: TaskContact;
      enqueuedAt?: number;
      reservation?: Reservation;
      interrupted: Interrupted;
      leavesLine: boolean;
    }
  | { name: Interruption; contact?: TaskContact; enqueuedAt?: number };

export type StoppingStage = Extract<RouteTaskStage, { name: 'stopping' }>;
export type OfferedStage = Extract<RouteTaskStage, { name: 'offered' }>;

/**
 * Connect refused to create the contact because the instance is at its active-task quota (402):
 * the run waits and tries again by the error policy's ServiceQuotaExceededException row, in sight.
 */
export interface CapacityWait {
  since: number;
  refusals: number;
  retryAt: number;
  message: string;
}

/**
 * What to do about an offer now: the agent's answer as the dispatcher saw it, or ask Connect
 * (`unclear`: the answer decides; `unseen`: only an acceptance does, see OfferVerdict).
 */
export type OfferWord = OfferVerdict['verdict'];

/** A reservation taken from the queue, with what the call under it needs. */
export interface ReservationTry {
  reservation: Reservation;
  /** Absent with create-connected: the call creates the contact. */
  contact?: TaskContact;
  /** 1 for the first reservation the task tries. */
  tryNumber: number;
  /** How long the call may take, ending safely before the reservation expires. */
  budgetMs: number;
}

/** What an update changed: its answer, what the dispatcher must hear, and search attributes to upsert at once. */
export interface AppliedUpdate<A> {
  answer: A;
  /** Only while the dispatcher knows the task. */
  dispatcherChange?: TaskUpdate;
  attributes: SearchAttributeUpdatePair[];
}

export interface AttemptTally {
  countAttempts(activityType: string, attempts: number): void;
}

/**
 * Stages that last about one AssociateContactWithUser call: not worth an upsert (each is billed), so
 * the RoutingStage search attribute goes from waiting-for-agent to offered; the current details
 * (Web UI) and `status` still show them.
 */
const UNPUBLISHED_STAGES: ReadonlySet<RoutingStage> = new Set(['assigning']);

/** Stages in which the dispatcher knows the task: after it joined the line and until it stops. */
const REGISTERED_STAGES: ReadonlySet<RoutingStage> = new Set(['waiting-for-agent', 'assigning', 'offered']);

/** How a run decides where later versions decide otherwise: replays decide as their runs did. */
export interface RouteTaskRunRules {
  /** False for runs begun before UNPUBLISHED_STAGES existed: their histories upsert every stage. */
  skipsBriefStages: boolean;
  /**
   * True for runs begun before the dispatcher answered every offer it was told of: an offered task
   * asks Connect after `offerVerdictWaitMs` without a word, which takes a timer per offer.
   */
  asksConnectAfterSilence: boolean;
}

export const CURRENT_RUN_RULES: RouteTaskRunRules = {
  skipsBriefStages: true,
  asksConnectAfterSilence: false,
};

export class RouteTaskState implements AttemptTally {
  private stage: RouteTaskStage = { name: 'creating' };
  private priority: number;
  private preferredAgentIds: string[];
  /** Until then only preferred agents may take the task: set on joining the line, or by setPreferredAgents. */
  private widenAt: number | undefined;
  /** Reservations received and not yet tried, oldest first. */
  private readonly reservations: Reservation[] = [];
  /** The dispatcher's words on offers, not yet read. */
  private readonly verdicts: OfferVerdict[] = [];
  private readonly offers: OfferRecord[] = [];
  private lastNotice: (WaitNotice & { at: number }) | undefined;
  private cancelReason: string | undefined;
  private readonly deadlineAt: number | undefined;
  private reservationsTried = 0;
  /** Changes made while in line (see WaitingTask.version). */
  private lineVersion = 0;
  private readonly attemptsByActivity: Record<string, number> = {};
  /** Search attributes waiting for the next stage change, by key name. */
  private readonly pendingAttributes = new Map<string, SearchAttributeUpdatePair>();
  private published: TypedSearchAttributes;
  private publishedStage: RoutingStage | undefined;

  constructor(
    private readonly request: RouteTaskRequest,
    private readonly taskId: string,
    startedAt: number,
    startAttributes: TypedSearchAttributes,
    private readonly rules: RouteTaskRunRules = CURRENT_RUN_RULES,
  ) {
    this.priority = request.priority;
    this.preferredAgentIds = request.preferredAgentIds;
    this.deadlineAt =
      request.deadlineSeconds === undefined ? undefined : startedAt + request.deadlineSeconds * 1000;
    this.published = startAttributes;
    // Already set when started through startRouteTask; a start from another SDK or the CLI gets them here.
    this.note({ key: ConnectInstanceId, value: request.instanceId });
    this.note({ key: ConnectQueueId, value: request.queueId });
    this.note({ key: TaskPriority, value: request.priority });
  }

  // ---- Signals and updates ----

  receiveReservation(reservation: Reservation): void {
    this.reservations.push(reservation);
  }

  receiveVerdict(verdict: OfferVerdict): void {
    this.verdicts.push(verdict);
  }

  noteWait(notice: WaitNotice, now: number): void {
    this.lastNotice = { ...notice, at: now };
  }

  requestCancel(reason: string | undefined): void {
    this.cancelReason ??= reason ?? 'cancel requested';
  }

  reprioritize(priority: number): AppliedUpdate<number> {
    this.priority = priority;
    // Supervisors search by priority, so it goes out at once; the start value noted earlier must not undo it.
    this.pendingAttributes.delete(TaskPriority.name);
    const attributes: SearchAttributeUpdatePair[] = [{ key: TaskPriority, value: priority }];
    this.published = this.published.updateCopy(attributes);
    return { answer: priority, dispatcherChange: this.ifRegistered({ priority }), attributes };
  }

  setPreferredAgents(
    update: { preferredAgentIds: string[]; widenAfterSeconds?: number },
    now: number,
  ): AppliedUpdate<{ preferredAgentIds: string[]; widensAt: string }> {
    const { preferredAgentIds } = update;
    this.preferredAgentIds = preferredAgentIds;
    const widenAt = this.widenAtFrom(now, update.widenAfterSeconds ?? this.request.widenAfterSeconds);
    this.widenAt = widenAt;
    return {
      answer: { preferredAgentIds, widensAt: iso(widenAt) },
      dispatcherChange: this.ifRegistered({ preferredAgentIds, widenAt }),
      attributes: [],
    };
  }

  countAttempts(activityType: string, attempts: number): void {
    this.attemptsByActivity[activityType] = (this.attemptsByActivity[activityType] ?? 0) + attempts;
  }

  // ---- The run, stage by stage ----

  /** The contact is created before the task joins the line (all strategies but create-connected). */
  contactCreated(created: CreatedContact): void {
    this.inStage('creating');
    this.stage = { name: 'creating', contact: this.recordContact(created) };
  }

  /**
   * Connect refused the contact as over the instance's active-task quota. How long to wait before
   * trying again, or undefined when the error policy does not retry that error (the run fails).
   */
  instanceFull(now: number, message: string): { retryInMs: number; firstRefusal: boolean } | undefined {
    const row = resolveErrorPolicy(this.request.errorPolicy).ServiceQuotaExceededException;
    if (!row.retryable) return undefined;
    const stage = this.inStage('creating');
    const refusals = (stage.capacityWait?.refusals ?? 0) + 1;
    const retryInMs = Math.max(1_000, retryDelayFor(row, refusals));
    const since = stage.capacityWait?.since ?? now;
    this.stage = { ...stage, capacityWait: { since, refusals, retryAt: now + retryInMs, message } };
    return { retryInMs, firstRefusal: refusals === 1 };
  }

  /** Connect queued the contact (a transfer may give it a new id, which later calls must use). */
  contactQueued(queued: CreatedContact): void {
    this.inStage('creating');
    this.stage = { name: 'creating', contact: this.recordContact(queued) };
  }

  /**
   * The task as the dispatcher's line takes it, joining now, with its contact as it stands (a
   * transfer into the queue may give it a new id, which the joining activity puts in its place).
   */
  joinLine(now: number): WaitingTask {
    const widenAt = (this.widenAt ??= this.widenAtFrom(now, this.request.widenAfterSeconds));
    const { queueId, excludedAgentIds, allowedStatuses, routingCriteria, strategy } = this.request;
    const contactId = strategy === 'create-connected' ? undefined : this.stage.contact?.contactId;
    return {
      taskId: this.taskId,
      queueId,
      priority: this.priority,
      enqueuedAt: now,
      preferredAgentIds: this.preferredAgentIds,
      widenAt,
      excludedAgentIds,
      allowedStatuses,
      ...(routingCriteria ? { routingCriteria } : {}),
      ...(contactId === undefined ? {} : { contactId }),
    };
  }

  /**
   * In line; `notice` is why it waits, from the join's answer, unless a notice signalled since
   * (a changed reason can arrive before the answer does) says newer. Returns the change for the
   * dispatcher where an update came while `task` was on its way, which its copy lacks.
   */
  joinedLine(task: WaitingTask, now: number, notice?: WaitNotice): TaskUpdate | undefined {
    const { contact } = this.inStage('creating');
    this.stage = { name: 'waiting-for-agent', contact, enqueuedAt: task.enqueuedAt };
    if (notice && !this.lastNotice) this.noteWait(notice, now);
    const { priority, preferredAgentIds } = this;
    const widenAt = this.widenAt ?? task.widenAt;
    const unchanged =
      task.priority === priority &&
      task.widenAt === widenAt &&
      task.preferredAgentIds.length === preferredAgentIds.length &&
      task.preferredAgentIds.every((agentId, index) => preferredAgentIds[index] === agentId);
    return unchanged ? undefined : this.ifRegistered({ priority, preferredAgentIds, widenAt });
  }

  /** Whether the run has something to act on: a cancel, a reservation to try, or word on its offer. */
  get hasNews(): boolean {
    if (this.cancelReason !== undefined) return true;
    const { stage } = this;
    if (stage.name === 'offered') {
      return this.verdicts.some((verdict) => verdict.reservationId === stage.reservation.reservationId);
    }
    return this.reservations.length > 0;
  }

  /**
   * How long to wait for news before the deadline, the contact's expiry or (offered) the moment to
   * ask Connect about the offer oneself; undefined: no limit.
   */
  waitLimitMs(now: number): number | undefined {
    const { stage } = this;
    const askAt = stage.name === 'offered' ? this.askConnectAt(stage) : Infinity;
    const limit = Math.min(stage.contact?.expiresAt ?? Infinity, this.deadlineAt ?? Infinity, askAt);
    return limit === Infinity ? undefined : Math.max(1, limit - now);
  }

  /** What stops the run now, a cancel request first, then the contact's expiry, then the deadline. */
  interruption(now: number): Interrupted | undefined {
    if (this.cancelReason !== undefined) return { outcome: 'cancelled', reason: this.cancelReason };
    const expiresAt = this.stage.contact?.expiresAt;
    if (expiresAt !== undefined && now >= expiresAt) {
      return { outcome: 'expired', reason: 'the contact reached its expiry before an agent took it' };
    }
    if (this.deadlineAt !== undefined && now >= this.deadlineAt) {
      return {
        outcome: 'deadline',
        reason: `no agent took the task within the deadline of ${this.request.deadlineSeconds} s`,
      };
    }
    return undefined;
  }

  /** The oldest reservation still valid, to try now; undefined when none is. */
  takeReservation(now: number): ReservationTry | undefined {
    const { contact, enqueuedAt } = this.inStage('waiting-for-agent');
    for (let reservation = this.reservations.shift(); reservation; reservation = this.reservations.shift()) {
      // The dispatcher has already released a reservation past its expiry.
      if (reservation.expiresAt <= now) continue;
      this.reservationsTried += 1;
      this.stage = { name: 'assigning', contact, enqueuedAt, reservation };
      const { reservationSafetyMarginMs, minimumReservationCallMs } = ROUTE_TASK_SETTINGS;
      const budgetMs = Math.max(
        minimumReservationCallMs,
        reservation.expiresAt - now - reservationSafetyMarginMs,
      );
      return { reservation, contact, tryNumber: this.reservationsTried, budgetMs };
    }
    return undefined;
  }

  /** The agent did not get the task: wait for the next reservation. */
  reservationFailed(): void {
    const { contact, enqueuedAt } = this.inStage('assigning');
    this.stage = { name: 'waiting-for-agent', contact, enqueuedAt };
  }

  /** Connect offered the contact to the agent (for create-connected, the one just created under the reservation). */
  reservationOffered(contact: CreatedContact, now: number): OfferedStage {
    const { enqueuedAt, reservation } = this.inStage('assigning');
    const offered: OfferedStage = {
      name: 'offered',
      contact: this.recordContact(contact),
      enqueuedAt,
      reservation,
      offeredAt: now,
    };
    this.note({ key: ConnectAgentId, value: reservation.userId });
    const { userId, agentName } = reservation;
    this.offers.push({
      userId,
      ...(agentName === undefined ? {} : { agentName }),
      contactId: contact.contactId,
      offeredAt: iso(now),
    });
    this.stage = offered;
    return offered;
  }

  /** The dispatcher's word on the current offer; `unclear` too once it has been silent too long. */
  takeOfferWord(now: number): { stage: OfferedStage; word: OfferWord } | undefined {
    const stage = this.inStage('offered');
    const index = this.verdicts.findIndex(
      (verdict) => verdict.reservationId === stage.reservation.reservationId,
    );
    // Words on earlier offers are stale: the task has moved on from them.
    const [verdict] = index < 0 ? [] : this.verdicts.splice(0, index + 1).slice(-1);
    if (verdict) return { stage, word: verdict.verdict };
    if (now >= this.askConnectAt(stage)) return { stage, word: 'unclear' };
    return undefined;
  }

  /** When an offered task without a word on its offer asks Connect itself (never, in current runs). */
  private askConnectAt(stage: OfferedStage): number {
    return this.rules.asksConnectAfterSilence
      ? stage.offeredAt + ROUTE_TASK_SETTINGS.offerVerdictWaitMs
      : Infinity;
  }

  /**
   * The dispatcher did not hear that the agent was offered the contact (it is gone: its answer
   * would never come), so the task asks Connect at once.
   */
  offerUnheard(now: number): void {
    const { reservation } = this.inStage('offered');
    if (this.rules.asksConnectAfterSilence) return;
    this.verdicts.push({
      reservationId: reservation.reservationId,
      userId: reservation.userId,
      verdict: 'unclear',
      at: now,
    });
  }

  /**
   * How the agent answered. Accepted: the task is assigned. Otherwise it waits for the next
   * reservation; with create-connected its contact (made for that agent) is returned, to be stopped.
   */
  offerAnswered(outcome: OfferOutcome | 'unanswered', now: number): { contactToStop?: TaskContact } {
    const { contact, enqueuedAt, reservation } = this.inStage('offered');
    const offer = this.offers[this.offers.length - 1]!;
    offer.outcome = outcome;
    offer.answeredAt = iso(now);
    if (outcome === 'accepted') {
      this.stage = { name: 'assigned', contact, enqueuedAt, reservation, assignedAt: now };
      return {};
    }
    if (this.request.strategy === 'create-connected') {
      this.stage = { name: 'waiting-for-agent', enqueuedAt };
      return { contactToStop: contact };
    }
    this.stage = { name: 'waiting-for-agent', contact, enqueuedAt };
    return {};
  }

  /** Reservations that arrived while the task was being assigned: the dispatcher may give them to others. */
  takeUnusedReservations(): Reservation[] {
    return this.reservations.splice(0);
  }

  finishAssigned(): RouteTaskResult {
    const { contact, enqueuedAt, reservation, assignedAt } = this.inStage('assigned');
    return {
      outcome: 'assigned',
      contactId: contact.contactId,
      userId: reservation.userId,
      queueId: this.request.queueId,
      createdAt: contact.createdAt,
      assignedAt: iso(assignedAt),
      waitedMs: assignedAt - enqueuedAt,
      reservationsTried: this.reservationsTried,
      attemptsByActivity: this.attemptsByActivity,
      offers: this.offers,
    };
  }

  /** Whatever stage the run is in: what stopping it involves. */
  stop(interrupted: Interrupted): StoppingStage {
    const { stage } = this;
    const stopping: StoppingStage = {
      name: 'stopping',
      contact: stage.contact,
      enqueuedAt: stage.enqueuedAt,
      reservation: reservationOf(stage),
      interrupted,
      leavesLine: this.registered,
    };
    this.stage = stopping;
    return stopping;
  }

  finishInterrupted(): RouteTaskResult {
    const { contact, enqueuedAt, interrupted } = this.inStage('stopping');
    this.stage = { name: interrupted.outcome, contact, enqueuedAt };
    return {
      outcome: interrupted.outcome,
      reason: interrupted.reason,
      contactId: contact?.contactId,
      queueId: this.request.queueId,
      createdAt: contact?.createdAt,
      reservationsTried: this.reservationsTried,
      attemptsByActivity: this.attemptsByActivity,
      offers: this.offers,
    };
  }

  // ---- What the run shows ----

  /**
   * Search attributes go out with the next stage change, in one upsert of only what changed: each
   * upsert is an action that Temporal Cloud bills. Empty while the stage is the one last published,
   * or one of UNPUBLISHED_STAGES.
   */
  takeAttributeChanges(): SearchAttributeUpdatePair[] {
    const brief = this.rules.skipsBriefStages && UNPUBLISHED_STAGES.has(this.stage.name);
    if (this.stage.name === this.publishedStage || brief) return [];
    this.publishedStage = this.stage.name;
    const changed = [
      ...this.pendingAttributes.values(),
      { key: RoutingStageAttribute, value: this.stage.name },
    ].filter((pair) => this.published.get(pair.key) !== pair.value);
    this.pendingAttributes.clear();
    this.published = this.published.updateCopy(changed);
    return changed;
  }

  status(): RouteTaskStatus {
    const { stage, lastNotice } = this;
    const reservation = reservationOf(stage);
    return {
      stage: stage.name,
      instanceId: this.request.instanceId,
      queueId: this.request.queueId,
      priority: this.priority,
      contactId: stage.contact?.contactId,
      userId: reservation?.userId,
      waitingSince: stage.enqueuedAt === undefined ? undefined : iso(stage.enqueuedAt),
      waitingForCapacitySince:
        stage.name === 'creating' && stage.capacityWait ? iso(stage.capacityWait.since) : undefined,
      position: lastNotice?.position,
      waitingCount: lastNotice?.waitingCount,
      candidateCount: lastNotice?.decision.candidateCount,
      lastDecision: lastNotice && {
        reason: lastNotice.decision.reason,
        at: iso(lastNotice.at),
        explanation: this.explainWait(lastNotice),
      },
      currentReservation:
        reservation && stage.name !== 'assigned'
          ? { userId: reservation.userId, expiresAt: iso(reservation.expiresAt) }
          : undefined,
      preferredAgentIds: this.preferredAgentIds,
      widensAt:
        this.widenAt === undefined || this.preferredAgentIds.length === 0 ? undefined : iso(this.widenAt),
      routingStep: this.routingStep(),
      reservationsTried: this.reservationsTried,
      offers: this.offers,
    };
  }

  /** The run's current details in the Temporal UI, as Markdown. */
  details(now: number): string {
    const { stage } = this;
    const lines = [`**${stage.name}** · queue \`${this.request.queueId}\` · priority ${this.priority}`];
    if (stage.contact) lines.push(`Contact \`${stage.contact.contactId}\``);
    if (stage.name === 'creating' && stage.capacityWait) {
      const { since, refusals, retryAt, message } = stage.capacityWait;
      lines.push(
        `Connect's instance is full: it refused the contact ${refusals} time(s) since ${iso(since)} ` +
          `(${message}); trying again at ${iso(retryAt)}`,
      );
    }
    if (stage.name === 'waiting-for-agent') {
      lines.push(`Waiting since ${iso(stage.enqueuedAt)}`);
      if (this.lastNotice) lines.push(this.explainWait(this.lastNotice));
      if (this.preferredAgentIds.length > 0 && this.widenAt !== undefined && now < this.widenAt) {
        lines.push(
          `Preferred agents: ${this.preferredAgentIds.join(', ')}; widening to the whole queue at ${iso(this.widenAt)}`,
        );
      }
    }
    const reservation = reservationOf(stage);
    if (stage.name === 'offered') {
      lines.push(
        `Offered to ${agentLabel(stage.reservation)} at ${iso(stage.offeredAt)}: waiting for the agent to accept`,
      );
    } else if (stage.name === 'assigned') {
      lines.push(`Accepted by ${agentLabel(stage.reservation)} at ${iso(stage.assignedAt)}`);
    } else if (reservation) lines.push(`Assigning to ${agentLabel(reservation)}`);
    const answered = this.offers.filter(
      (offer) => offer.outcome !== undefined && offer.outcome !== 'accepted',
    );
    if (answered.length > 0) {
      lines.push(
        `Earlier offers: ${answered.map((offer) => `${agentLabel(offer)} ${offer.outcome} at ${offer.answeredAt}`).join('; ')}`,
      );
    }
    return lines.join('\n\n');
  }

  /** Whether the dispatcher knows the task, so that changes to it must be sent there. */
  get registered(): boolean {
    return REGISTERED_STAGES.has(this.stage.name);
  }

  /** The change, with the whole task as it stands after it (the dispatcher may hold it only in a line segment). */
  private ifRegistered(change: TaskChange): TaskUpdate | undefined {
    if (!this.registered) return undefined;
    this.lineVersion += 1;
    const { enqueuedAt } = this.stage;
    if (enqueuedAt === undefined) return { taskId: this.taskId, ...change };
    return {
      taskId: this.taskId,
      ...change,
      current: { ...this.joinLine(enqueuedAt), version: this.lineVersion },
    };
  }

  /** A task with preferred agents keeps to them for `seconds` from `base`; one without is wide at once. */
  private widenAtFrom(base: number, seconds: number): number {
    return this.preferredAgentIds.length > 0 ? base + seconds * 1000 : base;
  }

  private recordContact(created: CreatedContact): TaskContact {
    this.note({ key: ConnectContactId, value: created.contactId });
    const { expiryDurationInMinutes, segmentAttributes } = this.request.contact;
    const expiryMinutes = requestedExpiryMinutes(expiryDurationInMinutes, segmentAttributes);
    return {
      contactId: created.contactId,
      createdAt: created.createdAt,
      expiresAt:
        expiryMinutes === undefined ? undefined : Date.parse(created.createdAt) + expiryMinutes * 60_000,
    };
  }

  private note(pair: SearchAttributeUpdatePair): void {
    this.pendingAttributes.set(pair.key.name, pair);
  }

  private explainWait(notice: WaitNotice): string {
    return describeWait(notice, {
      queueId: this.request.queueId,
      allowedStatuses: this.request.allowedStatuses,
      routingCriteria: this.request.routingCriteria,
    });
  }

  /** The routing step of the dispatcher's last word, while the task waits. */
  private routingStep(): RouteTaskStatus['routingStep'] {
    const step = this.lastNotice?.decision.step;
    const steps = this.request.routingCriteria?.steps;
    if (!step || !steps || this.stage.name !== 'waiting-for-agent') return undefined;
    return {
      step: step.index + 1,
      of: steps.length,
      requirement:
        step.index < steps.length
          ? describeExpression(steps[step.index]!.expression)
          : 'any agent of the queue',
      expiresAt: step.expiresAt === undefined ? undefined : iso(step.expiresAt),
    };
  }

  private inStage<N extends RouteTaskStage['name']>(name: N): Extract<RouteTaskStage, { name: N }> {
    if (this.stage.name !== name) throw new Error(`routeTask is ${this.stage.name}, not ${name}`);
    return this.stage as Extract<RouteTaskStage, { name: N }>;
  }
}

/** `alice (\`4444…\`)`, or `agent \`4444…\`` when the name is not known. */
/** An agent as the Web UI shows them: by name and id once the name is known. */
export function agentLabel({ userId, agentName }: { userId: string; agentName?: string }): string {
  return agentName === undefined ? `agent \`${userId}\`` : `${agentName} (\`${userId}\`)`;
}

function reservationOf(stage: RouteTaskStage): Reservation | undefined {
  return 'reservation' in stage ? stage.reservation : undefined;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
