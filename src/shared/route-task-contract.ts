/**
 * The routeTask contract: its input, settings, result, status query, signals and updates.
 *
 * The input is language-neutral JSON, validated identically by the typed client (before starting)
 * and by the workflow (first thing), so that a caller from any SDK or the `temporal` CLI gets the
 * same clear, field-naming error. Contact limits come from the Connect validator itself.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import {
  type ConnectValidationIssue,
  parseWithSchema,
  REFERENCE_TYPES,
  userIdSchema,
  validateCreateContactRequest,
  validateStartTaskContactRequest,
  validateWithSchema,
} from './connect-validation';
import {
  type StartTaskContactFields,
  toCreateContactRequest,
  toStartTaskContactRequest,
  type TaskContactFields,
} from './contact-requests';
import type { OfferOutcome, WaitReason } from './dispatcher-contract';
import { type ErrorPolicyOverrides, resolveErrorPolicy } from './error-policy';

export const ROUTING_STRATEGIES = [
  'create-then-associate',
  'create-connected',
  'start-task-contact',
] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const ROUTE_TASK_LIMITS = {
  priority: { min: 1, max: 1000, default: 5 },
  agentList: { max: 100 },
  allowedStatuses: { min: 1, max: 20, default: ['Available'] },
  widenAfterSeconds: { max: 7 * 24 * 3600, default: 60 },
  deadlineSeconds: { min: 1, max: 90 * 24 * 3600 },
  queueId: { min: 1, max: 500 },
} as const;

/** How routeTask calls its activities: the same for every task, so not part of the input. */
export const ROUTE_TASK_SETTINGS = {
  /** One attempt of one activity call. */
  activityStartToCloseMs: 30_000,
  /** All attempts of one call: past this the call fails instead of retrying on. */
  activityScheduleToCloseMs: 10 * 60_000,
  /**
   * A call made under a reservation must end this long before the reservation expires: the dispatcher
   * then gives the slot to another task, and a late association would put two tasks on one slot.
   */
  reservationSafetyMarginMs: 5_000,
  /** However near the reservation's expiry, a call gets at least this long. */
  minimumReservationCallMs: 1_000,
  /**
   * How long an offered task waits for the dispatcher's word on the agent's answer before it asks
   * Connect itself (the dispatcher says `unclear` well before this; this covers a lost signal).
   */
  offerVerdictWaitMs: 3 * 60_000,
} as const;

const agentIds = z.array(userIdSchema).max(ROUTE_TASK_LIMITS.agentList.max);
const prioritySchema = z.int().min(ROUTE_TASK_LIMITS.priority.min).max(ROUTE_TASK_LIMITS.priority.max);
const widenAfterSecondsSchema = z.int().min(0).max(ROUTE_TASK_LIMITS.widenAfterSeconds.max);

const contactSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    attributes: z.record(z.string(), z.string()).optional(),
    references: z
      .record(z.string(), z.object({ type: z.enum(REFERENCE_TYPES), value: z.string() }))
      .optional(),
    expiryDurationInMinutes: z.int().optional(),
    segmentAttributes: z.record(z.string(), z.any()).optional(),
    relatedContactId: z.string().optional(),
  })
  .strict();

export const routeTaskInputSchema = z
  .object({
    instanceId: z.string(),
    queueId: z.string().min(ROUTE_TASK_LIMITS.queueId.min).max(ROUTE_TASK_LIMITS.queueId.max),
    contact: contactSchema,
    priority: prioritySchema.optional(),
    preferredAgentIds: agentIds.optional(),
    widenAfterSeconds: widenAfterSecondsSchema.optional(),
    excludedAgentIds: agentIds.optional(),
    allowedStatuses: z
      .array(z.string().min(1).max(127))
      .min(ROUTE_TASK_LIMITS.allowedStatuses.min)
      .max(ROUTE_TASK_LIMITS.allowedStatuses.max)
      .optional(),
    strategy: z.enum(ROUTING_STRATEGIES).optional(),
    /**
     * create-then-associate: the transfer-to-queue flow (TransferContact) that puts the created task
     * in `queueId`; AssociateContactWithUser takes only a queued contact.
     */
    transferFlowId: z.string().min(1).max(500).optional(),
    /** start-task-contact: the flow that queues the task in Connect. */
    contactFlowId: z.string().optional(),
    /** start-task-contact: when Connect should start the task (ISO 8601). */
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
    deadlineSeconds: z
      .int()
      .min(ROUTE_TASK_LIMITS.deadlineSeconds.min)
      .max(ROUTE_TASK_LIMITS.deadlineSeconds.max)
      .optional(),
    errorPolicy: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  })
  .strict();

export type RouteTaskInput = z.input<typeof routeTaskInputSchema>;

/** The input with every default applied: what the workflow works with. */
export interface RouteTaskRequest {
  instanceId: string;
  queueId: string;
  contact: TaskContactFields & { name: string };
  priority: number;
  preferredAgentIds: string[];
  widenAfterSeconds: number;
  excludedAgentIds: string[];
  allowedStatuses: string[];
  strategy: RoutingStrategy;
  transferFlowId?: string;
  contactFlowId?: string;
  scheduledTime?: string;
  deadlineSeconds?: number;
  errorPolicy?: ErrorPolicyOverrides;
}

export type RouteTaskValidation =
  { ok: true; request: RouteTaskRequest } | { ok: false; issues: ConnectValidationIssue[] };

/** Validates a routeTask input and applies defaults; `now` bounds `scheduledTime` (workflow time in a workflow). */
export function parseRouteTaskInput(raw: unknown, now: Date): RouteTaskValidation {
  const { issues, data: input } = parseWithSchema(raw, routeTaskInputSchema, (fields) =>
    crossFieldIssues(fields, now),
  );
  if (!input) return { ok: false, issues };
  return {
    ok: true,
    request: {
      instanceId: input.instanceId,
      queueId: input.queueId,
      contact: input.contact,
      priority: input.priority ?? ROUTE_TASK_LIMITS.priority.default,
      preferredAgentIds: input.preferredAgentIds ?? [],
      widenAfterSeconds: input.widenAfterSeconds ?? ROUTE_TASK_LIMITS.widenAfterSeconds.default,
      excludedAgentIds: input.excludedAgentIds ?? [],
      allowedStatuses: input.allowedStatuses ?? [...ROUTE_TASK_LIMITS.allowedStatuses.default],
      strategy: input.strategy ?? 'create-then-associate',
      transferFlowId: input.transferFlowId,
      contactFlowId: input.contactFlowId,
      scheduledTime: input.scheduledTime,
      deadlineSeconds: input.deadlineSeconds,
      errorPolicy: input.errorPolicy as ErrorPolicyOverrides | undefined,
    },
  };
}

/** Rules across fields, and the Connect limits of the contact, reported with routeTask's field names. */
function crossFieldIssues(fields: Record<string, unknown>, now: Date): ConnectValidationIssue[] {
  const issues: ConnectValidationIssue[] = [];
  const invalid = (field: string, message: string) =>
    issues.push({ field, message, exception: 'InvalidParameterException' });
  const strategy = fields.strategy ?? 'create-then-associate';

  if (strategy === 'start-task-contact' && fields.contactFlowId === undefined) {
    invalid('contactFlowId', 'contactFlowId is required when strategy is start-task-contact');
  }
  if (strategy === 'create-then-associate' && fields.transferFlowId === undefined) {
    invalid(
      'transferFlowId',
      'transferFlowId is required when strategy is create-then-associate (the default): the transfer-to-queue ' +
        'flow that puts the created task in queueId, since Connect assigns only queued contacts',
    );
  }
  if (fields.transferFlowId !== undefined && strategy !== 'create-then-associate') {
    invalid(
      'transferFlowId',
      `transferFlowId is only used with strategy create-then-associate (strategy is ${String(strategy)})`,
    );
  }
  for (const field of ['contactFlowId', 'scheduledTime'] as const) {
    if (fields[field] !== undefined && strategy !== 'start-task-contact') {
      invalid(
        field,
        `${field} is only used with strategy start-task-contact (strategy is ${String(strategy)})`,
      );
    }
  }
  issues.push(...sharedAgentIssues(fields.preferredAgentIds, fields.excludedAgentIds));
  if (fields.errorPolicy !== undefined) {
    try {
      resolveErrorPolicy(fields.errorPolicy as ErrorPolicyOverrides);
    } catch (error) {
      invalid('errorPolicy', `errorPolicy: ${(error as Error).message}`);
    }
  }

  const contact = fields.contact;
  if (typeof contact === 'object' && contact !== null && typeof fields.instanceId === 'string') {
    // Unvalidated input: the Connect validator reports whatever these fields hold.
    const contactFields = contact as StartTaskContactFields;
    const connectIssues =
      strategy === 'start-task-contact'
        ? validateStartTaskContactRequest(
            toStartTaskContactRequest(fields.instanceId, {
              ...contactFields,
              contactFlowId: fields.contactFlowId as string | undefined,
              scheduledTime: fields.scheduledTime as string | undefined,
            }),
            { now },
          )
        : validateCreateContactRequest(toCreateContactRequest(fields.instanceId, contactFields));
    issues.push(...connectIssues.map((issue) => ({ ...issue, field: connectFieldName(issue.field) })));
  } else if (typeof fields.instanceId === 'string') {
    issues.push(
      ...validateCreateContactRequest({
        InstanceId: fields.instanceId,
        Channel: 'TASK',
        InitiationMethod: 'API',
      }),
    );
  }
  return issues;
}

const CONNECT_TO_ROUTE_TASK_FIELDS: Record<string, string> = {
  InstanceId: 'instanceId',
  Name: 'contact.name',
  Description: 'contact.description',
  Attributes: 'contact.attributes',
  References: 'contact.references',
  ExpiryDurationInMinutes: 'contact.expiryDurationInMinutes',
  SegmentAttributes: 'contact.segmentAttributes',
  RelatedContactId: 'contact.relatedContactId',
  ContactFlowId: 'contactFlowId',
  ScheduledTime: 'scheduledTime',
};

/** `Attributes.key` → `contact.attributes.key`: where the caller put it. */
function connectFieldName(field: string): string {
  const [head, ...rest] = field.split('.');
  const mapped = CONNECT_TO_ROUTE_TASK_FIELDS[head];
  return mapped ? [mapped, ...rest].join('.') : field;
}

function sharedAgentIssues(preferredAgentIds: unknown, excludedAgentIds: unknown): ConnectValidationIssue[] {
  const preferred = Array.isArray(preferredAgentIds) ? preferredAgentIds : [];
  const excluded = new Set(Array.isArray(excludedAgentIds) ? excludedAgentIds : []);
  const both = preferred.filter((id) => excluded.has(id));
  if (both.length === 0) return [];
  return [
    {
      field: 'preferredAgentIds',
      message: `preferredAgentIds and excludedAgentIds must not share agents (both list ${both.join(', ')})`,
      exception: 'InvalidParameterException',
    },
  ];
}

const reprioritizeSchema = z.object({ priority: prioritySchema }).strict();
const setPreferredAgentsSchema = z
  .object({ preferredAgentIds: agentIds, widenAfterSeconds: widenAfterSecondsSchema.optional() })
  .strict();

/** The `reprioritize` update's argument, checked by the same rules as `priority` at start. */
export function reprioritizeIssues(raw: unknown): ConnectValidationIssue[] {
  return validateWithSchema(raw, reprioritizeSchema);
}

/** The `setPreferredAgents` update's argument, checked by the start rules against the task's excluded agents. */
export function setPreferredAgentsIssues(
  raw: unknown,
  excludedAgentIds: readonly string[],
): ConnectValidationIssue[] {
  return validateWithSchema(raw, setPreferredAgentsSchema, (fields) =>
    sharedAgentIssues(fields.preferredAgentIds, excludedAgentIds),
  );
}

// ---- Result, status, signals and updates ----

export type RoutingStage =
  | 'creating'
  | 'waiting-for-agent'
  | 'assigning'
  | 'offered'
  | 'assigned'
  | 'stopping'
  | 'cancelled'
  | 'expired'
  | 'deadline';

export type RouteTaskOutcome = 'assigned' | 'cancelled' | 'expired' | 'deadline';

export interface RouteTaskResult {
  outcome: RouteTaskOutcome;
  contactId?: string;
  userId?: string;
  queueId: string;
  createdAt?: string;
  /** When Connect showed the agent had accepted the task: assigned means accepted. */
  assignedAt?: string;
  /** From joining the line to the acceptance. */
  waitedMs?: number;
  /** Reservations offered to this task, including the one that succeeded. */
  reservationsTried: number;
  /** Attempts per activity type, summed over its calls: retries show up as numbers above the call count. */
  attemptsByActivity: Record<string, number>;
  /** Every offer to an agent and how the agent answered, oldest first. */
  offers: OfferRecord[];
  /** For cancelled/expired/deadline: what ended it. */
  reason?: string;
}

export interface RouteTaskStatus {
  stage: RoutingStage;
  instanceId: string;
  queueId: string;
  priority: number;
  contactId?: string;
  userId?: string;
  waitingSince?: string;
  /** Connect refuses the contact as over the instance's active-task quota since then; the run retries. */
  waitingForCapacitySince?: string;
  /** Place in the dispatcher's line at its last decision about this task (1 = next). */
  position?: number;
  waitingCount?: number;
  candidateCount?: number;
  lastDecision?: { reason: WaitReason; at: string; explanation: string };
  currentReservation?: { userId: string; expiresAt: string };
  preferredAgentIds: string[];
  widensAt?: string;
  reservationsTried: number;
  offers: OfferRecord[];
}

/** One offer of the task to an agent (AssociateContactWithUser, or a contact created connected to them). */
export interface OfferRecord {
  userId: string;
  /** The agent's username, when the dispatcher knew it. */
  agentName?: string;
  contactId: string;
  offeredAt: string;
  /** Absent while the agent has not answered; `unanswered`: Connect showed no acceptance in time. */
  outcome?: OfferOutcome | 'unanswered';
  answeredAt?: string;
}

export const routeTaskStatusQuery = defineQuery<RouteTaskStatus>('status');
export const cancelRouteTaskSignal = defineSignal<[{ reason?: string }?]>('cancel');
/** Returns the new priority; rejected (before it enters history) when out of range. */
export const reprioritizeUpdate = defineUpdate<number, [{ priority: number }]>('reprioritize');
export const setPreferredAgentsUpdate = defineUpdate<
  { preferredAgentIds: string[]; widensAt?: string },
  [{ preferredAgentIds: string[]; widenAfterSeconds?: number }]
>('setPreferredAgents');
