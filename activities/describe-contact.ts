import { DescribeContactCommand, type DescribeContactCommandInput } from '@aws-sdk/client-connect';
import { validateDescribeContactRequest } from '../src/shared/connect-validation';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import {
  callConnect,
  type ConnectActivityDeps,
  type ConnectActivityInput,
  contactMayBeNew,
  rejectInvalidInput,
  requireField,
  toIso,
} from './connect-call';

export interface ContactRefInput extends ConnectActivityInput {
  contactId: string;
  /** When the contact was created (ISO); a not-found answer shortly after is retried briefly. */
  contactCreatedAt?: string;
}

/** The parts of a contact the routing needs; timestamps as ISO strings. */
export interface ContactSummary {
  contactId: string;
  contactArn?: string;
  channel?: string;
  initiationMethod?: string;
  name?: string;
  description?: string;
  queueId?: string;
  enqueuedAt?: string;
  /** The agent who accepted the contact, if any (`AgentInfo.Id`). */
  agentId?: string;
  /** When that agent accepted it: an offered contact is not yet with an agent. */
  acceptedByAgentAt?: string;
  connectedToAgentAt?: string;
  initiatedAt?: string;
  scheduledAt?: string;
  lastUpdatedAt?: string;
  /** Set once the contact has ended. */
  disconnectedAt?: string;
  relatedContactId?: string;
  previousContactId?: string;
}

/** DescribeContact (`GET /contacts/{InstanceId}/{ContactId}`). */
export function makeDescribeContact(deps: ConnectActivityDeps) {
  return async function describeContact(input: ContactRefInput): Promise<ContactSummary> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const request: DescribeContactCommandInput = { InstanceId: input.instanceId, ContactId: input.contactId };
    rejectInvalidInput('DescribeContact', validateDescribeContactRequest(request));
    const response = await callConnect(
      'DescribeContact',
      () => deps.connect.send(new DescribeContactCommand(request)),
      policy,
      {
        resourceMayBeNew: contactMayBeNew(input.contactCreatedAt, deps.now()),
      },
    );
    const contact = requireField(response.Contact, 'Contact', 'DescribeContact');
    return {
      contactId: contact.Id ?? input.contactId,
      contactArn: contact.Arn,
      channel: contact.Channel,
      initiationMethod: contact.InitiationMethod,
      name: contact.Name,
      description: contact.Description,
      queueId: contact.QueueInfo?.Id,
      enqueuedAt: toIso(contact.QueueInfo?.EnqueueTimestamp),
      agentId: contact.AgentInfo?.Id,
      acceptedByAgentAt: toIso(contact.AgentInfo?.AcceptedByAgentTimestamp),
      connectedToAgentAt: toIso(contact.AgentInfo?.ConnectedToAgentTimestamp),
      initiatedAt: toIso(contact.InitiationTimestamp),
      scheduledAt: toIso(contact.ScheduledTimestamp),
      lastUpdatedAt: toIso(contact.LastUpdateTimestamp),
      disconnectedAt: toIso(contact.DisconnectTimestamp),
      relatedContactId: contact.RelatedContactId,
      previousContactId: contact.PreviousContactId,
    };
  };
}

/**
 * DescribeContact as a check after an unclear failure: undefined when the check fails too, so that
 * the caller's original failure stands.
 */
export async function describeOrUndefined(
  describeContact: ReturnType<typeof makeDescribeContact>,
  contact: ContactRefInput,
): Promise<ContactSummary | undefined> {
  try {
    return await describeContact(contact);
  } catch {
    return undefined;
  }
}
