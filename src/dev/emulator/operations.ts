/**
 * Connect's REST-JSON operations as the AWS SDK sends them: method and path from Connect's API model,
 * request JSON in, response JSON out. Each request is checked against that model and the rules Connect
 * documents in prose, then handed to the call-centre model; the answer is shaped like Connect's
 * (timestamps in epoch seconds).
 */
import type {
  CreateContactRequest,
  GetCurrentUserDataRequest,
  TransferContactRequest,
} from '@aws-sdk/client-connect';
import { CONNECT_API_MODEL, pathPattern } from './connect-model/api-model';
import { documentedRuleIssues } from './connect-model/documented-rules';
import {
  checkRequest,
  readInput,
  type RequestIssue,
  type WireRequest,
} from './connect-model/request-checker';
import { matchRoute, type Route } from './http-io';
import { AgentView, CallCentre, ContactRecord, QueueRecord, StartTaskContactWireRequest } from './model';
import { paginate } from './paging';
import type { LastModified } from './proficiencies';
import { ConnectError, OPERATIONS, OperationName } from './protocol';

/** An operation's input members, gathered from path, query string and body, and checked. */
type Input = object;
/** What the model guarantees once checked: the members every operation on an instance requires. */
type InstanceInput = { InstanceId: string };
type ContactInput = InstanceInput & { ContactId: string };
type ListInput = InstanceInput & { MaxResults?: number; NextToken?: string };
type RoutingProfileListInput = ListInput & { RoutingProfileId: string };

interface OperationRoute extends Route {
  operation: OperationName;
  handle(request: WireRequest, centre: CallCentre): object;
}

/** Connect's default page size for the List* calls and GetCurrentUserData. */
const DEFAULT_MAX_RESULTS = 100;

const HANDLERS: Record<OperationName, (input: Input, centre: CallCentre) => object> = {
  CreateContact(input, centre) {
    const { contactId, contactArn } = centre.createContact(input as CreateContactRequest);
    return { ContactId: contactId, ContactArn: contactArn };
  },
  AssociateContactWithUser(input, centre) {
    const { InstanceId, ContactId, UserId } = input as ContactInput & { UserId: string };
    centre.associateContactWithUser(InstanceId, ContactId, UserId);
    return {};
  },
  StartTaskContact(input, centre) {
    return { ContactId: centre.startTaskContact(input as StartTaskContactWireRequest).contactId };
  },
  GetCurrentUserData(input, centre) {
    const {
      InstanceId,
      Filters = {},
      MaxResults,
      NextToken,
    } = input as InstanceInput & GetCurrentUserDataRequest;
    const agents = centre.userData(InstanceId, {
      queues: Filters.Queues,
      routingProfiles: Filters.RoutingProfiles,
      agents: Filters.Agents,
      userHierarchyGroups: Filters.UserHierarchyGroups,
      contactStates: Filters.ContactFilter?.ContactStates,
    });
    const page = paginate(agents, MaxResults ?? DEFAULT_MAX_RESULTS, NextToken);
    return {
      UserDataList: page.items.map(userData),
      ApproximateTotalCount: agents.length,
      ...(page.nextToken ? { NextToken: page.nextToken } : {}),
    };
  },
  DescribeContact(input, centre) {
    const { InstanceId, ContactId } = input as ContactInput;
    return { Contact: describedContact(centre.describeContact(InstanceId, ContactId)) };
  },
  StopContact(input, centre) {
    const { InstanceId, ContactId } = input as ContactInput;
    centre.stopContact(InstanceId, ContactId);
    return {};
  },
  ListQueues(input, centre) {
    const { InstanceId, QueueTypes = [] } = input as ListInput & { QueueTypes?: string[] };
    // The emulator has STANDARD queues only; Connect's per-agent AGENT queues are not modelled.
    const queues =
      QueueTypes.length === 0 || QueueTypes.includes('STANDARD') ? centre.listQueues(InstanceId) : [];
    return listAnswer(input as ListInput, 'QueueSummaryList', queues, (queue) => ({
      ...summary(queue),
      QueueType: 'STANDARD',
    }));
  },
  ListUsers(input, centre) {
    const list = input as ListInput;
    return listAnswer(list, 'UserSummaryList', centre.listUsers(list.InstanceId), (agent) => ({
      Id: agent.id,
      Arn: agent.arn,
      Username: agent.username,
    }));
  },
  ListRoutingProfiles(input, centre) {
    const list = input as ListInput;
    return listAnswer(
      list,
      'RoutingProfileSummaryList',
      centre.listRoutingProfiles(list.InstanceId),
      summary,
    );
  },
  ListRoutingProfileQueues(input, centre) {
    const list = input as RoutingProfileListInput;
    const queues = centre.routingProfileQueues(list.InstanceId, list.RoutingProfileId);
    // Every emulated queue serves the TASK channel only, at priority 1 with no delay.
    return listAnswer(list, 'RoutingProfileQueueConfigSummaryList', queues, (queue) => ({
      ...profileQueue(queue),
      Priority: 1,
      Delay: 0,
    }));
  },
  ListRoutingProfileManualAssignmentQueues(input, centre) {
    const list = input as RoutingProfileListInput;
    const queues = centre.routingProfileManualAssignmentQueues(list.InstanceId, list.RoutingProfileId);
    return listAnswer(list, 'RoutingProfileManualAssignmentQueueConfigSummaryList', queues, profileQueue);
  },
  TransferContact(input, centre) {
    const { contactId, contactArn } = centre.transferContact(input as TransferContactRequest);
    return { ContactId: contactId, ContactArn: contactArn };
  },
  ListUserProficiencies(input, centre) {
    const list = input as ListInput & { UserId: string };
    const { proficiencies, ...modified } = centre.userProficiencies(list.InstanceId, list.UserId);
    return {
      ...listAnswer(list, 'UserProficiencyList', proficiencies, ({ name, value, level }) => ({
        AttributeName: name,
        AttributeValue: value,
        Level: level,
      })),
      ...lastModified(modified),
    };
  },
  ListPredefinedAttributes(input, centre) {
    const list = input as ListInput;
    return listAnswer(
      list,
      'PredefinedAttributeSummaryList',
      centre.predefinedAttributes(list.InstanceId),
      (attribute) => ({ Name: attribute.name, ...lastModified(attribute) }),
    );
  },
  DescribePredefinedAttribute(input, centre) {
    const { InstanceId, Name } = input as InstanceInput & { Name: string };
    const attribute = centre.predefinedAttribute(InstanceId, Name);
    return {
      PredefinedAttribute: {
        Name: attribute.name,
        Values: { StringList: attribute.values },
        ...lastModified(attribute),
      },
    };
  },
};

const OPERATION_ROUTES: readonly OperationRoute[] = OPERATIONS.map((operation) => {
  const model = CONNECT_API_MODEL.operations[operation];
  return {
    operation,
    method: model.method,
    path: pathPattern(model),
    handle(request, centre) {
      const input = readInput(model, request);
      requireValid(checkRequest(model, input));
      requireValid(documentedRuleIssues(operation, input));
      return HANDLERS[operation](input, centre);
    },
  };
});

/** The operation a request is for, or undefined when it is none the emulator serves. */
export function matchOperation(method: string, pathname: string) {
  return matchRoute(OPERATION_ROUTES, method, pathname);
}

/** Connect answers one error per request: the first issue's exception, with every issue of that kind. */
function requireValid(issues: RequestIssue[]): void {
  const first = issues[0];
  if (!first) return;
  const sameKind = issues.filter((issue) => issue.exception === first.exception);
  throw new ConnectError(first.exception, sameKind.map((issue) => issue.message).join('; '));
}

/** A List* answer: one page of `items`, each shaped by `shape`, under `listName`, and the next page's token. */
function listAnswer<T>(
  { MaxResults, NextToken }: ListInput,
  listName: string,
  items: readonly T[],
  shape: (item: T) => object,
): object {
  const page = paginate(items, MaxResults ?? DEFAULT_MAX_RESULTS, NextToken);
  return {
    [listName]: page.items.map(shape),
    ...(page.nextToken ? { NextToken: page.nextToken } : {}),
  };
}

/** The Id, Arn and Name that Connect's queue and routing profile summaries share. */
function summary(resource: { id: string; arn: string; name: string }): object {
  return { Id: resource.id, Arn: resource.arn, Name: resource.name };
}

/** A queue as both routing-profile queue listings name it. */
function profileQueue(queue: QueueRecord): object {
  return { QueueId: queue.id, QueueArn: queue.arn, QueueName: queue.name, Channel: 'TASK' };
}

const epochSeconds = (epochMs: number): number => epochMs / 1000;

function lastModified({ modifiedAt, modifiedRegion }: LastModified): object {
  return { LastModifiedTime: epochSeconds(modifiedAt), LastModifiedRegion: modifiedRegion };
}

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
    Contacts: agent.contacts.map(({ contact, state, stateSince, connectedAt }) => ({
      ContactId: contact.id,
      Channel: contact.channel,
      InitiationMethod: contact.initiationMethod,
      AgentContactState: state,
      StateStartTimestamp: epochSeconds(stateSince),
      ...(connectedAt === undefined ? {} : { ConnectedToAgentTimestamp: epochSeconds(connectedAt) }),
      ...(contact.queue ? { Queue: { Id: contact.queue.id, Arn: contact.queue.arn } } : {}),
    })),
    ...(agent.nextStatus ? { NextStatus: agent.nextStatus.status.name } : {}),
  };
}

function describedContact(contact: ContactRecord): object {
  const optional = (include: boolean, fields: object) => (include ? fields : {});
  return {
    Arn: contact.arn,
    Id: contact.id,
    InitialContactId: contact.initialContactId ?? contact.id,
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
    // AgentInfo is the agent who accepted the contact: none while it is only offered.
    ...optional(contact.acceptedAt !== undefined, {
      AgentInfo: {
        Id: contact.agentId,
        AcceptedByAgentTimestamp: epochSeconds(contact.acceptedAt ?? 0),
        ConnectedToAgentTimestamp: epochSeconds(contact.connectedAt ?? 0),
      },
    }),
    ...optional(contact.disconnectedAt !== undefined, {
      DisconnectTimestamp: epochSeconds(contact.disconnectedAt ?? 0),
    }),
    ...optional(contact.disconnectReason !== undefined, { DisconnectReason: contact.disconnectReason }),
  };
}
