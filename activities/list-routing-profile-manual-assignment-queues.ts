import { ListRoutingProfileManualAssignmentQueuesCommand } from '@aws-sdk/client-connect';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { callConnect, type ConnectActivityDeps } from './connect-call';
import {
  type ListRoutingProfileQueuesInput,
  type ListRoutingProfileQueuesResult,
  listTaskQueues,
} from './list-routing-profile-queues';

/**
 * ListRoutingProfileManualAssignmentQueues
 * (`GET /routing-profiles/{InstanceId}/{RoutingProfileId}/manual-assignment-queues`), all pages.
 * AssociateContactWithUser assigns only contacts queued in one of these queues of the agent's
 * routing profile, and Connect itself never routes them, so nothing races the dispatcher for them.
 */
export function makeListRoutingProfileManualAssignmentQueues(deps: ConnectActivityDeps) {
  return async function listRoutingProfileManualAssignmentQueues(
    input: ListRoutingProfileQueuesInput,
  ): Promise<ListRoutingProfileQueuesResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    return listTaskQueues(input, async (nextToken) => {
      const response = await callConnect(
        () =>
          deps.connect.send(
            new ListRoutingProfileManualAssignmentQueuesCommand({
              InstanceId: input.instanceId,
              RoutingProfileId: input.routingProfileId,
              NextToken: nextToken,
              MaxResults: 100,
            }),
          ),
        policy,
      );
      return {
        summaries: response.RoutingProfileManualAssignmentQueueConfigSummaryList,
        nextToken: response.NextToken,
      };
    });
  };
}
