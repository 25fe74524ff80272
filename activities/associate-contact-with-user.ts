import {
  AssociateContactWithUserCommand,
  type AssociateContactWithUserCommandInput,
} from '@aws-sdk/client-connect';
import { ApplicationFailure } from '@temporalio/common';
import { validateAssociateContactWithUserRequest } from '../src/shared/connect-validation';
import { type ConnectFailureDetails, type PolicyKey, resolveErrorPolicy } from '../src/shared/error-policy';
import {
  callConnect,
  type ConnectActivityDeps,
  contactMayBeNew,
  currentAttempt,
  rejectInvalidInput,
} from './connect-call';
import { type ContactRefInput, describeOrUndefined, makeDescribeContact } from './describe-contact';

export interface AssociateContactWithUserInput extends ContactRefInput {
  /** A user id or a user ARN (`arn:aws:connect:...:instance/{instanceId}/agent/{userId}`). */
  userId: string;
}

export interface AssociateContactWithUserResult {
  contactId: string;
  userId: string;
  /** `describeContact` when the call's outcome was ambiguous and DescribeContact showed it had taken effect. */
  resolvedBy: 'associateContactWithUser' | 'describeContact';
}

/** Failures after which the association may have happened even though the call did not say so. */
const AMBIGUOUS_POLICY_KEYS: readonly PolicyKey[] = [
  'NetworkError',
  'InternalServiceException',
  'ServiceUnavailable',
  'Unknown5xx',
];

/**
 * AssociateContactWithUser (`POST /contacts/{InstanceId}/{ContactId}/associate-user`). The call has
 * no idempotency token, so an ambiguous outcome (timeout, network error, 5xx, or InvalidRequest on
 * a retry, which is what a repeated association answers) is settled with DescribeContact: if the
 * contact is already with this user, the association succeeded.
 */
export function makeAssociateContactWithUser(deps: ConnectActivityDeps) {
  const describeContact = makeDescribeContact(deps);
  return async function associateContactWithUser(
    input: AssociateContactWithUserInput,
  ): Promise<AssociateContactWithUserResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const request: AssociateContactWithUserCommandInput = {
      InstanceId: input.instanceId,
      ContactId: input.contactId,
      UserId: input.userId,
    };
    rejectInvalidInput('AssociateContactWithUser', validateAssociateContactWithUserRequest(request));
    const result = { contactId: input.contactId, userId: input.userId };
    try {
      await callConnect(() => deps.connect.send(new AssociateContactWithUserCommand(request)), policy, {
        resourceMayBeNew: contactMayBeNew(input.contactCreatedAt, deps.now()),
      });
      return { ...result, resolvedBy: 'associateContactWithUser' };
    } catch (failure) {
      const contact = isAmbiguous(failure) ? await describeOrUndefined(describeContact, input) : undefined;
      if (contact?.agentId === undefined || !isSameUser(contact.agentId, input.userId)) throw failure;
      return { ...result, resolvedBy: 'describeContact' };
    }
  };
}

function isAmbiguous(failure: unknown): boolean {
  if (!(failure instanceof ApplicationFailure)) return false;
  const details = failure.details?.[0] as ConnectFailureDetails | undefined;
  if (details && AMBIGUOUS_POLICY_KEYS.includes(details.policyKey)) return true;
  return failure.type === 'InvalidRequestException' && currentAttempt() > 1;
}

/** `userIdOrArn` is the id itself or a user ARN ending in `/agent/{id}`. */
export function isSameUser(agentId: string, userIdOrArn: string): boolean {
  return userIdOrArn === agentId || userIdOrArn.endsWith(`/agent/${agentId}`);
}
