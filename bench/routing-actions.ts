/**
 * Temporal actions per routed task: counts, from Event Histories, the actions that Temporal Cloud
 * bills, for routeTask runs and for every run of their dispatcher, and shares the dispatcher's
 * actions out over the tasks it routed.
 *
 * The definition (Temporal Cloud docs, "Temporal Cloud Actions", read for this benchmark):
 * - Workflow started: client start, Continue-As-New (billed as the new run's start) and child start.
 *   Signal-With-Start is one action in all, whether or not it starts the workflow.
 * - Activity started or retried: one per ActivityTaskScheduled, plus `attempt - 1` of its
 *   ActivityTaskStarted (intermediate attempts leave no events of their own).
 * - Timer started (the implicit timer of `condition(fn, timeout)` included).
 * - Search Attribute upsert: one per UpsertWorkflowSearchAttributes command, however many
 *   attributes it sets; attributes given at start are free.
 * - Signal sent, from a client or a workflow: counted once, where it arrives (WorkflowExecutionSignaled).
 *   SignalExternalWorkflowExecutionInitiated in the sender's history is the same action, not another.
 * - Child workflow: two per StartChildWorkflowExecutionInitiated. Update accepted: one.
 *   Local activities: one per workflow task that records markers. Workflow options updated: one.
 * - Queries are billed ("Query received by Worker") but leave no history: routing sends none; the
 *   benchmark's own status queries are not counted. Activity heartbeats are billed too; no routing
 *   activity heartbeats.
 */
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { DispatcherInput } from '../src/shared/dispatcher-contract';
import type { RouteTaskResult } from '../src/shared/route-task-contract';
import {
  BILLING_QUEUE,
  type BenchServer,
  RAISED_CONTACT_QUOTAS,
  RAISED_CONTACT_QUOTAS_TEXT,
  roomForTasks,
  runBounded,
  startDeployment,
  SUPPORT_QUEUE,
  withTimeout,
} from './routing-stack';
import type { ScenarioReport } from './scenario-report';
import { fmt, formatTable, seconds, summarize } from './stats';

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` → `ActivityTaskScheduled`. */
export const eventTypeName = (event: HistoryEvent) =>
  (EventType[event.eventType ?? 0] ?? String(event.eventType))
    .replace('EVENT_TYPE_', '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_all, _sep: string, letter: string) => letter.toUpperCase());

export const ACTION_KINDS = [
  'workflowStarted',
  'activityScheduled',
  'activityRetries',
  'timerStarted',
  'searchAttributeUpserts',
  'signalsReceived',
  'childWorkflows',
  'updatesAccepted',
  'localActivityTasks',
  'workflowOptionsUpdated',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export interface ActionCount {
  total: number;
  byKind: Record<ActionKind, number>;
  /** Billed signals received, by signal name. */
  signalsByName: Record<string, number>;
  /** Billed activity schedules, by activity type. */
  activitiesByType: Record<string, number>;
  /** Not billed to this history (billed where the signal arrives, or as the next run's start). */
  signalsSent: number;
  signalsSentFailed: number;
  continuedAsNew: number;
  events: number;
}

export function emptyCount(): ActionCount {
  return {
    total: 0,
    byKind: Object.fromEntries(ACTION_KINDS.map((kind) => [kind, 0])) as Record<ActionKind, number>,
    signalsByName: {},
    activitiesByType: {},
    signalsSent: 0,
    signalsSentFailed: 0,
    continuedAsNew: 0,
    events: 0,
  };
}

export function addCounts(into: ActionCount, from: ActionCount): ActionCount {
  into.total += from.total;
  for (const kind of ACTION_KINDS) into.byKind[kind] += from.byKind[kind];
  for (const [name, n] of Object.entries(from.signalsByName))
    into.signalsByName[name] = (into.signalsByName[name] ?? 0) + n;
  for (const [name, n] of Object.entries(from.activitiesByType))
    into.activitiesByType[name] = (into.activitiesByType[name] ?? 0) + n;
  into.signalsSent += from.signalsSent;
  into.signalsSentFailed += from.signalsSentFailed;
  into.continuedAsNew += from.continuedAsNew;
  into.events += from.events;
  return into;
}

/** Billable actions in one run's history; with `window`, only events whose time is in [from, to). */
export function countActions(
  events: readonly HistoryEvent[],
  window?: { fromMs: number; toMs: number },
): ActionCount {
  const count = emptyCount();
  const add = (kind: ActionKind, n = 1) => {
    count.byKind[kind] += n;
    count.total += n;
  };
  const markerTasks = new Set<string>();
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  // Signal-With-Start writes Started then Signaled, and is one action in all.
  const signalWithStart =
    started !== undefined &&
    started !== null &&
    !started.continuedExecutionRunId &&
    !started.parentWorkflowExecution &&
    events[1]?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;

  events.forEach((event, index) => {
    if (window) {
      const at = tsToMs(event.eventTime);
      if (at < window.fromMs || at >= window.toMs) return;
    }
    count.events += 1;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        add('workflowStarted');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        add('activityScheduled');
        const type = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        count.activitiesByType[type] = (count.activitiesByType[type] ?? 0) + 1;
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        add('activityRetries', Math.max(0, (event.activityTaskStartedEventAttributes?.attempt ?? 1) - 1));
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        add('timerStarted');
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        // A patch's TemporalChangeVersion upsert is exempt from billing.
        const keys = Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (keys.some((key) => key !== 'TemporalChangeVersion')) add('searchAttributeUpserts');
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        if (signalWithStart && index === 1) break;
        add('signalsReceived');
        const name = event.workflowExecutionSignaledEventAttributes?.signalName ?? '?';
        count.signalsByName[name] = (count.signalsByName[name] ?? 0) + 1;
        break;
      }
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        add('childWorkflows', 2);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        add('updatesAccepted');
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        // Only local activities' markers are billed; a patch marker (`patched()`) is not.
        if (event.markerRecordedEventAttributes?.markerName !== 'core_local_activity') break;
        const task = String(event.markerRecordedEventAttributes?.workflowTaskCompletedEventId ?? index);
        if (!markerTasks.has(task)) {
          markerTasks.add(task);
          add('localActivityTasks');
        }
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_OPTIONS_UPDATED:
        add('workflowOptionsUpdated');
        break;
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        count.signalsSent += 1;
        break;
      case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED:
        count.signalsSentFailed += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        count.continuedAsNew += 1;
        break;
      default:
        break;
    }
  });
  return count;
}

export interface DispatcherRun {
  events: HistoryEvent[];
  /** Size of the run's input (the carried book after continue-as-new), in bytes of JSON. */
  inputBytes: number;
  /** Tasks carried in the run's input: in line, reserved, and behind the head. */
  carriedTasks: number;
  /** The largest single payload anywhere in the run's history (input, signals, results), in bytes. */
  largestPayloadBytes: number;
  startedAtMs: number;
}

/** The largest `data` of any payload in `value` (a history event), found by walking it. */
export function largestPayloadBytes(value: unknown, depth = 0): number {
  if (value === null || typeof value !== 'object' || depth > 12) return 0;
  if (value instanceof Uint8Array) return 0;
  let largest = 0;
  const payloads = (value as { payloads?: { data?: Uint8Array | null }[] | null }).payloads;
  if (Array.isArray(payloads))
    for (const payload of payloads) largest = Math.max(largest, payload?.data?.length ?? 0);
  for (const child of Object.values(value))
    largest = Math.max(largest, largestPayloadBytes(child, depth + 1));
  return largest;
}

/** Every run of a workflow id, oldest first, by walking back from the latest run (at most `maxRuns`). */
export async function dispatcherRuns(
  client: Client,
  workflowId: string,
  maxRuns = 1_000,
): Promise<DispatcherRun[]> {
  const runs: DispatcherRun[] = [];
  let runId: string | undefined;
  for (let i = 0; i < maxRuns; i += 1) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    const data = started?.input?.payloads?.[0]?.data;
    let carriedTasks = 0;
    if (data) {
      const { carried } = JSON.parse(Buffer.from(data).toString('utf8')) as DispatcherInput;
      const book = carried?.book;
      carriedTasks = (book?.line.length ?? 0) + (book?.reserved.length ?? 0) + (book?.backlog?.length ?? 0);
    }
    runs.unshift({
      events,
      inputBytes: data?.length ?? 0,
      carriedTasks,
      largestPayloadBytes: Math.max(0, ...events.map((event) => largestPayloadBytes(event))),
      startedAtMs: tsToMs(events[0]?.eventTime),
    });
    runId = started?.continuedExecutionRunId || undefined;
    if (!runId) break;
  }
  return runs;
}

export interface ActionsOptions {
  tasks: number;
  startConcurrency: number;
  push: boolean;
  /** With push: the forwarder's coalescing window. */
  pushCoalesceMs: number;
}

/** Actions per routed task: routeTask's own (mean over the tasks) and its share of the dispatcher's. */
export interface ActionsFigures {
  push: boolean;
  tasks: number;
  routed: number;
  routeTaskPerTask: number;
  dispatcherPerTask: number;
  /** The same two, by kind of action. */
  byKind: Record<ActionKind, { routeTask: number; dispatcher: number }>;
}

/** Agents Available, short handle times: N tasks go through the whole routing; then their histories are read. */
export async function runActionsScenario(
  server: BenchServer,
  options: ActionsOptions,
  log: (line: string) => void,
): Promise<ScenarioReport<ActionsFigures>> {
  const deployment = await startDeployment(server, {
    label: `actions-${options.push ? 'push' : 'poll'}`,
    config: { handleTimeMs: { min: 1_000, max: 3_000 }, ...roomForTasks(options.tasks) },
    connectCallRates: RAISED_CONTACT_QUOTAS,
    push: options.push,
    pushCoalesceMs: options.pushCoalesceMs,
  });
  try {
    const started = Date.now();
    const handles = await runBounded(options.tasks, options.startConcurrency, (index) =>
      deployment.startTask(index, {
        queueId: index % 2 === 0 ? BILLING_QUEUE : SUPPORT_QUEUE,
        contact: { name: `actions bench task ${index}` },
      }),
    );
    log(
      `actions: started ${options.tasks} routeTask runs in ${seconds(Date.now() - started)}; waiting for results`,
    );
    const results: RouteTaskResult[] = await withTimeout(
      'every routeTask result',
      Promise.all(handles.map((handle) => handle.result())),
      120_000 + options.tasks * 1_000,
    );
    const routedMs = Date.now() - started;
    const routed = results.filter((result) => result.outcome === 'assigned').length;
    log(`actions: ${routed}/${options.tasks} assigned in ${seconds(routedMs)}; reading histories`);

    const taskCounts = await runBounded(handles.length, 20, async (index) =>
      countActions((await handles[index].fetchHistory()).events ?? []),
    );
    const runs = await dispatcherRuns(server.client, deployment.dispatcherId);
    const dispatcher = runs.map((run) => countActions(run.events)).reduce(addCounts, emptyCount());
    const ledger = deployment.emulator.ledger();
    const status = await deployment.status();

    const taskTotal = taskCounts.reduce(addCounts, emptyCount());
    const perTask = summarize(taskCounts.map((count) => count.total));
    const share = dispatcher.total / Math.max(1, routed);
    const kindRows = ACTION_KINDS.filter((kind) => taskTotal.byKind[kind] + dispatcher.byKind[kind] > 0).map(
      (kind) => [
        kind,
        fmt(taskTotal.byKind[kind] / taskCounts.length, 2),
        fmt(dispatcher.byKind[kind]),
        fmt(dispatcher.byKind[kind] / Math.max(1, routed), 2),
      ],
    );
    const names = [
      ...new Set([...Object.keys(taskTotal.signalsByName), ...Object.keys(dispatcher.signalsByName)]),
    ];
    const signalRows = names.map((name) => [
      name,
      fmt((taskTotal.signalsByName[name] ?? 0) / taskCounts.length, 2),
      fmt((dispatcher.signalsByName[name] ?? 0) / Math.max(1, routed), 2),
    ]);
    const activityNames = [
      ...new Set([...Object.keys(taskTotal.activitiesByType), ...Object.keys(dispatcher.activitiesByType)]),
    ];
    const activityRows = activityNames.map((name) => [
      name,
      fmt((taskTotal.activitiesByType[name] ?? 0) / taskCounts.length, 2),
      fmt(dispatcher.activitiesByType[name] ?? 0),
    ]);
    const waited = summarize(
      results.flatMap((result) => (result.waitedMs === undefined ? [] : [result.waitedMs])),
    );
    const records = deployment.follower?.counts();
    const pushLine = records
      ? `Push: ${fmt(records.signalled + records['no-dispatcher'])} agent event records forwarded ` +
        `(${fmt(records.ignored)} heartbeats ignored) in ${fmt(dispatcher.signalsByName.agentsChanged ?? 0)} ` +
        `agentsChanged signals (coalescing window ${fmt(options.pushCoalesceMs)} ms).`
      : undefined;

    const figures: ActionsFigures = {
      push: options.push,
      tasks: options.tasks,
      routed,
      routeTaskPerTask: perTask.mean,
      dispatcherPerTask: share,
      byKind: Object.fromEntries(
        ACTION_KINDS.map((kind) => [
          kind,
          {
            routeTask: taskTotal.byKind[kind] / Math.max(1, taskCounts.length),
            dispatcher: dispatcher.byKind[kind] / Math.max(1, routed),
          },
        ]),
      ) as ActionsFigures['byKind'],
    };
    const markdown = [
      `### Temporal actions per routed task (${options.push ? 'polling + push' : 'polling only'})`,
      '',
      `${options.tasks} routeTask runs (Billing and Support alternately, ${options.startConcurrency} starts in flight), ` +
        'default call centre with every agent Available (12 TASK slots), handle time 1–3 s, default dispatcher ' +
        `settings (poll every 1 s). Emulator: activeTaskQuota ${fmt(roomForTasks(options.tasks).activeTaskQuota)}, ` +
        `${RAISED_CONTACT_QUOTAS_TEXT}.`,
      `All routed in ${seconds(routedMs)}: ${routed}/${options.tasks} assigned; waited (join line → assigned) ` +
        `p50 ${seconds(waited.p50)}, p99 ${seconds(waited.p99)}, max ${seconds(waited.max)}. ` +
        `GetCurrentUserData calls ${fmt(ledger.calls.GetCurrentUserData ?? 0)}; dispatcher runs ${runs.length} ` +
        `(runsSoFar ${status?.runsSoFar ?? '?'}), history events ${fmt(dispatcher.events)}.`,
      ...(pushLine ? [pushLine] : []),
      '',
      formatTable(
        ['', 'actions'],
        [
          ['routeTask, per task (mean)', fmt(perTask.mean, 2)],
          [
            'routeTask, per task (min / p50 / max)',
            `${fmt(perTask.min)} / ${fmt(perTask.p50)} / ${fmt(perTask.max)}`,
          ],
          ['dispatcher, all runs', fmt(dispatcher.total)],
          ['dispatcher share per routed task', fmt(share, 2)],
          ['**total per routed task**', `**${fmt(perTask.mean + share, 2)}**`],
        ],
      ),
      '',
      'By kind (routeTask per task; dispatcher total and per routed task):',
      '',
      formatTable(['action kind', 'routeTask / task', 'dispatcher total', 'dispatcher / task'], kindRows),
      '',
      'Signals (billed once, where they arrive):',
      '',
      formatTable(['signal', 'received by routeTask / task', 'received by dispatcher / task'], signalRows),
      '',
      formatTable(['activity', 'routeTask schedules / task', 'dispatcher schedules'], activityRows),
      '',
      `Not billed a second time: ${fmt(taskTotal.signalsSent + dispatcher.signalsSent)} SignalExternalWorkflow ` +
        `commands (${fmt(taskTotal.signalsSentFailed + dispatcher.signalsSentFailed)} failed), ` +
        `${fmt(dispatcher.continuedAsNew)} ContinuedAsNew events (billed as the next run's start).`,
    ].join('\n');
    return { markdown, figures };
  } finally {
    await deployment.stop();
  }
}
