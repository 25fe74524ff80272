/**
 * The switches for what Connect's documentation leaves open or what the emulator used to simplify.
 * `behaviour` picks every switch's default at once: `documented` is what Connect documents (and, where
 * it is silent, the choice that lets fewest router mistakes through); `legacy` is the emulator as it
 * was before it modelled queues, offers and after-contact work, kept while routing catches up. A
 * switch set in the config always wins over its behaviour's default.
 */
import { z } from 'zod';
import { durationMsSchema } from './duration';
import { OfferBehaviour, offerBehaviourSchema } from './offers';

export const BEHAVIOURS = ['documented', 'legacy'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const switchesSchema = z.object({
  /** AssociateContactWithUser takes only QUEUED contacts in a manual-assignment queue of the agent's profile. */
  associateRequiresManualAssignmentQueue: z.boolean(),
  /** ListRoutingProfileQueues (and the event feed's InboundQueues) also lists manual-assignment queues. */
  manualQueuesInRoutingProfileQueues: z.boolean(),
  /** Connect offers contacts queued in routed queues (`queueIds`) to the longest-idle eligible agent. */
  autoRouting: z.boolean(),
  /** How agents answer offers; each agent's `offers` overrides parts of it. */
  offers: offerBehaviourSchema,
  /** How long a MISSED or REJECTED contact stays visible on the agent. */
  missedContactClearMs: z.int().nonnegative(),
  /** After-contact work: how long an ended contact keeps its agent's slot; each agent may override it. */
  afterContactWorkMs: durationMsSchema,
  /** A contact an agent holds (offered or connected) also ends at its expiry. */
  expiryEndsHeldContacts: z.boolean(),
  /** A CUSTOM or OFFLINE status set while the agent holds contacts waits as NextStatus until they clear. */
  nextStatusWhileBusy: z.boolean(),
  /** HEART_BEAT events for an agent with no other event in this long; `null`: none. */
  heartbeatMs: z.int().positive().nullable(),
  /** LOGIN and LOGOUT events when an agent's status leaves or enters the OFFLINE type. */
  loginLogoutEvents: z.boolean(),
  /** TransferContact keeps the contact's id instead of making a new contact that follows it. */
  transferKeepsContactId: z.boolean(),
  /** Transfers allowed in one contact chain. */
  maxTransfers: z.int().nonnegative(),
});
export type Switches = z.infer<typeof switchesSchema>;

/** What a config may give: any switch, and any part of `offers`. */
export type GivenSwitches = Partial<Omit<Switches, 'offers'>> & { offers?: Partial<OfferBehaviour> };

const DOCUMENTED_OFFERS: OfferBehaviour = {
  autoAccept: false,
  acceptDelayMs: { min: 200, max: 1500 },
  missProbability: 0,
  rejectProbability: 0,
  timeoutMs: 20_000,
};

export const SWITCH_DEFAULTS: Record<Behaviour, Switches> = {
  documented: {
    associateRequiresManualAssignmentQueue: true,
    manualQueuesInRoutingProfileQueues: false,
    autoRouting: true,
    offers: DOCUMENTED_OFFERS,
    missedContactClearMs: 5000,
    afterContactWorkMs: 2000,
    expiryEndsHeldContacts: true,
    nextStatusWhileBusy: true,
    heartbeatMs: 120_000,
    loginLogoutEvents: true,
    transferKeepsContactId: false,
    maxTransfers: 11,
  },
  legacy: {
    associateRequiresManualAssignmentQueue: false,
    manualQueuesInRoutingProfileQueues: true,
    autoRouting: false,
    offers: { ...DOCUMENTED_OFFERS, autoAccept: true },
    missedContactClearMs: 5000,
    afterContactWorkMs: 0,
    expiryEndsHeldContacts: false,
    nextStatusWhileBusy: false,
    heartbeatMs: null,
    loginLogoutEvents: false,
    transferKeepsContactId: false,
    maxTransfers: 11,
  },
};

/** Every switch: the one given, else its behaviour's default. */
export function resolveSwitches(behaviour: Behaviour, given: GivenSwitches): Switches {
  const defaults = SWITCH_DEFAULTS[behaviour];
  return {
    associateRequiresManualAssignmentQueue:
      given.associateRequiresManualAssignmentQueue ?? defaults.associateRequiresManualAssignmentQueue,
    manualQueuesInRoutingProfileQueues:
      given.manualQueuesInRoutingProfileQueues ?? defaults.manualQueuesInRoutingProfileQueues,
    autoRouting: given.autoRouting ?? defaults.autoRouting,
    offers: { ...defaults.offers, ...given.offers },
    missedContactClearMs: given.missedContactClearMs ?? defaults.missedContactClearMs,
    afterContactWorkMs: given.afterContactWorkMs ?? defaults.afterContactWorkMs,
    expiryEndsHeldContacts: given.expiryEndsHeldContacts ?? defaults.expiryEndsHeldContacts,
    nextStatusWhileBusy: given.nextStatusWhileBusy ?? defaults.nextStatusWhileBusy,
    // `null` is a value here (no heartbeats): only a missing key takes the default.
    heartbeatMs: given.heartbeatMs === undefined ? defaults.heartbeatMs : given.heartbeatMs,
    loginLogoutEvents: given.loginLogoutEvents ?? defaults.loginLogoutEvents,
    transferKeepsContactId: given.transferKeepsContactId ?? defaults.transferKeepsContactId,
    maxTransfers: given.maxTransfers ?? defaults.maxTransfers,
  };
}
