import type { AgentState, HeldReservation } from '../dispatcher-contract';

/**
 * Connect's AvailableSlotsByChannel lags behind the associations this system makes, so a
 * reservation keeps its slot taken until a snapshot lists the reserved contact on the agent.
 */
function seenInConnect(reservation: HeldReservation, agent: AgentState | undefined): boolean {
  return (
    reservation.contactId !== undefined &&
    agent !== undefined &&
    agent.contactIds.includes(reservation.contactId)
  );
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

export interface PrunedReservations {
  kept: HeldReservation[];
  /** Pending reservations whose task never settled in time: their tasks go back in line. */
  expired: HeldReservation[];
}

/**
 * Drops reservations that no longer need to hold a slot: assigned ones that a snapshot taken after
 * the assignment shows in Connect (or that are older than the catch-up window, in case the agent
 * already finished the task), and pending ones past their expiry.
 */
export function pruneReservations(
  reservations: readonly HeldReservation[],
  snapshot: { takenAt: number; agents: readonly AgentState[] } | undefined,
  now: number,
  catchUpMs: number,
): PrunedReservations {
  const agentsById = new Map(snapshot?.agents.map((agent) => [agent.userId, agent]));
  const kept: HeldReservation[] = [];
  const expired: HeldReservation[] = [];
  for (const reservation of reservations) {
    if (reservation.state === 'pending') {
      (now >= reservation.expiresAt ? expired : kept).push(reservation);
      continue;
    }
    const assignedAt = reservation.assignedAt ?? reservation.reservedAt;
    const caughtUp =
      snapshot !== undefined &&
      snapshot.takenAt >= assignedAt &&
      seenInConnect(reservation, agentsById.get(reservation.userId));
    if (!caughtUp && now < assignedAt + catchUpMs) kept.push(reservation);
  }
  return { kept, expired };
}
