/**
 * The workflow tier: the package's real workflow bundle on a real Temporal server, every activity a
 * plain function the test scripts, and stand-in workflows (fixtures/stand-ins.ts) on a task queue of
 * their own for the other side of each conversation. No Connect and no emulator.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  type NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { RoutingActivities, UserDataSummary } from '../../activities';
import {
  makeRegisterWithDispatcher,
  type RegisterWithDispatcherInput,
  type RegisterWithDispatcherResult,
} from '../../activities/register-with-dispatcher';
import {
  type AgentContact,
  type AgentProficiency,
  type DispatcherSettings,
  dispatcherWorkflowId,
  enqueueTaskSignal,
} from '../../src/shared/dispatcher-contract';
import { CONNECT_CALL_LANE_NAMES, connectCallTaskQueue, laneActivities } from '../../src/shared/task-queues';
import { workflowPreloadModules, workflowsPath } from '../../src/worker/workflow-bundle';
import { makeCreateIntoLine } from '../../activities/create-into-line';
import { makeTransferIntoLine } from '../../activities/transfer-into-line';
import { uniqueTaskQueue } from '../helpers/temporal';
import { standInDispatcher } from './fixtures/stand-ins';

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Building a bundle takes seconds: each is built once per process. */
function bundleOf(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      preloadModules: [...workflowPreloadModules],
      logger: Runtime.instance().logger,
    });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

/** The bundle the worker ships: `workflows/index.ts`, unchanged, bundled as createWorker does. */
export function realWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleOf(workflowsPath);
}

export interface TemporalAccess {
  client: Client;
  nativeConnection: NativeConnection;
}

export interface WorkflowTierOptions {
  /** The scripted Connect activities (see ScriptedConnect). */
  connect: Partial<RoutingActivities>;
  /**
   * Who routeTask registers with: the real dispatcher, started with these settings on the tier's
   * task queue, or the stand-in that only records what it is told.
   */
  dispatcher: { settings: Partial<DispatcherSettings> } | 'stand-in';
}

export interface WorkflowTier {
  client: Client;
  /** Where the real workflows and the scripted activities run; also each test's Connect instance id. */
  taskQueue: string;
  /** Where the stand-in workflows run. */
  standInTaskQueue: string;
  /** Puts a task in line with signal-with-start, as the registerWithDispatcher activity does for routeTask. */
  register(input: RegisterWithDispatcherInput): Promise<RegisterWithDispatcherResult>;
}

/**
 * Runs a worker of the real bundle and one of the stand-ins until `body` settles, then terminates
 * whatever the body left running on their task queues (a dispatcher waits for work for minutes).
 */
export async function runWorkflowTier<T>(
  temporal: TemporalAccess,
  options: WorkflowTierOptions,
  body: (tier: WorkflowTier) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueTaskQueue('workflow-tier');
  const standInTaskQueue = uniqueTaskQueue('stand-ins');
  const register =
    options.dispatcher === 'stand-in'
      ? async ({ instanceId, task }: RegisterWithDispatcherInput) => {
          const dispatcherId = dispatcherWorkflowId(instanceId);
          await temporal.client.workflow.signalWithStart(standInDispatcher, {
            workflowId: dispatcherId,
            taskQueue: standInTaskQueue,
            signal: enqueueTaskSignal,
            signalArgs: [task],
          });
          return { dispatcherId };
        }
      : makeRegisterWithDispatcher({
          temporal: temporal.client,
          taskQueue,
          dispatcherTaskQueue: taskQueue,
          dispatcherSettings: options.dispatcher.settings,
        });
  const tier: WorkflowTier = { client: temporal.client, taskQueue, standInTaskQueue, register };
  const { createContact, transferContact } = options.connect;
  const transferIntoLine = transferContact && makeTransferIntoLine(transferContact, register);
  const activities: Partial<RoutingActivities> = {
    registerWithDispatcher: async (input) => ({ ...(await register(input)), attempt: 1 }),
    ...(transferIntoLine && { transferIntoLine }),
    ...(createContact &&
      transferIntoLine && { createIntoLine: makeCreateIntoLine(createContact, transferIntoLine, true) }),
    ...options.connect,
  };
  const [real, standIns, ...connectCalls] = await Promise.all([
    Worker.create({
      connection: temporal.nativeConnection,
      taskQueue,
      workflowBundle: await realWorkflowBundle(),
      activities,
    }),
    Worker.create({
      connection: temporal.nativeConnection,
      taskQueue: standInTaskQueue,
      workflowBundle: await bundleOf(require.resolve('./fixtures/stand-ins')),
    }),
    // The workflows schedule each Connect call on its rate lane, as they do in production.
    ...CONNECT_CALL_LANE_NAMES.flatMap((lane) => {
      const scripted = laneActivities(activities, lane);
      if (Object.keys(scripted).length === 0) return [];
      return [
        Worker.create({
          connection: temporal.nativeConnection,
          taskQueue: connectCallTaskQueue(taskQueue, lane),
          activities: scripted,
        }),
      ];
    }),
  ]);
  const runAll = connectCalls.reduce(
    (inner, worker) => () => worker.runUntil(inner),
    () => real.runUntil(() => standIns.runUntil(() => body(tier))),
  );
  try {
    return await runAll();
  } finally {
    await terminateRunning(temporal.client, [taskQueue, standInTaskQueue]);
  }
}

async function terminateRunning(client: Client, taskQueues: string[]): Promise<void> {
  const query = `ExecutionStatus = 'Running' AND TaskQueue IN (${taskQueues.map((q) => `'${q}'`).join(', ')})`;
  for await (const execution of client.workflow.list({ query })) {
    await client.workflow
      .getHandle(execution.workflowId, execution.runId)
      .terminate('test finished')
      .catch(() => undefined);
  }
}

export const QUEUE_ID = 'queue-1';
export const ROUTING_PROFILE_ID = 'profile-1';

/**
 * Connect as scripted activities. Every agent has QUEUE_ID as a manual-assignment queue and is
 * Available; `freeTaskSlots` says who GetCurrentUserData reports and with how many free TASK slots.
 * Each agent's username is `name-of-<id>`. Contacts are numbered in creation order and keep their id
 * when transferred. An agent accepts every
 * offer at once: GetCurrentUserData lists the contact CONNECTED on them, and DescribeContact shows it
 * with the agent it was last associated with.
 */
export class ScriptedConnect {
  readonly freeTaskSlots = new Map<string, number>();
  /** Agents' proficiencies for ListUserProficiencies; an agent not in it has none. */
  readonly proficiencies = new Map<string, AgentProficiency[]>();
  readonly createdContacts: string[] = [];
  readonly associations: { contactId: string; userId: string }[] = [];
  readonly transfers: { contactId: string; contactFlowId: string; queueId?: string }[] = [];
  readonly stoppedContacts: string[] = [];
  readonly describedContacts: string[] = [];
  /** Runs before each creation succeeds; never settle to hold a creation in flight. */
  beforeCreating: () => Promise<void> = async () => undefined;
  /** Runs before each association succeeds; throw (or never settle) to script a failed call. */
  beforeAssociating: (userId: string) => Promise<void> = async () => undefined;
  /** How long each GetCurrentUserData call takes, after any wait it was asked for. */
  pollDurationMs = 0;
  /** False: DescribeContact shows no agent on an associated contact yet (its offer still rings). */
  offersAccepted = true;
  private readonly agentOfContact = new Map<string, string>();

  readonly activities = {
    createContact: async () => {
      await this.beforeCreating();
      const contactId = `contact-${this.createdContacts.length + 1}`;
      this.createdContacts.push(contactId);
      return {
        contactId,
        contactArn: `arn:aws:connect:us-east-1:123456789012:instance/i/contact/${contactId}`,
        clientToken: contactId,
        createdAt: new Date().toISOString(),
        attempt: 1,
      };
    },
    transferContact: async (input: { contactId: string; contactFlowId: string; queueId?: string }) => {
      this.transfers.push({
        contactId: input.contactId,
        contactFlowId: input.contactFlowId,
        queueId: input.queueId,
      });
      return {
        contactId: input.contactId,
        clientToken: `transfer-${input.contactId}`,
        transferredAt: new Date().toISOString(),
        attempt: 1,
      };
    },
    associateContactWithUser: async ({ contactId, userId }: { contactId: string; userId: string }) => {
      this.associations.push({ contactId, userId });
      await this.beforeAssociating(userId);
      this.agentOfContact.set(contactId, userId);
      return { contactId, userId, resolvedBy: 'associateContactWithUser' as const, attempt: 1 };
    },
    describeContact: async ({ contactId }: { contactId: string }) => {
      this.describedContacts.push(contactId);
      const agentId = this.offersAccepted ? this.agentOfContact.get(contactId) : undefined;
      const acceptedAt = agentId === undefined ? undefined : new Date().toISOString();
      return {
        contactId,
        agentId,
        acceptedByAgentAt: acceptedAt,
        connectedToAgentAt: acceptedAt,
        attempt: 1,
      };
    },
    stopContact: async ({ contactId }: { contactId: string }) => {
      this.stoppedContacts.push(contactId);
      return { contactId, alreadyEnded: false, attempt: 1 };
    },
    getCurrentUserData: async ({ waitMs }: { waitMs?: number }) => {
      // As the real activity does for a poll scheduled ahead of its time.
      if (waitMs) await sleep(waitMs);
      if (this.pollDurationMs) await sleep(this.pollDurationMs);
      return {
        agents: [...this.freeTaskSlots].map(([userId, free]) =>
          agentSummary(userId, free, this.contactsOf(userId)),
        ),
        requestCount: 1,
        attempt: 1,
      };
    },
    listRoutingProfileManualAssignmentQueues: async ({ routingProfileId }: { routingProfileId: string }) => ({
      routingProfileId,
      queueIds: [QUEUE_ID],
      attempt: 1,
    }),
    listUsers: async () => ({
      usernames: Object.fromEntries(
        [...this.freeTaskSlots.keys()].map((userId) => [userId, `name-of-${userId}`]),
      ),
      requestCount: 1,
      attempt: 1,
    }),
    listRoutingProfileQueues: async ({ routingProfileId }: { routingProfileId: string }) => ({
      routingProfileId,
      queueIds: [],
      attempt: 1,
    }),
    listUserProficiencies: async ({ userIds }: { userIds: string[] }) => ({
      proficiencies: Object.fromEntries(
        userIds.map((userId) => [userId, this.proficiencies.get(userId) ?? []]),
      ),
      requestCount: userIds.length,
      unknownUserIds: [],
      attempt: 1,
    }),
  } satisfies Partial<RoutingActivities>;

  private contactsOf(userId: string): AgentContact[] {
    return [...this.agentOfContact]
      .filter(([, agentId]) => agentId === userId)
      .map(([contactId]) => ({ contactId, state: 'CONNECTED' }));
  }
}

/** Fixed status times keep the longest-idle order stable: agents tie, and ids break the tie. */
const AVAILABLE_SINCE = '2025-01-01T00:00:00.000Z';

function agentSummary(userId: string, freeTaskSlots: number, contacts: AgentContact[]): UserDataSummary {
  return {
    userId,
    routingProfileId: ROUTING_PROFILE_ID,
    statusName: 'Available',
    statusStartTimestamp: AVAILABLE_SINCE,
    availableTaskSlots: freeTaskSlots,
    maxTaskSlots: Math.max(1, freeTaskSlots),
    activeTaskSlots: Math.max(1, freeTaskSlots) - freeTaskSlots,
    contacts,
  };
}
