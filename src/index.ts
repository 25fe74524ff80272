/**
 * The package entry, `require('connect-task-router')`: what a deployment of your own needs to run
 * the worker, start and watch routing runs and bulk batches, and try it all against the Connect
 * emulator. Node code only: a workflow file of yours imports the workflows from
 * `connect-task-router/workflows` instead, never from here.
 *
 * Nothing in the package imports this file, so it cannot close an import circle.
 */

// ---- The worker ----

/**
 * The workflows module, as an absolute path, and the bundle options createWorker uses (the path,
 * and the modules every run shares): for a worker of your own,
 * `Worker.create({ ...workflowBundleOptions(), activities })` or `bundleWorkflowCode(workflowBundleOptions())`.
 */
export { workflowBundleOptions, workflowsPath } from './worker/workflow-bundle';

export {
  ConnectTaskRouterWorker,
  createWorker,
  DEFAULT_MAX_CACHED_ROUTE_TASKS,
  DEFAULT_ROUTE_TASK_WORKFLOW_TASK_SLOTS,
  type ConnectTaskRouterWorkerOptions,
} from './worker/create-worker';
export {
  createConnectClient,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type CreateConnectClientOptions,
} from './worker/connect-client';
export { connectClientToTemporal, connectWorkerToTemporal } from './worker/temporal-connection';

// ---- Payload encryption (optional): the codec, its keys, and the codec endpoint for the Web UI ----

export {
  dataConverterFromEnvironment,
  encodedFailureConverterPath,
  encryptedDataConverter,
} from './encryption/encrypted-data-converter';
export {
  ENCRYPTED_ENCODING,
  ENCRYPTION_KEY_ID_METADATA,
  EncryptionCodec,
  isEncryptedPayload,
} from './encryption/encryption-codec';
export {
  ENCRYPTION_KEYS_VARIABLE,
  encryptionKeysFromEnvironment,
  EncryptionKeysError,
  parseEncryptionKeys,
  type EncryptionKey,
} from './encryption/encryption-keys';
export {
  bearerTokenCheck,
  startCodecServer,
  type CodecServerOptions,
  type RunningCodecServer,
} from './encryption/codec-server';

// ---- Activities (for a Worker.create of your own) ----

export {
  createBulkActivities,
  createConnectActivities,
  createDispatcherActivities,
  type BulkActivities,
  type ConnectActivities,
  type CreateBulkActivitiesDeps,
  type CreateConnectActivitiesDeps,
  type DispatcherActivityDeps,
  type RoutingActivities,
} from '../activities';

// ---- Workflows: their types here (for typed handles); the code is `connect-task-router/workflows` ----

export type { bulkCreateTasks, connectDispatcher, connectLineSegment, routeTask } from '../workflows';

// ---- Task queues and Connect call lanes ----

export {
  CONNECT_CALL_LANE_NAMES,
  CONNECT_CALL_LANES,
  connectCallLaneOf,
  connectCallTaskQueue,
  connectQuotaBurst,
  DEFAULT_CONNECT_CALL_RATES,
  DEFAULT_TASK_QUEUE,
  dispatcherTaskQueue,
  laneActivities,
  resolveConnectCallRates,
  type ConnectCallLane,
  type ConnectCallRates,
} from './shared/task-queues';

// ---- What the typed client functions throw for a run that is another workflow's or has ended ----
// (a workflow id with no run throws @temporalio/client's WorkflowNotFoundError, naming the id)

export { RunAlreadyEndedError, WrongWorkflowTypeError } from './client/workflow-runs';

// ---- routeTask: input, result, status, its query, signal and updates, and the client functions ----

export {
  cancelRouteTaskSignal,
  parseRouteTaskInput,
  reprioritizeUpdate,
  ROUTE_TASK_LIMITS,
  routeTaskStatusQuery,
  ROUTING_STRATEGIES,
  setPreferredAgentsUpdate,
  type CancelRouteTaskArgument,
  type OfferRecord,
  type ReprioritizeArgument,
  type RouteTaskInput,
  type RouteTaskOutcome,
  type RouteTaskRequest,
  type RouteTaskResult,
  type RouteTaskStatus,
  type RouteTaskValidation,
  type RoutingStrategy,
  type SetPreferredAgentsArgument,
  type SetPreferredAgentsResult,
} from './shared/route-task-contract';
export {
  cancelRouteTask,
  describeRouteTask,
  getRouteTaskStatus,
  reprioritizeRouteTask,
  RouteTaskArgumentError,
  RouteTaskInputError,
  setPreferredAgents,
  startRouteTask,
  waitForRouteTask,
  type StartRouteTaskOptions,
} from './client/route-task-client';

// ---- bulkCreateTasks: input, result, progress query, the client functions, and its schedules ----

export {
  BULK_CANCEL_MODES,
  BULK_ITEM_STATUSES,
  BULK_LIMITS,
  bulkProgressQuery,
  parseBulkCreateTasksInput,
  type BulkCancelMode,
  type BulkCounts,
  type BulkCreateTasksInput,
  type BulkCreateTasksProgress,
  type BulkCreateTasksResult,
  type BulkItemReport,
  type BulkItemStatus,
} from './shared/bulk-create-contract';
export type { BulkItem, BulkSource } from './shared/bulk-source';
export {
  BulkBatchIdError,
  bulkBatchWorkflowId,
  BulkCreateTasksInputError,
  cancelBulkCreateTasks,
  describeBulkCreateTasks,
  getBulkProgress,
  resolveBulkBatchWorkflowId,
  startBulkCreateTasks,
  waitForBulkCreateTasks,
} from './client/bulk-create-client';
export {
  backfillBulkSchedule,
  BULK_SCHEDULE_OVERLAPS,
  BulkScheduleOptionsError,
  createBulkSchedule,
  DEFAULT_CATCHUP_WINDOW,
  deleteBulkSchedule,
  describeBulkSchedule,
  listBulkSchedules,
  NotABulkScheduleError,
  pauseBulkSchedule,
  triggerBulkSchedule,
  unpauseBulkSchedule,
  type BulkScheduleDescription,
  type BulkScheduleOverlap,
  type BulkScheduleRun,
  type BulkScheduleSummary,
  type CreateBulkScheduleOptions,
} from './client/bulk-schedule-client';

// ---- The dispatcher (one per Connect instance): settings, queries, queue statistics, and the push path ----

export {
  agentsChangedSignal,
  CLOSING_RUN_MEMO_KEY,
  DEFAULT_DISPATCHER_SETTINGS,
  dispatcherStatusQuery,
  dispatcherWorkflowId,
  explainTaskQuery,
  LOCAL_DISPATCHER_SETTINGS,
  queueStatisticsQuery,
  type AgentState,
  type DispatcherInput,
  type DispatcherSettings,
  type DispatcherStatus,
  type QueueStatistics,
  type TaskExplanation,
} from './shared/dispatcher-contract';
export { getDispatcherStatus, getQueueStatistics } from './client/dispatcher-client';
export {
  AgentEventForwarder,
  AgentEventForwarderClosedError,
  agentUpdateFromRecord,
  DEFAULT_COALESCE_MS,
  type AgentEventForwarderOptions,
  type AgentEventStreamRecord,
  type ForwarderStats,
  type ForwardOutcome,
} from './push/agent-event-forwarder';

// ---- The error-policy table and the retry policy built from it ----

export {
  activityRetryPolicy,
  DEFAULT_ERROR_POLICY,
  POLICY_KEYS,
  resolveErrorPolicy,
  type ErrorPolicy,
  type ErrorPolicyOverrides,
  type ErrorPolicyRow,
  type PolicyKey,
} from './shared/error-policy';

// ---- Search attributes (register them with `connect-task-router setup`) ----

export {
  ALL_SEARCH_ATTRIBUTES,
  BulkBatchId,
  ConnectAgentId,
  ConnectContactId,
  ConnectInstanceId,
  ConnectQueueId,
  RoutingStage,
  TaskPriority,
} from './shared/search-attributes';

// ---- The Connect emulator ----

export {
  DEFAULT_CALL_CENTRE,
  defaultAgentId,
  defaultContactFlowId,
  defaultQueueId,
  EVERYONE_OFFLINE,
  startEmulator,
  type AssignmentRecord,
  type CallCentreSnapshot,
  type EmulatorConfig,
  type EmulatorCredentials,
  type Faults,
  type Ledger,
  type OfferBehaviour,
  type RunningEmulator,
  type StartEmulatorOptions,
} from './dev/emulator';
