import type {
  AgentProficiency,
  AgentState,
  DispatcherSettings,
  EncodedDispatcherBook,
  HeldReservation,
  MissedOffers,
  OfferVerdict,
  QueueStatistics,
  Reservation,
  RoutingProfileQueues,
  SettleOutcome,
  TaskExplanation,
  TaskUpdate,
  EncodedLineSegment,
  WaitDecision,
  WaitingTask,
  WaitNotice,
} from '../dispatcher-contract';
import { AssignedWaits } from './assigned-waits';
import { type BacklogSettings, LineBacklog, type NewLineSegment } from './line-backlog';
import { matchTasksToAgents } from './matching';
import { LineTally, queueStatistics } from './queue-statistics';
import { reviewDeadline, reviewReservations, watchedPending } from './reservations';
import { type SkillLevels, skillLevels } from './routing-steps';
import { decodeTask, TaskEncoder } from './task-codec';
import { waitNewsKey } from './wait-reasons';
import { compareWaitingTasks } from './waiting-order';

/** What the book decides with; the rest of DispatcherSettings is the workflow's. */
export type BookSettings = BacklogSettings &
  Pick<
    DispatcherSettings,
    | 'reservationTtlMs'
    | 'catchUpMs'
    | 'maxWaitNoticesPerRound'
    | 'waitNoticeAfterMs'
    | 'offersPerSecond'
    | 'offerBurst'
    | 'offerAnswerTimeoutMs'
    | 'offerVisibleWithinMs'
    | 'missedAgentSkipMs'
    | 'consecutiveMissesToHold'
    | 'statisticsWindowMs'
    | 'serviceLevelMs'
    | 'skillRefreshMs'
  > & {
    /**
     * False: continue-as-new carries no queue statistics, for runs begun before them, whose replays
     * must spill the line into segments as they did.
     */
    carriesStatistics?: boolean;
    /** False: a late settle of a lapsed reservation is ignored, as runs begun before `revive` did. */
    revivesLapsedOffers?: boolean;
    /**
     * False: an offer settled on a reservation the book no longer holds is ignored, as runs begun
     * before `answersUnheldOffers` did (their tasks ask Connect after a silence of their own).
     */
    answersUnheldOffers?: boolean;
    /**
     * False: reservations carry no contact id, so tasks report every offer, as runs begun before
     * `watchesOffers` had them do.
     */
    watchesOffers?: boolean;
  };

export interface RoundOutcome {
  reservations: Reservation[];
  /** What Connect showed of offers, for their tasks. */
  verdicts: { taskId: string; verdict: OfferVerdict }[];
  notices: WaitNotice[];
  /** Tasks whose reservation expired unsettled: back in line at their old place. */
  requeued: string[];
  /** Line segments to ask back: the head of their class is about to reach them. */
  segmentsToRequest: string[];
  /** When the next round is due for a reason other than new data (widening, a reservation expiring). */
  nextDeadline?: number;
}

/** Lapsed reservations remembered (a few KB): far more than expire within any outage a task outlives. */
const LAPSED_KEPT = 1_000;

function noFreeSlot(agent: AgentState): AgentState {
  return { ...agent, freeTaskSlots: 0 };
}

/**
 * The dispatcher's whole state and every decision it makes, as plain deterministic code: the
 * workflow feeds it signals, snapshots and the clock, and carries `encode()` across continue-as-new.
 */
export class DispatcherBook {
  /** The head of the line: what rounds match from (see LineBacklog for the rest). */
  private readonly line = new Map<string, WaitingTask>();
  /** Tasks holding a reservation: kept whole so a failed or expired one puts them back at their old place. */
  private readonly reserved = new Map<string, WaitingTask>();
  private readonly reservations = new Map<string, HeldReservation>();
  /** The last decision each waiting task was told, so that only changes are sent. */
  private readonly told = new Map<string, string>();
  /** Tasks whose join is answered after the next round: that answer tells them why they wait, not a notice. */
  private readonly joinsToAnswer = new Set<string>();
  private readonly backlog: LineBacklog;
  private lastDecisions = new Map<string, WaitDecision>();
  private agents = new Map<string, AgentState>();
  private snapshotTakenAt: number | undefined;
  private queuesByRoutingProfile: Record<string, RoutingProfileQueues> = {};
  private reservationCounter = 0;
  /** Per task: agents who missed or rejected its offer, skipped for it until the time given. */
  private readonly skips = new Map<string, MissedOffers>();
  /** Per agent: offers missed in a row, in the status they were missed in. */
  private readonly misses = new Map<string, { count: number; statusSince: number }>();
  /** The offer-rate token bucket: offers are reservations, and each becomes an AssociateContactWithUser call. */
  private offerTokens: { tokens: number; at: number } | undefined;
  /** Usernames of agents seen in Connect's data, by user id. */
  private readonly agentNames = new Map<string, string>();
  /** Agents whose usernames were looked up (found or not) since this run began. */
  private readonly agentsLookedUp = new Set<string>();
  /** How long the tasks assigned lately waited: for the queue statistics. */
  private assignedWaits: AssignedWaits;
  /**
   * Reservations that expired unsettled, the latest `LAPSED_KEPT`: a task whose worker was down past
   * the expiry may still report that Connect offered it the contact, and that offer must be watched.
   */
  private readonly lapsed = new Map<string, HeldReservation>();
  /**
   * Offers settled on reservations no longer held (lapsed and forgotten, say): nobody watches the
   * agent for their answer, so each task is told `unclear` in the next round and asks Connect.
   */
  private unheldOffers: NonNullable<EncodedDispatcherBook['unheldOffers']> = [];
  /** Agents' proficiencies as last read, by user id. */
  private readonly skills = new Map<string, { readAt: number; proficiencies: AgentProficiency[] }>();
  private readonly skillLevels = new Map<string, SkillLevels>();

  constructor(private readonly settings: BookSettings) {
    this.backlog = new LineBacklog(settings, this.told);
    this.assignedWaits = new AssignedWaits(settings);
  }

  /** Every waiting task: the head, the backlog in memory, and what line segments hold. */
  get waitingCount(): number {
    return this.line.size + this.backlog.size + this.backlog.carriedCount;
  }

  /** Waiting tasks held by line segments, out of memory. */
  get carriedCount(): number {
    return this.backlog.carriedCount;
  }

  get lineSegmentCount(): number {
    return this.backlog.segmentCount;
  }

  get reservationCount(): number {
    return this.reservations.size;
  }

  get agentCount(): number {
    return this.agents.size;
  }

  /** Offers whose answer the dispatcher watches for in Connect's data. */
  get offersAwaitingAnswer(): number {
    let count = 0;
    for (const reservation of this.reservations.values()) if (reservation.state === 'offered') count += 1;
    return count;
  }

  /**
   * Whether a held reservation waits for Connect's agent data: an offer out, or a pending one whose
   * offer only that data will show (its task reports only a failure).
   */
  get watchesAgents(): boolean {
    for (const reservation of this.reservations.values()) {
      if (reservation.state === 'offered' || watchedPending(reservation)) return true;
    }
    return false;
  }

  /** Queues with waiting tasks or offers awaiting an answer: the only ones worth polling. */
  queuesToWatch(): string[] {
    const tasks = [...this.line.values(), ...this.reserved.values()];
    return [...new Set([...tasks.map((task) => task.queueId), ...this.backlog.queues()])].sort();
  }

  /** Routing profiles seen on agents whose queues are not known yet. */
  unknownRoutingProfiles(): string[] {
    const profiles = [...this.agents.values()].map((agent) => agent.routingProfileId);
    return [...new Set(profiles)].filter((id) => !(id in this.queuesByRoutingProfile)).sort();
  }

  /**
   * Whether some agent Connect reported has no known username yet: `new` when one of them appeared
   * since the last lookup (look up now, or its offers go out unnamed), `looked-up` when all of them
   * were looked up and not found (look again only now and then).
   */
  unnamedAgents(): 'new' | 'looked-up' | undefined {
    let unnamed: 'looked-up' | undefined;
    for (const userId of this.agents.keys()) {
      if (this.agentNames.has(userId)) continue;
      if (!this.agentsLookedUp.has(userId)) return 'new';
      unnamed = 'looked-up';
    }
    return unnamed;
  }

  /** Keeps the usernames of the agents seen (an instance may have many more users than agents routed to). */
  setAgentNames(usernames: Record<string, string>): void {
    for (const userId of this.agents.keys()) {
      this.agentsLookedUp.add(userId);
      const name = usernames[userId];
      if (name !== undefined) this.agentNames.set(userId, name);
    }
  }

  /**
   * Agents whose proficiencies are worth reading now, at most `max`: none unless a task with routing
   * criteria waits; then agents never read, then those read longest ago (past `skillRefreshMs`).
   */
  agentsNeedingSkills(now: number, max: number): string[] {
    if (max <= 0 || ![...this.line.values()].some((task) => task.routingCriteria)) return [];
    const unread = [...this.agents.keys()].filter((userId) => !this.skills.has(userId));
    const stale = [...this.agents.keys()]
      .filter((userId) => {
        const read = this.skills.get(userId);
        return read !== undefined && now - read.readAt >= this.settings.skillRefreshMs;
      })
      .sort((a, b) => this.skills.get(a)!.readAt - this.skills.get(b)!.readAt);
    return [...unread, ...stale].slice(0, max);
  }

  /** Proficiencies read from Connect; a user Connect does not know has none. */
  setSkills(
    proficiencies: Record<string, AgentProficiency[]>,
    unknownUserIds: string[],
    readAt: number,
  ): void {
    for (const userId of unknownUserIds) this.setAgentSkills(userId, [], readAt);
    for (const [userId, list] of Object.entries(proficiencies)) this.setAgentSkills(userId, list, readAt);
  }

  private setAgentSkills(userId: string, proficiencies: AgentProficiency[], readAt: number): void {
    this.skills.set(userId, { readAt, proficiencies });
    this.skillLevels.set(userId, skillLevels(proficiencies));
  }

  /** Routing profiles change rarely but do change: forgetting them makes the next round re-read them. */
  forgetRoutingProfiles(): void {
    this.queuesByRoutingProfile = {};
  }

  setRoutingProfileQueues(routingProfileId: string, queues: RoutingProfileQueues): void {
    this.queuesByRoutingProfile[routingProfileId] = {
      manual: [...queues.manual].sort(),
      routed: [...queues.routed].sort(),
    };
  }

  /**
   * Adds a task, or refreshes it when it registers again (a retried registration is harmless). With
   * `answered`, the join waits for `answerJoins` to say why the task waits, and rounds leave it to that.
   */
  enqueue(task: WaitingTask, answered = false): void {
    if (answered) this.joinsToAnswer.add(task.taskId);
    if (this.reserved.has(task.taskId)) return;
    const known = this.line.get(task.taskId) ?? this.backlog.remove(task.taskId);
    this.line.set(task.taskId, known ? { ...task, enqueuedAt: known.enqueuedAt } : task);
  }

  leave(taskId: string): void {
    if (!this.line.has(taskId) && !this.reserved.has(taskId) && !this.backlog.remove(taskId)) {
      this.backlog.markStale(taskId, Number.MAX_SAFE_INTEGER);
    }
    this.line.delete(taskId);
    this.reserved.delete(taskId);
    this.told.delete(taskId);
    this.joinsToAnswer.delete(taskId);
    this.skips.delete(taskId);
    // An accepted reservation keeps its slot until Connect's figures show the contact.
    for (const [id, reservation] of this.reservations) {
      if (reservation.taskId === taskId && reservation.state !== 'accepted') this.reservations.delete(id);
    }
  }

  /**
   * A waiting task changed. One the book does not hold may wait in a line segment: its new copy
   * (`current`) takes its place, and the carried one is stale.
   */
  update({ taskId, current, ...change }: TaskUpdate): boolean {
    const task = this.line.get(taskId) ?? this.backlog.remove(taskId);
    if (task) {
      // Back to the head: the next round's balance puts it where its new place is.
      this.line.set(taskId, { ...task, ...change, ...(current ? { version: current.version } : {}) });
      return true;
    }
    if (!current || this.reserved.has(taskId) || this.backlog.segmentCount === 0) return false;
    this.backlog.markStale(taskId, current.version ?? 0);
    this.line.set(taskId, current);
    return true;
  }

  /** A line segment's tasks are back in memory. */
  segmentReturned(segmentId: string, tasks: EncodedLineSegment): void {
    this.backlog.segmentReturned(
      segmentId,
      tasks,
      (taskId) => this.line.has(taskId) || this.reserved.has(taskId),
    );
  }

  /** A line segment's workflow is gone: how many tasks were lost with it (0 when none was known). */
  segmentLost(segmentId: string): number {
    return this.backlog.segmentLost(segmentId)?.count ?? 0;
  }

  /** The task reports how its reservation went (see SettleOutcome). */
  settle(
    reservationId: string,
    outcome: SettleOutcome,
    now: number,
    contactId?: string,
    settledBy?: { taskId: string; userId: string },
  ): void {
    const reservation =
      this.reservations.get(reservationId) ??
      (outcome === 'offered' || outcome === 'accepted' ? this.revive(reservationId, now) : undefined);
    if (!reservation) {
      if (outcome === 'offered' && settledBy && this.settings.answersUnheldOffers !== false) {
        this.unheldOffers.push({ ...settledBy, reservationId });
      }
      return;
    }
    const { unseenAt: _unseenAt, ...held } = reservation;
    const withContact = { ...held, contactId: contactId ?? reservation.contactId };
    switch (outcome) {
      case 'offered':
        this.reservations.set(reservationId, { ...withContact, state: 'offered', offeredAt: now });
        return;
      case 'accepted':
        this.reservations.set(reservationId, { ...withContact, state: 'accepted', acceptedAt: now });
        this.offerAccepted(reservation, now);
        return;
      case 'offer-unanswered':
        this.offerRefused(reservation, now);
        return;
      case 'agent-unavailable':
      case 'declined':
        this.reservations.delete(reservationId);
        this.backInLine(reservation.taskId);
    }
  }

  /** A fresh GetCurrentUserData picture of the watched queues replaces the previous one. */
  applySnapshot(agents: AgentState[], takenAt: number): void {
    this.agents = new Map(agents.map((agent) => [agent.userId, agent]));
    this.snapshotTakenAt = takenAt;
  }

  /** A pushed agent event: applied only when it is newer than what the last poll said. */
  applyAgentUpdate(agent: AgentState): void {
    if (this.snapshotTakenAt !== undefined && agent.observedAt < this.snapshotTakenAt) return;
    this.agents.set(agent.userId, agent);
  }

  /**
   * One dispatching round: settle what Connect showed of offers, release expired reservations, match
   * within the offer rate, and say what changed for whom.
   */
  round(now: number): RoundOutcome {
    const review = reviewReservations(
      [...this.reservations.values()],
      { snapshotTakenAt: this.snapshotTakenAt, byId: this.agents },
      now,
      this.settings,
    );
    this.reservations.clear();
    for (const reservation of review.kept) this.reservations.set(reservation.reservationId, reservation);
    const verdicts: RoundOutcome['verdicts'] = [];
    const tell = (
      reservation: Pick<HeldReservation, 'taskId' | 'reservationId' | 'userId'>,
      verdict: OfferVerdict['verdict'],
    ) =>
      verdicts.push({
        taskId: reservation.taskId,
        verdict: { reservationId: reservation.reservationId, userId: reservation.userId, verdict, at: now },
      });
    for (const { reservation, outcome } of review.answered) {
      if (outcome === 'accepted') this.offerAccepted(reservation, now);
      else this.offerRefused(reservation, now);
      tell(reservation, outcome);
    }
    for (const reservation of review.unclear) tell(reservation, 'unclear');
    for (const reservation of review.unseen) tell(reservation, 'unseen');
    for (const unheld of this.unheldOffers) tell(unheld, 'unclear');
    this.unheldOffers = [];
    const requeued: string[] = [];
    for (const expired of review.expired) {
      this.lapsed.set(expired.reservationId, expired);
      if (this.backInLine(expired.taskId)) requeued.push(expired.taskId);
      if (watchedPending(expired)) tell(expired, 'unclear');
    }
    for (const id of this.lapsed.keys()) {
      if (this.lapsed.size <= LAPSED_KEPT) break;
      this.lapsed.delete(id);
    }

    const segmentsToRequest = this.backlog.balance(this.line, now);
    const matching = matchTasksToAgents({
      tasks: [...this.line.values()].map((task) => this.withSkips(task, now)),
      agents: [...this.agents.values()].map((agent) =>
        this.mayBeOffered(agent) ? agent : noFreeSlot(agent),
      ),
      queuesByRoutingProfile: this.queuesByRoutingProfile,
      reservations: [...this.reservations.values()],
      now,
      maxNewReservations: this.takeOfferAllowance(now),
      skills: this.skillLevels,
    });
    this.lastDecisions = matching.waiting;
    this.spendOffers(matching.newReservations.length);

    const reservations = matching.newReservations.map(({ taskId, userId }): Reservation => {
      const task = this.line.get(taskId)!;
      this.line.delete(taskId);
      this.told.delete(taskId);
      this.reserved.set(taskId, task);
      this.reservationCounter += 1;
      const agentName = this.agentNames.get(userId);
      const { contactId } = task;
      const watched = contactId !== undefined && this.settings.watchesOffers !== false;
      const reservation: HeldReservation = {
        reservationId: `r${this.reservationCounter}`,
        taskId,
        userId,
        ...(agentName === undefined ? {} : { agentName }),
        ...(watched ? { contactId } : {}),
        expiresAt: now + this.settings.reservationTtlMs,
        reservedAt: now,
        state: 'pending',
      };
      this.reservations.set(reservation.reservationId, reservation);
      // What the task is sent: the reservation without the dispatcher's own bookkeeping.
      const { reservedAt: _reservedAt, state: _state, ...sent } = reservation;
      return sent;
    });

    const notices = this.changedDecisions(matching.waiting, now);
    // Held reservations need a look at their deadlines even when no poll is due (nothing waits).
    const deadlines = [
      ...[...this.reservations.values()].map((reservation) => reviewDeadline(reservation, this.settings)),
      ...(matching.nextWidenAt === undefined ? [] : [matching.nextWidenAt]),
      ...(matching.pacedTasks > 0 ? [this.nextOfferAt(now)] : []),
      ...this.skipEnds(now),
    ];
    return {
      reservations,
      verdicts,
      notices,
      requeued,
      segmentsToRequest,
      nextDeadline: deadlines.length > 0 ? Math.min(...deadlines) : undefined,
    };
  }

  /** A reserved task goes back in line at its old place; false when the task is not reserved. */
  /**
   * A lapsed reservation its task settles late as offered or accepted: Connect did offer the agent the
   * contact, so the task leaves the line again and the reservation holds that agent's slot; a newer
   * reservation of the task is void (the task, offered, takes no other).
   */
  private revive(reservationId: string, now: number): HeldReservation | undefined {
    const lapsed = this.lapsed.get(reservationId);
    if (!lapsed || this.settings.revivesLapsedOffers === false) return undefined;
    this.lapsed.delete(reservationId);
    const { taskId } = lapsed;
    const task = this.line.get(taskId) ?? this.backlog.remove(taskId) ?? this.reserved.get(taskId);
    if (!task) return undefined;
    this.line.delete(taskId);
    this.told.delete(taskId);
    for (const [id, other] of this.reservations) if (other.taskId === taskId) this.reservations.delete(id);
    this.reserved.set(taskId, task);
    const revived: HeldReservation = { ...lapsed, expiresAt: now + this.settings.reservationTtlMs };
    this.reservations.set(reservationId, revived);
    return revived;
  }

  private backInLine(taskId: string): boolean {
    const task = this.reserved.get(taskId);
    if (!task) return false;
    this.reserved.delete(taskId);
    this.line.set(taskId, task);
    return true;
  }

  private offerAccepted(reservation: HeldReservation, now: number): void {
    const task = this.reserved.get(reservation.taskId);
    if (task) this.assignedWaits.record(task.queueId, task.priority, task.enqueuedAt, now);
    this.reserved.delete(reservation.taskId);
    this.skips.delete(reservation.taskId);
    this.misses.delete(reservation.userId);
  }

  /** Missed, rejected or unanswered: the agent is skipped for this task a while, and counted a miss. */
  private offerRefused(reservation: HeldReservation, now: number): void {
    this.reservations.delete(reservation.reservationId);
    if (!this.backInLine(reservation.taskId)) return;
    const skips = this.skips.get(reservation.taskId) ?? {};
    skips[reservation.userId] = now + this.settings.missedAgentSkipMs;
    this.skips.set(reservation.taskId, skips);
    const statusSince = this.agents.get(reservation.userId)?.statusSince ?? 0;
    const earlier = this.misses.get(reservation.userId);
    const count = earlier && earlier.statusSince === statusSince ? earlier.count + 1 : 1;
    this.misses.set(reservation.userId, { count, statusSince });
  }

  /** The task with the agents it skips now counted as excluded; expired skips are dropped. */
  private withSkips(task: WaitingTask, now: number): WaitingTask {
    const skips = this.skips.get(task.taskId);
    if (!skips) return task;
    const skipped = Object.keys(skips).filter((userId) => skips[userId]! > now);
    if (skipped.length === 0) {
      this.skips.delete(task.taskId);
      return task;
    }
    return { ...task, excludedAgentIds: [...task.excludedAgentIds, ...skipped] };
  }

  private skipEnds(now: number): number[] {
    const ends: number[] = [];
    for (const [taskId, skips] of this.skips) {
      if (!this.line.has(taskId)) continue;
      for (const until of Object.values(skips)) if (until > now) ends.push(until);
    }
    return ends;
  }

  /**
   * Connect does not route to an agent whose missed or rejected contact still shows, nor to one
   * waiting to go to a next status; and an agent who missed several offers in a row gets no more
   * until their status changes.
   */
  private mayBeOffered(agent: AgentState): boolean {
    if (agent.nextStatusName !== undefined) return false;
    if (agent.contacts.some((contact) => contact.state === 'MISSED' || contact.state === 'REJECTED')) {
      return false;
    }
    const misses = this.misses.get(agent.userId);
    if (misses && misses.statusSince !== agent.statusSince) this.misses.delete(agent.userId);
    else if (misses && misses.count >= this.settings.consecutiveMissesToHold) return false;
    return true;
  }

  private refillOffers(now: number): { tokens: number; at: number } {
    const { offersPerSecond, offerBurst } = this.settings;
    const bucket = this.offerTokens ?? { tokens: offerBurst, at: now };
    const tokens = Math.min(
      offerBurst,
      bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * offersPerSecond,
    );
    this.offerTokens = { tokens, at: now };
    return this.offerTokens;
  }

  private takeOfferAllowance(now: number): number {
    return Math.floor(this.refillOffers(now).tokens);
  }

  private spendOffers(count: number): void {
    if (this.offerTokens) this.offerTokens.tokens -= count;
  }

  /** When the next whole offer token is there. */
  private nextOfferAt(now: number): number {
    const { tokens } = this.refillOffers(now);
    return now + Math.ceil(((1 - (tokens % 1)) * 1000) / this.settings.offersPerSecond);
  }

  /** `waiting` is in line order (matching walked the line sorted), so its order gives each position. */
  private changedDecisions(waiting: Map<string, WaitDecision>, now: number): WaitNotice[] {
    const notices: WaitNotice[] = [];
    let position = 0;
    for (const [taskId, decision] of waiting) {
      if (notices.length >= this.settings.maxWaitNoticesPerRound) break;
      position += 1;
      const { waitNoticeAfterMs } = this.settings;
      const enqueuedAt = this.line.get(taskId)?.enqueuedAt ?? now;
      if (waitNoticeAfterMs > 0 && now - enqueuedAt < waitNoticeAfterMs) continue;
      if (this.joinsToAnswer.has(taskId)) continue;
      const notice = this.newsFor(taskId, decision, position);
      if (notice) notices.push(notice);
    }
    return notices;
  }

  /**
   * Why each of these tasks, enqueued `answered`, waits as of the last round, for the answer to their
   * join (a task reserved in it, or not matched from, is left out): each counts as told.
   */
  answerJoins(taskIds: readonly string[]): WaitNotice[] {
    for (const taskId of taskIds) this.joinsToAnswer.delete(taskId);
    const joined = new Set(taskIds.filter((taskId) => this.lastDecisions.has(taskId)));
    const notices: WaitNotice[] = [];
    let position = 0;
    for (const [taskId, decision] of this.lastDecisions) {
      if (joined.size === 0) break;
      position += 1;
      if (!joined.delete(taskId) || !this.line.has(taskId)) continue;
      const notice = this.newsFor(taskId, decision, position);
      if (notice) notices.push(notice);
    }
    return notices;
  }

  /**
   * A notice if the decision is news to the task, which then counts as told. Only a new reason is
   * news: candidate counts change with every agent event, and each notice is a signal that Temporal
   * Cloud bills (the dispatcher's explainTask query has the live count).
   */
  private newsFor(taskId: string, decision: WaitDecision, position: number): WaitNotice | undefined {
    const news = waitNewsKey(decision.reason) + (decision.step ? `#${decision.step.index}` : '');
    if (this.told.get(taskId) === news) return undefined;
    this.told.set(taskId, news);
    return { taskId, decision, position, waitingCount: this.waitingCount };
  }

  /** Where a task stands now: for the dispatcher's `explainTask` query. */
  explain(taskId: string): TaskExplanation {
    const waitingCount = this.waitingCount;
    const task = this.line.get(taskId) ?? this.backlog.get(taskId);
    if (!task) return { taskId, state: this.reserved.has(taskId) ? 'reserved' : 'unknown', waitingCount };
    // Tasks in line segments all come after the ones in memory of their class; their count is not
    // known per place, so the position counts the tasks in memory ahead.
    let ahead = 0;
    for (const other of [...this.line.values(), ...this.backlog.tasks()])
      if (compareWaitingTasks(other, task) < 0) ahead += 1;
    return {
      taskId,
      state: 'waiting',
      position: ahead + 1,
      waitingCount,
      decision: this.lastDecisions.get(taskId),
    };
  }

  /**
   * The `queueStatistics` query's figures (but for the instance), as of `now`: the line wherever it
   * waits, the waits of the tasks assigned within the window, and the agents of the polled queues.
   */
  queueStatistics(now: number): Omit<QueueStatistics, 'instanceId'> {
    const line = new LineTally();
    for (const task of this.line.values()) {
      line.addWaiting(task.queueId, task.priority, 1, task.enqueuedAt);
      line.addAllowedStatuses(task.queueId, task.allowedStatuses);
    }
    for (const task of this.reserved.values()) line.addAllowedStatuses(task.queueId, task.allowedStatuses);
    this.backlog.tallyInto(line);
    return queueStatistics({
      now,
      settings: this.settings,
      line,
      assigned: this.assignedWaits.figures(now),
      watchedQueues: this.queuesToWatch(),
      agents: [...this.agents.values()],
      agentsObservedAt: this.snapshotTakenAt,
      queuesByRoutingProfile: this.queuesByRoutingProfile,
      reservations: [...this.reservations.values()],
    });
  }

  /**
   * Before continuing as new: per class, the first two heads' worth of tasks stay in the book (so
   * that the next run needs no segment back before its head moves), fewer if they would not fit in
   * `carriedLineMaxBytes` of the next run's input; the rest go into new line segments, which the
   * caller starts before it continues.
   */
  spillForContinueAsNew(now: number, segmentIdFor: (index: number) => string): NewLineSegment[] {
    const inlineBytes = () => JSON.stringify(this.encodeWith([])).length;
    for (let headSize = 2 * this.settings.lineHeadPerClass; ; headSize = Math.floor(headSize / 2)) {
      this.backlog.balance(this.line, now, { headSize, ask: false });
      if (headSize === 0 || inlineBytes() <= this.settings.carriedLineMaxBytes) break;
    }
    let created = 0;
    return this.backlog.spill(() => segmentIdFor(created++));
  }

  /** A compact, JSON-safe form: strings interned once, tasks as tuples (see `spillForContinueAsNew`). */
  encode(): EncodedDispatcherBook {
    return this.encodeWith(this.backlog.tasks());
  }

  private encodeWith(backlog: Iterable<WaitingTask>): EncodedDispatcherBook {
    const encoder = new TaskEncoder();
    const encodeAll = (tasks: Iterable<WaitingTask>) =>
      [...tasks].map((task) => encoder.encode(task, this.told.get(task.taskId)));
    return {
      v: 1,
      line: encodeAll(this.line.values()),
      reserved: encodeAll(this.reserved.values()),
      backlog: encodeAll(backlog),
      segments: this.backlog.segmentRefs(),
      staleBelow: this.backlog.staleCopies(),
      strings: encoder.strings,
      reservations: [...this.reservations.values()],
      queuesByRoutingProfile: this.queuesByRoutingProfile,
      reservationCounter: this.reservationCounter,
      skips: Object.fromEntries(this.skips),
      misses: Object.fromEntries(this.misses),
      offerTokens: this.offerTokens ?? { tokens: this.settings.offerBurst, at: 0 },
      agentNames: Object.fromEntries(this.agentNames),
      // A small share of the carried bytes: the line comes first.
      ...(this.settings.carriesStatistics === false
        ? {}
        : { assignedWaits: this.assignedWaits.encode(this.settings.carriedLineMaxBytes / 8) }),
      ...(this.skills.size === 0 ? {} : { skills: this.encodeSkills(encoder) }),
      ...(this.unheldOffers.length === 0 ? {} : { unheldOffers: this.unheldOffers }),
    };
  }

  private encodeSkills(encoder: TaskEncoder): NonNullable<EncodedDispatcherBook['skills']> {
    const encoded: NonNullable<EncodedDispatcherBook['skills']> = {};
    for (const [userId, { readAt, proficiencies }] of this.skills) {
      encoded[userId] = [
        readAt,
        proficiencies.map(({ name, value, level }) => [encoder.intern(name), encoder.intern(value), level]),
      ];
    }
    return encoded;
  }

  static decode(settings: BookSettings, encoded: EncodedDispatcherBook): DispatcherBook {
    const book = new DispatcherBook(settings);
    const decodeAll = (tuples: EncodedDispatcherBook['line'], into: (task: WaitingTask) => void) => {
      for (const tuple of tuples) {
        const { task, told } = decodeTask(encoded.strings, tuple);
        into(task);
        if (told !== undefined) book.told.set(task.taskId, told);
      }
    };
    decodeAll(encoded.line, (task) => book.line.set(task.taskId, task));
    decodeAll(encoded.reserved, (task) => book.reserved.set(task.taskId, task));
    decodeAll(encoded.backlog ?? [], (task) => book.backlog.add(task));
    book.backlog.restore(encoded.segments ?? [], encoded.staleBelow ?? {});
    for (const reservation of encoded.reservations)
      book.reservations.set(reservation.reservationId, reservation);
    book.queuesByRoutingProfile = encoded.queuesByRoutingProfile;
    book.reservationCounter = encoded.reservationCounter;
    for (const [taskId, skips] of Object.entries(encoded.skips)) book.skips.set(taskId, skips);
    for (const [userId, misses] of Object.entries(encoded.misses)) book.misses.set(userId, misses);
    book.offerTokens = encoded.offerTokens;
    for (const [userId, name] of Object.entries(encoded.agentNames)) book.agentNames.set(userId, name);
    book.unheldOffers = encoded.unheldOffers ?? [];
    if (encoded.assignedWaits) book.assignedWaits = AssignedWaits.decode(settings, encoded.assignedWaits);
    const str = (id: number) => encoded.strings[id]!;
    for (const [userId, [readAt, proficiencies]] of Object.entries(encoded.skills ?? {})) {
      const list = proficiencies.map(([name, value, level]) => ({
        name: str(name),
        value: str(value),
        level,
      }));
      book.setAgentSkills(userId, list, readAt);
    }
    return book;
  }
}
