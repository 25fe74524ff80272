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

/** One page of a routing profile's queue list, as both queue-listing operations answer it. */
export interface QueueConfigPage {
  summaries?: { Channel?: string; QueueId?: string }[];
  nextToken?: string;
}

/** Every page of a routing profile's queue list, reduced to its TASK queues. */
export async function listTaskQueues(
  input: ListRoutingProfileQueuesInput,
  fetchPage: (nextToken: string | undefined) => Promise<QueueConfigPage>,
): Promise<ListRoutingProfileQueuesResult> {
  const queueIds = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    for (const summary of page.summaries ?? []) {
      if (summary.Channel === 'TASK' && summary.QueueId) queueIds.add(summary.QueueId);
    }
    nextToken = page.nextToken;
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
    const policy = resolveErrorPolicy(input.errorPolicy);
    return listTaskQueues(input, async (nextToken) => {
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
      return { summaries: response.RoutingProfileQueueConfigSummaryList, nextToken: response.NextToken };
    });
  };
}
