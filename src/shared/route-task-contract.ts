/**
 * The routeTask contract: its input, settings, result, status query, signals and updates.
 *
 * The input is language-neutral JSON, validated identically by the typed client (before starting)
 * and by the workflow (first thing), so that a caller from any SDK or the `temporal` CLI gets the
 * same clear, field-naming error. Contact limits come from the Connect validator itself.
 */
import type { SearchAttributePair } from '@temporalio/common';
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
import { OFFER_OUTCOMES, WAIT_REASONS } from './dispatcher-contract';
import { type ErrorPolicyOverrides, resolveErrorPolicy } from './error-policy';
import { type RoutingCriteria, routingCriteriaIssues, routingCriteriaSchema } from './routing-criteria';
import { ConnectInstanceId, ConnectQueueId, RoutingStage, TaskPriority } from './search-attributes';
import { sharedSchemasOf } from './shared-schemas';

const shared = sharedSchemasOf('route-task-contract');

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
   * Runs begun before the dispatcher answered every offer it was told of: how long an offered task
   * waits for the dispatcher's word on the agent's answer before it asks Connect itself.
   */
  offerVerdictWaitMs: 3 * 60_000,
} as const;

const agentIds = shared('agentIds', () => z.array(userIdSchema).max(ROUTE_TASK_LIMITS.agentList.max));
const prioritySchema = shared('prioritySchema', () =>
  z.int().min(ROUTE_TASK_LIMITS.priority.min).max(ROUTE_TASK_LIMITS.priority.max),
);
const widenAfterSecondsSchema = shared('widenAfterSecondsSchema', () =>
  z.int().min(0).max(ROUTE_TASK_LIMITS.widenAfterSeconds.max),
);

const contactSchema = shared('contactSchema', () =>
  z
    .object({
      name: z.string().min(1).describe("The task's name, shown to the agent."),
      description: z.string().optional().describe("The task's description, shown to the agent."),
      attributes: z
        .record(z.string(), z.string())
        .optional()
        .describe('Contact attributes: string keys (letters, digits, - and _) and string values.'),
      references: z
        .record(z.string(), z.object({ type: z.enum(REFERENCE_TYPES), value: z.string() }))
        .optional()
        .describe('Links shown with the task, e.g. {"ticket": {"type": "URL", "value": "https://..."}}.'),
      expiryDurationInMinutes: z
        .int()
        .optional()
        .describe("Minutes until Connect expires the task: 1 minute to 90 days (Connect's default: 7 days)."),
      segmentAttributes: z.record(z.string(), z.any()).optional().describe("Connect's segment attributes."),
      relatedContactId: z
        .string()
        .optional()
        .describe("An existing contact this task is linked to (Connect's RelatedContactId)."),
    })
    .strict(),
);

export const routeTaskInputSchema = shared('routeTaskInputSchema', () =>
  z
    .object({
      instanceId: z.string().describe('The Amazon Connect instance id.'),
      queueId: z
        .string()
        .min(ROUTE_TASK_LIMITS.queueId.min)
        .max(ROUTE_TASK_LIMITS.queueId.max)
        .describe('The queue whose agents may take the task.'),
      contact: contactSchema.describe('The task contact to create.'),
      priority: prioritySchema
        .optional()
        .describe(
          `1 to 1,000, lower first; equal priorities go oldest first. Default ${ROUTE_TASK_LIMITS.priority.default}.`,
        ),
      preferredAgentIds: agentIds
        .optional()
        .describe(
          'Offered only to these agents until widenAfterSeconds have passed, then to the whole queue.',
        ),
      widenAfterSeconds: widenAfterSecondsSchema
        .optional()
        .describe(
          `How long only the preferred agents are offered the task: 0 to 7 days. Default ${ROUTE_TASK_LIMITS.widenAfterSeconds.default}.`,
        ),
      excludedAgentIds: agentIds.optional().describe('Never offered to these agents.'),
      routingCriteria: routingCriteriaSchema.optional(),
      allowedStatuses: z
        .array(z.string().min(1).max(127))
        .min(ROUTE_TASK_LIMITS.allowedStatuses.min)
        .max(ROUTE_TASK_LIMITS.allowedStatuses.max)
        .optional()
        .describe(
          `Agent status names that may take the task (custom statuses too). Default ${JSON.stringify(ROUTE_TASK_LIMITS.allowedStatuses.default)}.`,
        ),
      strategy: z
        .enum(ROUTING_STRATEGIES)
        .optional()
        .describe(
          'create-then-associate (default): CreateContact, TransferContact into queueId, then ' +
            'AssociateContactWithUser. create-connected: create the contact with InitiateAs CONNECTED_TO_USER ' +
            'on a free agent. ' +
            'start-task-contact: StartTaskContact in a flow that queues it.',
        ),
      transferFlowId: z
        .string()
        .min(1)
        .max(500)
        .optional()
        .describe(
          'create-then-associate (required for it): the transfer-to-queue flow (TransferContact) that puts ' +
            'the created task in queueId; AssociateContactWithUser takes only a queued contact.',
        ),
      contactFlowId: z
        .string()
        .optional()
        .describe('start-task-contact (required for it): the flow that queues the task in Connect.'),
      scheduledTime: z.iso
        .datetime({ offset: true })
        .optional()
        .describe('start-task-contact: when Connect should start the task (ISO 8601), at most 6 days ahead.'),
      deadlineSeconds: z
        .int()
        .min(ROUTE_TASK_LIMITS.deadlineSeconds.min)
        .max(ROUTE_TASK_LIMITS.deadlineSeconds.max)
        .optional()
        .describe('Give up (and stop the contact) if no agent took the task by then.'),
      errorPolicy: z
        .record(z.string(), z.record(z.string(), z.unknown()))
        .optional()
        .describe("Overrides of the error policy's rows for this task's Connect calls."),
    })
    .strict()
    .describe(
      'The input of routeTask: one task contact to create in Amazon Connect and assign to an agent. ' +
        'Checked in the workflow too, where rules across fields also apply (transferFlowId is required ' +
        'with create-then-associate, contactFlowId with start-task-contact; an agent may not be both ' +
        "preferred and excluded) and Connect's own limits on the contact (name length, attribute bytes, " +
        'reference types...): an input this schema accepts can still fail with InvalidInput.',
    ),
);

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
  routingCriteria?: RoutingCriteria;
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

/**
 * The search attributes a routeTask run would set first (the Web UI's columns and filters). Started
 * with them, the run upserts none until its stage changes: an action and a visibility write fewer.
 */
export function routeTaskStartAttributes(
  input: Pick<RouteTaskInput, 'instanceId' | 'queueId' | 'priority'>,
): SearchAttributePair[] {
  return [
    { key: ConnectInstanceId, value: input.instanceId },
    { key: ConnectQueueId, value: input.queueId },
    { key: TaskPriority, value: input.priority ?? ROUTE_TASK_LIMITS.priority.default },
    { key: RoutingStage, value: 'creating' },
  ];
}

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
      routingCriteria: input.routingCriteria,
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
  issues.push(...routingCriteriaIssues(fields.routingCriteria, 'routingCriteria'));
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
    issues.push(...connectIssues.map(inRouteTaskTerms));
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

/** A Connect issue named as the caller wrote the field, in its message too (`contact.name must be...`, not `Name`). */
function inRouteTaskTerms(issue: ConnectValidationIssue): ConnectValidationIssue {
  const field = connectFieldName(issue.field);
  const message = issue.message.startsWith(issue.field)
    ? `${field}${issue.message.slice(issue.field.length)}`
    : issue.message;
  return { ...issue, field, message };
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

/** The `reprioritize` update's argument. */
export const reprioritizeSchema = shared('reprioritizeSchema', () =>
  z
    .object({ priority: prioritySchema.describe('The new priority: 1 to 1,000, lower first.') })
    .strict()
    .describe(
      "The reprioritize update's argument: the task's new priority, also sent to the dispatcher's line. " +
        'Rejected before it enters history when out of range.',
    ),
);
export type ReprioritizeArgument = z.input<typeof reprioritizeSchema>;

/** The `setPreferredAgents` update's argument. */
export const setPreferredAgentsSchema = shared('setPreferredAgentsSchema', () =>
  z
    .object({
      preferredAgentIds: agentIds.describe(
        'The new preferred agents (empty: every agent of the queue at once).',
      ),
      widenAfterSeconds: widenAfterSecondsSchema
        .optional()
        .describe(
          "From now, how long only they are offered the task (default: the task's widenAfterSeconds).",
        ),
    })
    .strict()
    .describe(
      "The setPreferredAgents update's argument. Rejected before it enters history when invalid or when " +
        'it names an excluded agent.',
    ),
);
export type SetPreferredAgentsArgument = z.input<typeof setPreferredAgentsSchema>;

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
// Each is a zod schema from which both its TypeScript type and its JSON Schema (`npm run schemas`) come.

/** A time in a result or status: ISO 8601 in UTC, as `Date.toISOString()` writes it. */
const isoTime = shared('isoTime', () => z.iso.datetime());
const count = shared('count', () => z.int().min(0));

export const ROUTING_STAGES = [
  'creating',
  'waiting-for-agent',
  'assigning',
  'offered',
  'assigned',
  'stopping',
  'cancelled',
  'expired',
  'deadline',
] as const;
export type RoutingStage = (typeof ROUTING_STAGES)[number];

export const ROUTE_TASK_OUTCOMES = ['assigned', 'cancelled', 'expired', 'deadline'] as const;
export type RouteTaskOutcome = (typeof ROUTE_TASK_OUTCOMES)[number];

export const offerRecordSchema = shared('offerRecordSchema', () =>
  z
    .object({
      userId: z.string().describe('The agent offered the task.'),
      agentName: z.string().optional().describe("The agent's username, when the dispatcher knew it."),
      contactId: z.string().describe('The contact offered.'),
      offeredAt: isoTime,
      outcome: z
        .enum([...OFFER_OUTCOMES, 'unanswered'])
        .optional()
        .describe(
          'Absent while the agent has not answered; `unanswered`: Connect showed no acceptance in time.',
        ),
      answeredAt: isoTime.optional(),
    })
    .describe(
      'One offer of the task to an agent (AssociateContactWithUser, or a contact created connected to them).',
    ),
);
/** One offer of the task to an agent (AssociateContactWithUser, or a contact created connected to them). */
export type OfferRecord = z.output<typeof offerRecordSchema>;

const offersSchema = shared('offersSchema', () =>
  z.array(offerRecordSchema).describe('Every offer to an agent and how the agent answered, oldest first.'),
);
const reservationsTriedSchema = shared('reservationsTriedSchema', () =>
  count.describe('Reservations offered to this task, including the one that succeeded.'),
);

export const routeTaskResultSchema = shared('routeTaskResultSchema', () =>
  z
    .object({
      outcome: z.enum(ROUTE_TASK_OUTCOMES).describe('assigned means the agent accepted the task.'),
      contactId: z.string().optional().describe("The task's contact in Connect, when it was created."),
      userId: z.string().optional().describe('The agent who accepted the task.'),
      queueId: z.string(),
      createdAt: isoTime.optional().describe('When the contact was created.'),
      assignedAt: isoTime
        .optional()
        .describe('When Connect showed the agent had accepted the task: assigned means accepted.'),
      waitedMs: count.optional().describe('From joining the line to the acceptance.'),
      reservationsTried: reservationsTriedSchema,
      attemptsByActivity: z
        .record(z.string(), count)
        .describe(
          'Attempts per activity type, summed over its calls: retries show up as numbers above the call count.',
        ),
      offers: offersSchema,
      reason: z.string().optional().describe('For cancelled/expired/deadline: what ended it.'),
    })
    .describe('The result of routeTask: how the task ended, and who took it.'),
);
export type RouteTaskResult = z.output<typeof routeTaskResultSchema>;

export const routeTaskStatusSchema = shared('routeTaskStatusSchema', () =>
  z
    .object({
      stage: z.enum(ROUTING_STAGES),
      instanceId: z.string(),
      queueId: z.string(),
      priority: z.int().describe('The current priority (reprioritize changes it).'),
      contactId: z.string().optional(),
      userId: z.string().optional().describe('The agent reserved for the task, or who took it.'),
      waitingSince: isoTime.optional().describe('When the task joined the line.'),
      waitingForCapacitySince: isoTime
        .optional()
        .describe(
          "Connect refuses the contact as over the instance's active-task quota since then; the run retries.",
        ),
      position: z
        .int()
        .min(1)
        .optional()
        .describe("Place in the dispatcher's line at its last decision about this task (1 = next)."),
      waitingCount: count.optional().describe('Tasks in the line at that decision.'),
      candidateCount: count.optional().describe('Agents who would take the task if they had a free slot.'),
      lastDecision: z
        .object({
          reason: z.enum(WAIT_REASONS),
          at: isoTime,
          explanation: z.string().describe('The reason in words.'),
        })
        .optional()
        .describe("The dispatcher's last word on why the task still waits."),
      currentReservation: z
        .object({ userId: z.string(), expiresAt: isoTime })
        .optional()
        .describe('The agent slot held for the task while it is being assigned or offered.'),
      preferredAgentIds: z.array(z.string()),
      widensAt: isoTime
        .optional()
        .describe('When the task is offered to the whole queue, if it has preferred agents.'),
      routingStep: z
        .object({
          step: z.int().min(1).describe('1-based; steps + 1 once every step has expired.'),
          of: z.int().min(1).describe('Steps in the routing criteria.'),
          requirement: z.string().describe('The step\'s skills in words, e.g. "Language: Spanish ≥ 3".'),
          expiresAt: isoTime
            .optional()
            .describe('When the next step applies; absent for a step that never expires.'),
        })
        .optional()
        .describe('For a task with routing criteria: the step the dispatcher last matched it on.'),
      reservationsTried: reservationsTriedSchema,
      offers: offersSchema,
    })
    .describe("The answer to a routeTask run's status query: where the task is and why it waits."),
);
export type RouteTaskStatus = z.output<typeof routeTaskStatusSchema>;

export const cancelRouteTaskSchema = shared('cancelRouteTaskSchema', () =>
  z
    .object({ reason: z.string().optional().describe("Recorded as the result's reason.") })
    .describe(
      "The cancel signal's argument (optional): the task's contact is stopped in Connect and the run ends cancelled.",
    ),
);
export type CancelRouteTaskArgument = z.input<typeof cancelRouteTaskSchema>;

/** What the `reprioritize` update returns: the new priority. */
export const reprioritizeResultSchema = shared('reprioritizeResultSchema', () =>
  prioritySchema.describe("The reprioritize update's answer: the new priority."),
);

/** What the `setPreferredAgents` update returns. */
export const setPreferredAgentsResultSchema = shared('setPreferredAgentsResultSchema', () =>
  z
    .object({
      preferredAgentIds: z.array(z.string()),
      widensAt: isoTime.describe('When the task is offered to the whole queue.'),
    })
    .describe("The setPreferredAgents update's answer."),
);
export type SetPreferredAgentsResult = z.output<typeof setPreferredAgentsResultSchema>;

export const routeTaskStatusQuery = defineQuery<RouteTaskStatus>('status');
export const cancelRouteTaskSignal = defineSignal<[CancelRouteTaskArgument?]>('cancel');
/** Returns the new priority; rejected (before it enters history) when out of range. */
export const reprioritizeUpdate = defineUpdate<number, [ReprioritizeArgument]>('reprioritize');
export const setPreferredAgentsUpdate = defineUpdate<SetPreferredAgentsResult, [SetPreferredAgentsArgument]>(
  'setPreferredAgents',
);
