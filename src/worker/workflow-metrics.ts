/**
 * The metrics the workflows emit, through the workflow `metricMeter` (skipped while a workflow
 * replays, so they change nothing in history and count each event once). Workflow code: imports
 * nothing but the workflow SDK and the metric table.
 */
import { log, metricMeter } from '@temporalio/workflow';
import { METRICS } from './metric-names';

interface EndedTask {
  outcome: string;
  queueId: string;
  contactId?: string;
  userId?: string;
  createdAt?: string;
  assignedAt?: string;
  reason?: string;
}

/** routeTask's end: the outcome counted, an assigned task's wait recorded, and one log line. */
export function recordTaskEnded(result: EndedTask): void {
  const { outcome, queueId, contactId, userId, createdAt, assignedAt, reason } = result;
  const tags = { queue_id: queueId };
  metricMeter
    .createCounter(METRICS.tasksEnded.name, '', METRICS.tasksEnded.help)
    .add(1, { ...tags, outcome });
  let waitSeconds: number | undefined;
  if (outcome === 'assigned') {
    metricMeter.createCounter(METRICS.tasksAssigned.name, '', METRICS.tasksAssigned.help).add(1, tags);
    if (createdAt !== undefined && assignedAt !== undefined) {
      waitSeconds = Math.max(0, (Date.parse(assignedAt) - Date.parse(createdAt)) / 1000);
      metricMeter
        .createHistogram(METRICS.taskWait.name, 'float', 's', METRICS.taskWait.help)
        .record(waitSeconds, tags);
    }
  }
  log.info('Task routed', { outcome, queueId, contactId, agentId: userId, waitSeconds, reason });
}

/**
 * connect_task_router_tasks_waiting for one dispatcher: each call sets the counts of the line by
 * queue and priority, and zero for a pair that was counted before and has no task left.
 */
export class WaitingTasksGauge {
  private reported = new Map<string, number>();

  constructor(private readonly instanceId: string) {}

  /** `waiting`: how many tasks wait, by JSON [queueId, priority]. */
  set(waiting: ReadonlyMap<string, number>): void {
    const counts = new Map(waiting);
    for (const key of this.reported.keys()) if (!counts.has(key)) counts.set(key, 0);
    let gauge: ReturnType<typeof metricMeter.createGauge> | undefined;
    for (const [key, count] of counts) {
      if (this.reported.get(key) === count) continue;
      gauge ??= metricMeter.createGauge(METRICS.tasksWaiting.name, 'int', '', METRICS.tasksWaiting.help);
      const [queueId, priority] = JSON.parse(key) as [string, number];
      gauge.set(count, { instance_id: this.instanceId, queue_id: queueId, priority });
    }
    this.reported = new Map([...counts].filter(([, count]) => count > 0));
  }
}
