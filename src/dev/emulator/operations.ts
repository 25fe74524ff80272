/**
 * Connect's REST-JSON operations as the AWS SDK sends them: method and path (with URI labels),
 * request JSON in, response JSON out. Each handler validates with the package's shared Connect
 * validation, calls the call-centre model, and shapes the answer like Connect does (timestamps in
 * epoch seconds).
 */
import type { CreateContactRequest } from '@aws-sdk/client-connect';
import {
  ConnectValidationIssue,
  formatValidationIssues,
  validateAssociateContactWithUserRequest,
  validateCreateContactRequest,
  validateDescribeContactRequest,
  validateGetCurrentUserDataRequest,
  validateStartTaskContactRequest,
  validateStopContactRequest,
} from '../../shared/connect-validation';
import { AgentView, CallCentre, ContactRecord, StartTaskContactWireRequest } from './model';
import { matchRoute, type Route } from './http-io';
import { paginate } from './paging';
import { ConnectError, OperationName } from './protocol';

export interface WireRequest {
  /** URI labels, already percent-decoded. */
  labels: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
}

interface OperationRoute extends Route {
  operation: OperationName;
  handle(request: WireRequest, centre: CallCentre): object;
}

/** List* page sizes (Connect: 1 to 1,000, default 100). */
const LIST_MAX_RESULTS = { min: 1, max: 1000, default: 100 };
const USER_DATA_DEFAULT_MAX_RESULTS = 100;

const OPERATION_ROUTES: readonly OperationRoute[] = [
  {
    operation: 'CreateContact',
    method: 'PUT',
    path: /^\/contact\/create-contact$/,
    handle({ body }, centre) {
      requireValid(validateCreateContactRequest(body));
      const { contactId, contactArn } = centre.createContact(body as unknown as CreateContactRequest);
      return { ContactId: contactId, ContactArn: contactArn };
    },
  },
  {
    operation: 'AssociateContactWithUser',
    method: 'POST',
    path: /^\/contacts\/(?<InstanceId>[^/]+)\/(?<ContactId>[^/]+)\/associate-user$/,
    handle({ labels, body }, centre) {
      const { InstanceId, ContactId } = labels;
      requireValid(validateAssociateContactWithUserRequest({ ...body, InstanceId, ContactId }));
      centre.associateContactWithUser(InstanceId, ContactId, String(body.UserId));
      return {};
    },
  },
  {
    operation: 'StartTaskContact',
    method: 'PUT',
    path: /^\/contact\/task$/,
    handle({ body }, centre) {
      requireValid(validateStartTaskContactRequest(body));
      return { ContactId: centre.startTaskContact(body as unknown as StartTaskContactWireRequest).contactId };
    },
  },
  {
    operation: 'GetCurrentUserData',
    method: 'POST',
    path: /^\/metrics\/userdata\/(?<InstanceId>[^/]+)$/,
    handle({ labels, body }, centre) {
      const request = { ...body, InstanceId: labels.InstanceId };
      requireValid(validateGetCurrentUserDataRequest(request));
      const filters = (body.Filters ?? {}) as {
        Queues?: string[];
        RoutingProfiles?: string[];
        Agents?: string[];
        UserHierarchyGroups?: string[];
        ContactFilter?: { ContactStates?: string[] };
      };
      const agents = centre.userData(labels.InstanceId, {
        queues: filters.Queues,
        routingProfiles: filters.RoutingProfiles,
        agents: filters.Agents,
        userHierarchyGroups: filters.UserHierarchyGroups,
        contactStates: filters.ContactFilter?.ContactStates,
      });
      const maxResults =
        typeof body.MaxResults === 'number' ? body.MaxResults : USER_DATA_DEFAULT_MAX_RESULTS;
      const page = paginate(agents, maxResults, optionalString(body.NextToken));
      return {
        UserDataList: page.items.map(userData),
        ApproximateTotalCount: agents.length,
        ...(page.nextToken ? { NextToken: page.nextToken } : {}),
      };
    },
  },
  {
    operation: 'DescribeContact',
    method: 'GET',
    path: /^\/contacts\/(?<InstanceId>[^/]+)\/(?<ContactId>[^/]+)$/,
    handle({ labels }, centre) {
      requireValid(validateDescribeContactRequest(labels));
      return { Contact: describedContact(centre.describeContact(labels.InstanceId, labels.ContactId)) };
    },
  },
  {
    operation: 'StopContact',
    method: 'POST',
    path: /^\/contact\/stop$/,
    handle({ body }, centre) {
      requireValid(validateStopContactRequest(body));
      centre.stopContact(String(body.InstanceId), String(body.ContactId));
      return {};
    },
  },
  {
    operation: 'ListQueues',
    method: 'GET',
    path: /^\/queues-summary\/(?<InstanceId>[^/]+)$/,
    handle({ labels, query }, centre) {
      const queueTypes = query.getAll('queueTypes');
      // The emulator has STANDARD queues only; Connect's per-agent AGENT queues are not modelled.
      const queues =
        queueTypes.length === 0 || queueTypes.includes('STANDARD')
          ? centre.listQueues(labels.InstanceId)
          : [];
      return listAnswer(query, 'QueueSummaryList', queues, (queue) => ({
        ...summary(queue),
        QueueType: 'STANDARD',
      }));
    },
  },
  {
    operation: 'ListUsers',
    method: 'GET',
    path: /^\/users-summary\/(?<InstanceId>[^/]+)$/,
    handle({ labels, query }, centre) {
      return listAnswer(query, 'UserSummaryList', centre.listUsers(labels.InstanceId), (agent) => ({
        Id: agent.id,
        Arn: agent.arn,
        Username: agent.username,
      }));
    },
  },
  {
    operation: 'ListRoutingProfiles',
    method: 'GET',
    path: /^\/routing-profiles-summary\/(?<InstanceId>[^/]+)$/,
    handle({ labels, query }, centre) {
      return listAnswer(
        query,
        'RoutingProfileSummaryList',
        centre.listRoutingProfiles(labels.InstanceId),
        summary,
      );
    },
  },
  {
    operation: 'ListRoutingProfileQueues',
    method: 'GET',
    path: /^\/routing-profiles\/(?<InstanceId>[^/]+)\/(?<RoutingProfileId>[^/]+)\/queues$/,
    handle({ labels, query }, centre) {
      const profile = centre.routingProfileQueues(labels.InstanceId, labels.RoutingProfileId);
      // Every emulated queue serves the TASK channel only, at priority 1 with no delay.
      return listAnswer(query, 'RoutingProfileQueueConfigSummaryList', profile.queues, (queue) => ({
        QueueId: queue.id,
        QueueArn: queue.arn,
        QueueName: queue.name,
        Priority: 1,
        Delay: 0,
        Channel: 'TASK',
      }));
    },
  },
];

/** The operation a request is for, or undefined when it is none the emulator serves. */
export function matchOperation(method: string, pathname: string) {
  return matchRoute(OPERATION_ROUTES, method, pathname);
}

/** Connect answers one error per request: the first issue's exception, with every issue of that kind. */
function requireValid(issues: ConnectValidationIssue[]): void {
  const first = issues[0];
  if (!first) return;
  const sameKind = issues.filter((issue) => issue.exception === first.exception);
  throw new ConnectError(first.exception, formatValidationIssues(sameKind));
}

/**
 * A List* answer: one page of `items` (MaxResults and NextToken from the query string), each shaped
 * by `shape`, under `listName`, and the NextToken for the next page when there is one.
 */
function listAnswer<T>(
  query: URLSearchParams,
  listName: string,
  items: readonly T[],
  shape: (item: T) => object,
): object {
  const page = paginate(items, listMaxResults(query), query.get('nextToken') ?? undefined);
  return {
    [listName]: page.items.map(shape),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

/** The Id, Arn and Name that Connect's queue and routing profile summaries share. */
function summary(resource: { id: string; arn: string; name: string }): object {
  return { Id: resource.id, Arn: resource.arn, Name: resource.name };
}

function listMaxResults(query: URLSearchParams): number {
  const text = query.get('maxResults');
  if (text === null) return LIST_MAX_RESULTS.default;
  const value = Number(text);
  if (!Number.isInteger(value) || value < LIST_MAX_RESULTS.min || value > LIST_MAX_RESULTS.max) {
    throw new ConnectError(
      'InvalidParameterException',
      `MaxResults must be ${LIST_MAX_RESULTS.min} to ${LIST_MAX_RESULTS.max} (got ${text})`,
    );
  }
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

const epochSeconds = (epochMs: number): number => epochMs / 1000;

function userData(agent: AgentView): object {
  return {
    User: { Id: agent.id, Arn: agent.arn },
    RoutingProfile: { Id: agent.routingProfile.id, Arn: agent.routingProfile.arn },
    Status: {
      StatusStartTimestamp: epochSeconds(agent.statusSince),
      StatusArn: agent.status.arn,
      StatusName: agent.status.name,
    },
    AvailableSlotsByChannel: { TASK: agent.availableTaskSlots },
    MaxSlotsByChannel: { TASK: agent.maxTaskSlots },
    ActiveSlotsByChannel: { TASK: agent.activeTaskSlots },
    Contacts: agent.contacts.map((contact) => ({
      ContactId: contact.id,
      Channel: contact.channel,
      InitiationMethod: contact.initiationMethod,
      AgentContactState: 'CONNECTED',
      StateStartTimestamp: epochSeconds(contact.connectedAt ?? contact.lastUpdatedAt),
      ConnectedToAgentTimestamp: epochSeconds(contact.connectedAt ?? contact.lastUpdatedAt),
      ...(contact.queue ? { Queue: { Id: contact.queue.id, Arn: contact.queue.arn } } : {}),
    })),
  };
}

function describedContact(contact: ContactRecord): object {
  const optional = (include: boolean, fields: object) => (include ? fields : {});
  return {
    Arn: contact.arn,
    Id: contact.id,
    InitialContactId: contact.id,
    Channel: contact.channel,
    InitiationMethod: contact.initiationMethod,
    ...optional(contact.name !== undefined, { Name: contact.name }),
    ...optional(contact.description !== undefined, { Description: contact.description }),
    ...optional(contact.attributes !== undefined, { Attributes: contact.attributes }),
    ...optional(contact.segmentAttributes !== undefined, { SegmentAttributes: contact.segmentAttributes }),
    ...optional(contact.relatedContactId !== undefined, { RelatedContactId: contact.relatedContactId }),
    ...optional(contact.previousContactId !== undefined, { PreviousContactId: contact.previousContactId }),
    InitiationTimestamp: epochSeconds(contact.initiatedAt),
    LastUpdateTimestamp: epochSeconds(contact.lastUpdatedAt),
    ...optional(contact.scheduledFor !== undefined, {
      ScheduledTimestamp: epochSeconds(contact.scheduledFor ?? 0),
    }),
    ...optional(contact.queue !== undefined, {
      QueueInfo: {
        Id: contact.queue?.id,
        ...optional(contact.enqueuedAt !== undefined, {
          EnqueueTimestamp: epochSeconds(contact.enqueuedAt ?? 0),
        }),
      },
    }),
    ...optional(contact.agentId !== undefined, {
      AgentInfo: { Id: contact.agentId, ConnectedToAgentTimestamp: epochSeconds(contact.connectedAt ?? 0) },
    }),
    ...optional(contact.disconnectedAt !== undefined, {
      DisconnectTimestamp: epochSeconds(contact.disconnectedAt ?? 0),
    }),
    ...optional(contact.disconnectReason !== undefined, { DisconnectReason: contact.disconnectReason }),
  };
}
