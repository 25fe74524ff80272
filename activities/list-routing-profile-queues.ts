import { ListRoutingProfileQueuesCommand } from '@aws-sdk/client-connect';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { callConnect, type ConnectActivityDeps, type ConnectActivityInput } from './connect-call';

export interface ListRoutingProfileQueuesInput extends ConnectActivityInput {
  routingProfileId: string;
}

export interface ListRoutingProfileQueuesResult {
  routingProfileId: string;
  /** Queues the profile serves on the TASK channel: the ones whose tasks its agents may take. */
  queueIds: string[];
}

/**
 * ListRoutingProfileQueues (`GET /routing-profiles/{InstanceId}/{RoutingProfileId}/queues`), all pages.
 * GetCurrentUserData says which routing profile an agent has, not which queues it serves; this does.
 */
export function makeListRoutingProfileQueues(deps: ConnectActivityDeps) {
  return async function listRoutingProfileQueues(
    input: ListRoutingProfileQueuesInput,
  ): Promise<ListRoutingProfileQueuesResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const queueIds = new Set<string>();
    let nextToken: string | undefined;
    do {
      const response = await callConnect(
        () =>
          deps.connect.send(
            new ListRoutingProfileQueuesCommand({
              InstanceId: input.instanceId,
              RoutingProfileId: input.routingProfileId,
              NextToken: nextToken,
              MaxResults: 100,
            }),
          ),
        policy,
      );
      for (const summary of response.RoutingProfileQueueConfigSummaryList ?? []) {
        if (summary.Channel === 'TASK' && summary.QueueId) queueIds.add(summary.QueueId);
      }
      nextToken = response.NextToken;
    } while (nextToken);
    return { routingProfileId: input.routingProfileId, queueIds: [...queueIds].sort() };
  };
}
