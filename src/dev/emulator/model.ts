/**
 * The call centre the emulator simulates: one Connect instance with queues, routing profiles,
 * agents and contacts, and how they change over time. It speaks in domain terms (validated
 * requests in, plain records out); the HTTP layer turns them into Connect's wire shapes.
 *
 * Contact lifecycle (TASK and other channels alike):
 *   CreateContact                 → WAITING (in no queue: CreateContact has no queue field)
 *   CreateContact CONNECTED_TO_USER → CONNECTED;  CreateContact COMPLETED → ENDED
 *   StartTaskContact              → QUEUED in its flow's queue, or SCHEDULED until ScheduledTime
 *   TransferContact               → a new contact QUEUED in the target queue; the old one ENDED (TRANSFERRED)
 *   AssociateContactWithUser, or Connect's own routing of a routed queue → CONNECTING (offered)
 *   the agent accepts             → CONNECTED; misses or rejects → back to QUEUED (same EnqueueTimestamp)
 *   handle time / completeContact → ENDED (AGENT_DISCONNECT); StopContact → ENDED (API);
 *   expiry                        → ENDED (EXPIRED), wherever the contact is (an agent holding it too)
 * The agent's own entry for a contact (AgentContactState) goes CONNECTING → CONNECTED → ENDED (after-
 * contact work, still holding the slot) → gone, or CONNECTING → MISSED/REJECTED (no slot) → gone.
 */
import type {
  CreateContactRequest,
  Reference,
  SegmentAttributeValue,
  StartTaskContactRequest,
  TransferContactRequest,
} from '@aws-sdk/client-connect';
import { CONTACT_FLOW_TYPES, ResolvedEmulatorConfig } from './config';
import { requestedExpiryMinutes } from './connect-model/documented-rules';
import { drawDurationMs, DurationMs } from './duration';
import { AssignmentRecord, LedgerRecorder, OverCapacityReason } from './ledger';
import { changeOfferBehaviour, drawOfferOutcome, OfferBehaviour } from './offers';
import { AgentProficiencies, AgentSkills, PredefinedAttributeRecord, Proficiency } from './proficiencies';
import { ConnectError, InvalidRequestReason, notFound } from './protocol';
import { SeededRandom } from './random';
import { TimerId, Timers } from './timers';

export type ContactState = 'WAITING' | 'SCHEDULED' | 'QUEUED' | 'CONNECTING' | 'CONNECTED' | 'ENDED';
export type AgentStatusType = 'ROUTABLE' | 'CUSTOM' | 'OFFLINE';
/**
 * The states of an agent's contact the emulator produces, out of Connect's AgentContactState (it never
 * produces INCOMING, PENDING, CONNECTED_ONHOLD or ERROR).
 */
export type AgentContactState = 'CONNECTING' | 'CONNECTED' | 'ENDED' | 'MISSED' | 'REJECTED';
/** Entries in these states take one of the agent's slots for the contact's channel. */
const SLOT_STATES: readonly AgentContactState[] = ['CONNECTING', 'CONNECTED', 'ENDED'];

/** StartTaskContact as it arrives on the wire: `ScheduledTime` in epoch seconds. */
export type StartTaskContactWireRequest = Omit<StartTaskContactRequest, 'ScheduledTime'> & {
  ScheduledTime?: number;
};

export interface ContactRecord {
  id: string;
  arn: string;
  channel: string;
  initiationMethod: string;
  createdBy: 'CreateContact' | 'StartTaskContact' | 'TransferContact';
  name?: string;
  description?: string;
  attributes?: Record<string, string>;
  references?: Record<string, Reference>;
  segmentAttributes?: Record<string, SegmentAttributeValue>;
  relatedContactId?: string;
  previousContactId?: string;
  /** The first contact of a transfer chain (set on the contacts transfers made). */
  initialContactId?: string;
  /** Transfers so far in this contact's chain. */
  transfers: number;
  contactFlowId?: string;
  state: ContactState;
  /** Times in epoch milliseconds. */
  initiatedAt: number;
  lastUpdatedAt: number;
  expiresAt: number;
  scheduledFor?: number;
  queue?: QueueRecord;
  /** When it entered its queue; kept when a missed or rejected offer puts it back. */
  enqueuedAt?: number;
  /** The agent it is offered to or connected to (kept once it ends). */
  agentId?: string;
  /** When the agent accepted it: DescribeContact shows AgentInfo only from then. */
  acceptedAt?: number;
  connectedAt?: number;
  disconnectedAt?: number;
  disconnectReason?: string;
}

export interface QueueRecord {
  id: string;
  arn: string;
  name: string;
}

export interface RoutingProfileRecord {
  id: string;
  arn: string;
  name: string;
  /** Queues Connect routes to the profile's agents. */
  queues: QueueRecord[];
  /** Queues whose contacts may be assigned to the profile's agents with AssociateContactWithUser. */
  manualAssignmentQueues: QueueRecord[];
  taskConcurrency: number;
}

export type ContactFlowType = (typeof CONTACT_FLOW_TYPES)[number];

interface ContactFlowRecord {
  id: string;
  type: ContactFlowType;
  /** Where a CONTACT_FLOW flow puts the tasks StartTaskContact starts with it. */
  queue?: QueueRecord;
}

/** API Reference, "TransferContact": "Transfer is only supported for TASK and EMAIL contacts." */
const TRANSFERABLE_CHANNELS: readonly string[] = ['TASK', 'EMAIL'];

export interface AgentStatusRecord {
  id: string;
  arn: string;
  name: string;
  type: AgentStatusType;
}

/** One contact as one agent has it: Connect's per-agent contact state, not the contact's own. */
export interface AgentContactView {
  contact: ContactRecord;
  state: AgentContactState;
  stateSince: number;
  /** When the agent accepted it (absent while offered, or when never accepted). */
  connectedAt?: number;
}

/**
 * One agent as the emulator shows it at one moment (GetCurrentUserData, ListUsers, the event feed and
 * the admin API's state); a config entry names the agent, a `LiveAgent` holds its changing state.
 */
export interface AgentView {
  id: string;
  arn: string;
  username: string;
  routingProfile: RoutingProfileRecord;
  status: AgentStatusRecord;
  statusSince: number;
  /** The status the agent goes to once its contacts clear (asked for while it held some). */
  nextStatus?: { status: AgentStatusRecord; requestedAt: number };
  /** Since its last status change or its last contact's end: Connect routes to the longest idle. */
  idleSince: number;
  offers: OfferBehaviour;
  afterContactWorkMs: DurationMs;
  /** The agent's contacts, oldest first. */
  contacts: AgentContactView[];
  maxTaskSlots: number;
  /** TASK contacts offered, connected or in after-contact work. */
  activeTaskSlots: number;
  /** Free TASK slots whatever the status: the caller must also check the status (see README). */
  availableTaskSlots: number;
}

export interface CallCentreSnapshot {
  instance: { id: string; arn: string };
  queues: QueueRecord[];
  routingProfiles: RoutingProfileRecord[];
  agentStatuses: AgentStatusRecord[];
  agents: AgentView[];
  contacts: ContactRecord[];
  activeTaskContacts: number;
}

export interface UserDataFilter {
  queues?: string[];
  routingProfiles?: string[];
  agents?: string[];
  userHierarchyGroups?: string[];
  contactStates?: string[];
}

/** An agent's entry for one contact, with the timer that clears it (after-contact work, or a miss shown). */
interface AgentEntry {
  contactId: string;
  state: AgentContactState;
  since: number;
  connectedAt?: number;
  clearTimer?: TimerId;
}

/** One agent's state as the call centre changes it: its view's fields, with entries and no slot counts. */
type LiveAgent = Omit<AgentView, 'contacts' | 'maxTaskSlots' | 'activeTaskSlots' | 'availableTaskSlots'> & {
  entries: AgentEntry[];
};

interface TokenUse {
  fingerprint: string;
  contactId: string;
}

/** A ClientToken seen for the first time, to be bound to the contact about to be created. */
interface TokenClaim {
  key: string;
  fingerprint: string;
}

interface TokenCheck {
  replay?: ContactRecord;
  claim?: TokenClaim;
}

export interface CallCentreDependencies {
  ledger: LedgerRecorder;
  timers: Timers;
  /** Contact ids. */
  ids: SeededRandom;
  /** Handle-time draws. */
  handleTimes: SeededRandom;
  /** How agents answer offers. */
  offers: SeededRandom;
  /** After-contact work draws. */
  afterContactWork: SeededRandom;
  /** Told after every change to an agent's status or contacts, with the agent before the change. */
  onAgentChange: (previous: AgentView, current: AgentView) => void;
}

export class CallCentre {
  readonly instanceId: string;
  readonly instanceArn: string;
  private readonly queues = new Map<string, QueueRecord>();
  private readonly routingProfiles = new Map<string, RoutingProfileRecord>();
  private readonly statuses = new Map<string, AgentStatusRecord>();
  private readonly agents = new Map<string, LiveAgent>();
  private readonly contacts = new Map<string, ContactRecord>();
  private readonly contactFlows = new Map<string, ContactFlowRecord>();
  private readonly clientTokens = new Map<string, TokenUse>();
  /** Each contact's next step: its scheduled start, its offer's answer, or its handle time. */
  private readonly stepTimers = new Map<string, TimerId>();
  /** Each contact's expiry, apart from its step so that a held contact can still expire. */
  private readonly expiryTimers = new Map<string, TimerId>();
  /** TASK contacts not ended, or ended and still in an agent's after-contact work: Connect's active tasks. */
  private readonly activeTasks = new Set<string>();
  private readonly skills: AgentSkills;

  constructor(
    private readonly config: ResolvedEmulatorConfig,
    private readonly deps: CallCentreDependencies,
  ) {
    const { id, accountId, region } = config.instance;
    this.instanceId = id;
    this.instanceArn = `arn:aws:connect:${region}:${accountId}:instance/${id}`;
    for (const queue of config.queues) {
      this.queues.set(queue.id, { id: queue.id, arn: this.arn('queue', queue.id), name: queue.name });
    }
    for (const profile of config.routingProfiles) {
      this.routingProfiles.set(profile.id, {
        id: profile.id,
        arn: this.arn('routing-profile', profile.id),
        name: profile.name,
        queues: profile.queueIds.map((queueId) => this.queue(queueId)),
        manualAssignmentQueues: profile.manualAssignmentQueueIds.map((queueId) => this.queue(queueId)),
        taskConcurrency: profile.taskConcurrency,
      });
    }
    for (const status of config.agentStatuses) {
      this.statuses.set(status.name, { ...status, arn: this.arn('agent-state', status.id) });
    }
    const now = Date.now();
    for (const agentConfig of config.agents) {
      this.agents.set(agentConfig.id, {
        id: agentConfig.id,
        arn: this.arn('agent', agentConfig.id),
        username: agentConfig.username,
        routingProfile: this.routingProfile(agentConfig.routingProfileId),
        status: this.status(agentConfig.status),
        statusSince: now,
        idleSince: now,
        offers: { ...config.offers, ...agentConfig.offers },
        afterContactWorkMs: agentConfig.afterContactWorkMs ?? config.afterContactWorkMs,
        entries: [],
      });
    }
    for (const flow of config.contactFlows) {
      this.contactFlows.set(flow.id, {
        id: flow.id,
        type: flow.type,
        ...(flow.queueId === undefined ? {} : { queue: this.queue(flow.queueId) }),
      });
    }
    this.skills = new AgentSkills(config.predefinedAttributes, config.agents, region);
  }

  // ---- Operations ------------------------------------------------------------------------------

  createContact(request: CreateContactRequest): { contactId: string; contactArn: string } {
    this.requireInstance(request.InstanceId);
    const token = this.checkClientToken('CreateContact', request.ClientToken, request);
    if (token.replay) return { contactId: token.replay.id, contactArn: token.replay.arn };
    const agent = request.UserInfo?.UserId === undefined ? undefined : this.agent(request.UserInfo.UserId);
    for (const related of [request.RelatedContactId, request.PreviousContactId]) {
      if (related !== undefined) this.contact(related);
    }
    const completed = request.InitiateAs === 'COMPLETED';
    if (request.Channel === 'TASK' && !completed) this.requireTaskQuota();

    const contact = this.newContact('CreateContact', request, this.expiresAt(request), token.claim);
    this.deps.ledger.contactCreated(contact.id, contentKey(contact));
    if (completed) {
      this.end(contact, undefined);
      return { contactId: contact.id, contactArn: contact.arn };
    }
    this.armExpiry(contact);
    // Created connected: no offer to answer.
    if (request.InitiateAs === 'CONNECTED_TO_USER' && agent) this.offer(contact, agent, 'CreateContact');
    return { contactId: contact.id, contactArn: contact.arn };
  }

  startTaskContact(request: StartTaskContactWireRequest): { contactId: string } {
    this.requireInstance(request.InstanceId);
    const token = this.checkClientToken('StartTaskContact', request.ClientToken, request);
    if (token.replay) return { contactId: token.replay.id };
    if (request.ContactFlowId === undefined) {
      const [field, value] =
        request.QuickConnectId !== undefined
          ? ['Quick connect', request.QuickConnectId]
          : ['Task template', request.TaskTemplateId ?? ''];
      throw notFound(field, value); // the emulator has no quick connects or task templates
    }
    const flow = this.contactFlow(request.ContactFlowId);
    if (flow.queue === undefined) {
      throw new ConnectError(
        'InvalidRequestException',
        `Contact flow ${flow.id} is a ${flow.type} flow; StartTaskContact needs a CONTACT_FLOW (inbound) flow`,
      );
    }
    for (const related of [request.RelatedContactId, request.PreviousContactId]) {
      if (related !== undefined) this.contact(related);
    }
    this.requireTaskQuota();

    const contact = this.newContact(
      'StartTaskContact',
      { ...request, Channel: 'TASK', InitiationMethod: 'API' },
      this.expiresAt(request),
      token.claim,
    );
    this.deps.ledger.contactCreated(contact.id, contentKey(contact));
    contact.contactFlowId = flow.id;
    contact.queue = flow.queue;
    const scheduledFor = request.ScheduledTime === undefined ? undefined : request.ScheduledTime * 1000;
    if (scheduledFor !== undefined && scheduledFor > Date.now()) {
      contact.state = 'SCHEDULED';
      contact.scheduledFor = scheduledFor;
      this.setTimer(this.stepTimers, contact, scheduledFor - Date.now(), () => this.enqueue(contact));
    } else {
      this.enqueue(contact);
    }
    return { contactId: contact.id };
  }

  /**
   * Offers the contact to the agent, even one at its concurrency or not routable (Connect does, and the
   * ledger records it as over capacity). With `associateRequiresManualAssignmentQueue`, only a QUEUED
   * contact in one of the agent's routing profile's manual-assignment queues.
   */
  associateContactWithUser(instanceId: string, contactId: string, userId: string): void {
    this.requireInstance(instanceId);
    const contact = this.contact(contactId);
    const agent = this.agent(userId);
    if (contact.channel === 'VOICE') {
      this.refuseAssociation(
        'CHANNEL_NOT_SUPPORTED',
        'AssociateContactWithUser does not support VOICE contacts',
      );
    }
    if (contact.state === 'CONNECTING' || contact.state === 'CONNECTED') {
      const sameAgent = contact.agentId === agent.id;
      this.deps.ledger.reassignmentRefused(sameAgent);
      const [reason, what]: [InvalidRequestReason, string] =
        contact.state === 'CONNECTING'
          ? ['CONTACT_ALREADY_OFFERED', 'offered']
          : ['CONTACT_ALREADY_CONNECTED', 'connected'];
      this.refuseAssociation(
        reason,
        `Contact ${contact.id} is already ${what} to ${sameAgent ? 'this' : 'another'} user`,
      );
    }
    if (contact.state === 'ENDED') this.refuseAssociation('CONTACT_ENDED', `Contact ${contact.id} has ended`);
    if (contact.state === 'SCHEDULED') {
      this.refuseAssociation(
        'CONTACT_NOT_YET_QUEUED',
        `Contact ${contact.id} is scheduled and not yet queued`,
      );
    }
    if (this.config.associateRequiresManualAssignmentQueue) {
      if (contact.state !== 'QUEUED' || contact.queue === undefined) {
        this.refuseAssociation(
          'CONTACT_NOT_QUEUED',
          `Contact ${contact.id} is in no queue: AssociateContactWithUser takes queued contacts`,
        );
      }
      const queueId = contact.queue.id;
      if (!agent.routingProfile.manualAssignmentQueues.some((queue) => queue.id === queueId)) {
        this.refuseAssociation(
          'QUEUE_NOT_MANUAL_ASSIGNMENT',
          `Queue ${queueId} is not a manual-assignment queue of routing profile ${agent.routingProfile.id}`,
        );
      }
    }
    this.offer(contact, agent, 'AssociateContactWithUser');
  }

  /**
   * Moves an active TASK or EMAIL contact to a queue through a QUEUE_TRANSFER flow. The transfer makes a
   * new contact (InitiationMethod TRANSFER, PreviousContactId the old one) queued in the target, and ends
   * the old one (DisconnectReason TRANSFERRED); with `transferKeepsContactId` the contact itself moves.
   */
  transferContact(request: TransferContactRequest): { contactId: string; contactArn: string } {
    this.requireInstance(request.InstanceId);
    const token = this.checkClientToken('TransferContact', request.ClientToken, request);
    if (token.replay) return { contactId: token.replay.id, contactArn: token.replay.arn };
    const contact = this.contact(request.ContactId ?? '');
    const flow = this.contactFlow(request.ContactFlowId ?? '');
    const invalid = (message: string) => new ConnectError('InvalidRequestException', message);
    if (!TRANSFERABLE_CHANNELS.includes(contact.channel)) {
      throw invalid(
        `TransferContact supports TASK and EMAIL contacts only (contact ${contact.id} is ${contact.channel})`,
      );
    }
    const [target, neededFlow]: [string, ContactFlowType] =
      request.UserId === undefined ? ['a queue', 'QUEUE_TRANSFER'] : ['an agent', 'AGENT_TRANSFER'];
    if (flow.type !== neededFlow) {
      throw invalid(
        `A transfer to ${target} needs a ${neededFlow} flow; contact flow ${flow.id} is ${flow.type}`,
      );
    }
    if (request.UserId !== undefined) {
      this.agent(request.UserId);
      throw invalid(
        'The emulator does not model transfers to an agent (no per-agent queues): transfer to a queue',
      );
    }
    const queue = this.queue(request.QueueId ?? '');
    if (contact.state === 'ENDED')
      throw invalid(`Contact ${contact.id} has ended: only active contacts can be transferred`);
    if (contact.transfers >= this.config.maxTransfers) {
      throw new ConnectError(
        'ServiceQuotaExceededException',
        `Contact ${contact.id} has been transferred ${contact.transfers} times, the most allowed`,
      );
    }
    this.deps.ledger.transfer();
    if (this.config.transferKeepsContactId) {
      const agent = this.releaseFromAgent(contact);
      this.cancelTimer(this.stepTimers, contact);
      delete contact.agentId;
      delete contact.acceptedAt;
      delete contact.connectedAt;
      this.bindToken(token.claim, contact.id);
      Object.assign(contact, { queue, contactFlowId: flow.id, transfers: contact.transfers + 1 });
      this.enqueue(contact);
      if (agent) this.afterAgentFreed(agent);
      return { contactId: contact.id, contactArn: contact.arn };
    }
    const next = this.newContact(
      'TransferContact',
      {
        Channel: contact.channel as CreateContactRequest['Channel'],
        InitiationMethod: 'TRANSFER',
        Name: contact.name,
        Description: contact.description,
        Attributes: contact.attributes,
        References: contact.references,
        SegmentAttributes: contact.segmentAttributes,
        RelatedContactId: contact.relatedContactId,
        PreviousContactId: contact.id,
      },
      contact.expiresAt,
      token.claim,
    );
    Object.assign(next, {
      initialContactId: contact.initialContactId ?? contact.id,
      transfers: contact.transfers + 1,
      queue,
      contactFlowId: flow.id,
    });
    this.end(contact, 'TRANSFERRED');
    this.enqueue(next);
    return { contactId: next.id, contactArn: next.arn };
  }

  describeContact(instanceId: string, contactId: string): ContactRecord {
    this.requireInstance(instanceId);
    return { ...this.contact(contactId) };
  }

  stopContact(instanceId: string, contactId: string): void {
    this.requireInstance(instanceId);
    const contact = this.contact(contactId);
    if (contact.state === 'ENDED') {
      throw new ConnectError('ContactNotFoundException', `Contact ${contact.id} is not active`);
    }
    this.end(contact, 'API');
  }

  /** Agents matching the filter, in configuration order. Unknown ids in a filter are not found. */
  userData(instanceId: string, filter: UserDataFilter): AgentView[] {
    this.requireInstance(instanceId);
    let agents = [...this.agents.values()];
    if (filter.queues) {
      const queueIds = new Set(filter.queues.map((queue) => this.queue(queue).id));
      // An agent "serves" a queue it is routed from or may be assigned from (Connect does not say which).
      agents = agents.filter((agent) =>
        servedQueues(agent.routingProfile).some((queue) => queueIds.has(queue.id)),
      );
    }
    if (filter.routingProfiles) {
      const profileIds = new Set(filter.routingProfiles.map((profile) => this.routingProfile(profile).id));
      agents = agents.filter((agent) => profileIds.has(agent.routingProfile.id));
    }
    if (filter.agents) {
      const agentIds = new Set(filter.agents.map((agent) => this.agent(agent).id));
      agents = agents.filter((agent) => agentIds.has(agent.id));
    }
    if (filter.userHierarchyGroups?.[0] !== undefined) {
      throw notFound('User hierarchy group', filter.userHierarchyGroups[0]); // the emulator has none
    }
    const views = agents.map((agent) => this.view(agent));
    const states = filter.contactStates;
    return states
      ? views.filter((view) => view.contacts.some((contact) => states.includes(contact.state)))
      : views;
  }

  listQueues(instanceId: string): QueueRecord[] {
    this.requireInstance(instanceId);
    return [...this.queues.values()];
  }

  listRoutingProfiles(instanceId: string): RoutingProfileRecord[] {
    this.requireInstance(instanceId);
    return [...this.routingProfiles.values()];
  }

  /** ListRoutingProfileQueues: the routed queues, and the manual-assignment ones too when a switch says so. */
  routingProfileQueues(instanceId: string, routingProfileId: string): QueueRecord[] {
    this.requireInstance(instanceId);
    return this.listedQueues(this.routingProfile(routingProfileId));
  }

  routingProfileManualAssignmentQueues(instanceId: string, routingProfileId: string): QueueRecord[] {
    this.requireInstance(instanceId);
    return this.routingProfile(routingProfileId).manualAssignmentQueues;
  }

  /** The queues a routing profile lists as its own (ListRoutingProfileQueues, the event feed's InboundQueues). */
  listedQueues(profile: RoutingProfileRecord): QueueRecord[] {
    return this.config.manualQueuesInRoutingProfileQueues ? servedQueues(profile) : profile.queues;
  }

  listUsers(instanceId: string): AgentView[] {
    this.requireInstance(instanceId);
    return this.agentViews();
  }

  agentViews(): AgentView[] {
    return [...this.agents.values()].map((agent) => this.view(agent));
  }

  userProficiencies(instanceId: string, userId: string): AgentProficiencies {
    this.requireInstance(instanceId);
    return this.skills.of(this.agent(userId).id);
  }

  predefinedAttributes(instanceId: string): PredefinedAttributeRecord[] {
    this.requireInstance(instanceId);
    return this.skills.predefinedAttributes();
  }

  predefinedAttribute(instanceId: string, name: string): PredefinedAttributeRecord {
    this.requireInstance(instanceId);
    return this.skills.predefinedAttribute(name);
  }

  // ---- Control (admin API, scenario, agents' own timers) ----------------------------------------

  /**
   * A CUSTOM or OFFLINE status asked for while the agent holds contacts (offered, connected or in
   * after-contact work) becomes its NextStatus, taken once they clear; otherwise the status changes at once.
   */
  setAgentStatus(userId: string, statusName: string): void {
    const agent = this.agent(userId);
    const status = this.statuses.get(statusName);
    if (!status) {
      const known = [...this.statuses.keys()].join(', ');
      throw new ConnectError(
        'InvalidParameterException',
        `Unknown agent status ${statusName} (known: ${known})`,
      );
    }
    if (status.type !== 'ROUTABLE' && this.holdsSlots(agent)) {
      this.changeAgent(agent, () => {
        agent.nextStatus = { status, requestedAt: Date.now() };
      });
      return;
    }
    this.applyStatus(agent, status);
    this.autoRoute();
  }

  /** The agent finishes the contact now, as if its handle time had elapsed. */
  completeContact(contactId: string): void {
    this.end(this.contactIn(contactId, 'CONNECTED'), 'AGENT_DISCONNECT');
  }

  /** The agent accepts an offered contact now. */
  acceptOffer(contactId: string): void {
    this.accept(this.contactIn(contactId, 'CONNECTING'));
  }

  /** The agent rejects an offered contact now: it goes back to its queue. */
  rejectOffer(contactId: string): void {
    this.decline(this.contactIn(contactId, 'CONNECTING'), 'REJECTED');
  }

  /** The agent finishes its after-contact work on an ended contact now, freeing the slot. */
  clearAfterContactWork(contactId: string): void {
    const contact = this.contact(contactId);
    for (const agent of this.agents.values()) {
      const entry = agent.entries.find((held) => held.contactId === contact.id && held.state === 'ENDED');
      if (entry) return this.clearEntry(agent, entry);
    }
    throw new ConnectError(
      'InvalidRequestException',
      `Contact ${contact.id} is in no agent's after-contact work`,
    );
  }

  /** Changes how one agent answers offers from now on (validated: throws a ZodError). */
  setAgentOffers(userId: string, changes: unknown): void {
    const agent = this.agent(userId);
    agent.offers = changeOfferBehaviour(agent.offers, changes);
  }

  /** Replaces an agent's proficiencies (validated: throws a ZodError or InvalidParameterException). */
  setAgentProficiencies(userId: string, proficiencies: unknown): Proficiency[] {
    return this.skills.set(this.agent(userId).id, proficiencies);
  }

  snapshot(): CallCentreSnapshot {
    return structuredClone({
      instance: { id: this.instanceId, arn: this.instanceArn },
      queues: [...this.queues.values()],
      routingProfiles: [...this.routingProfiles.values()],
      agentStatuses: [...this.statuses.values()],
      agents: this.agentViews(),
      contacts: [...this.contacts.values()],
      activeTaskContacts: this.activeTasks.size,
    });
  }

  // ---- Lookups ---------------------------------------------------------------------------------

  /** Ids and ARNs are both accepted wherever Connect accepts either. */
  private requireInstance(idOrArn: string | undefined): void {
    if (idOrArn !== this.instanceId && idOrArn !== this.instanceArn)
      throw notFound('Instance', idOrArn ?? '');
  }

  private queue(idOrArn: string): QueueRecord {
    return this.queues.get(this.idFrom(idOrArn, 'queue')) ?? throwError(notFound('Queue', idOrArn));
  }

  private routingProfile(idOrArn: string): RoutingProfileRecord {
    return (
      this.routingProfiles.get(this.idFrom(idOrArn, 'routing-profile')) ??
      throwError(notFound('Routing profile', idOrArn))
    );
  }

  private agent(idOrArn: string): LiveAgent {
    return this.agents.get(this.idFrom(idOrArn, 'agent')) ?? throwError(notFound('User', idOrArn));
  }

  private contact(idOrArn: string): ContactRecord {
    return this.contacts.get(this.idFrom(idOrArn, 'contact')) ?? throwError(notFound('Contact', idOrArn));
  }

  private contactFlow(idOrArn: string): ContactFlowRecord {
    return (
      this.contactFlows.get(this.idFrom(idOrArn, 'contact-flow')) ??
      throwError(notFound('Contact flow', idOrArn))
    );
  }

  private status(name: string): AgentStatusRecord {
    return this.statuses.get(name) ?? throwError(notFound('Agent status', name));
  }

  private arn(kind: string, id: string): string {
    return `${this.instanceArn}/${kind}/${id}`;
  }

  private idFrom(idOrArn: string, kind: string): string {
    const prefix = `${this.instanceArn}/${kind}/`;
    return idOrArn.startsWith(prefix) ? idOrArn.slice(prefix.length) : idOrArn;
  }

  // ---- Creation, idempotency and quota ----------------------------------------------------------

  /**
   * The same ClientToken returns the contact it created; with different parameters it is refused.
   * Tokens are remembered for the emulator's lifetime (Connect keeps them for a limited time).
   */
  private checkClientToken(operation: string, token: string | undefined, request: object): TokenCheck {
    if (token === undefined) return {};
    const claim = {
      key: `${operation}\u0000${token}`,
      fingerprint: stableJson({ ...request, ClientToken: undefined }),
    };
    const earlier = this.clientTokens.get(claim.key);
    if (!earlier) return { claim };
    if (earlier.fingerprint !== claim.fingerprint) {
      this.deps.ledger.clientTokenMismatch();
      throw new ConnectError(
        'IdempotencyException',
        `ClientToken ${token} was already used with different parameters`,
      );
    }
    this.deps.ledger.clientTokenReplay();
    return { replay: this.contact(earlier.contactId) };
  }

  private bindToken(claim: TokenClaim | undefined, contactId: string): void {
    if (claim) this.clientTokens.set(claim.key, { fingerprint: claim.fingerprint, contactId });
  }

  private refuseAssociation(reason: InvalidRequestReason, message: string): never {
    this.deps.ledger.associateRefused(reason);
    throw new ConnectError('InvalidRequestException', message, reason);
  }

  private requireTaskQuota(): void {
    if (this.activeTasks.size < this.config.activeTaskQuota) return;
    this.deps.ledger.quotaRejection();
    throw new ConnectError(
      'ServiceQuotaExceededException',
      `The instance has ${this.activeTasks.size} active tasks, its quota of ${this.config.activeTaskQuota}`,
    );
  }

  private newContact(
    createdBy: ContactRecord['createdBy'],
    request: Pick<
      CreateContactRequest,
      | 'Channel'
      | 'InitiationMethod'
      | 'Name'
      | 'Description'
      | 'Attributes'
      | 'References'
      | 'SegmentAttributes'
      | 'RelatedContactId'
      | 'PreviousContactId'
    >,
    expiresAt: number,
    claim: TokenClaim | undefined,
  ): ContactRecord {
    const now = Date.now();
    const id = this.deps.ids.uuid();
    const contact: ContactRecord = {
      id,
      arn: this.arn('contact', id),
      channel: request.Channel ?? 'TASK',
      initiationMethod: request.InitiationMethod ?? 'API',
      createdBy,
      ...definedOnly({
        name: request.Name,
        description: request.Description,
        attributes: request.Attributes,
        references: request.References,
        segmentAttributes: request.SegmentAttributes,
        relatedContactId: request.RelatedContactId,
        previousContactId: request.PreviousContactId,
      }),
      transfers: 0,
      state: 'WAITING',
      initiatedAt: now,
      lastUpdatedAt: now,
      expiresAt,
    };
    this.contacts.set(id, contact);
    if (contact.channel === 'TASK') this.activeTasks.add(id);
    this.bindToken(claim, id);
    return contact;
  }

  private expiresAt(request: {
    ExpiryDurationInMinutes?: number;
    SegmentAttributes?: Record<string, SegmentAttributeValue>;
  }): number {
    const minutes = requestedExpiryMinutes(request) ?? this.config.defaultTaskExpiryMinutes;
    return Date.now() + minutes * this.config.minuteMs;
  }

  // ---- State changes ---------------------------------------------------------------------------

  private enqueue(contact: ContactRecord): void {
    contact.state = 'QUEUED';
    contact.enqueuedAt = Date.now();
    contact.lastUpdatedAt = contact.enqueuedAt;
    this.armExpiry(contact);
    this.autoRoute();
  }

  private armExpiry(contact: ContactRecord): void {
    this.setTimer(this.expiryTimers, contact, contact.expiresAt - Date.now(), () => this.expire(contact));
  }

  /** Expiry ends a contact wherever it is, an agent holding it included (Administrator Guide, "Tasks"). */
  private expire(contact: ContactRecord): void {
    this.end(contact, 'EXPIRED');
  }

  /**
   * Offers the contact to the agent: CONNECTING, holding a slot, until the agent answers as its offer
   * behaviour draws. A contact created connected (CreateContact) or offered to an auto-accepting agent
   * is CONNECTED at once.
   */
  private offer(contact: ContactRecord, agent: LiveAgent, via: AssignmentRecord['via']): void {
    const before = this.view(agent);
    const overCapacityReasons: OverCapacityReason[] = [];
    if (contact.channel === 'TASK' && before.availableTaskSlots === 0)
      overCapacityReasons.push('NO_FREE_TASK_SLOT');
    if (agent.status.type !== 'ROUTABLE') overCapacityReasons.push('AGENT_NOT_ROUTABLE');
    const now = Date.now();
    this.deps.ledger.assignment({
      contactId: contact.id,
      userId: agent.id,
      at: new Date(now).toISOString(),
      via,
      routedBy: via === 'ConnectRouting' ? 'connect' : 'package',
      outcome: 'offered',
      overCapacity: overCapacityReasons.length > 0,
      ...(overCapacityReasons.length > 0 ? { overCapacityReasons } : {}),
      agentStatus: agent.status.name,
      activeTaskSlotsBefore: before.activeTaskSlots,
      maxTaskSlots: before.maxTaskSlots,
    });
    if (via === 'ConnectRouting') {
      const queueId = contact.queue?.id;
      this.deps.ledger.connectRouted(!agent.routingProfile.queues.some((queue) => queue.id === queueId));
    }
    const connectedAtOnce = via === 'CreateContact' || agent.offers.autoAccept;
    const entry: AgentEntry = { contactId: contact.id, state: 'CONNECTING', since: now };
    this.changeAgent(
      agent,
      () => {
        // An earlier miss or rejection of this contact, still shown, gives way to the new offer.
        const earlier = agent.entries.find(
          (held) => held.contactId === contact.id && (held.state === 'MISSED' || held.state === 'REJECTED'),
        );
        if (earlier) this.removeEntry(agent, earlier);
        agent.entries.push(entry);
        contact.state = 'CONNECTING';
        contact.agentId = agent.id;
        contact.lastUpdatedAt = now;
        if (connectedAtOnce) this.markAccepted(contact, entry, now);
      },
      before,
    );
    if (connectedAtOnce) return this.startHandling(contact);
    const { answer, afterMs } = drawOfferOutcome(agent.offers, this.deps.offers);
    this.setTimer(this.stepTimers, contact, afterMs, () =>
      answer === 'accept'
        ? this.accept(contact)
        : this.decline(contact, answer === 'miss' ? 'MISSED' : 'REJECTED'),
    );
  }

  private accept(contact: ContactRecord): void {
    const { agent, entry } = this.holding(contact);
    this.changeAgent(agent, () => this.markAccepted(contact, entry, Date.now()));
    this.startHandling(contact);
  }

  private markAccepted(contact: ContactRecord, entry: AgentEntry, now: number): void {
    contact.state = 'CONNECTED';
    contact.acceptedAt = now;
    contact.connectedAt = now;
    contact.lastUpdatedAt = now;
    entry.state = 'CONNECTED';
    entry.since = now;
    entry.connectedAt = now;
    this.deps.ledger.assignmentAnswered(contact.id, 'accepted', now);
  }

  /** The handle time starts when the agent accepts. */
  private startHandling(contact: ContactRecord): void {
    const handleTime = this.config.handleTimeMs;
    if (handleTime === null) return this.cancelTimer(this.stepTimers, contact);
    const delay = drawDurationMs(handleTime, this.deps.handleTimes);
    this.setTimer(this.stepTimers, contact, delay, () => this.end(contact, 'AGENT_DISCONNECT'));
  }

  /** A missed or rejected offer: the agent shows it for a while, the contact goes back where it waited. */
  private decline(contact: ContactRecord, state: 'MISSED' | 'REJECTED'): void {
    const { agent, entry } = this.holding(contact);
    this.cancelTimer(this.stepTimers, contact);
    const now = Date.now();
    this.changeAgent(agent, () => {
      entry.state = state;
      entry.since = now;
      entry.clearTimer = this.deps.timers.after(this.config.missedContactClearMs, () =>
        this.clearEntry(agent, entry),
      );
      contact.state = contact.queue ? 'QUEUED' : 'WAITING';
      delete contact.agentId;
      contact.lastUpdatedAt = now;
    });
    // An expiry that came while the contact was held (and spared it) applies now.
    this.armExpiry(contact);
    this.deps.ledger.assignmentAnswered(contact.id, state === 'MISSED' ? 'missed' : 'rejected', now);
    this.afterAgentFreed(agent);
  }

  private end(contact: ContactRecord, reason: string | undefined): void {
    if (contact.state === 'ENDED') return;
    this.cancelTimer(this.stepTimers, contact);
    this.cancelTimer(this.expiryTimers, contact);
    contact.state = 'ENDED';
    contact.disconnectedAt = Date.now();
    contact.lastUpdatedAt = contact.disconnectedAt;
    if (reason !== undefined) contact.disconnectReason = reason;
    const agent = this.releaseFromAgent(contact);
    this.releaseActiveTask(contact);
    if (agent) this.afterAgentFreed(agent);
  }

  /**
   * The agent holding the contact lets it go (it ended, or a transfer moved it on): an accepted contact
   * stays in after-contact work, holding its slot, for the agent's drawn time; an offer is withdrawn.
   * Returns the agent, or undefined when no agent held it.
   */
  private releaseFromAgent(contact: ContactRecord): LiveAgent | undefined {
    const agent = contact.agentId === undefined ? undefined : this.agents.get(contact.agentId);
    const entry = agent && this.heldEntry(agent, contact.id);
    if (!agent || !entry) return undefined;
    const wasOffered = entry.state === 'CONNECTING';
    const workMs = wasOffered ? 0 : drawDurationMs(agent.afterContactWorkMs, this.deps.afterContactWork);
    const now = Date.now();
    this.changeAgent(agent, () => {
      if (workMs > 0) {
        entry.state = 'ENDED';
        entry.since = now;
        entry.clearTimer = this.deps.timers.after(workMs, () => this.clearEntry(agent, entry));
        return;
      }
      this.removeEntry(agent, entry);
      if (!wasOffered) agent.idleSince = now;
    });
    if (wasOffered) this.deps.ledger.assignmentAnswered(contact.id, 'ended', now);
    return agent;
  }

  /** A MISSED or REJECTED entry leaves the agent, or after-contact work ends and frees the slot. */
  private clearEntry(agent: LiveAgent, entry: AgentEntry): void {
    this.changeAgent(agent, () => {
      this.removeEntry(agent, entry);
      if (entry.state === 'ENDED') agent.idleSince = Date.now();
    });
    const contact = this.contacts.get(entry.contactId);
    if (contact) this.releaseActiveTask(contact);
    this.afterAgentFreed(agent);
  }

  private removeEntry(agent: LiveAgent, entry: AgentEntry): void {
    this.deps.timers.cancel(entry.clearTimer);
    agent.entries = agent.entries.filter((held) => held !== entry);
  }

  /** An ended TASK stops counting once no agent's after-contact work holds it. */
  private releaseActiveTask(contact: ContactRecord): void {
    if (contact.state !== 'ENDED') return;
    const inAfterContactWork = [...this.agents.values()].some((agent) =>
      agent.entries.some((entry) => entry.contactId === contact.id && entry.state === 'ENDED'),
    );
    if (!inAfterContactWork) this.activeTasks.delete(contact.id);
  }

  /** Something freed part of the agent: a waiting NextStatus may apply, and Connect may route to it. */
  private afterAgentFreed(agent: LiveAgent): void {
    if (agent.nextStatus && !this.holdsSlots(agent)) this.applyStatus(agent, agent.nextStatus.status);
    this.autoRoute();
  }

  private applyStatus(agent: LiveAgent, status: AgentStatusRecord): void {
    this.changeAgent(agent, () => {
      agent.status = status;
      agent.statusSince = Date.now();
      agent.idleSince = agent.statusSince;
      delete agent.nextStatus;
    });
  }

  /**
   * Connect's own routing: each contact QUEUED in a routed queue, oldest first, is offered to the
   * longest-idle agent who is routable, has a free slot and has the queue among its profile's routed
   * queues. Contacts in manual-assignment queues are never routed here.
   */
  private autoRoute(): void {
    if (!this.config.autoRouting) return;
    const waiting = [...this.contacts.values()]
      .filter((contact) => contact.state === 'QUEUED')
      .sort((a, b) => (a.enqueuedAt ?? 0) - (b.enqueuedAt ?? 0));
    for (const contact of waiting) {
      const agent = this.longestIdleAgentFor(contact);
      if (agent) this.offer(contact, agent, 'ConnectRouting');
    }
  }

  private longestIdleAgentFor(contact: ContactRecord): LiveAgent | undefined {
    const queueId = contact.queue?.id;
    let chosen: LiveAgent | undefined;
    for (const agent of this.agents.values()) {
      const eligible =
        agent.status.type === 'ROUTABLE' &&
        agent.nextStatus === undefined &&
        agent.routingProfile.queues.some((queue) => queue.id === queueId) &&
        (contact.channel !== 'TASK' ||
          this.taskSlotsInUse(agent.entries) < agent.routingProfile.taskConcurrency) &&
        // An agent still showing its miss or rejection of this contact is not offered it again yet.
        !agent.entries.some((entry) => entry.contactId === contact.id);
      if (eligible && (!chosen || agent.idleSince < chosen.idleSince)) chosen = agent;
    }
    return chosen;
  }

  private holdsSlots(agent: LiveAgent): boolean {
    return agent.entries.some((entry) => SLOT_STATES.includes(entry.state));
  }

  private taskSlotsInUse(entries: readonly AgentEntry[]): number {
    return entries.filter(
      (entry) => SLOT_STATES.includes(entry.state) && this.contact(entry.contactId).channel === 'TASK',
    ).length;
  }

  /** The agent's entry for a contact it is offered or connected to. */
  private heldEntry(agent: LiveAgent, contactId: string): AgentEntry | undefined {
    return agent.entries.find(
      (entry) =>
        entry.contactId === contactId && (entry.state === 'CONNECTING' || entry.state === 'CONNECTED'),
    );
  }

  /** The agent and entry of a contact known to be offered or connected. */
  private holding(contact: ContactRecord): { agent: LiveAgent; entry: AgentEntry } {
    const agent = this.agent(contact.agentId ?? '');
    const entry = this.heldEntry(agent, contact.id);
    if (!entry)
      throw new Error(
        `emulator bug: contact ${contact.id} is ${contact.state} but agent ${agent.id} does not hold it`,
      );
    return { agent, entry };
  }

  /** The contact, which must be in `state` for the control asked of it. */
  private contactIn(contactId: string, state: ContactState): ContactRecord {
    const contact = this.contact(contactId);
    if (contact.state !== state) {
      throw new ConnectError(
        'InvalidRequestException',
        `Contact ${contact.id} is ${contact.state}, not ${state}`,
      );
    }
    return contact;
  }

  private changeAgent(agent: LiveAgent, change: () => void, previous = this.view(agent)): void {
    change();
    this.deps.onAgentChange(previous, this.view(agent));
  }

  private setTimer(
    timers: Map<string, TimerId>,
    contact: ContactRecord,
    delayMs: number,
    callback: () => void,
  ): void {
    this.cancelTimer(timers, contact);
    timers.set(
      contact.id,
      this.deps.timers.after(delayMs, () => {
        timers.delete(contact.id);
        callback();
      }),
    );
  }

  private cancelTimer(timers: Map<string, TimerId>, contact: ContactRecord): void {
    this.deps.timers.cancel(timers.get(contact.id));
    timers.delete(contact.id);
  }

  private view({ entries, ...agent }: LiveAgent): AgentView {
    const contacts = entries.map((entry) => ({
      contact: { ...this.contact(entry.contactId) },
      state: entry.state,
      stateSince: entry.since,
      ...(entry.connectedAt === undefined ? {} : { connectedAt: entry.connectedAt }),
    }));
    const maxTaskSlots = agent.routingProfile.taskConcurrency;
    const activeTaskSlots = this.taskSlotsInUse(entries);
    return {
      ...agent,
      contacts,
      maxTaskSlots,
      activeTaskSlots,
      availableTaskSlots: Math.max(0, maxTaskSlots - activeTaskSlots),
    };
  }
}

/** Every queue a profile's agents serve: routed ones, then manual-assignment ones. */
function servedQueues(profile: RoutingProfileRecord): QueueRecord[] {
  return [...profile.queues, ...profile.manualAssignmentQueues];
}

/** What makes two contacts "the same work" for the ledger's duplicate count. */
function contentKey(contact: ContactRecord): string | undefined {
  const { name, description, attributes, references } = contact;
  if ([name, description, attributes, references].every((value) => value === undefined)) return undefined;
  return stableJson({ channel: contact.channel, name, description, attributes, references });
}

/** JSON with object keys sorted, so equal values give equal text whatever their key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function throwError(error: Error): never {
  throw error;
}
