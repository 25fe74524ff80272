import { ListRoutingProfileManualAssignmentQueuesCommand } from '@aws-sdk/client-connect';
import type { ConnectActivityDeps } from './connect-call';
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
    return listTaskQueues(
      'ListRoutingProfileManualAssignmentQueues',
      input,
      (request) => deps.connect.send(new ListRoutingProfileManualAssignmentQueuesCommand(request)),
      (response) => response.RoutingProfileManualAssignmentQueueConfigSummaryList,
    );
  };
}
