/**
 * Client-side validation of the Amazon Connect requests this package sends, before any call. (The
 * emulator checks requests against Connect's API model instead, independently of this module; a unit
 * test keeps the two in agreement.)
 *
 * Sources: the Connect API reference pages (CreateContact, AssociateContactWithUser...) and the SDK model
 * (`@aws-sdk/client-connect` doc comments and enums). Length limits are counted in
 * UTF-16 code units (JavaScript `length`, what JSON Schema `maxLength` becomes in practice), except
 * where Connect states bytes: Attributes (total) and References (each key and value) are counted in
 * UTF-8 bytes.
 *
 * Each validator takes the SDK command input shape (field names exactly as the SDK, e.g.
 * `CreateContactCommandInput`) or the same JSON parsed from a request body, and returns every issue
 * found (empty when valid). Per-field constraints are zod schemas (exported, so a workflow input
 * schema can embed them and derive JSON Schema); rules that relate several fields are plain
 * functions, because they must run even when some field has the wrong type.
 *
 * Pure code: bundled into Temporal workflows, so no Node modules.
 */
import { z } from 'zod';
import { sharedSchemasOf } from './shared-schemas';

const shared = sharedSchemasOf('connect-validation');

export type ConnectValidationException = 'InvalidParameterException' | 'InvalidRequestException';

export interface ConnectValidationIssue {
  /** Dotted path of the offending field as named by the SDK, e.g. `UserInfo.UserId`. */
  field: string;
  /** Names the field and the limit, e.g. `Name must be at most 1,024 characters (got 1,030)`. */
  message: string;
  /** The Connect error this issue would produce (the emulator answers with it). */
  exception: ConnectValidationException;
}

const MINUTES_PER_DAY = 24 * 60;

export const CONNECT_LIMITS = {
  instanceId: { min: 1, max: 100 },
  /** ContactId, RelatedContactId, PreviousContactId. */
  contactId: { min: 1, max: 256 },
  /** A user id or a user ARN (`arn:aws:connect:...:instance/{instanceId}/agent/{userId}`). */
  userId: { min: 1, max: 256 },
  clientToken: { max: 500 },
  /** CreateContact `Name`. */
  contactName: { max: 1024 },
  /** StartTaskContact `Name` (the task name shown in the CCP); Connect API reference: 0–512. */
  taskName: { max: 512 },
  description: { max: 4096 },
  contactFlowId: { max: 500 },
  taskTemplateId: { min: 1, max: 500 },
  attributes: { maxTotalUtf8Bytes: 32_768 },
  /** Each reference key and each reference value, in UTF-8 bytes (not a total over all references). */
  references: { maxKeyUtf8Bytes: 4096, maxValueUtf8Bytes: 4096 },
  /** ExpiryDurationInMinutes and `connect:ContactExpiry` ExpiryDuration: 1 minute to 90 days. */
  expiryDurationInMinutes: { min: 1, max: 90 * MINUTES_PER_DAY },
  segmentAttributeKey: { min: 1, max: 128 },
  /** StartTaskContact ScheduledTime: not in the past, at most 6 days ahead. */
  scheduledTime: { maxAheadMs: 6 * MINUTES_PER_DAY * 60_000 },
  taskAttachments: { maxItems: 5 },
  /** GetCurrentUserData Filters: values per filter (only one of Queues/RoutingProfiles/Agents/UserHierarchyGroups). */
  userDataFilters: {
    Queues: 100,
    RoutingProfiles: 100,
    Agents: 100,
    UserHierarchyGroups: 1,
    ContactStates: 9,
  },
  getCurrentUserDataMaxResults: { min: 1, max: 100 },
} as const;

export const ATTRIBUTE_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;
export const CONTACT_EXPIRY_SEGMENT_ATTRIBUTE = 'connect:ContactExpiry';

export const CHANNELS = ['VOICE', 'CHAT', 'TASK', 'EMAIL'] as const;
export type ConnectChannel = (typeof CHANNELS)[number];

export const INITIATION_METHODS = [
  'INBOUND',
  'OUTBOUND',
  'TRANSFER',
  'QUEUE_TRANSFER',
  'CALLBACK',
  'API',
  'DISCONNECT',
  'MONITOR',
  'EXTERNAL_OUTBOUND',
  'WEBRTC_API',
  'AGENT_REPLY',
  'FLOW',
] as const;
export type ConnectInitiationMethod = (typeof INITIATION_METHODS)[number];

/** The only Channel/InitiationMethod pairs CreateContact accepts; CHAT is not supported at all. */
export const CREATE_CONTACT_INITIATION_METHODS: Readonly<
  Partial<Record<ConnectChannel, readonly ConnectInitiationMethod[]>>
> = {
  VOICE: ['TRANSFER'],
  EMAIL: ['OUTBOUND', 'AGENT_REPLY', 'FLOW'],
  TASK: ['API'],
};
/** EMAIL contacts created with these methods need `UserInfo.UserId`. */
export const EMAIL_METHODS_REQUIRING_USER: readonly ConnectInitiationMethod[] = ['OUTBOUND', 'AGENT_REPLY'];

export const INITIATE_AS = ['CONNECTED_TO_USER', 'COMPLETED'] as const;
export type ConnectInitiateAs = (typeof INITIATE_AS)[number];

export const REFERENCE_TYPES = [
  'URL',
  'ATTACHMENT',
  'CONTACT_ANALYSIS',
  'NUMBER',
  'STRING',
  'DATE',
  'EMAIL',
  'EMAIL_MESSAGE',
  'EMAIL_MESSAGE_PLAIN_TEXT',
  'EMAIL_MESSAGE_PLAIN_TEXT_REDACTED',
  'EMAIL_MESSAGE_REDACTED',
] as const;
export type ConnectReferenceType = (typeof REFERENCE_TYPES)[number];
/** Reference types a task may carry when created by CreateContact. */
export const CREATE_CONTACT_TASK_REFERENCE_TYPES: readonly ConnectReferenceType[] = [
  'URL',
  'NUMBER',
  'STRING',
  'DATE',
  'EMAIL',
  'ATTACHMENT',
];
/** StartTaskContact: the same without ATTACHMENT. */
export const START_TASK_REFERENCE_TYPES: readonly ConnectReferenceType[] = [
  'URL',
  'NUMBER',
  'STRING',
  'DATE',
  'EMAIL',
];

export const CONTACT_STATES = [
  'INCOMING',
  'PENDING',
  'CONNECTING',
  'CONNECTED',
  'CONNECTED_ONHOLD',
  'MISSED',
  'ERROR',
  'ENDED',
  'REJECTED',
] as const;

// ---------------------------------------------------------------------------------------------
// Per-field schemas
// ---------------------------------------------------------------------------------------------

/** Length in UTF-8 bytes without TextEncoder/Buffer (lone surrogates count 3, as TextEncoder's U+FFFD). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const codePoint = char.codePointAt(0) ?? 0;
    bytes += codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }
  return bytes;
}

const lengthBetween = ({ min = 0, max }: { min?: number; max: number }) => z.string().min(min).max(max);

export const instanceIdSchema = shared('instanceIdSchema', () => lengthBetween(CONNECT_LIMITS.instanceId));
export const contactIdSchema = shared('contactIdSchema', () => lengthBetween(CONNECT_LIMITS.contactId));
export const userIdSchema = shared('userIdSchema', () => lengthBetween(CONNECT_LIMITS.userId));
export const clientTokenSchema = shared('clientTokenSchema', () => lengthBetween(CONNECT_LIMITS.clientToken));

/** Byte limits are checked by `mapRules`. */
export const attributesSchema = shared('attributesSchema', () =>
  z.record(
    // The message is a predicate completed with the field by `describeIssue`.
    z
      .string()
      .min(1)
      .regex(ATTRIBUTE_KEY_PATTERN, { error: 'may contain only letters, digits, "-" and "_"' }),
    z.string(),
  ),
);

export const referenceSchema = shared('referenceSchema', () =>
  z.object({
    Value: z.string().optional(),
    Type: z.enum(REFERENCE_TYPES),
    Status: z.string().optional(),
    Arn: z.string().optional(),
    StatusReason: z.string().optional(),
  }),
);

/** Byte limits are checked by `mapRules`. */
export const referencesSchema = shared('referencesSchema', () => z.record(z.string(), referenceSchema));

export interface SegmentAttributeValue {
  ValueString?: string | undefined;
  ValueMap?: Record<string, SegmentAttributeValue> | undefined;
  ValueInteger?: number | undefined;
  ValueList?: SegmentAttributeValue[] | undefined;
  ValueArn?: string | undefined;
}

/**
 * The expiry a CreateContact request sets, in minutes, through either of Connect's two ways of setting
 * it (`ExpiryDurationInMinutes`, or the `connect:ContactExpiry` segment attribute); undefined when unset.
 */
export function requestedExpiryMinutes(
  expiryDurationInMinutes: number | undefined,
  segmentAttributes: Readonly<Record<string, SegmentAttributeValue>> | undefined,
): number | undefined {
  return (
    expiryDurationInMinutes ??
    segmentAttributes?.[CONTACT_EXPIRY_SEGMENT_ATTRIBUTE]?.ValueMap?.ExpiryDuration?.ValueInteger
  );
}

export const segmentAttributeValueSchema: z.ZodType<SegmentAttributeValue> = shared(
  'segmentAttributeValueSchema',
  () =>
    z.lazy(() =>
      z.object({
        ValueString: z.string().optional(),
        ValueMap: z.record(z.string(), segmentAttributeValueSchema).optional(),
        ValueInteger: z.int().optional(),
        ValueList: z.array(segmentAttributeValueSchema).optional(),
        ValueArn: z.string().optional(),
      }),
    ),
);

/**
 * Keys are system keys such as `connect:ContactExpiry`; the SDK doc's "alphanumeric, -, and _" rule
 * cannot apply to them (they contain ":"), so only the key length is checked. The expiry entry is
 * checked by `mapRules`.
 */
export const segmentAttributesSchema = shared('segmentAttributesSchema', () =>
  z.record(lengthBetween(CONNECT_LIMITS.segmentAttributeKey), segmentAttributeValueSchema),
);

export const expiryDurationInMinutesSchema = shared('expiryDurationInMinutesSchema', () =>
  z.int().min(CONNECT_LIMITS.expiryDurationInMinutes.min).max(CONNECT_LIMITS.expiryDurationInMinutes.max),
);

export const createContactRequestSchema = shared('createContactRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    ClientToken: clientTokenSchema.optional(),
    RelatedContactId: contactIdSchema.optional(),
    Attributes: attributesSchema.optional(),
    References: referencesSchema.optional(),
    Channel: z.enum(CHANNELS),
    InitiationMethod: z.enum(INITIATION_METHODS),
    ExpiryDurationInMinutes: expiryDurationInMinutesSchema.optional(),
    UserInfo: z.object({ UserId: userIdSchema.optional() }).optional(),
    InitiateAs: z.enum(INITIATE_AS).optional(),
    Name: z.string().max(CONNECT_LIMITS.contactName.max).optional(),
    Description: z.string().max(CONNECT_LIMITS.description.max).optional(),
    SegmentAttributes: segmentAttributesSchema.optional(),
    PreviousContactId: contactIdSchema.optional(),
  }),
);

export const associateContactWithUserRequestSchema = shared('associateContactWithUserRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    ContactId: contactIdSchema,
    UserId: userIdSchema,
  }),
);

export const describeContactRequestSchema = shared('describeContactRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    ContactId: contactIdSchema,
  }),
);

export const stopContactRequestSchema = shared('stopContactRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    ContactId: contactIdSchema,
    DisconnectReason: z.object({ Code: z.string().optional() }).optional(),
  }),
);

/** TransferContact moves a TASK or EMAIL contact to a queue (or an agent) through a flow. */
export const transferContactRequestSchema = shared('transferContactRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    ContactId: contactIdSchema,
    QueueId: z.string().min(1).optional(),
    UserId: userIdSchema.optional(),
    ContactFlowId: z.string().min(1).max(CONNECT_LIMITS.contactFlowId.max),
    ClientToken: clientTokenSchema.optional(),
  }),
);

/** `ScheduledTime` is a Date in the SDK and epoch seconds on the wire; both are accepted. */
export const startTaskContactRequestSchema = shared('startTaskContactRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    PreviousContactId: contactIdSchema.optional(),
    ContactFlowId: z.string().max(CONNECT_LIMITS.contactFlowId.max).optional(),
    Attributes: attributesSchema.optional(),
    Name: z.string().max(CONNECT_LIMITS.taskName.max),
    References: referencesSchema.optional(),
    Description: z.string().max(CONNECT_LIMITS.description.max).optional(),
    ClientToken: clientTokenSchema.optional(),
    ScheduledTime: z.union([z.date(), z.number()]).optional(),
    TaskTemplateId: lengthBetween(CONNECT_LIMITS.taskTemplateId).optional(),
    QuickConnectId: z.string().min(1).optional(),
    RelatedContactId: contactIdSchema.optional(),
    SegmentAttributes: segmentAttributesSchema.optional(),
    Attachments: z.array(z.unknown()).max(CONNECT_LIMITS.taskAttachments.maxItems).optional(),
  }),
);

const filterValues = (max: number) => z.array(z.string().min(1)).max(max);
const filterLimits = CONNECT_LIMITS.userDataFilters;
export const userDataFiltersSchema = shared('userDataFiltersSchema', () =>
  z.object({
    Queues: filterValues(filterLimits.Queues).optional(),
    ContactFilter: z
      .object({ ContactStates: z.array(z.enum(CONTACT_STATES)).max(filterLimits.ContactStates).optional() })
      .optional(),
    RoutingProfiles: filterValues(filterLimits.RoutingProfiles).optional(),
    Agents: filterValues(filterLimits.Agents).optional(),
    UserHierarchyGroups: filterValues(filterLimits.UserHierarchyGroups).optional(),
  }),
);

export const getCurrentUserDataRequestSchema = shared('getCurrentUserDataRequestSchema', () =>
  z.object({
    InstanceId: instanceIdSchema,
    Filters: userDataFiltersSchema,
    NextToken: z.string().optional(),
    MaxResults: z
      .int()
      .min(CONNECT_LIMITS.getCurrentUserDataMaxResults.min)
      .max(CONNECT_LIMITS.getCurrentUserDataMaxResults.max)
      .optional(),
  }),
);

// ---------------------------------------------------------------------------------------------
// Rules across fields (run on the raw input, reading only fields of the expected type)
// ---------------------------------------------------------------------------------------------

type Fields = Record<string, unknown>;

const invalidRequest = (field: string, message: string): ConnectValidationIssue => ({
  field,
  message,
  exception: 'InvalidRequestException',
});

const invalidParameter = (field: string, message: string): ConnectValidationIssue => ({
  field,
  message,
  exception: 'InvalidParameterException',
});

const stringField = (fields: Fields, name: string) =>
  typeof fields[name] === 'string' ? (fields[name] as string) : undefined;
const objectField = (fields: Fields, name: string): Fields | undefined =>
  isObject(fields[name]) ? (fields[name] as Fields) : undefined;

/**
 * Byte limits and the expiry entry of the attribute maps. Checked on the raw request rather than in
 * the zod schemas because zod leaves map entries with an invalid key out of what refinements see
 * (so a total would be undercounted), and JSON Schema cannot express byte counts anyway.
 */
function mapRules(req: Fields): ConnectValidationIssue[] {
  const issues: ConnectValidationIssue[] = [];
  const attributes = objectField(req, 'Attributes');
  if (attributes) {
    let total = 0;
    for (const [key, value] of Object.entries(attributes)) {
      total += utf8ByteLength(key) + (typeof value === 'string' ? utf8ByteLength(value) : 0);
    }
    const max = CONNECT_LIMITS.attributes.maxTotalUtf8Bytes;
    if (total > max) {
      issues.push(
        invalidParameter(
          'Attributes',
          `Attributes must total at most ${formatCount(max)} UTF-8 bytes (got ${formatCount(total)})`,
        ),
      );
    }
  }
  const { maxKeyUtf8Bytes, maxValueUtf8Bytes } = CONNECT_LIMITS.references;
  for (const [key, reference] of Object.entries(objectField(req, 'References') ?? {})) {
    const keyBytes = utf8ByteLength(key);
    if (keyBytes === 0 || keyBytes > maxKeyUtf8Bytes) {
      issues.push(
        invalidParameter(
          'References',
          `References key "${abbreviate(key)}" must be 1 to ${formatCount(maxKeyUtf8Bytes)} UTF-8 bytes (got ${formatCount(keyBytes)})`,
        ),
      );
    }
    const value = isObject(reference) ? reference.Value : undefined;
    const valueBytes = typeof value === 'string' ? utf8ByteLength(value) : 0;
    if (valueBytes > maxValueUtf8Bytes) {
      const field = `References.${key}.Value`;
      issues.push(
        invalidParameter(
          field,
          `${field} must be at most ${formatCount(maxValueUtf8Bytes)} UTF-8 bytes (got ${formatCount(valueBytes)})`,
        ),
      );
    }
  }
  const segmentAttributes = objectField(req, 'SegmentAttributes');
  if (segmentAttributes && Object.hasOwn(segmentAttributes, CONTACT_EXPIRY_SEGMENT_ATTRIBUTE)) {
    const expiry = segmentAttributes[CONTACT_EXPIRY_SEGMENT_ATTRIBUTE];
    const valueMap = isObject(expiry) ? objectField(expiry, 'ValueMap') : undefined;
    const duration = valueMap ? objectField(valueMap, 'ExpiryDuration') : undefined;
    const minutes = duration?.ValueInteger;
    const field = `SegmentAttributes.${CONTACT_EXPIRY_SEGMENT_ATTRIBUTE}.ValueMap.ExpiryDuration.ValueInteger`;
    const { min, max } = CONNECT_LIMITS.expiryDurationInMinutes;
    const range = `${min} to ${formatCount(max)} minutes`;
    if (minutes === undefined) {
      issues.push(invalidParameter(field, `${field} is required to set the contact expiry (${range})`));
    } else if (typeof minutes === 'number' && Number.isInteger(minutes) && (minutes < min || minutes > max)) {
      // A value that is not an integer is reported by the schema.
      issues.push(invalidParameter(field, `${field} must be ${range} (got ${formatCount(minutes)})`));
    }
  }
  return issues;
}

function createContactRules(req: Fields): ConnectValidationIssue[] {
  const issues: ConnectValidationIssue[] = mapRules(req);
  const channel = stringField(req, 'Channel');
  const method = stringField(req, 'InitiationMethod');
  const initiateAs = stringField(req, 'InitiateAs');
  const userId = stringField(objectField(req, 'UserInfo') ?? {}, 'UserId');
  const allowedMethods =
    channel && Object.hasOwn(CREATE_CONTACT_INITIATION_METHODS, channel)
      ? CREATE_CONTACT_INITIATION_METHODS[channel as ConnectChannel]
      : undefined;

  if (channel && (CHANNELS as readonly string[]).includes(channel) && !allowedMethods) {
    issues.push(invalidRequest('Channel', `Channel ${channel} is not supported by CreateContact`));
  }
  if (allowedMethods && method && !allowedMethods.includes(method as ConnectInitiationMethod)) {
    issues.push(
      invalidRequest(
        'InitiationMethod',
        `InitiationMethod ${method} is not valid for Channel ${channel} (allowed: ${allowedMethods.join(', ')})`,
      ),
    );
  }
  if (initiateAs === 'COMPLETED' && channel !== undefined && channel !== 'TASK') {
    issues.push(invalidRequest('InitiateAs', 'InitiateAs COMPLETED is only allowed for Channel TASK'));
  }
  if (
    !userId &&
    channel === 'EMAIL' &&
    method &&
    EMAIL_METHODS_REQUIRING_USER.includes(method as ConnectInitiationMethod)
  ) {
    issues.push(
      invalidRequest(
        'UserInfo.UserId',
        `UserInfo.UserId is required for EMAIL contacts with InitiationMethod ${EMAIL_METHODS_REQUIRING_USER.join(' or ')}`,
      ),
    );
  }
  if (!userId && initiateAs === 'CONNECTED_TO_USER') {
    issues.push(
      invalidRequest('UserInfo.UserId', 'UserInfo.UserId is required when InitiateAs is CONNECTED_TO_USER'),
    );
  }
  const segmentAttributes = objectField(req, 'SegmentAttributes');
  if (
    req.ExpiryDurationInMinutes !== undefined &&
    segmentAttributes &&
    CONTACT_EXPIRY_SEGMENT_ATTRIBUTE in segmentAttributes
  ) {
    issues.push(
      invalidRequest(
        'ExpiryDurationInMinutes',
        `ExpiryDurationInMinutes and SegmentAttributes ${CONTACT_EXPIRY_SEGMENT_ATTRIBUTE} both set the expiry; give only one`,
      ),
    );
  }
  if (req.PreviousContactId !== undefined && channel !== undefined && channel !== 'VOICE') {
    issues.push(
      invalidRequest(
        'PreviousContactId',
        'PreviousContactId is only allowed for Channel VOICE (external audio contacts)',
      ),
    );
  }
  const references = objectField(req, 'References');
  if (channel === 'TASK' && references) {
    issues.push(...referenceTypeRules(references, CREATE_CONTACT_TASK_REFERENCE_TYPES, 'a TASK contact'));
  }
  return issues;
}

function referenceTypeRules(
  references: Fields,
  allowed: readonly ConnectReferenceType[],
  target: string,
): ConnectValidationIssue[] {
  return Object.entries(references).flatMap(([key, reference]) => {
    const type = isObject(reference) ? stringField(reference, 'Type') : undefined;
    if (!type || !(REFERENCE_TYPES as readonly string[]).includes(type)) return []; // the schema reports it
    if (allowed.includes(type as ConnectReferenceType)) return [];
    const field = `References.${key}.Type`;
    return [
      invalidParameter(
        field,
        `${field} ${type} is not allowed for ${target} (allowed: ${allowed.join(', ')})`,
      ),
    ];
  });
}

function startTaskContactRules(req: Fields, now: Date): ConnectValidationIssue[] {
  const issues: ConnectValidationIssue[] = mapRules(req);
  if (
    req.ContactFlowId === undefined &&
    req.QuickConnectId === undefined &&
    req.TaskTemplateId === undefined
  ) {
    issues.push(
      invalidRequest(
        'ContactFlowId',
        'ContactFlowId, QuickConnectId or TaskTemplateId is required to start a task',
      ),
    );
  }
  const scheduled = req.ScheduledTime;
  const scheduledMs =
    scheduled instanceof Date
      ? scheduled.getTime()
      : typeof scheduled === 'number'
        ? scheduled * 1000
        : undefined;
  if (scheduledMs !== undefined) {
    const maxAheadMs = CONNECT_LIMITS.scheduledTime.maxAheadMs;
    if (Number.isNaN(scheduledMs)) {
      issues.push(invalidParameter('ScheduledTime', 'ScheduledTime must be a valid time'));
    } else if (scheduledMs < now.getTime()) {
      issues.push(
        invalidRequest(
          'ScheduledTime',
          `ScheduledTime must not be in the past (got ${new Date(scheduledMs).toISOString()})`,
        ),
      );
    } else if (scheduledMs > now.getTime() + maxAheadMs) {
      issues.push(
        invalidRequest(
          'ScheduledTime',
          `ScheduledTime must be at most ${maxAheadMs / (MINUTES_PER_DAY * 60_000)} days ahead (got ${new Date(scheduledMs).toISOString()})`,
        ),
      );
    }
  }
  const references = objectField(req, 'References');
  if (references)
    issues.push(...referenceTypeRules(references, START_TASK_REFERENCE_TYPES, 'StartTaskContact'));
  return issues;
}

/** Connect accepts a single kind of filter per GetCurrentUserData call. */
const EXCLUSIVE_USER_DATA_FILTERS = ['Queues', 'RoutingProfiles', 'Agents', 'UserHierarchyGroups'] as const;

function getCurrentUserDataRules(req: Fields): ConnectValidationIssue[] {
  const filters = objectField(req, 'Filters');
  if (!filters) return [];
  const given = EXCLUSIVE_USER_DATA_FILTERS.filter((name) => filters[name] !== undefined);
  if (given.length <= 1) return [];
  return [
    invalidRequest(
      'Filters',
      `Filters may contain only one of ${EXCLUSIVE_USER_DATA_FILTERS.join(', ')} (got ${given.join(', ')})`,
    ),
  ];
}

/** "Do not use both QueueId and UserId in the same call" (TransferContact); one of them says where to. */
function transferContactRules(req: Fields): ConnectValidationIssue[] {
  const given = ['QueueId', 'UserId'].filter((name) => req[name] !== undefined);
  if (given.length === 1) return [];
  return [
    invalidRequest(
      'QueueId',
      given.length === 0
        ? 'TransferContact needs QueueId or UserId (one of them)'
        : 'TransferContact takes QueueId or UserId, not both',
    ),
  ];
}

// ---------------------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------------------

export function validateCreateContactRequest(req: unknown): ConnectValidationIssue[] {
  return validateWithSchema(req, createContactRequestSchema, createContactRules);
}

export function validateAssociateContactWithUserRequest(req: unknown): ConnectValidationIssue[] {
  return validateWithSchema(req, associateContactWithUserRequestSchema);
}

/** `now` bounds `ScheduledTime` (defaults to the current time; in a workflow that is workflow time). */
export function validateStartTaskContactRequest(
  req: unknown,
  options: { now?: Date } = {},
): ConnectValidationIssue[] {
  const now = options.now ?? new Date();
  return validateWithSchema(req, startTaskContactRequestSchema, (fields) =>
    startTaskContactRules(fields, now),
  );
}

export function validateGetCurrentUserDataRequest(req: unknown): ConnectValidationIssue[] {
  return validateWithSchema(req, getCurrentUserDataRequestSchema, getCurrentUserDataRules);
}

export function validateTransferContactRequest(req: unknown): ConnectValidationIssue[] {
  return validateWithSchema(req, transferContactRequestSchema, transferContactRules);
}

export function validateDescribeContactRequest(req: unknown): ConnectValidationIssue[] {
  return validateWithSchema(req, describeContactRequestSchema);
}

export function validateStopContactRequest(req: unknown): ConnectValidationIssue[] {
  return validateWithSchema(req, stopContactRequestSchema);
}

/** One line per issue, for error messages: `Name must be at most 1,024 characters (got 1,030); ...`. */
export function formatValidationIssues(issues: readonly ConnectValidationIssue[]): string {
  return issues.map((issue) => issue.message).join('; ');
}

/** Schema issues, then (on any object) the cross-field rules: each message names the field and the limit. */
export function validateWithSchema(
  req: unknown,
  schema: z.ZodType,
  rules?: (fields: Fields) => ConnectValidationIssue[],
): ConnectValidationIssue[] {
  return parseWithSchema(req, schema, rules).issues;
}

/** As `validateWithSchema`, and the parsed value when there is no issue (one parse for both). */
export function parseWithSchema<T extends z.ZodType>(
  req: unknown,
  schema: T,
  rules?: (fields: Fields) => ConnectValidationIssue[],
): { issues: ConnectValidationIssue[]; data?: z.output<T> } {
  if (!isObject(req)) {
    return {
      issues: [
        { field: '', message: 'The request must be a JSON object', exception: 'InvalidParameterException' },
      ],
    };
  }
  const parsed = schema.safeParse(req, { reportInput: true });
  const schemaIssues = parsed.success ? [] : parsed.error.issues.flatMap(toValidationIssues);
  // A field both the schema and a rule check (an attribute value's type) is reported once.
  const issues = [...schemaIssues, ...(rules ? rules(req) : [])].filter(
    (issue, index, all) =>
      all.findIndex((other) => other.field === issue.field && other.message === issue.message) === index,
  );
  return issues.length === 0 && parsed.success ? { issues, data: parsed.data } : { issues };
}

// ---------------------------------------------------------------------------------------------
// Turning zod issues into Connect-style messages that name the field and the limit
// ---------------------------------------------------------------------------------------------

function toValidationIssues(issue: z.core.$ZodIssue): ConnectValidationIssue[] {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    // One issue per unknown key, named where it was given (most often a misspelt field).
    return issue.keys.map((key) => {
      const field = [...path, key].join('.');
      return { field, message: `${field} is not a known field`, exception: 'InvalidParameterException' };
    });
  }
  return [toValidationIssue(issue, path)];
}

function toValidationIssue(issue: z.core.$ZodIssue, path: string[]): ConnectValidationIssue {
  if (issue.code === 'invalid_key') {
    // A map key is wrong: report it against the map and name the key in the message.
    const mapField = path.slice(0, -1).join('.');
    const key = path[path.length - 1] ?? '';
    const inner = issue.issues[0];
    const message = inner
      ? describeIssue(inner, `${mapField} key "${abbreviate(key)}"`)
      : `${mapField} key "${abbreviate(key)}" is not valid`;
    return { field: mapField, message, exception: 'InvalidParameterException' };
  }
  const field = path.join('.');
  return { field, message: describeIssue(issue, field), exception: 'InvalidParameterException' };
}

function describeIssue(issue: z.core.$ZodIssue, field: string): string {
  const input: unknown = issue.input;
  if (input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return `${field} is required`;
  }
  switch (issue.code) {
    case 'custom':
      return issue.message; // written to name the field and the limit already
    case 'invalid_type':
      return `${field} must be ${issue.expected === 'int' ? 'an integer' : withArticle(issue.expected)} (got ${describeValue(input)})`;
    case 'invalid_value':
      return `${field} must be one of ${issue.values.map(String).join(', ')} (got ${describeValue(input)})`;
    case 'invalid_format':
      return `${field} ${issue.message}`;
    case 'too_big':
    case 'too_small': {
      const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
      const bound = issue.code === 'too_big' ? 'at most' : 'at least';
      if (issue.origin === 'string') {
        const length = typeof input === 'string' ? input.length : 0;
        return `${field} must be ${bound} ${formatCount(limit)} character${Number(limit) === 1 ? '' : 's'} (got ${formatCount(length)})`;
      }
      if (issue.origin === 'array') {
        const count = Array.isArray(input) ? input.length : 0;
        return `${field} must have ${bound} ${formatCount(limit)} item${Number(limit) === 1 ? '' : 's'} (got ${formatCount(count)})`;
      }
      return `${field} must be ${bound} ${formatCount(limit)} (got ${describeValue(input)})`;
    }
    default:
      return `${field}: ${issue.message}`;
  }
}

/** `an array`, `a string`. */
function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function isObject(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `32768` → `32,768`, without Intl (keeps messages identical in every runtime). */
export function formatCount(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return String(value);
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') return formatCount(value);
  if (typeof value === 'string') return `"${abbreviate(value)}"`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Keeps messages short when the offending value is itself huge. */
function abbreviate(text: string, max = 60): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${formatCount(text.length)} characters)`;
}
