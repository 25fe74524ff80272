import { ListUsersCommand } from '@aws-sdk/client-connect';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { callConnect, type ConnectActivityDeps, type ConnectActivityInput } from './connect-call';

export interface ListUsersResult {
  /** User id → username: what a supervisor recognises an agent by. */
  usernames: Record<string, string>;
  /** ListUsers calls made (pages): the List* budget this used. */
  requestCount: number;
}

/** ListUsers' largest page: fewest calls from the List* budget. */
const PAGE_SIZE = 1000;

/**
 * ListUsers (`GET /users-summary/{InstanceId}`), all pages. GetCurrentUserData names agents by id
 * only; the dispatcher reads usernames here, so that offers show who an agent is.
 */
export function makeListUsers(deps: ConnectActivityDeps) {
  return async function listUsers(input: ConnectActivityInput): Promise<ListUsersResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const usernames: Record<string, string> = {};
    let requestCount = 0;
    let nextToken: string | undefined;
    do {
      const request = { InstanceId: input.instanceId, NextToken: nextToken, MaxResults: PAGE_SIZE };
      const response = await callConnect(
        'ListUsers',
        () => deps.connect.send(new ListUsersCommand(request)),
        policy,
      );
      requestCount += 1;
      for (const user of response.UserSummaryList ?? []) {
        if (user.Id && user.Username) usernames[user.Id] = user.Username;
      }
      nextToken = response.NextToken;
    } while (nextToken);
    return { usernames, requestCount };
  };
}
