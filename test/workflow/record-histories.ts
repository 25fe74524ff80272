/**
 * `npm run record-histories`: runs representative runs of the real workflows (scripted Connect,
 * the real dispatcher, a dev server of its own) and writes their histories for replay.test.ts.
 * Record after a workflow change that changes what its runs do, and commit the files. Earlier
 * recordings stay: runs begun under older code must keep replaying. Each recording is named
 * `<generation>-<scenario>` (generation: `--generation`, default today's date); re-recording a
 * generation replaces only its own files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startRouteTask } from '../../src/client/route-task-client';
import {
  type DispatcherSettings,
  dispatcherStatusQuery,
  dispatcherWorkflowId,
} from '../../src/shared/dispatcher-contract';
import {
  cancelRouteTaskSignal,
  type RouteTaskOutcome,
  routeTaskStatusQuery,
} from '../../src/shared/route-task-contract';
import { waitUntil } from '../helpers/eventually';
import { sharedTestEnv, stopSharedTestEnv } from '../helpers/temporal';
import {
  QUEUE_ID,
  runWorkflowTier,
  ScriptedConnect,
  type TemporalAccess,
  type WorkflowTier,
} from './harness';
import { HISTORIES_DIR, type RecordedHistory, writeRecordedHistory } from './recorded-histories';

Runtime.install({ logger: new DefaultLogger('ERROR') });

const EventType = temporal.api.enums.v1.EventType;

/** Every run of a workflow id, first to last, following its continue-as-new chain. */
async function everyRun(client: Client, workflowId: string): Promise<History[]> {
  const latest = await client.workflow.getHandle(workflowId).fetchHistory();
  let runId = latest.events?.[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId ?? undefined;
  const runs: History[] = [];
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    const last = history.events?.at(-1);
    runId =
      last?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
        ? (last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined)
        : undefined;
  }
  return runs;
}

async function routeTaskHistory(client: Client, workflowId: string, name: string): Promise<RecordedHistory> {
  return { name, workflowId, history: await client.workflow.getHandle(workflowId).fetchHistory() };
}

function startTask(tier: WorkflowTier, name: string) {
  const instanceId = tier.taskQueue;
  return startRouteTask(
    tier.client,
    { instanceId, queueId: QUEUE_ID, contact: { name }, transferFlowId: 'transfer-to-queue-flow' },
    { workflowId: `${instanceId}/${name}`, taskQueue: tier.taskQueue },
  );
}

function expectOutcome(name: string, outcome: RouteTaskOutcome, expected: RouteTaskOutcome): void {
  if (outcome !== expected) throw new Error(`${name} ended ${outcome}, not ${expected}: nothing recorded`);
}

/** Quick rounds, and a dispatcher that ends soon after its line empties, so that its last run is complete. */
const FAST: Partial<DispatcherSettings> = { pollIntervalMs: 100, catchUpMs: 0, idleShutdownMs: 500 };

/**
 * A task that waits with no agent free until it is told why, then is ended by `finish` (an agent
 * coming free, or a cancel), with the outcome that must follow.
 */
async function waitingRouteTask(
  temporal: TemporalAccess,
  name: 'assigned' | 'cancelled',
  finish: (handle: WorkflowHandle, connect: ScriptedConnect) => Promise<unknown>,
): Promise<RecordedHistory[]> {
  const connect = new ScriptedConnect();
  connect.freeTaskSlots.set('agent-1', 0);
  return runWorkflowTier(
    temporal,
    { connect: connect.activities, dispatcher: { settings: FAST } },
    async (tier) => {
      const handle = await startTask(tier, name);
      await waitUntil('the task to be told why it waits', async () =>
        (await handle.query(routeTaskStatusQuery)).lastDecision ? true : undefined,
      );
      await finish(handle, connect);
      expectOutcome(name, (await handle.result()).outcome, name);
      return [await routeTaskHistory(tier.client, handle.workflowId, `route-task-${name}`)];
    },
  );
}

/** A task that waits, is told why, is reserved an agent and is assigned. */
const assignedRouteTask = (temporal: TemporalAccess) =>
  waitingRouteTask(temporal, 'assigned', async (_, connect) => {
    connect.freeTaskSlots.set('agent-1', 1);
  });

/** A task that waits with no agent free and is cancelled by its signal. */
const cancelledRouteTask = (temporal: TemporalAccess) =>
  waitingRouteTask(temporal, 'cancelled', (handle) =>
    handle.signal(cancelRouteTaskSignal, { reason: 'recorded cancellation' }),
  );

/**
 * A dispatcher whose line waits across continue-as-new, then is served; every run recorded. With
 * `lineSegments`, its limits are lowered so that most of the line waits in line segments.
 */
async function dispatcherAcrossContinueAsNew(
  temporal: TemporalAccess,
  { lineSegments }: { lineSegments: boolean },
): Promise<RecordedHistory[]> {
  const connect = new ScriptedConnect();
  connect.freeTaskSlots.set('agent-1', 0);
  connect.freeTaskSlots.set('agent-2', 0);
  const settings: Partial<DispatcherSettings> = {
    ...FAST,
    continueAsNewAfterEvents: 40,
    ...(lineSegments ? { lineHeadPerClass: 1, carriedLineMaxBytes: 600, lineSegmentMaxBytes: 400 } : {}),
  };
  const scenario = lineSegments ? 'dispatcher-line-segments' : 'dispatcher-continue-as-new';
  const tasks = lineSegments ? ['t1', 't2', 't3', 't4', 't5', 't6'] : ['t1', 't2', 't3'];
  return runWorkflowTier(
    temporal,
    { connect: connect.activities, dispatcher: { settings } },
    async (tier) => {
      const handles = await Promise.all(tasks.map((name) => startTask(tier, name)));
      const dispatcher = tier.client.workflow.getHandle(dispatcherWorkflowId(tier.taskQueue));
      await waitUntil('the dispatcher to continue-as-new with the line waiting', async () => {
        const status = await dispatcher.query(dispatcherStatusQuery).catch(() => undefined);
        const carried = !lineSegments || (status?.carriedCount ?? 0) > 0;
        return status && status.runsSoFar >= 2 && status.waitingCount === handles.length && carried
          ? true
          : undefined;
      });
      connect.freeTaskSlots.set('agent-1', 1);
      connect.freeTaskSlots.set('agent-2', 1);
      for (const handle of handles) {
        expectOutcome(handle.workflowId, (await handle.result()).outcome, 'assigned');
      }
      await dispatcher.result();
      const runs = await everyRun(tier.client, dispatcher.workflowId);
      return runs.map((history, index) => ({
        name: `${scenario}-run-${index + 1}`,
        workflowId: dispatcher.workflowId,
        history,
      }));
    },
  );
}

/**
 * A task with routing criteria: no agent has the skill of its first step, which expires, and the
 * agent without it takes the task; the dispatcher reads proficiencies while it waits.
 */
async function skillsRouteTask(temporal: TemporalAccess): Promise<RecordedHistory[]> {
  const connect = new ScriptedConnect();
  connect.freeTaskSlots.set('agent-1', 1);
  connect.proficiencies.set('agent-1', [{ name: 'Language', value: 'Spanish', level: 2 }]);
  return runWorkflowTier(
    temporal,
    { connect: connect.activities, dispatcher: { settings: { ...FAST, skillReadsPerSecond: 100 } } },
    async (tier) => {
      const instanceId = tier.taskQueue;
      const handle = await startRouteTask(
        tier.client,
        {
          instanceId,
          queueId: QUEUE_ID,
          contact: { name: 'skills' },
          transferFlowId: 'transfer-to-queue-flow',
          routingCriteria: {
            steps: [
              {
                expression: {
                  attributeCondition: { name: 'Language', value: 'Spanish', proficiencyLevel: 4 },
                },
                expirySeconds: 2,
              },
            ],
          },
        },
        { workflowId: `${instanceId}/skills`, taskQueue: tier.taskQueue },
      );
      expectOutcome('skills', (await handle.result()).outcome, 'assigned');
      const dispatcher = tier.client.workflow.getHandle(dispatcherWorkflowId(instanceId));
      await dispatcher.result();
      return [
        await routeTaskHistory(tier.client, handle.workflowId, 'route-task-skills'),
        {
          name: 'dispatcher-skills',
          workflowId: dispatcher.workflowId,
          history: await dispatcher.fetchHistory(),
        },
      ];
    },
  );
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--generation');
  const generation = at > 0 ? process.argv[at + 1] : new Date().toISOString().slice(0, 10);
  if (!generation || !/^[\w.-]+$/.test(generation))
    throw new Error('--generation takes a name (letters, digits, . _ -)');
  const env = await sharedTestEnv();
  try {
    const recorded = [
      ...(await assignedRouteTask(env)),
      ...(await cancelledRouteTask(env)),
      ...(await dispatcherAcrossContinueAsNew(env, { lineSegments: false })),
      ...(await dispatcherAcrossContinueAsNew(env, { lineSegments: true })),
      ...(await skillsRouteTask(env)),
    ];
    for (const file of fs.existsSync(HISTORIES_DIR) ? fs.readdirSync(HISTORIES_DIR) : []) {
      if (file.startsWith(`${generation}-`)) fs.rmSync(path.join(HISTORIES_DIR, file));
    }
    for (const history of recorded) {
      const named = { ...history, name: `${generation}-${history.name}` };
      writeRecordedHistory(named);
      console.log(`${named.name}: ${named.history.events?.length} events`);
    }
  } finally {
    await stopSharedTestEnv();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
