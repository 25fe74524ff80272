/**
 * The call centre the emulator simulates: one Connect instance with queues, routing profiles,
 * agents and contacts, and how they change over time. It speaks in domain terms (validated
 * requests in, plain records out); the HTTP layer turns them into Connect's wire shapes.
 *
 * Contact lifecycle (TASK and other channels alike):
 *   CreateContact                 → WAITING (in no queue: CreateContact has no queue field)
 *   CreateContact CONNECTED_TO_USER → CONNECTED;  CreateContact COMPLETED → ENDED
 *   StartTaskContact              → QUEUED in its flow's queue, or SCHEDULED until ScheduledTime
 *   AssociateContactWithUser      → CONNECTED (WAITING/QUEUED only; busy agents are not refused)
 *   handle time / completeContact → ENDED (AGENT_DISCONNECT); StopContact → ENDED (API);
 *   expiry of a WAITING/QUEUED/SCHEDULED contact → ENDED (EXPIRED)
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
import { drawDurationMs } from './duration';
import { AssignmentRecord, LedgerRecorder, OverCapacityReason } from './ledger';
import { ConnectError, InvalidRequestReason, notFound } from './protocol';
import { SeededRandom } from './random';
import { TimerId, Timers } from './timers';

export type ContactState = 'WAITING' | 'SCHEDULED' | 'QUEUED' | 'CONNECTED' | 'ENDED';
export type AgentStatusType = 'ROUTABLE' | 'CUSTOM' | 'OFFLINE';

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
  enqueuedAt?: number;
  agentId?: string;
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
  /** Contacts connected to the agent, oldest first. */
  contacts: ContactRecord[];
  maxTaskSlots: number;
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

/** One agent's state as the call centre changes it: its view's fields, with contacts by id and no slot counts. */
type LiveAgent = Omit<AgentView, 'contacts' | 'maxTaskSlots' | 'activeTaskSlots' | 'availableTaskSlots'> & {
  contactIds: string[];
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
  /** The one pending timer of each contact: its expiry, its scheduled start, or its handle time. */
  private readonly contactTimers = new Map<string, TimerId>();
  private activeTaskContacts = 0;

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
        contactIds: [],
      });
    }
    for (const flow of config.contactFlows) {
      this.contactFlows.set(flow.id, {
        id: flow.id,
        type: flow.type,
        ...(flow.queueId === undefined ? {} : { queue: this.queue(flow.queueId) }),
      });
    }
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
    } else if (request.InitiateAs === 'CONNECTED_TO_USER' && agent) {
      this.connect(contact, agent, 'CreateContact');
    } else {
      this.armExpiry(contact);
    }
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
      this.setContactTimer(contact, scheduledFor - Date.now(), () => this.enqueue(contact));
    } else {
      this.enqueue(contact);
    }
    return { contactId: contact.id };
  }

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
    if (contact.state === 'CONNECTED') {
      const sameAgent = contact.agentId === agent.id;
      this.deps.ledger.reassignmentRefused(sameAgent);
      this.refuseAssociation(
        'CONTACT_ALREADY_CONNECTED',
        `Contact ${contact.id} is already connected to ${sameAgent ? 'this' : 'another'} user`,
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
    this.connect(contact, agent, 'AssociateContactWithUser');
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
      this.leaveAgent(contact);
      this.cancelContactTimer(contact);
      delete contact.agentId;
      delete contact.connectedAt;
      this.bindToken(token.claim, contact.id);
      Object.assign(contact, { queue, contactFlowId: flow.id, transfers: contact.transfers + 1 });
      this.enqueue(contact);
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
    // Every contact an agent holds is CONNECTED: after-contact work and ringing are not modelled.
    return states ? views.filter((view) => view.contacts.length > 0 && states.includes('CONNECTED')) : views;
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
    return [...this.agents.values()].map((agent) => this.view(agent));
  }

  // ---- Control (admin API, scenario, handle time) -----------------------------------------------

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
    this.changeAgent(agent, () => {
      agent.status = status;
      agent.statusSince = Date.now();
    });
  }

  /** The agent finishes the contact now, as if its handle time had elapsed. */
  completeContact(contactId: string): void {
    const contact = this.contact(contactId);
    if (contact.state !== 'CONNECTED') {
      throw new ConnectError(
        'InvalidRequestException',
        `Contact ${contact.id} is ${contact.state}, not CONNECTED`,
      );
    }
    this.end(contact, 'AGENT_DISCONNECT');
  }

  snapshot(): CallCentreSnapshot {
    return structuredClone({
      instance: { id: this.instanceId, arn: this.instanceArn },
      queues: [...this.queues.values()],
      routingProfiles: [...this.routingProfiles.values()],
      agentStatuses: [...this.statuses.values()],
      agents: [...this.agents.values()].map((agent) => this.view(agent)),
      contacts: [...this.contacts.values()],
      activeTaskContacts: this.activeTaskContacts,
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
    if (this.activeTaskContacts < this.config.activeTaskQuota) return;
    this.deps.ledger.quotaRejection();
    throw new ConnectError(
      'ServiceQuotaExceededException',
      `The instance has ${this.activeTaskContacts} active tasks, its quota of ${this.config.activeTaskQuota}`,
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
    if (contact.channel === 'TASK') this.activeTaskContacts += 1;
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
  }

  private armExpiry(contact: ContactRecord): void {
    this.setContactTimer(contact, contact.expiresAt - Date.now(), () => this.end(contact, 'EXPIRED'));
  }

  private connect(contact: ContactRecord, agent: LiveAgent, via: AssignmentRecord['via']): void {
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
      overCapacity: overCapacityReasons.length > 0,
      ...(overCapacityReasons.length > 0 ? { overCapacityReasons } : {}),
      agentStatus: agent.status.name,
      activeTaskSlotsBefore: before.activeTaskSlots,
      maxTaskSlots: before.maxTaskSlots,
    });
    this.changeAgent(
      agent,
      () => {
        contact.state = 'CONNECTED';
        contact.agentId = agent.id;
        contact.connectedAt = now;
        contact.lastUpdatedAt = now;
        agent.contactIds.push(contact.id);
      },
      before,
    );
    const handleTime = this.config.handleTimeMs;
    if (handleTime === null) this.cancelContactTimer(contact);
    else {
      const delay = drawDurationMs(handleTime, this.deps.handleTimes);
      this.setContactTimer(contact, delay, () => this.end(contact, 'AGENT_DISCONNECT'));
    }
  }

  private end(contact: ContactRecord, reason: string | undefined): void {
    const wasActiveTask = contact.channel === 'TASK' && contact.state !== 'ENDED';
    this.cancelContactTimer(contact);
    const finish = () => {
      contact.state = 'ENDED';
      contact.disconnectedAt = Date.now();
      contact.lastUpdatedAt = contact.disconnectedAt;
      if (reason !== undefined) contact.disconnectReason = reason;
    };
    this.leaveAgent(contact);
    finish();
    if (wasActiveTask) this.activeTaskContacts -= 1;
  }

  /** The agent holding the contact lets it go: it ended, or a transfer moved it on. */
  private leaveAgent(contact: ContactRecord): void {
    const agent = contact.agentId === undefined ? undefined : this.agents.get(contact.agentId);
    if (!agent || contact.state !== 'CONNECTED') return;
    this.changeAgent(agent, () => {
      agent.contactIds = agent.contactIds.filter((id) => id !== contact.id);
    });
  }

  private changeAgent(agent: LiveAgent, change: () => void, previous = this.view(agent)): void {
    change();
    this.deps.onAgentChange(previous, this.view(agent));
  }

  private setContactTimer(contact: ContactRecord, delayMs: number, callback: () => void): void {
    this.cancelContactTimer(contact);
    this.contactTimers.set(
      contact.id,
      this.deps.timers.after(delayMs, () => {
        this.contactTimers.delete(contact.id);
        callback();
      }),
    );
  }

  private cancelContactTimer(contact: ContactRecord): void {
    this.deps.timers.cancel(this.contactTimers.get(contact.id));
    this.contactTimers.delete(contact.id);
  }

  private view({ contactIds, ...agent }: LiveAgent): AgentView {
    const contacts = contactIds.map((id) => ({ ...this.contact(id) }));
    const maxTaskSlots = agent.routingProfile.taskConcurrency;
    const activeTaskSlots = contacts.filter((contact) => contact.channel === 'TASK').length;
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
