/**
 * Connect's request rules that its API model states only in prose, implemented from the Amazon
 * Connect API Reference (each rule names its page), independently of the package's own validator.
 * They run after the model's checks, so every field they read already has its modelled type.
 */
import type {
  CreateContactRequest,
  GetCurrentUserDataRequest,
  Reference,
  SegmentAttributeValue,
  StartTaskContactRequest,
  TransferContactRequest,
} from '@aws-sdk/client-connect';
import type { ModelledOperationName } from './api-model';
import { abbreviate, formatCount, type RequestIssue } from './request-checker';

const MINUTES_PER_DAY = 24 * 60;

/** API Reference, "CreateContact" (Channel, InitiationMethod): the methods each channel takes; CHAT none. */
const CREATE_CONTACT_METHODS: Readonly<Record<string, readonly string[]>> = {
  VOICE: ['TRANSFER'],
  EMAIL: ['OUTBOUND', 'AGENT_REPLY', 'FLOW'],
  TASK: ['API'],
};
/** API Reference, "CreateContact" (UserInfo): required for EMAIL contacts created with these methods. */
const EMAIL_METHODS_NEEDING_USER: readonly string[] = ['OUTBOUND', 'AGENT_REPLY'];

/** API Reference, "CreateContact" and "StartTaskContact" (References): the types a new task may carry. */
const NEW_TASK_REFERENCE_TYPES = {
  CreateContact: ['URL', 'NUMBER', 'STRING', 'DATE', 'EMAIL', 'ATTACHMENT'],
  StartTaskContact: ['URL', 'NUMBER', 'STRING', 'DATE', 'EMAIL'],
} as const;

/**
 * API Reference, "CreateContact" and "StartTaskContact" (Attributes): "up to 32,768 UTF-8 bytes across
 * all key-value pairs per contact"; keys "only alphanumeric, dash, and underscore characters".
 */
const ATTRIBUTES_MAX_UTF8_BYTES = 32_768;
const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * API Reference, data type "Reference": "up to 4,096 UTF-8 bytes across all references for a contact".
 * The page does not say whether keys count; like the Attributes total, keys and values are counted.
 */
const REFERENCES_MAX_UTF8_BYTES = 4096;

/**
 * Segment attribute that sets the expiry (API Reference, "CreateContact" and "StartTaskContact",
 * SegmentAttributes): `{"connect:ContactExpiry": {"ValueMap": {"ExpiryDuration": {"ValueInteger": minutes}}}}`.
 */
const CONTACT_EXPIRY_ATTRIBUTE = 'connect:ContactExpiry';
/** Administrator Guide, "Concepts: Tasks in Amazon Connect": a task expires after at most 90 days. */
const EXPIRY_MINUTES = { min: 1, max: 90 * MINUTES_PER_DAY };

/** API Reference, "StartTaskContact" (ScheduledTime): "cannot be in the past", "within up to 6 days in future". */
const SCHEDULED_AHEAD_MAX_DAYS = 6;

/** API Reference, "GetCurrentUserData" (Filters): "A maximum of one filter can be passed from" these. */
const EXCLUSIVE_USER_DATA_FILTERS = ['Queues', 'RoutingProfiles', 'Agents', 'UserHierarchyGroups'] as const;

/** StartTaskContact's ScheduledTime travels in epoch seconds. */
type StartTaskContactInput = Omit<StartTaskContactRequest, 'ScheduledTime'> & { ScheduledTime?: number };

const RULES: Partial<Record<ModelledOperationName, (input: object) => RequestIssue[]>> = {
  CreateContact: (input) => createContactIssues(input as CreateContactRequest),
  StartTaskContact: (input) => startTaskContactIssues(input as StartTaskContactInput),
  GetCurrentUserData: (input) => getCurrentUserDataIssues(input as GetCurrentUserDataRequest),
  TransferContact: (input) => transferContactIssues(input as TransferContactRequest),
};

/** Every documented rule `input` breaks; run only on input that passed the model's checks. */
export function documentedRuleIssues(operation: ModelledOperationName, input: object): RequestIssue[] {
  return RULES[operation]?.(input) ?? [];
}

/** The expiry a request sets, in minutes, by either documented way; undefined when it sets none. */
export function requestedExpiryMinutes(request: {
  ExpiryDurationInMinutes?: number;
  SegmentAttributes?: Record<string, SegmentAttributeValue>;
}): number | undefined {
  return (
    request.ExpiryDurationInMinutes ??
    request.SegmentAttributes?.[CONTACT_EXPIRY_ATTRIBUTE]?.ValueMap?.ExpiryDuration?.ValueInteger
  );
}

const invalidParameter = (message: string): RequestIssue => ({
  exception: 'InvalidParameterException',
  message,
});
const invalidRequest = (message: string): RequestIssue => ({ exception: 'InvalidRequestException', message });

function createContactIssues(request: CreateContactRequest): RequestIssue[] {
  const { Channel: channel, InitiationMethod: method, InitiateAs: initiateAs } = request;
  const userId = request.UserInfo?.UserId;
  const issues = newContactContentIssues(request);
  if (request.ExpiryDurationInMinutes !== undefined) {
    issues.push(...expiryRangeIssues('ExpiryDurationInMinutes', request.ExpiryDurationInMinutes));
  }
  if (channel === 'TASK') issues.push(...referenceTypeIssues(request.References, 'CreateContact'));

  const allowedMethods = channel === undefined ? undefined : CREATE_CONTACT_METHODS[channel];
  if (!allowedMethods) {
    issues.push(invalidRequest(`Channel ${channel} is not supported by CreateContact`));
  } else if (method !== undefined && !allowedMethods.includes(method)) {
    issues.push(
      invalidRequest(
        `InitiationMethod ${method} is not valid for Channel ${channel} (allowed: ${allowedMethods.join(', ')})`,
      ),
    );
  }
  // "Only TASK channel contacts can be initiated with COMPLETED state."
  if (initiateAs === 'COMPLETED' && channel !== 'TASK') {
    issues.push(invalidRequest('InitiateAs COMPLETED is only allowed for Channel TASK'));
  }
  if (!userId && channel === 'EMAIL' && method !== undefined && EMAIL_METHODS_NEEDING_USER.includes(method)) {
    issues.push(
      invalidRequest(
        `UserInfo.UserId is required for EMAIL contacts with InitiationMethod ${EMAIL_METHODS_NEEDING_USER.join(' or ')}`,
      ),
    );
  }
  // A contact created connected needs the user it is connected to; UserInfo is the only place to name one.
  if (!userId && initiateAs === 'CONNECTED_TO_USER') {
    issues.push(invalidRequest('UserInfo.UserId is required when InitiateAs is CONNECTED_TO_USER'));
  }
  // The page offers the two ways as alternatives; which would win is not documented, so both is refused.
  if (
    request.ExpiryDurationInMinutes !== undefined &&
    request.SegmentAttributes?.[CONTACT_EXPIRY_ATTRIBUTE]
  ) {
    issues.push(
      invalidRequest(
        `ExpiryDurationInMinutes and SegmentAttributes ${CONTACT_EXPIRY_ATTRIBUTE} both set the expiry; give only one`,
      ),
    );
  }
  // PreviousContactId: "This value can be provided only for external audio contacts."
  if (request.PreviousContactId !== undefined && channel !== 'VOICE') {
    issues.push(
      invalidRequest('PreviousContactId is only allowed for Channel VOICE (external audio contacts)'),
    );
  }
  return issues;
}

function startTaskContactIssues(request: StartTaskContactInput): RequestIssue[] {
  const issues = [
    ...newContactContentIssues(request),
    ...referenceTypeIssues(request.References, 'StartTaskContact'),
  ];
  // "include only one of these parameters: ContactFlowID, QuickConnectID, or TaskTemplateID"
  const flowSources = (['ContactFlowId', 'QuickConnectId', 'TaskTemplateId'] as const).filter(
    (name) => request[name] !== undefined,
  );
  if (flowSources.length === 0) {
    issues.push(
      invalidRequest('ContactFlowId, QuickConnectId or TaskTemplateId is required to start a task'),
    );
  } else if (flowSources.length > 1) {
    issues.push(
      invalidRequest(
        `Give only one of ContactFlowId, QuickConnectId and TaskTemplateId (got ${flowSources.join(', ')})`,
      ),
    );
  }
  if (request.ScheduledTime !== undefined) {
    const scheduledMs = request.ScheduledTime * 1000;
    const at = new Date(scheduledMs).toISOString();
    const now = Date.now();
    if (scheduledMs < now) {
      issues.push(invalidRequest(`ScheduledTime must not be in the past (got ${at})`));
    } else if (scheduledMs > now + SCHEDULED_AHEAD_MAX_DAYS * MINUTES_PER_DAY * 60_000) {
      issues.push(
        invalidRequest(`ScheduledTime must be at most ${SCHEDULED_AHEAD_MAX_DAYS} days ahead (got ${at})`),
      );
    }
  }
  return issues;
}

function getCurrentUserDataIssues(request: GetCurrentUserDataRequest): RequestIssue[] {
  const filters = request.Filters ?? {};
  const given = EXCLUSIVE_USER_DATA_FILTERS.filter((name) => filters[name] !== undefined);
  if (given.length <= 1) return [];
  return [
    invalidRequest(
      `Filters may contain only one of ${EXCLUSIVE_USER_DATA_FILTERS.join(', ')} (got ${given.join(', ')})`,
    ),
  ];
}

/** API Reference, "TransferContact": "Do not use both QueueId and UserId"; a transfer needs one of them. */
function transferContactIssues(request: TransferContactRequest): RequestIssue[] {
  const targets = (['QueueId', 'UserId'] as const).filter((name) => request[name] !== undefined);
  return targets.length === 1
    ? []
    : [invalidRequest(`Give exactly one of QueueId and UserId (got ${targets.join(', ') || 'neither'})`)];
}

/** What CreateContact and StartTaskContact both carry: attributes, references and the expiry attribute. */
function newContactContentIssues(request: {
  Attributes?: Record<string, string>;
  References?: Record<string, Reference>;
  SegmentAttributes?: Record<string, SegmentAttributeValue>;
}): RequestIssue[] {
  const issues: RequestIssue[] = [];
  const attributes = Object.entries(request.Attributes ?? {});
  for (const [key] of attributes.filter(([key]) => !ATTRIBUTE_KEY.test(key))) {
    issues.push(
      invalidParameter(`Attributes key "${abbreviate(key)}" may contain only letters, digits, "-" and "_"`),
    );
  }
  const attributeBytes = utf8Bytes(attributes.flat());
  if (attributeBytes > ATTRIBUTES_MAX_UTF8_BYTES) {
    issues.push(
      invalidParameter(
        `Attributes must total at most ${formatCount(ATTRIBUTES_MAX_UTF8_BYTES)} UTF-8 bytes (got ${formatCount(attributeBytes)})`,
      ),
    );
  }
  const references = Object.entries(request.References ?? {});
  const referenceBytes = utf8Bytes(references.flatMap(([key, reference]) => [key, reference.Value ?? '']));
  if (referenceBytes > REFERENCES_MAX_UTF8_BYTES) {
    issues.push(
      invalidParameter(
        `References must total at most ${formatCount(REFERENCES_MAX_UTF8_BYTES)} UTF-8 bytes across all references (got ${formatCount(referenceBytes)})`,
      ),
    );
  }
  const expiry = request.SegmentAttributes?.[CONTACT_EXPIRY_ATTRIBUTE];
  if (expiry) {
    const field = `SegmentAttributes.${CONTACT_EXPIRY_ATTRIBUTE}.ValueMap.ExpiryDuration.ValueInteger`;
    const minutes = expiry.ValueMap?.ExpiryDuration?.ValueInteger;
    issues.push(
      ...(minutes === undefined
        ? [invalidParameter(`${field} is required to set the contact expiry (${expiryRange()})`)]
        : expiryRangeIssues(field, minutes)),
    );
  }
  return issues;
}

function expiryRange(): string {
  return `${EXPIRY_MINUTES.min} to ${formatCount(EXPIRY_MINUTES.max)} minutes`;
}

function expiryRangeIssues(field: string, minutes: number): RequestIssue[] {
  return minutes < EXPIRY_MINUTES.min || minutes > EXPIRY_MINUTES.max
    ? [invalidParameter(`${field} must be ${expiryRange()} (got ${formatCount(minutes)})`)]
    : [];
}

function referenceTypeIssues(
  references: Record<string, Reference> | undefined,
  operation: keyof typeof NEW_TASK_REFERENCE_TYPES,
): RequestIssue[] {
  const allowed: readonly string[] = NEW_TASK_REFERENCE_TYPES[operation];
  return Object.entries(references ?? {})
    .filter(([, reference]) => reference.Type !== undefined && !allowed.includes(reference.Type))
    .map(([key, reference]) =>
      invalidParameter(
        `References.${key}.Type ${reference.Type} is not allowed for a new task (${operation} allows ${allowed.join(', ')})`,
      ),
    );
}

function utf8Bytes(texts: string[]): number {
  return texts.reduce((total, text) => total + Buffer.byteLength(text, 'utf8'), 0);
}
