import type {
  AgentContactState,
  AgentState,
  DispatcherSettings,
  HeldReservation,
  OfferOutcome,
} from '../dispatcher-contract';

/** Contact states that say the agent accepted: connected, on hold, or already ended (after-contact work). */
const ACCEPTED_STATES: ReadonlySet<AgentContactState> = new Set(['CONNECTED', 'CONNECTED_ONHOLD', 'ENDED']);

/**
 * Connect's AvailableSlotsByChannel lags behind the associations this system makes, so a
 * reservation keeps its slot taken until Connect lists the reserved contact on the agent.
 */
function seenInConnect(reservation: HeldReservation, agent: AgentState | undefined): boolean {
  return (
    reservation.contactId !== undefined &&
    agent !== undefined &&
    agent.contacts.some((contact) => contact.contactId === reservation.contactId)
  );
}

/**
 * A reservation whose offer only Connect's data will show: it names its task's contact, and the task
 * has not settled it (it reports only a failed offer).
 */
export function watchedPending(reservation: HeldReservation): boolean {
  return reservation.state === 'pending' && reservation.contactId !== undefined;
}

/** Free TASK slots per agent: what Connect reports, minus reservations Connect does not show yet. */
export function effectiveFreeSlots(
  agents: readonly AgentState[],
  reservations: readonly HeldReservation[],
): Map<string, number> {
  const agentsById = new Map(agents.map((agent) => [agent.userId, agent]));
  const free = new Map(agents.map((agent) => [agent.userId, Math.max(0, agent.freeTaskSlots)]));
  for (const reservation of reservations) {
    const slots = free.get(reservation.userId);
    if (slots !== undefined && !seenInConnect(reservation, agentsById.get(reservation.userId))) {
      free.set(reservation.userId, Math.max(0, slots - 1));
    }
  }
  return free;
}

/** How the agent answered an offer, from what Connect reported after the offer; undefined: no answer yet. */
export function offerAnswer(
  reservation: HeldReservation,
  agent: AgentState | undefined,
): OfferOutcome | undefined {
  if (
    agent === undefined ||
    reservation.offeredAt === undefined ||
    agent.observedAt < reservation.offeredAt
  ) {
    return undefined;
  }
  const state = agent.contacts.find((contact) => contact.contactId === reservation.contactId)?.state;
  if (state === undefined) return undefined;
  if (ACCEPTED_STATES.has(state)) return 'accepted';
  if (state === 'MISSED') return 'missed';
  if (state === 'REJECTED') return 'rejected';
  return undefined;
}

/**
 * Whether the agent, reported well after the offer, shows no trace of it: neither ringing nor
 * answered. The agent may have accepted and already finished it (no after-contact work), or missed
 * it and cleared the miss: only Connect's record of the contact can tell.
 */
function offerVanished(
  reservation: HeldReservation,
  agent: AgentState | undefined,
  visibleWithinMs: number,
): boolean {
  return (
    agent !== undefined &&
    reservation.offeredAt !== undefined &&
    agent.observedAt >= reservation.offeredAt + visibleWithinMs &&
    !seenInConnect(reservation, agent)
  );
}

export interface ReservationReview {
  kept: HeldReservation[];
  /**
   * Reservations whose task never settled in time: their tasks go back in line. A pending one with
   * a contact id may have been offered unseen (its task reports only failures): its task is told
   * `unclear`, and asks Connect if it is offered.
   */
  expired: HeldReservation[];
  /** Offers Connect shows answered: no longer held (an accepted contact counts in Connect's own figures). */
  answered: { reservation: HeldReservation; outcome: OfferOutcome }[];
  /** Offers with no answer in sight, or gone from the agent: still held (in `kept`); the task asks Connect itself. */
  unclear: HeldReservation[];
  /**
   * Pending reservations naming a contact that Connect, well after the reservation, does not show on
   * the agent: still held (in `kept`); a task that made the offer asks Connect whether it was taken.
   */
  unseen: HeldReservation[];
}

/**
 * A pending reservation of a task whose contact Connect now shows on the reserved agent, in data
 * taken after the reservation: offered, as if the task had said so.
 */
function seenOffered(reservation: HeldReservation, agent: AgentState | undefined): HeldReservation {
  if (
    !watchedPending(reservation) ||
    agent === undefined ||
    agent.observedAt < reservation.reservedAt ||
    !seenInConnect(reservation, agent)
  ) {
    return reservation;
  }
  const { unseenAt: _unseenAt, ...offered } = reservation;
  return { ...offered, state: 'offered', offeredAt: reservation.reservedAt };
}

/**
 * A pending reservation naming a contact that data taken `visibleWithinMs` after the reservation
 * does not show on the agent: the offer was never made yet (the task is slow), or was made, taken
 * and finished (or missed and cleared) between two looks; only Connect's record can tell.
 */
function unseenOffer(
  reservation: HeldReservation,
  agent: AgentState | undefined,
  visibleWithinMs: number,
): boolean {
  return (
    watchedPending(reservation) &&
    reservation.unseenAt === undefined &&
    agent !== undefined &&
    agent.observedAt >= reservation.reservedAt + visibleWithinMs &&
    !seenInConnect(reservation, agent)
  );
}

/**
 * Goes through the held reservations with the agents as last reported: a pending one is kept until
 * it expires, or until Connect shows its contact on the agent (then it is offered); an offered one
 * until Connect shows the agent's answer, or is called unclear once no
 * answer came within `offerAnswerTimeoutMs` or the agent no longer shows it; an accepted one until a snapshot taken after the
 * acceptance shows the contact (or the catch-up window ends, in case the agent already finished it).
 */
export function reviewReservations(
  reservations: readonly HeldReservation[],
  agents: { snapshotTakenAt: number | undefined; byId: ReadonlyMap<string, AgentState> },
  now: number,
  settings: Pick<
    DispatcherSettings,
    'catchUpMs' | 'offerAnswerTimeoutMs' | 'offerVisibleWithinMs' | 'reservationTtlMs'
  >,
): ReservationReview {
  const review: ReservationReview = { kept: [], expired: [], answered: [], unclear: [], unseen: [] };
  for (const held of reservations) {
    const agent = agents.byId.get(held.userId);
    const reservation = seenOffered(held, agent);
    switch (reservation.state) {
      case 'pending':
        if (now >= reservation.expiresAt) review.expired.push(reservation);
        else if (unseenOffer(reservation, agent, settings.offerVisibleWithinMs)) {
          const told = { ...reservation, unseenAt: now };
          review.kept.push(told);
          review.unseen.push(told);
        } else review.kept.push(reservation);
        break;
      case 'offered': {
        const outcome = offerAnswer(reservation, agent);
        if (outcome) review.answered.push({ reservation, outcome });
        else if (reservation.unclearAt !== undefined) {
          (now >= reservation.expiresAt ? review.expired : review.kept).push(reservation);
        } else if (
          now >= (reservation.offeredAt ?? reservation.reservedAt) + settings.offerAnswerTimeoutMs ||
          offerVanished(reservation, agent, settings.offerVisibleWithinMs)
        ) {
          const asked = { ...reservation, unclearAt: now, expiresAt: now + settings.reservationTtlMs };
          review.kept.push(asked);
          review.unclear.push(asked);
        } else review.kept.push(reservation);
        break;
      }
      case 'accepted': {
        const acceptedAt = reservation.acceptedAt ?? reservation.reservedAt;
        const caughtUp =
          agents.snapshotTakenAt !== undefined &&
          agents.snapshotTakenAt >= acceptedAt &&
          seenInConnect(reservation, agent);
        if (!caughtUp && now < acceptedAt + settings.catchUpMs) review.kept.push(reservation);
        break;
      }
    }
  }
  return review;
}

/** When a held reservation next needs a look even if no new data arrives. */
export function reviewDeadline(
  reservation: HeldReservation,
  settings: Pick<DispatcherSettings, 'catchUpMs' | 'offerAnswerTimeoutMs'>,
): number {
  switch (reservation.state) {
    case 'pending':
      return reservation.expiresAt;
    case 'offered':
      return reservation.unclearAt !== undefined
        ? reservation.expiresAt
        : (reservation.offeredAt ?? reservation.reservedAt) + settings.offerAnswerTimeoutMs;
    case 'accepted':
      return (reservation.acceptedAt ?? reservation.reservedAt) + settings.catchUpMs;
  }
}
