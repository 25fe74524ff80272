import { ListUserProficienciesCommand } from '@aws-sdk/client-connect';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ConnectValidationIssue } from '../src/shared/connect-validation';
import type { AgentProficiency } from '../src/shared/dispatcher-contract';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import {
  callConnect,
  type ConnectActivityDeps,
  type ConnectActivityInput,
  rejectInvalidInput,
} from './connect-call';

export interface ListUserProficienciesInput extends ConnectActivityInput {
  /** Users to read, by id (or ARN); each is read once however often it is named. */
  userIds: string[];
}

export interface ListUserProficienciesResult {
  /** User id (as given) → its proficiencies, in Connect's order; [] for a user with none. */
  proficiencies: Record<string, AgentProficiency[]>;
  /** ListUserProficiencies calls that answered (pages), earlier attempts' included: the List* budget used. */
  requestCount: number;
  /**
   * Users Connect answered ResourceNotFoundException for: deleted, or never of this instance. Connect
   * answers an unknown instance the same way, so a wrong instanceId puts every user here.
   */
  unknownUserIds: string[];
}

/** ListUserProficiencies' largest page. */
const PAGE_SIZE = 100;

/**
 * ListUserProficiencies (`GET /users/{InstanceId}/{UserId}/proficiencies`), every page of each user.
 * GetCurrentUserData does not say what an agent is skilled in; this does, for skills-based routing.
 *
 * One activity makes at least one call per user, unpaced: Connect's List* quota (2/s, burst 5) throttles
 * a long list. So it heartbeats the users read so far after each one, and an attempt retried after
 * throttling goes on from there instead of reading them all again.
 */
export function makeListUserProficiencies(deps: ConnectActivityDeps) {
  return async function listUserProficiencies(
    input: ListUserProficienciesInput,
  ): Promise<ListUserProficienciesResult> {
    rejectInvalidInput('ListUserProficiencies', emptyUserIdIssues(input.userIds));
    const policy = resolveErrorPolicy(input.errorPolicy);
    const context = Context.current();
    const progress = resumedProgress(context.info.heartbeatDetails);
    /** Every page of one user's proficiencies; undefined when Connect does not know the user. */
    const read = async (userId: string): Promise<AgentProficiency[] | undefined> => {
      const proficiencies: AgentProficiency[] = [];
      let nextToken: string | undefined;
      do {
        const request = {
          InstanceId: input.instanceId,
          UserId: userId,
          NextToken: nextToken,
          MaxResults: PAGE_SIZE,
        };
        const response = await callConnect(
          'ListUserProficiencies',
          () => deps.connect.send(new ListUserProficienciesCommand(request)),
          policy,
        ).catch((failure: unknown) => {
          if (failure instanceof ApplicationFailure && failure.type === 'ResourceNotFoundException')
            return undefined;
          throw failure;
        });
        if (response === undefined) return undefined;
        progress.requestCount += 1;
        for (const { AttributeName, AttributeValue, Level } of response.UserProficiencyList ?? []) {
          if (AttributeName && AttributeValue && Level !== undefined) {
            proficiencies.push({ name: AttributeName, value: AttributeValue, level: Level });
          }
        }
        nextToken = response.NextToken;
      } while (nextToken);
      return proficiencies;
    };
    for (const userId of new Set(input.userIds)) {
      if (Object.hasOwn(progress.proficiencies, userId) || progress.unknownUserIds.includes(userId)) continue;
      const proficiencies = await read(userId);
      if (proficiencies === undefined) progress.unknownUserIds.push(userId);
      else progress.proficiencies[userId] = proficiencies;
      context.heartbeat(progress);
    }
    return progress;
  };
}

/** An empty id would leave the request path without its UserId: refused before any call. */
function emptyUserIdIssues(userIds: readonly string[]): ConnectValidationIssue[] {
  return userIds.flatMap((userId, index) =>
    userId === ''
      ? [
          {
            field: `userIds[${index}]`,
            message: `userIds[${index}] must not be empty`,
            exception: 'InvalidParameterException' as const,
          },
        ]
      : [],
  );
}

/** What an earlier attempt's last heartbeat carried, or a fresh start. */
function resumedProgress(details: unknown): ListUserProficienciesResult {
  const earlier = details as Partial<ListUserProficienciesResult> | undefined;
  return {
    proficiencies: { ...earlier?.proficiencies },
    requestCount: earlier?.requestCount ?? 0,
    unknownUserIds: [...(earlier?.unknownUserIds ?? [])],
  };
}
