/**
 * The switches for what Connect's documentation leaves open or what the emulator used to simplify.
 * `behaviour` picks every switch's default at once: `documented` is what Connect documents (and, where
 * it is silent, the choice that lets fewest router mistakes through); `legacy` is the emulator as it
 * was before it modelled queues, offers and after-contact work, kept while routing catches up. A
 * switch set in the config always wins over its behaviour's default.
 */
import { z } from 'zod';

export const BEHAVIOURS = ['documented', 'legacy'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const switchesSchema = z.object({
  /** AssociateContactWithUser takes only QUEUED contacts in a manual-assignment queue of the agent's profile. */
  associateRequiresManualAssignmentQueue: z.boolean(),
  /** ListRoutingProfileQueues (and the event feed's InboundQueues) also lists manual-assignment queues. */
  manualQueuesInRoutingProfileQueues: z.boolean(),
  /** TransferContact keeps the contact's id instead of making a new contact that follows it. */
  transferKeepsContactId: z.boolean(),
  /** Transfers allowed in one contact chain. */
  maxTransfers: z.int().nonnegative(),
});
export type Switches = z.infer<typeof switchesSchema>;

export const SWITCH_DEFAULTS: Record<Behaviour, Switches> = {
  documented: {
    associateRequiresManualAssignmentQueue: true,
    manualQueuesInRoutingProfileQueues: false,
    transferKeepsContactId: false,
    maxTransfers: 11,
  },
  legacy: {
    associateRequiresManualAssignmentQueue: false,
    manualQueuesInRoutingProfileQueues: true,
    transferKeepsContactId: false,
    maxTransfers: 11,
  },
};

/** Every switch: the one given, else its behaviour's default. */
export function resolveSwitches(behaviour: Behaviour, given: Partial<Switches>): Switches {
  const defaults = SWITCH_DEFAULTS[behaviour];
  return {
    associateRequiresManualAssignmentQueue:
      given.associateRequiresManualAssignmentQueue ?? defaults.associateRequiresManualAssignmentQueue,
    manualQueuesInRoutingProfileQueues:
      given.manualQueuesInRoutingProfileQueues ?? defaults.manualQueuesInRoutingProfileQueues,
    transferKeepsContactId: given.transferKeepsContactId ?? defaults.transferKeepsContactId,
    maxTransfers: given.maxTransfers ?? defaults.maxTransfers,
  };
}
