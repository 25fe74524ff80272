/**
 * The demo's verdict: what happened to each task, how long tasks waited, and the emulator ledger's
 * invariants (no duplicate contact, no assignment over capacity, no contact given to two agents).
 */
import type { Ledger } from '../emulator';
import type { RouteTaskResult } from '../../shared/route-task-contract';

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
  tasks: DemoTaskReport[];
  durationMs: number;
  ledger: Ledger;
  /** Agent events from the emulator's feed forwarded to the dispatcher as signals (the push path). */
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
  return (
    report.tasks.every((task) => task.outcome === 'assigned') &&
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

export function formatDemoReport(report: DemoReport, webUiUrl: string): string {
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
    '',
    'Connect emulator ledger:',
    `  contacts created ${ledger.contactsCreated}, assignments ${ledger.assignments.length}, ` +
      `throttled calls retried by Temporal ${throttled}, ClientToken replays ${ledger.clientTokenReplays}`,
    ...LEDGER_INVARIANTS.map(
      (key) => `  ${key}: ${ledger[key]}${ledger[key] === 0 ? '' : '   <-- must be 0'}`,
    ),
    '',
    `Browse the runs in the Temporal Web UI: ${webUiUrl}`,
    `  (search: WorkflowId STARTS_WITH "demo/${report.runId}/", or RoutingStage, ConnectAgentId, ConnectQueueId)`,
  ];
  return lines.join('\n');
}
