/**
 * The package's own Prometheus metrics: names, kinds, labels and help texts, in one table that the
 * activities, the workflows and the README share. Plain data with no imports, so that the workflow
 * bundle may include it. Every metric also carries the Temporal SDK's own labels: `namespace` and
 * `taskQueue`, plus `activityType` (emitted by activities) or `workflowType` (by workflows).
 */

export interface MetricDefinition {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  /** The package's labels, besides the SDK's. */
  labels: readonly string[];
  help: string;
  /** Emitted by: an activity (the Connect calls) or a workflow. */
  source: 'activity' | 'workflow';
  /** A gauge's values: whole numbers (counts) or not. */
  valueType?: 'int' | 'float';
}

export const METRICS = {
  tasksCreated: {
    name: 'connect_task_router_tasks_created_total',
    kind: 'counter',
    labels: ['operation'],
    help: 'Task contacts created in Connect: successful CreateContact and StartTaskContact calls.',
    source: 'activity',
  },
  tasksAssigned: {
    name: 'connect_task_router_tasks_assigned_total',
    kind: 'counter',
    labels: ['queue_id'],
    help: 'routeTask runs that ended assigned: Connect showed the agent had accepted the task.',
    source: 'workflow',
  },
  tasksEnded: {
    name: 'connect_task_router_tasks_ended_total',
    kind: 'counter',
    labels: ['queue_id', 'outcome'],
    help: 'routeTask runs that ended with a result, by outcome (assigned, cancelled, expired, ...).',
    source: 'workflow',
  },
  taskWait: {
    name: 'connect_task_router_task_wait_seconds',
    kind: 'histogram',
    labels: ['queue_id'],
    help: "Seconds from the task contact's creation to the agent's acceptance, for assigned tasks.",
    source: 'workflow',
  },
  tasksWaiting: {
    name: 'connect_task_router_tasks_waiting',
    kind: 'gauge',
    labels: ['instance_id', 'queue_id', 'priority'],
    help: "Tasks in the dispatcher's line for an agent, by Connect instance, queue and priority, as of the dispatcher's last round.",
    source: 'workflow',
    valueType: 'int',
  },
  oldestWait: {
    name: 'connect_task_router_oldest_wait_seconds',
    kind: 'gauge',
    labels: ['instance_id', 'queue_id', 'priority'],
    help: "Seconds the longest-waiting task in the dispatcher's line has waited, by Connect instance, queue and priority, as of the dispatcher's last round.",
    source: 'workflow',
    valueType: 'float',
  },
  windowAssigned: {
    name: 'connect_task_router_window_assigned_tasks',
    kind: 'gauge',
    labels: ['instance_id', 'queue_id', 'priority'],
    help: "Tasks assigned (accepted by their agent) within the dispatcher's statistics window (statisticsWindowMs), by Connect instance, queue and priority.",
    source: 'workflow',
    valueType: 'int',
  },
  windowWait: {
    name: 'connect_task_router_window_wait_seconds',
    kind: 'gauge',
    labels: ['instance_id', 'queue_id', 'priority', 'quantile'],
    help: "Seconds from joining the dispatcher's line to the agent's acceptance, of the tasks assigned within the statistics window: quantile 0.5 and 0.9 (nearest rank); 0 when none was.",
    source: 'workflow',
    valueType: 'float',
  },
  windowServiceLevel: {
    name: 'connect_task_router_window_service_level_ratio',
    kind: 'gauge',
    labels: ['instance_id', 'queue_id', 'priority'],
    help: 'Share (0 to 1) of the tasks assigned within the statistics window that waited at most serviceLevelMs; 0 when none was.',
    source: 'workflow',
    valueType: 'float',
  },
  queueAgents: {
    name: 'connect_task_router_queue_agents',
    kind: 'gauge',
    labels: ['instance_id', 'queue_id', 'state'],
    help: "Agents of a queue the dispatcher polls, by state: available (a free TASK slot, nothing offered, in a status the queue's tasks allow), offered (an offer awaits their answer), busy (no free TASK slot).",
    source: 'workflow',
    valueType: 'int',
  },
  connectCalls: {
    name: 'connect_task_router_connect_calls_total',
    kind: 'counter',
    labels: ['operation'],
    help: 'Amazon Connect API calls made, successful or not, by operation.',
    source: 'activity',
  },
  connectCallErrors: {
    name: 'connect_task_router_connect_call_errors_total',
    kind: 'counter',
    labels: ['operation', 'error_type'],
    help: 'Amazon Connect API calls that failed, by operation and error type (ThrottlingException, NetworkError, ...).',
    source: 'activity',
  },
  connectCallsThrottled: {
    name: 'connect_task_router_connect_calls_throttled_total',
    kind: 'counter',
    labels: ['operation'],
    help: 'Amazon Connect API calls refused as throttled (ThrottlingException or HTTP 429), by operation.',
    source: 'activity',
  },
  connectCallDuration: {
    name: 'connect_task_router_connect_call_duration_seconds',
    kind: 'histogram',
    labels: ['operation'],
    help: 'Seconds each Amazon Connect API call took, successful or not, by operation.',
    source: 'activity',
  },
} as const satisfies Record<string, MetricDefinition>;

/** Histogram buckets (seconds) for the Prometheus exporter. */
export const HISTOGRAM_BUCKETS: Record<string, number[]> = {
  [METRICS.taskWait.name]: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
  [METRICS.connectCallDuration.name]: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
};
