/**
 * The emulator's configuration: the call centre it serves (instance, queues, routing profiles,
 * agent statuses, agents and their proficiencies, contact flows, predefined attributes), how agents
 * and contacts behave over time, quotas, throttling, faults and a scenario. Every key is optional; a
 * missing key takes its value from the documented default call centre below.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { durationMsSchema } from './duration';
import { offerBehaviourProblem, partialOfferBehaviourSchema } from './offers';
import { faultsSchema } from './faults';
import {
  predefinedAttributeProblems,
  predefinedAttributesSchema,
  proficienciesSchema,
  proficiencyProblems,
} from './proficiencies';
import { scenarioSchema } from './scenario';
import { type GivenSwitches, resolveSwitches, type Switches, switchesSchema } from './switches';
import { throttlingSchema } from './throttle';

const id = z.string().min(1).max(256);

const queueSchema = z.object({ id, name: z.string().min(1) }).strict();
const routingProfileSchema = z
  .object({
    id,
    name: z.string().min(1),
    /** Queues whose contacts Connect routes to agents with this profile (when `autoRouting` is on). */
    queueIds: z.array(id).default([]),
    /** Queues whose contacts may be assigned to these agents with AssociateContactWithUser. */
    manualAssignmentQueueIds: z.array(id).default([]),
    /** TASK contacts an agent may hold at once (Connect allows 1 to 10). */
    taskConcurrency: z.int().min(1).max(10),
  })
  .strict();
/** ROUTABLE statuses receive contacts (Available); CUSTOM ones (Lunch) and OFFLINE do not. */
const agentStatusSchema = z
  .object({ id, name: z.string().min(1), type: z.enum(['ROUTABLE', 'CUSTOM', 'OFFLINE']) })
  .strict();
/** One agent's config entry: who it is and the status it starts in (the call centre keeps its live state). */
const agentConfigSchema = z
  .object({
    id,
    username: z.string().min(1),
    routingProfileId: id,
    status: z.string().min(1).default('Available'),
    /** Overrides the top-level `offers` for this agent. */
    offers: partialOfferBehaviourSchema.optional(),
    /** Overrides the top-level `afterContactWorkMs` for this agent. */
    afterContactWorkMs: durationMsSchema.optional(),
    /** Values of the top-level `predefinedAttributes`, each at a level 1–5 (ListUserProficiencies). */
    proficiencies: proficienciesSchema.optional(),
  })
  .strict();
export const CONTACT_FLOW_TYPES = ['CONTACT_FLOW', 'QUEUE_TRANSFER', 'AGENT_TRANSFER'] as const;
/**
 * A CONTACT_FLOW (inbound) flow is what StartTaskContact names: `queueId` is where it puts the task.
 * QUEUE_TRANSFER and AGENT_TRANSFER flows are what TransferContact names; the transfer gives the target.
 */
const contactFlowSchema = z
  .object({
    id,
    name: z.string().min(1),
    type: z.enum(CONTACT_FLOW_TYPES).default('CONTACT_FLOW'),
    queueId: id.optional(),
  })
  .strict();

const DEFAULT_INSTANCE_ID = '11111111-1111-4111-8111-111111111111';
const queueId = (n: number) => `22222222-2222-4222-8222-00000000000${n}`;
const routingProfileId = (n: number) => `33333333-3333-4333-8333-00000000000${n}`;
const userId = (n: number) => `44444444-4444-4444-8444-00000000000${n}`;
const agentStatusId = (n: number) => `55555555-5555-4555-8555-00000000000${n}`;
const contactFlowId = (n: number) => `66666666-6666-4666-8666-00000000000${n}`;

/** The call centre served when no config is given; its ids are stable so docs and demos can name them. */
export const DEFAULT_CALL_CENTRE = {
  instance: { id: DEFAULT_INSTANCE_ID, accountId: '123456789012', region: 'us-east-1' },
  queues: [
    { id: queueId(1), name: 'Billing' },
    { id: queueId(2), name: 'Support' },
    { id: queueId(3), name: 'General' },
  ],
  /** Billing and Support are assigned by the package (manual assignment); Connect routes General. */
  routingProfiles: [
    {
      id: routingProfileId(1),
      name: 'Billing agents',
      queueIds: [queueId(3)],
      manualAssignmentQueueIds: [queueId(1)],
      taskConcurrency: 1,
    },
    {
      id: routingProfileId(2),
      name: 'Support agents',
      queueIds: [queueId(3)],
      manualAssignmentQueueIds: [queueId(2)],
      taskConcurrency: 2,
    },
    {
      id: routingProfileId(3),
      name: 'Blended agents',
      queueIds: [queueId(3)],
      manualAssignmentQueueIds: [queueId(1), queueId(2)],
      taskConcurrency: 3,
    },
  ],
  agentStatuses: [
    { id: agentStatusId(1), name: 'Available', type: 'ROUTABLE' as const },
    { id: agentStatusId(2), name: 'Offline', type: 'OFFLINE' as const },
    { id: agentStatusId(3), name: 'Lunch', type: 'CUSTOM' as const },
    { id: agentStatusId(4), name: 'Training', type: 'CUSTOM' as const },
  ],
  agents: [
    { id: userId(1), username: 'alice', routingProfileId: routingProfileId(1), status: 'Available' },
    { id: userId(2), username: 'bob', routingProfileId: routingProfileId(1), status: 'Available' },
    { id: userId(3), username: 'carol', routingProfileId: routingProfileId(2), status: 'Available' },
    { id: userId(4), username: 'dave', routingProfileId: routingProfileId(2), status: 'Available' },
    { id: userId(5), username: 'erin', routingProfileId: routingProfileId(3), status: 'Available' },
    { id: userId(6), username: 'frank', routingProfileId: routingProfileId(3), status: 'Available' },
  ],
  contactFlows: [
    { id: contactFlowId(1), name: 'Billing task flow', type: 'CONTACT_FLOW' as const, queueId: queueId(1) },
    { id: contactFlowId(2), name: 'Support task flow', type: 'CONTACT_FLOW' as const, queueId: queueId(2) },
    { id: contactFlowId(3), name: 'Transfer to queue', type: 'QUEUE_TRANSFER' as const },
    { id: contactFlowId(4), name: 'Transfer to agent', type: 'AGENT_TRANSFER' as const },
  ],
  /** How long an agent works on a connected contact before completing it; `null`: until told to. */
  handleTimeMs: { min: 30_000, max: 120_000 },
  /** How many real milliseconds one Connect "minute" of expiry lasts (lower it to test expiry fast). */
  minuteMs: 60_000,
  /** Expiry of a task that does not set one: Connect's default of 7 days. */
  defaultTaskExpiryMinutes: 7 * 24 * 60,
  /** Connect's default quota of concurrent active tasks per instance. */
  activeTaskQuota: 2500,
  throttling: {},
  faults: {},
  scenario: [],
};

/** The default call centre with every agent Offline and no handle time: tasks wait until someone is made free. */
export const EVERYONE_OFFLINE: Pick<EmulatorConfig, 'agents' | 'handleTimeMs'> = {
  handleTimeMs: null,
  agents: DEFAULT_CALL_CENTRE.agents.map((agent) => ({ ...agent, status: 'Offline' })),
};

function findDefault<T extends { id: string }>(
  items: readonly T[],
  what: string,
  matches: (item: T) => boolean,
): string {
  const found = items.find(matches);
  if (!found) throw new Error(`the default call centre has no ${what}`);
  return found.id;
}

/** The id of a default call-centre agent by username (`alice` … `frank`), for demos, tests and benchmarks. */
export const defaultAgentId = (username: string): string =>
  findDefault(DEFAULT_CALL_CENTRE.agents, `agent "${username}"`, (agent) => agent.username === username);

/** The id of a default call-centre queue by name (`Billing`, `Support`, `General`). */
export const defaultQueueId = (name: string): string =>
  findDefault(DEFAULT_CALL_CENTRE.queues, `queue "${name}"`, (queue) => queue.name === name);

/** The id of a default call-centre contact flow by name (`Billing task flow` … `Transfer to agent`). */
export const defaultContactFlowId = (name: string): string =>
  findDefault(DEFAULT_CALL_CENTRE.contactFlows, `contact flow "${name}"`, (flow) => flow.name === name);

export const emulatorConfigSchema = z
  .object({
    // A switch left out takes its default (see switches.ts).
    ...switchesSchema.partial().shape,
    offers: partialOfferBehaviourSchema.optional(),
    instance: z
      .object({
        id: z.string().min(1).max(100),
        accountId: z.string().regex(/^\d{12}$/, { error: 'must be 12 digits' }),
        region: z.string().min(1),
      })
      .strict()
      .default(() => clone(DEFAULT_CALL_CENTRE.instance)),
    queues: z
      .array(queueSchema)
      .min(1)
      .default(() => clone(DEFAULT_CALL_CENTRE.queues)),
    routingProfiles: z
      .array(routingProfileSchema)
      .min(1)
      .default(() => clone(DEFAULT_CALL_CENTRE.routingProfiles)),
    agentStatuses: z
      .array(agentStatusSchema)
      .min(1)
      .default(() => clone(DEFAULT_CALL_CENTRE.agentStatuses)),
    agents: z.array(agentConfigSchema).default(() => clone(DEFAULT_CALL_CENTRE.agents)),
    contactFlows: z.array(contactFlowSchema).default(() => clone(DEFAULT_CALL_CENTRE.contactFlows)),
    /** The attributes agents' proficiencies take their values from; a new instance has none. */
    predefinedAttributes: predefinedAttributesSchema.default({}),
    handleTimeMs: durationMsSchema.nullable().default(() => clone(DEFAULT_CALL_CENTRE.handleTimeMs)),
    minuteMs: z.number().positive().default(DEFAULT_CALL_CENTRE.minuteMs),
    defaultTaskExpiryMinutes: z.int().min(1).default(DEFAULT_CALL_CENTRE.defaultTaskExpiryMinutes),
    activeTaskQuota: z.int().nonnegative().default(DEFAULT_CALL_CENTRE.activeTaskQuota),
    throttling: throttlingSchema.default({}),
    faults: faultsSchema.default({}),
    scenario: scenarioSchema.default([]),
    seed: z.int().optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const problems = crossReferenceProblems(config);
    for (const message of problems) ctx.addIssue({ code: 'custom', message });
  })
  .transform((config) => ({ ...config, ...resolveSwitches(config) }));

/** What a user writes (every key optional). */
export type EmulatorConfig = z.input<typeof emulatorConfigSchema>;
/** The same with every default filled in. */
export type ResolvedEmulatorConfig = z.output<typeof emulatorConfigSchema>;

/** Reads and checks a config given as an object or as the path of a JSON file. */
export function resolveEmulatorConfig(source: EmulatorConfig | string = {}): ResolvedEmulatorConfig {
  const raw: unknown = typeof source === 'string' ? readJsonFile(source) : source;
  const parsed = emulatorConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const where = typeof source === 'string' ? ` in ${source}` : '';
    throw new Error(`Invalid emulator config${where}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read emulator config ${path}: ${error instanceof Error ? error.message : error}`);
  }
}

function crossReferenceProblems(
  config: Omit<ResolvedEmulatorConfig, keyof Switches> & GivenSwitches,
): string[] {
  const problems: string[] = [];
  const queueIds = new Set(config.queues.map((queue) => queue.id));
  const profileIds = new Set(config.routingProfiles.map((profile) => profile.id));
  const statusNames = new Set(config.agentStatuses.map((status) => status.name));
  const agentIds = new Set(config.agents.map((agent) => agent.id));
  const kinds = {
    queues: config.queues,
    routingProfiles: config.routingProfiles,
    agentStatuses: config.agentStatuses,
    agents: config.agents,
    contactFlows: config.contactFlows,
  };
  for (const [kind, items] of Object.entries(kinds)) {
    const ids = items.map((item) => item.id);
    const repeated = ids.filter((itemId, index) => ids.indexOf(itemId) !== index);
    if (repeated.length > 0) problems.push(`${kind}: repeated id ${repeated.join(', ')}`);
  }
  for (const profile of config.routingProfiles) {
    const served = [...profile.queueIds, ...profile.manualAssignmentQueueIds];
    for (const missing of served.filter((queueId) => !queueIds.has(queueId))) {
      problems.push(`routing profile ${profile.id} serves unknown queue ${missing}`);
    }
    if (served.length === 0) {
      problems.push(
        `routing profile ${profile.id} serves no queue (give queueIds or manualAssignmentQueueIds)`,
      );
    }
    for (const both of profile.queueIds.filter((queueId) =>
      profile.manualAssignmentQueueIds.includes(queueId),
    )) {
      problems.push(
        `routing profile ${profile.id} has queue ${both} in both queueIds and manualAssignmentQueueIds`,
      );
    }
  }
  for (const agent of config.agents) {
    if (!profileIds.has(agent.routingProfileId)) {
      problems.push(`agent ${agent.id} has unknown routing profile ${agent.routingProfileId}`);
    }
    if (!statusNames.has(agent.status)) {
      problems.push(
        `agent ${agent.id} has unknown status ${agent.status} (known: ${[...statusNames].join(', ')})`,
      );
    }
    for (const problem of proficiencyProblems(agent.proficiencies ?? [], config.predefinedAttributes)) {
      problems.push(`agent ${agent.id} ${problem}`);
    }
  }
  problems.push(...predefinedAttributeProblems(config.predefinedAttributes));
  for (const flow of config.contactFlows) {
    if (flow.type === 'CONTACT_FLOW' && flow.queueId === undefined)
      problems.push(`contact flow ${flow.id} (CONTACT_FLOW) needs the queueId it puts tasks in`);
    if (flow.type !== 'CONTACT_FLOW' && flow.queueId !== undefined)
      problems.push(`contact flow ${flow.id} (${flow.type}) takes no queueId: the transfer names its target`);
    if (flow.queueId !== undefined && !queueIds.has(flow.queueId))
      problems.push(`contact flow ${flow.id} targets unknown queue ${flow.queueId}`);
  }
  const { offers } = resolveSwitches(config);
  const offerProblems: [string, string | undefined][] = [
    ['offers', offerBehaviourProblem(offers)],
    ...config.agents.map((agent): [string, string | undefined] => [
      `agent ${agent.id} offers`,
      offerBehaviourProblem({ ...offers, ...agent.offers }),
    ]),
  ];
  for (const [who, problem] of offerProblems) if (problem) problems.push(`${who}: ${problem}`);
  for (const step of config.scenario) {
    if (!agentIds.has(step.userId))
      problems.push(`scenario step at ${step.atMs} ms names unknown agent ${step.userId}`);
    if (!statusNames.has(step.status))
      problems.push(
        `scenario step at ${step.atMs} ms names unknown status ${step.status} (known: ${[...statusNames].join(', ')})`,
      );
  }
  return problems;
}

/** Defaults are handed out as fresh copies so that no emulator can change another's. */
function clone<T>(value: T): T {
  return structuredClone(value);
}
