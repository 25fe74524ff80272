/**
 * The metrics the workflows emit, through the workflow `metricMeter` (skipped while a workflow
 * replays, so they change nothing in history and count each event once). Workflow code: imports
 * nothing but the workflow SDK and the metric table.
 */
import { log, metricMeter } from '@temporalio/workflow';
import type { QueueStatistics } from '../shared/dispatcher-contract';
import { type MetricDefinition, METRICS } from './metric-names';

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

/** One series of a gauge: its metric, its labels, its value. */
interface GaugeSample {
  metric: MetricDefinition;
  labels: Record<string, string | number>;
  value: number;
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/**
 * One dispatcher's queue statistics as gauges (see metric-names.ts): each call sets the series whose
 * value changed, and zero for a series that had a value and is gone (a queue drained, a window
 * emptied), so that no gauge keeps an old value. Sets nothing while the workflow replays.
 */
export class QueueStatisticsGauges {
  private reported = new Map<string, GaugeSample>();

  set(statistics: QueueStatistics): void {
    const samples = new Map<string, GaugeSample>();
    const add = (metric: MetricDefinition, labels: GaugeSample['labels'], value: number | undefined) => {
      if (value !== undefined) samples.set(JSON.stringify([metric.name, labels]), { metric, labels, value });
    };
    for (const { queueId, agents, priorities } of statistics.queues) {
      const queue = { instance_id: statistics.instanceId, queue_id: queueId };
      for (const figures of priorities) {
        const labels = { ...queue, priority: figures.priority };
        add(METRICS.tasksWaiting, labels, figures.waiting);
        add(METRICS.oldestWait, labels, seconds(figures.oldestWaitMs));
        add(METRICS.windowAssigned, labels, figures.assigned);
        add(METRICS.windowWait, { ...labels, quantile: '0.5' }, seconds(figures.waitP50Ms));
        add(METRICS.windowWait, { ...labels, quantile: '0.9' }, seconds(figures.waitP90Ms));
        add(METRICS.windowServiceLevel, labels, figures.withinServiceLevel);
      }
      for (const state of ['available', 'offered', 'busy'] as const) {
        add(METRICS.queueAgents, { ...queue, state }, agents?.[state]);
      }
    }
    const gauges = new Map<string, ReturnType<typeof metricMeter.createGauge>>();
    const gaugeOf = ({ name, help, valueType }: MetricDefinition) => {
      let gauge = gauges.get(name);
      if (!gauge) gauges.set(name, (gauge = metricMeter.createGauge(name, valueType, '', help)));
      return gauge;
    };
    for (const [key, sample] of samples) {
      if (this.reported.get(key)?.value !== sample.value)
        gaugeOf(sample.metric).set(sample.value, sample.labels);
    }
    for (const [key, gone] of this.reported) {
      if (!samples.has(key) && gone.value !== 0) gaugeOf(gone.metric).set(0, gone.labels);
    }
    this.reported = samples;
  }
}
