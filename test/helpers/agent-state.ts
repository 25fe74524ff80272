import type { AgentState } from '../../src/shared/dispatcher-contract';

/** An agent as Connect reported them at `at`: Available since a minute before, one free TASK slot. */
export function agentState(userId: string, at: number, overrides: Partial<AgentState> = {}): AgentState {
  return {
    userId,
    routingProfileId: 'general',
    statusName: 'Available',
    statusSince: at - 60_000,
    freeTaskSlots: 1,
    contacts: [],
    observedAt: at,
    ...overrides,
  };
}
