/**
 * The switches: what Connect's documentation leaves open, and parts of the model a test may turn off or
 * tune. Each defaults to what Connect documents or, where it is silent, to the choice that lets the
 * fewest router mistakes through; a switch set in the config wins over its default.
 */
import { z } from 'zod';
import { durationMsSchema } from './duration';
import { OfferBehaviour, offerBehaviourSchema } from './offers';

export const switchesSchema = z.object({
  /** AssociateContactWithUser takes only QUEUED contacts in a manual-assignment queue of the agent's profile. */
  associateRequiresManualAssignmentQueue: z.boolean(),
  /**
   * ListRoutingProfileQueues (and the event feed's InboundQueues) also lists manual-assignment queues:
   * Connect does not say whether it does.
   */
  manualQueuesInRoutingProfileQueues: z.boolean(),
  /** Connect offers contacts queued in routed queues (`queueIds`) to the longest-idle eligible agent. */
  autoRouting: z.boolean(),
  /** How agents answer offers; each agent's `offers` overrides parts of it. */
  offers: offerBehaviourSchema,
  /** How long a MISSED or REJECTED contact stays visible on the agent. */
  missedContactClearMs: z.int().nonnegative(),
  /** After-contact work: how long an ended contact keeps its agent's slot; each agent may override it. */
  afterContactWorkMs: durationMsSchema,
  /** HEART_BEAT events for an agent with no other event in this long; `null`: none. */
  heartbeatMs: z.int().positive().nullable(),
  /** TransferContact keeps the contact's id instead of making a new contact that follows it. */
  transferKeepsContactId: z.boolean(),
  /** Transfers allowed in one contact chain. */
  maxTransfers: z.int().nonnegative(),
});
export type Switches = z.infer<typeof switchesSchema>;

/** What a config may give: any switch, and any part of `offers`. */
export type GivenSwitches = Partial<Omit<Switches, 'offers'>> & { offers?: Partial<OfferBehaviour> };

export const SWITCH_DEFAULTS: Switches = {
  associateRequiresManualAssignmentQueue: true,
  manualQueuesInRoutingProfileQueues: false,
  autoRouting: true,
  offers: {
    autoAccept: false,
    acceptDelayMs: { min: 200, max: 1500 },
    missProbability: 0,
    rejectProbability: 0,
    timeoutMs: 20_000,
  },
  missedContactClearMs: 5000,
  afterContactWorkMs: 2000,
  heartbeatMs: 120_000,
  transferKeepsContactId: false,
  maxTransfers: 11,
};

/** Every switch: the one given, else its default. */
export function resolveSwitches(given: GivenSwitches): Switches {
  return {
    associateRequiresManualAssignmentQueue:
      given.associateRequiresManualAssignmentQueue ?? SWITCH_DEFAULTS.associateRequiresManualAssignmentQueue,
    manualQueuesInRoutingProfileQueues:
      given.manualQueuesInRoutingProfileQueues ?? SWITCH_DEFAULTS.manualQueuesInRoutingProfileQueues,
    autoRouting: given.autoRouting ?? SWITCH_DEFAULTS.autoRouting,
    offers: { ...SWITCH_DEFAULTS.offers, ...given.offers },
    missedContactClearMs: given.missedContactClearMs ?? SWITCH_DEFAULTS.missedContactClearMs,
    afterContactWorkMs: given.afterContactWorkMs ?? SWITCH_DEFAULTS.afterContactWorkMs,
    // `null` is a value here (no heartbeats): only a missing key takes the default.
    heartbeatMs: given.heartbeatMs === undefined ? SWITCH_DEFAULTS.heartbeatMs : given.heartbeatMs,
    transferKeepsContactId: given.transferKeepsContactId ?? SWITCH_DEFAULTS.transferKeepsContactId,
    maxTransfers: given.maxTransfers ?? SWITCH_DEFAULTS.maxTransfers,
  };
}
