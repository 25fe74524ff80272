/**
 * The camelCase contact fields that workflow inputs and activity inputs share, and the one mapping
 * from them to Connect's request shapes. The activities send what these build; routeTask validates
 * what these build, so a workflow rejects exactly what Connect would.
 */
import type { CreateContactCommandInput, StartTaskContactCommandInput } from '@aws-sdk/client-connect';
import {
  CREATE_CONTACT_INITIATION_METHODS,
  type ConnectChannel,
  type ConnectInitiateAs,
  type ConnectInitiationMethod,
  type ConnectReferenceType,
  type SegmentAttributeValue,
} from './connect-validation';

export interface ContactReferenceInput {
  type: ConnectReferenceType;
  value: string;
}

/** What a task contact carries, whichever API creates it. */
export interface TaskContactFields {
  name?: string;
  description?: string;
  attributes?: Record<string, string>;
  references?: Record<string, ContactReferenceInput>;
  /** Or set `connect:ContactExpiry` in `segmentAttributes`; not both. */
  expiryDurationInMinutes?: number;
  /** Connect's own shape, e.g. `{ 'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 135 } } } }`. */
  segmentAttributes?: Record<string, SegmentAttributeValue>;
  relatedContactId?: string;
}

export interface CreateContactFields extends TaskContactFields {
  /** Default `TASK`. */
  channel?: ConnectChannel;
  /** Default: the channel's only method (TASK → API, VOICE → TRANSFER); EMAIL must choose. */
  initiationMethod?: ConnectInitiationMethod;
  /** `UserInfo.UserId`: a user id or ARN (EMAIL OUTBOUND/AGENT_REPLY, InitiateAs CONNECTED_TO_USER). */
  userId?: string;
  initiateAs?: ConnectInitiateAs;
  previousContactId?: string;
}

/** One of `contactFlowId`, `quickConnectId`, `taskTemplateId` is required. */
export interface StartTaskContactFields extends Omit<TaskContactFields, 'expiryDurationInMinutes'> {
  name: string;
  contactFlowId?: string;
  quickConnectId?: string;
  taskTemplateId?: string;
  /** ISO time at which the flow starts; not in the past, at most 6 days ahead. */
  scheduledTime?: string;
  previousContactId?: string;
}

export function toCreateContactRequest(
  instanceId: string,
  fields: CreateContactFields,
  clientToken?: string,
): CreateContactCommandInput {
  const channel = fields.channel ?? 'TASK';
  const channelMethods = CREATE_CONTACT_INITIATION_METHODS[channel];
  const defaultMethod = channelMethods?.length === 1 ? channelMethods[0] : undefined;
  return {
    InstanceId: instanceId,
    ClientToken: clientToken,
    Channel: channel,
    // Left undefined for EMAIL without a choice: validation then reports it as required.
    InitiationMethod: fields.initiationMethod ?? defaultMethod,
    Name: fields.name,
    Description: fields.description,
    Attributes: fields.attributes,
    References: toReferences(fields.references),
    ExpiryDurationInMinutes: fields.expiryDurationInMinutes,
    SegmentAttributes: fields.segmentAttributes,
    UserInfo: fields.userId === undefined ? undefined : { UserId: fields.userId },
    InitiateAs: fields.initiateAs,
    RelatedContactId: fields.relatedContactId,
    PreviousContactId: fields.previousContactId,
  };
}

export function toStartTaskContactRequest(
  instanceId: string,
  fields: StartTaskContactFields,
  clientToken?: string,
): StartTaskContactCommandInput {
  return {
    InstanceId: instanceId,
    ClientToken: clientToken,
    Name: fields.name,
    Description: fields.description,
    ContactFlowId: fields.contactFlowId,
    QuickConnectId: fields.quickConnectId,
    TaskTemplateId: fields.taskTemplateId,
    Attributes: fields.attributes,
    References: toReferences(fields.references),
    ScheduledTime: fields.scheduledTime === undefined ? undefined : new Date(fields.scheduledTime),
    PreviousContactId: fields.previousContactId,
    RelatedContactId: fields.relatedContactId,
    SegmentAttributes: fields.segmentAttributes,
  };
}

function toReferences(
  references: Record<string, ContactReferenceInput> | undefined,
): CreateContactCommandInput['References'] {
  if (references === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(references).map(([key, reference]) => [
      key,
      { Type: reference?.type, Value: reference?.value },
    ]),
  );
}
