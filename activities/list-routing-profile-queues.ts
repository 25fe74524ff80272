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

/** The request both queue-listing operations take, one page at a time. */
export interface QueuePageRequest {
  InstanceId: string;
  RoutingProfileId: string;
  NextToken?: string;
  MaxResults: number;
}

/** Every page of a routing profile's queue list (either kind), reduced to its TASK queues. */
export async function listTaskQueues<R extends { NextToken?: string }>(
  operation: 'ListRoutingProfileQueues' | 'ListRoutingProfileManualAssignmentQueues',
  input: ListRoutingProfileQueuesInput,
  send: (request: QueuePageRequest) => Promise<R>,
  summariesOf: (response: R) => { Channel?: string; QueueId?: string }[] | undefined,
): Promise<ListRoutingProfileQueuesResult> {
  const policy = resolveErrorPolicy(input.errorPolicy);
  const queueIds = new Set<string>();
  let nextToken: string | undefined;
  do {
    const request = {
      InstanceId: input.instanceId,
      RoutingProfileId: input.routingProfileId,
      NextToken: nextToken,
      MaxResults: 100,
    };
    const response = await callConnect(operation, () => send(request), policy);
    for (const summary of summariesOf(response) ?? []) {
      if (summary.Channel === 'TASK' && summary.QueueId) queueIds.add(summary.QueueId);
    }
    nextToken = response.NextToken;
  } while (nextToken);
  return { routingProfileId: input.routingProfileId, queueIds: [...queueIds].sort() };
}

/**
 * ListRoutingProfileQueues (`GET /routing-profiles/{InstanceId}/{RoutingProfileId}/queues`), all pages:
 * the profile's auto-assignment queues, which Connect itself routes from.
 * GetCurrentUserData says which routing profile an agent has, not which queues it serves; this does.
 */
export function makeListRoutingProfileQueues(deps: ConnectActivityDeps) {
  return async function listRoutingProfileQueues(
    input: ListRoutingProfileQueuesInput,
  ): Promise<ListRoutingProfileQueuesResult> {
    return listTaskQueues(
      'ListRoutingProfileQueues',
      input,
      (request) => deps.connect.send(new ListRoutingProfileQueuesCommand(request)),
      (response) => response.RoutingProfileQueueConfigSummaryList,
    );
  };
}
