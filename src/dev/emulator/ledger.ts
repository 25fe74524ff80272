/**
 * The ledger: what happened on the emulator, for tests and benchmarks to check a router against.
 * It counts every call, and above all the mistakes a router must never make: a second contact for
 * the same work, and an assignment beyond an agent's capacity.
 */
import { FaultAction } from './faults';
import { InvalidRequestReason, OperationName } from './protocol';

export type OverCapacityReason = 'NO_FREE_TASK_SLOT' | 'AGENT_NOT_ROUTABLE';
/**
 * What became of an offer: still `offered`, `accepted` by the agent, `missed` (timed out) or `rejected`
 * (both put the contact back), or `ended` (the contact ended or moved on while offered).
 */
export type AssignmentOutcome = 'offered' | 'accepted' | 'missed' | 'rejected' | 'ended';

/** One offer of a contact to an agent (a contact created connected is one, accepted at once). */
export interface AssignmentRecord {
  contactId: string;
  userId: string;
  /** ISO-8601 time of the offer. */
  at: string;
  /**
   * Through which call: AssociateContactWithUser, CreateContact with `InitiateAs: CONNECTED_TO_USER`,
   * or Connect's own routing of a routed queue.
   */
  via: 'AssociateContactWithUser' | 'CreateContact' | 'ConnectRouting';
  /** Who chose the agent: the package (through the API) or Connect. */
  routedBy: 'package' | 'connect';
  outcome: AssignmentOutcome;
  /** ISO-8601 time the agent accepted. */
  acceptedAt?: string;
  overCapacity: boolean;
  /** Why it was over capacity (absent when it was not). */
  overCapacityReasons?: OverCapacityReason[];
  agentStatus: string;
  /** TASK slots in use and available to the agent just before this assignment. */
  activeTaskSlotsBefore: number;
  maxTaskSlots: number;
}

export interface DuplicateCreation {
  contactId: string;
  duplicateOfContactId: string;
}

export interface FaultCounts {
  errors: number;
  drops: number;
  commitThenError: number;
  commitThenDrop: number;
  delayed: number;
}

export interface Ledger {
  /** Every request routed to an operation, answered or not. */
  calls: Partial<Record<OperationName, number>>;
  /** Error answers by operation and error name (throttling and injected faults included). */
  errors: Partial<Record<OperationName, Record<string, number>>>;
  throttledCalls: Partial<Record<OperationName, number>>;
  faultsInjected: Partial<Record<OperationName, FaultCounts>>;
  /** Contacts created by CreateContact and StartTaskContact (replays excluded). */
  contactsCreated: number;
  /** Requests answered with an existing ContactId because their ClientToken was already used. */
  clientTokenReplays: number;
  /** Requests refused with IdempotencyException: a used ClientToken with different parameters. */
  clientTokenMismatches: number;
  /**
   * Contacts created with the same Channel, Name, Description, Attributes and References as an
   * earlier contact (contacts with none of Name, Description, Attributes, References are not compared).
   */
  duplicateCreations: number;
  duplicates: DuplicateCreation[];
  /** Assignments applied to an agent with no free TASK slot, or whose status is not routable. */
  overCapacityAssignments: number;
  /** AssociateContactWithUser calls for a contact already offered or connected to a *different* agent (refused). */
  doubleAssignments: number;
  /** AssociateContactWithUser calls repeating an assignment already made to the same agent (refused). */
  repeatedAssignments: number;
  /** AssociateContactWithUser calls refused, by the emulator's `Reason`. */
  associateRefusals: Partial<Record<InvalidRequestReason, number>>;
  /** Contacts moved by TransferContact (replays excluded; not counted in `contactsCreated`). */
  transfers: number;
  /** Requests refused because the active-task quota was reached. */
  quotaRejections: number;
  /** Offers made by AssociateContactWithUser and by Connect's routing. */
  offers: number;
  /** Offers the agent accepted. */
  acceptances: number;
  misses: number;
  rejections: number;
  /** Assignments that reached CONNECTED: accepted offers and contacts created connected. */
  acceptedAssignments: number;
  /** Offers Connect's own routing made. */
  connectRoutedContacts: number;
  /** Of those, offers from a queue that is not one of the agent's routed queues: must stay 0. */
  connectRoutedInManualAssignmentQueues: number;
  /** Every offer, in order. */
  assignments: AssignmentRecord[];
}

export class LedgerRecorder {
  private readonly ledger: Ledger = {
    calls: {},
    errors: {},
    throttledCalls: {},
    faultsInjected: {},
    contactsCreated: 0,
    clientTokenReplays: 0,
    clientTokenMismatches: 0,
    duplicateCreations: 0,
    duplicates: [],
    overCapacityAssignments: 0,
    doubleAssignments: 0,
    repeatedAssignments: 0,
    associateRefusals: {},
    transfers: 0,
    quotaRejections: 0,
    offers: 0,
    acceptances: 0,
    misses: 0,
    rejections: 0,
    acceptedAssignments: 0,
    connectRoutedContacts: 0,
    connectRoutedInManualAssignmentQueues: 0,
    assignments: [],
  };
  /** Each contact's offer still `offered`, to record its outcome. */
  private readonly openOffers = new Map<string, AssignmentRecord>();
  /** Content fingerprint → first contact created with it, to recognise duplicate creations. */
  private readonly contactByContent = new Map<string, string>();

  call(operation: OperationName): void {
    increment(this.ledger.calls, operation);
  }

  error(operation: OperationName, errorName: string): void {
    increment((this.ledger.errors[operation] ??= {}), errorName);
  }

  throttled(operation: OperationName): void {
    increment(this.ledger.throttledCalls, operation);
  }

  fault(operation: OperationName, action: FaultAction, delayed: boolean): void {
    const counts = (this.ledger.faultsInjected[operation] ??= {
      errors: 0,
      drops: 0,
      commitThenError: 0,
      commitThenDrop: 0,
      delayed: 0,
    });
    if (delayed) counts.delayed += 1;
    if (action.kind === 'error') counts.errors += 1;
    if (action.kind === 'drop') counts.drops += 1;
    if (action.kind === 'commit-then-error') counts.commitThenError += 1;
    if (action.kind === 'commit-then-drop') counts.commitThenDrop += 1;
  }

  /** `contentKey` is undefined when the contact carries nothing to compare. */
  contactCreated(contactId: string, contentKey: string | undefined): void {
    this.ledger.contactsCreated += 1;
    if (contentKey === undefined) return;
    const earlier = this.contactByContent.get(contentKey);
    if (earlier === undefined) {
      this.contactByContent.set(contentKey, contactId);
      return;
    }
    this.ledger.duplicateCreations += 1;
    this.ledger.duplicates.push({ contactId, duplicateOfContactId: earlier });
  }

  clientTokenReplay(): void {
    this.ledger.clientTokenReplays += 1;
  }

  clientTokenMismatch(): void {
    this.ledger.clientTokenMismatches += 1;
  }

  assignment(record: AssignmentRecord): void {
    this.ledger.assignments.push(record);
    this.openOffers.set(record.contactId, record);
    if (record.overCapacity) this.ledger.overCapacityAssignments += 1;
    if (record.via !== 'CreateContact') this.ledger.offers += 1;
  }

  /** The open offer of the contact got its outcome at `at` (epoch ms). */
  assignmentAnswered(contactId: string, outcome: Exclude<AssignmentOutcome, 'offered'>, at: number): void {
    const record = this.openOffers.get(contactId);
    if (!record) return;
    this.openOffers.delete(contactId);
    record.outcome = outcome;
    if (outcome === 'accepted') {
      record.acceptedAt = new Date(at).toISOString();
      this.ledger.acceptedAssignments += 1;
      if (record.via !== 'CreateContact') this.ledger.acceptances += 1;
    }
    if (outcome === 'missed') this.ledger.misses += 1;
    if (outcome === 'rejected') this.ledger.rejections += 1;
  }

  connectRouted(fromQueueNotRoutedToAgent: boolean): void {
    this.ledger.connectRoutedContacts += 1;
    if (fromQueueNotRoutedToAgent) this.ledger.connectRoutedInManualAssignmentQueues += 1;
  }

  reassignmentRefused(sameAgent: boolean): void {
    if (sameAgent) this.ledger.repeatedAssignments += 1;
    else this.ledger.doubleAssignments += 1;
  }

  associateRefused(reason: InvalidRequestReason): void {
    increment(this.ledger.associateRefusals, reason);
  }

  transfer(): void {
    this.ledger.transfers += 1;
  }

  quotaRejection(): void {
    this.ledger.quotaRejections += 1;
  }

  /** A deep copy, so callers can keep it while the emulator moves on. */
  snapshot(): Ledger {
    return structuredClone(this.ledger);
  }
}

function increment<K extends string>(counts: Partial<Record<K, number>>, key: K): void {
  counts[key] = (counts[key] ?? 0) + 1;
}
