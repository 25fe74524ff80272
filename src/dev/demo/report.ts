/**
 * The demo's verdict: what happened to each task and to the scheduled batch's items, how long tasks
 * waited, and the emulator ledger's invariants (no duplicate contact, no assignment over capacity,
 * no contact given to two agents); and, while the demo stays up, what to look at and how.
 */
import { defaultContactFlowId, defaultQueueId, type Ledger } from '../emulator';
import { dispatcherWorkflowId } from '../../shared/dispatcher-contract';
import type { RouteTaskResult } from '../../shared/route-task-contract';
import type { DemoScheduledBatchReport } from './scheduled-batch';

export type DemoTaskOutcome = RouteTaskResult['outcome'] | 'failed';

export interface DemoTaskReport {
  workflowId: string;
  outcome: DemoTaskOutcome;
  queueName: string;
  priority: number;
  result?: RouteTaskResult;
  /** Why the workflow failed, for outcome `failed`. */
  error?: string;
}

export interface DemoReport {
  /** Every run's workflow id starts with `demo/<runId>/`. */
  runId: string;
  /** The emulated Connect instance the tasks routed on. */
  instanceId: string;
  tasks: DemoTaskReport[];
  /** The bulk batch a Temporal Schedule started, when the demo made one. */
  scheduledBatch?: DemoScheduledBatchReport;
  durationMs: number;
  ledger: Ledger;
  /** Agent events from the emulator's feed forwarded to the dispatcher (the push path; coalesced into agentsChanged signals). */
  agentEventsForwarded: number;
  /** userId → username, to name agents in the summary. */
  agentNames: Record<string, string>;
}

/** The ledger counts that must stay at zero whatever happens. */
export const LEDGER_INVARIANTS = [
  'duplicateCreations',
  'overCapacityAssignments',
  'doubleAssignments',
] as const;

export function demoSucceeded(report: DemoReport): boolean {
  const batch = report.scheduledBatch;
  return (
    report.tasks.every((task) => task.outcome === 'assigned') &&
    (batch === undefined || batch.result?.counts.assigned === batch.items) &&
    LEDGER_INVARIANTS.every((key) => report.ledger[key] === 0)
  );
}

/** Nearest-rank percentile of a non-empty list. */
function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function groupBy<T>(items: T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
}

function waitLine(label: string, tasks: DemoTaskReport[]): string {
  const waits = tasks.map((task) => task.result?.waitedMs ?? 0).sort((a, b) => a - b);
  return (
    `  ${label}: ${waits.length} assigned, waited p50 ${seconds(percentile(waits, 50))}, ` +
    `p95 ${seconds(percentile(waits, 95))}, max ${seconds(waits[waits.length - 1])}`
  );
}

function formatScheduledBatch(
  batch: DemoScheduledBatchReport,
  agentName: (userId: string) => string,
): string[] {
  const head =
    `Scheduled bulk batch: schedule ${batch.scheduleId} (paused, triggered once) started ` +
    `${batch.workflowId ?? 'no run'}`;
  const { result } = batch;
  if (!result) return [head, `  no result: ${batch.error ?? 'the run did not end'}`];
  const items = result.items ?? [];
  const assigned = items.filter((item) => item.status === 'assigned');
  const others = items.filter((item) => item.status !== 'assigned');
  return [
    head,
    `  batch ${result.batchId}: ${result.total ?? result.read} items, ${result.counts.assigned} assigned, ` +
      `${result.created} contacts created` +
      (assigned.length > 0
        ? ` (${groupBy(assigned, (item) => agentName(item.userId ?? '?'))
            .map(([name, group]) => `${name} ${group.length}`)
            .join(', ')})`
        : ''),
    ...others.map(
      (item) =>
        `  not assigned: ${item.workflowId ?? item.key} (${item.status}${item.reason ? `: ${item.reason}` : ''})`,
    ),
  ];
}

export function formatDemoReport(report: DemoReport): string {
  const { tasks, ledger } = report;
  const assigned = tasks.filter((task) => task.outcome === 'assigned');
  const reservations = tasks.reduce((sum, task) => sum + (task.result?.reservationsTried ?? 0), 0);
  const retriedOffers = tasks.filter((task) => (task.result?.reservationsTried ?? 0) > 1).length;
  const unanswered = (outcome: string) =>
    tasks.reduce(
      (sum, task) => sum + (task.result?.offers ?? []).filter((offer) => offer.outcome === outcome).length,
      0,
    );
  const refusedOffers = ['missed', 'rejected', 'unanswered']
    .map((outcome) => [outcome, unanswered(outcome)] as const)
    .filter(([, count]) => count > 0);
  const throttled = Object.values(ledger.throttledCalls).reduce((sum, n) => sum + (n ?? 0), 0);
  const agentName = (userId: string) => report.agentNames[userId] ?? userId;
  const outcomes = groupBy(tasks, (task) => task.outcome).map(
    ([outcome, group]) => `${group.length} ${outcome}`,
  );

  const lines = [
    '',
    `Routed ${tasks.length} tasks in ${seconds(report.durationMs)}: ${outcomes.join(', ')}`,
    ...tasks
      .filter((task) => task.outcome !== 'assigned')
      .map(
        (task) => `  not assigned: ${task.workflowId} (${task.error ?? task.result?.reason ?? task.outcome})`,
      ),
    ...(assigned.length === 0
      ? []
      : [
          waitLine('All queues', assigned),
          ...groupBy(assigned, (task) => task.queueName).map(([queueName, group]) =>
            waitLine(queueName, group),
          ),
          ...groupBy(assigned, (task) => `priority ${task.priority}`).map(([label, group]) =>
            waitLine(label, group),
          ),
          `  Tasks per agent: ${groupBy(assigned, (task) => agentName(task.result!.userId!))
            .map(([name, group]) => `${name} ${group.length}`)
            .join(', ')}`,
        ]),
    `  Reservations tried: ${reservations} (${retriedOffers} task(s) needed more than one)` +
      (refusedOffers.length > 0
        ? `; offers not accepted: ${refusedOffers.map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`
        : ''),
    `  Agent events forwarded to the dispatcher: ${report.agentEventsForwarded}`,
    ...(report.scheduledBatch ? ['', ...formatScheduledBatch(report.scheduledBatch, agentName)] : []),
    '',
    'Connect emulator ledger:',
    `  contacts created ${ledger.contactsCreated}, assignments ${ledger.assignments.length}, ` +
      `throttled calls retried by Temporal ${throttled}, ClientToken replays ${ledger.clientTokenReplays}`,
    ...LEDGER_INVARIANTS.map(
      (key) => `  ${key}: ${ledger[key]}${ledger[key] === 0 ? '' : '   <-- must be 0'}`,
    ),
  ];
  return lines.join('\n');
}

/** A Web UI page of the namespace: `workflowsUrl` is its list of runs. */
function webUiPage(
  workflowsUrl: string,
  page: { query?: string; workflowId?: string; scheduleId?: string },
): string {
  const namespaceUrl = workflowsUrl.replace(/\/workflows\/?$/, '');
  if (page.workflowId) return `${namespaceUrl}/workflows/${encodeURIComponent(page.workflowId)}`;
  if (page.scheduleId) return `${namespaceUrl}/schedules/${encodeURIComponent(page.scheduleId)}`;
  return `${namespaceUrl}/workflows?query=${encodeURIComponent(page.query ?? '')}`;
}

/**
 * What to look at while the demo stays up: Web UI pages (searches by the package's search
 * attributes, a task's details and history, the dispatcher, the schedule), and CLI commands that
 * route one more task through the same worker and emulator.
 */
export function formatWhereToLook(
  report: DemoReport,
  where: { workflowsUrl: string; temporalAddress: string; cli: string },
): string {
  const page = (target: Parameters<typeof webUiPage>[1]) => webUiPage(where.workflowsUrl, target);
  const assigned = report.tasks.filter((task) => task.result?.userId);
  const longest = [...assigned].sort((a, b) => (b.result?.waitedMs ?? 0) - (a.result?.waitedMs ?? 0))[0];
  const busiest = groupBy(assigned, (task) => task.result!.userId!).sort(
    ([, a], [, b]) => b.length - a.length,
  )[0];
  const agentName = (userId: string) => report.agentNames[userId] ?? userId;
  const batch = report.scheduledBatch;
  const cli = `TEMPORAL_ADDRESS=${where.temporalAddress} ${where.cli}`;
  const taskId = `my-task-${report.runId.slice(11, 19)}`;
  return [
    '',
    `The Temporal Web UI, the worker and the Connect emulator stay up. Browse: ${where.workflowsUrl}`,
    `  this demo's tasks: ${page({ query: `WorkflowId STARTS_WITH "demo/${report.runId}/"` })}`,
    ...(busiest
      ? [
          `  ${agentName(busiest[0])}'s tasks (ConnectAgentId): ${page({ query: `ConnectAgentId = "${busiest[0]}"` })}`,
        ]
      : []),
    ...(longest
      ? [
          `  the task that waited longest (${seconds(longest.result?.waitedMs ?? 0)}): ${page({ workflowId: longest.workflowId })}`,
          '    its details name the agent who accepted it; its history shows each Connect call and the offer',
        ]
      : []),
    `  the dispatcher (query "status" for its line): ${page({ workflowId: dispatcherWorkflowId(report.instanceId) })}`,
    ...(batch
      ? [
          `  the schedule: ${page({ scheduleId: batch.scheduleId })}`,
          ...(batch.result
            ? [
                `  the scheduled batch's items (BulkBatchId): ${page({ query: `BulkBatchId = "${batch.result.batchId}"` })}`,
              ]
            : []),
        ]
      : []),
    `  tasks waiting for an agent: ${page({ query: 'ExecutionStatus = "Running" AND RoutingStage = "waiting-for-agent"' })}`,
    '',
    'Route one more task through the same worker and emulator, from another terminal:',
    `  ${cli} task start ${taskId} --instance ${report.instanceId} --queue ${defaultQueueId('Billing')} ` +
      `--name "My task" --transfer-flow ${defaultContactFlowId('Transfer to queue')} --wait`,
    `  ${cli} task status ${taskId}`,
    `  ${cli} task list --instance ${report.instanceId}`,
    '',
    'Press Ctrl-C to stop the worker, the emulator and the Temporal dev server.',
  ].join('\n');
}
