import type {
  AgentState,
  DispatcherSettings,
  EncodedDispatcherBook,
  EncodedTask,
  HeldReservation,
  Reservation,
  SettleOutcome,
  TaskChange,
  TaskExplanation,
  WaitDecision,
  WaitingTask,
  WaitNotice,
} from '../dispatcher-contract';
import { matchTasksToAgents } from './matching';
import { pruneReservations } from './reservations';
import { waitNewsKey } from './wait-reasons';
import { compareWaitingTasks } from './waiting-order';

/** What the book decides with; the rest of DispatcherSettings is the workflow's. */
export type BookSettings = Pick<
  DispatcherSettings,
  'reservationTtlMs' | 'catchUpMs' | 'maxWaitNoticesPerRound'
>;

export interface RoundOutcome {
  reservations: Reservation[];
  notices: WaitNotice[];
  /** Tasks whose reservation expired unsettled: back in line at their old place. */
  requeued: string[];
  /** When the next round is due for a reason other than new data (widening, a reservation expiring). */
  nextDeadline?: number;
}

/**
 * The dispatcher's whole state and every decision it makes, as plain deterministic code: the
 * workflow feeds it signals, snapshots and the clock, and carries `encode()` across continue-as-new.
 */
export class DispatcherBook {
  private readonly line = new Map<string, WaitingTask>();
  /** Tasks holding a reservation: kept whole so a failed or expired one puts them back at their old place. */
  private readonly reserved = new Map<string, WaitingTask>();
  private readonly reservations = new Map<string, HeldReservation>();
  /** The last decision each waiting task was told, so that only changes are sent. */
  private readonly told = new Map<string, string>();
  private lastDecisions = new Map<string, WaitDecision>();
  private agents = new Map<string, AgentState>();
  private snapshotTakenAt: number | undefined;
  private queuesByRoutingProfile: Record<string, string[]> = {};
  private reservationCounter = 0;

  constructor(private readonly settings: BookSettings) {}

  get waitingCount(): number {
    return this.line.size;
  }

  get reservationCount(): number {
    return this.reservations.size;
  }

  get agentCount(): number {
    return this.agents.size;
  }

  /** Queues with waiting tasks: the only ones worth polling. */
  queuesToWatch(): string[] {
    return [...new Set([...this.line.values()].map((task) => task.queueId))].sort();
  }

  /** Routing profiles seen on agents whose served queues are not known yet. */
  unknownRoutingProfiles(): string[] {
    const profiles = [...this.agents.values()].map((agent) => agent.routingProfileId);
    return [...new Set(profiles)].filter((id) => !(id in this.queuesByRoutingProfile)).sort();
  }

  /** Routing profiles change rarely but do change: forgetting them makes the next round re-read them. */
  forgetRoutingProfiles(): void {
    this.queuesByRoutingProfile = {};
  }

  setRoutingProfileQueues(routingProfileId: string, queueIds: string[]): void {
    this.queuesByRoutingProfile[routingProfileId] = [...queueIds].sort();
  }

  /** Adds a task, or refreshes it when it registers again (a retried registration is harmless). */
  enqueue(task: WaitingTask): void {
    if (this.reserved.has(task.taskId)) return;
    const known = this.line.get(task.taskId);
    this.line.set(task.taskId, known ? { ...task, enqueuedAt: known.enqueuedAt } : task);
  }

  leave(taskId: string): void {
    this.line.delete(taskId);
    this.reserved.delete(taskId);
    this.told.delete(taskId);
    for (const [id, reservation] of this.reservations) {
      if (reservation.taskId === taskId && reservation.state === 'pending') this.reservations.delete(id);
    }
  }

  update(taskId: string, change: TaskChange): boolean {
    const task = this.line.get(taskId);
    if (!task) return false;
    this.line.set(taskId, { ...task, ...change });
    return true;
  }

  /**
   * The task reports how its reservation ended. `assigned` keeps the slot held until Connect shows
   * the contact; any other outcome frees the slot and puts the task back in line at its old place.
   */
  settle(reservationId: string, outcome: SettleOutcome, now: number, contactId?: string): void {
    const reservation = this.reservations.get(reservationId);
    if (!reservation) return;
    const task = this.reserved.get(reservation.taskId);
    this.reserved.delete(reservation.taskId);
    if (outcome === 'assigned') {
      this.reservations.set(reservationId, {
        ...reservation,
        state: 'assigned',
        assignedAt: now,
        contactId: contactId ?? reservation.contactId,
      });
    } else {
      this.reservations.delete(reservationId);
      if (task) this.line.set(task.taskId, task);
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

  /** One dispatching round: release expired reservations, match, and say what changed for whom. */
  round(now: number): RoundOutcome {
    const snapshot =
      this.snapshotTakenAt === undefined
        ? undefined
        : { takenAt: this.snapshotTakenAt, agents: [...this.agents.values()] };
    const pruned = pruneReservations([...this.reservations.values()], snapshot, now, this.settings.catchUpMs);
    this.reservations.clear();
    for (const reservation of pruned.kept) this.reservations.set(reservation.reservationId, reservation);
    const requeued: string[] = [];
    for (const expired of pruned.expired) {
      const task = this.reserved.get(expired.taskId);
      if (task) {
        this.reserved.delete(expired.taskId);
        this.line.set(task.taskId, task);
        requeued.push(task.taskId);
      }
    }

    const tasks = [...this.line.values()];
    const matching = matchTasksToAgents({
      tasks,
      agents: [...this.agents.values()],
      queuesByRoutingProfile: this.queuesByRoutingProfile,
      reservations: [...this.reservations.values()],
      now,
    });
    this.lastDecisions = matching.waiting;

    const reservations = matching.newReservations.map(({ taskId, userId }): Reservation => {
      const task = this.line.get(taskId)!;
      this.line.delete(taskId);
      this.told.delete(taskId);
      this.reserved.set(taskId, task);
      this.reservationCounter += 1;
      const reservation: HeldReservation = {
        reservationId: `r${this.reservationCounter}`,
        taskId,
        userId,
        expiresAt: now + this.settings.reservationTtlMs,
        reservedAt: now,
        state: 'pending',
      };
      this.reservations.set(reservation.reservationId, reservation);
      return { reservationId: reservation.reservationId, taskId, userId, expiresAt: reservation.expiresAt };
    });

    const notices = this.changedDecisions(matching.waiting);
    // A pending reservation is released at its expiry; an assigned one at the end of its catch-up
    // window at the latest, which must wake the dispatcher even when no poll is due (nothing waits).
    const expiries = [...this.reservations.values()].map((r) =>
      r.state === 'pending' ? r.expiresAt : (r.assignedAt ?? r.reservedAt) + this.settings.catchUpMs,
    );
    const deadlines = [...expiries, ...(matching.nextWidenAt === undefined ? [] : [matching.nextWidenAt])];
    return {
      reservations,
      notices,
      requeued,
      nextDeadline: deadlines.length > 0 ? Math.min(...deadlines) : undefined,
    };
  }

  /** `waiting` is in line order (matching walked the line sorted), so its order gives each position. */
  private changedDecisions(waiting: Map<string, WaitDecision>): WaitNotice[] {
    const notices: WaitNotice[] = [];
    let position = 0;
    for (const [taskId, decision] of waiting) {
      if (notices.length >= this.settings.maxWaitNoticesPerRound) break;
      position += 1;
      // Only a new reason is news: candidate counts change with every agent event, and each notice
      // is a signal that Temporal Cloud bills (the dispatcher's explainTask query has the live count).
      const news = waitNewsKey(decision.reason);
      if (this.told.get(taskId) === news) continue;
      this.told.set(taskId, news);
      notices.push({ taskId, decision, position, waitingCount: waiting.size });
    }
    return notices;
  }

  /** Where a task stands now: for the dispatcher's `explainTask` query. */
  explain(taskId: string): TaskExplanation {
    const task = this.line.get(taskId);
    if (!task)
      return {
        taskId,
        state: this.reserved.has(taskId) ? 'reserved' : 'unknown',
        waitingCount: this.line.size,
      };
    let ahead = 0;
    for (const other of this.line.values()) if (compareWaitingTasks(other, task) < 0) ahead += 1;
    return {
      taskId,
      state: 'waiting',
      position: ahead + 1,
      waitingCount: this.line.size,
      decision: this.lastDecisions.get(taskId),
    };
  }

  /** A compact, JSON-safe form: strings interned once, tasks as tuples (10,000 tasks stay far below 2 MB). */
  encode(): EncodedDispatcherBook {
    const strings: string[] = [];
    const index = new Map<string, number>();
    const intern = (value: string): number => {
      let id = index.get(value);
      if (id === undefined) {
        id = strings.push(value) - 1;
        index.set(value, id);
      }
      return id;
    };
    const encodeTask = (task: WaitingTask): EncodedTask => {
      const told = this.told.get(task.taskId);
      return [
        task.taskId,
        intern(task.queueId),
        task.priority,
        task.enqueuedAt,
        task.widenAt - task.enqueuedAt,
        task.preferredAgentIds.map(intern),
        task.excludedAgentIds.map(intern),
        task.allowedStatuses.map(intern),
        told === undefined ? -1 : intern(told),
      ];
    };
    return {
      v: 1,
      line: [...this.line.values()].map(encodeTask),
      reserved: [...this.reserved.values()].map(encodeTask),
      strings,
      reservations: [...this.reservations.values()],
      queuesByRoutingProfile: this.queuesByRoutingProfile,
      reservationCounter: this.reservationCounter,
    };
  }

  static decode(settings: BookSettings, encoded: EncodedDispatcherBook): DispatcherBook {
    const book = new DispatcherBook(settings);
    const str = (id: number) => encoded.strings[id];
    const decodeInto = (target: Map<string, WaitingTask>, tuple: EncodedTask) => {
      const [taskId, queue, priority, enqueuedAt, widenDelay, preferred, excluded, statuses, told] = tuple;
      target.set(taskId, {
        taskId,
        queueId: str(queue),
        priority,
        enqueuedAt,
        widenAt: enqueuedAt + widenDelay,
        preferredAgentIds: preferred.map(str),
        excludedAgentIds: excluded.map(str),
        allowedStatuses: statuses.map(str),
      });
      if (told >= 0) book.told.set(taskId, str(told));
    };
    for (const tuple of encoded.line) decodeInto(book.line, tuple);
    for (const tuple of encoded.reserved) decodeInto(book.reserved, tuple);
    for (const reservation of encoded.reservations)
      book.reservations.set(reservation.reservationId, reservation);
    book.queuesByRoutingProfile = encoded.queuesByRoutingProfile;
    book.reservationCounter = encoded.reservationCounter;
    return book;
  }
}
