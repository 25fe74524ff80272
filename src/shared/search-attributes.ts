/**
 * The custom search attributes that make routing runs findable in the Temporal Web UI
 * (e.g. `ConnectContactId = "..."`, `RoutingStage = "waiting-for-agent"`).
 * Registered on a server by `connect-task-router setup` and by the test environment.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ConnectInstanceId = defineSearchAttributeKey('ConnectInstanceId', SearchAttributeType.KEYWORD);
export const ConnectContactId = defineSearchAttributeKey('ConnectContactId', SearchAttributeType.KEYWORD);
export const ConnectQueueId = defineSearchAttributeKey('ConnectQueueId', SearchAttributeType.KEYWORD);
export const ConnectAgentId = defineSearchAttributeKey('ConnectAgentId', SearchAttributeType.KEYWORD);
export const RoutingStage = defineSearchAttributeKey('RoutingStage', SearchAttributeType.KEYWORD);
export const TaskPriority = defineSearchAttributeKey('TaskPriority', SearchAttributeType.INT);
export const BulkBatchId = defineSearchAttributeKey('BulkBatchId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  ConnectInstanceId,
  ConnectContactId,
  ConnectQueueId,
  ConnectAgentId,
  RoutingStage,
  TaskPriority,
  BulkBatchId,
] as const;

/** Set by Temporal on a run a Schedule started: the time the run was scheduled for (not registered by us). */
export const TemporalScheduledStartTime = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);
