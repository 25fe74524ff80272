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
  /**
   * How the offer is known to stand. `describeContact`: the outcome was ambiguous and DescribeContact
   * showed the agent had already accepted. `unconfirmed`: the outcome was ambiguous and Connect shows
   * the contact live but accepted by nobody yet, so it may be ringing on the agent or back in its
   * queue: only the agent's own data (GetCurrentUserData) can tell, which the dispatcher watches.
   */
  resolvedBy: 'associateContactWithUser' | 'describeContact' | 'unconfirmed';
}

/** Failures after which the association may have happened even though the call did not say so. */
const AMBIGUOUS_POLICY_KEYS: readonly PolicyKey[] = [
  'NetworkError',
  'InternalServiceException',
  'ServiceUnavailable',
  'Unknown5xx',
];

/**
 * AssociateContactWithUser (`POST /contacts/{InstanceId}/{ContactId}/associate-user`): offers the
 * contact to the agent. The call has no idempotency token, so an ambiguous outcome (timeout, network
 * error, 5xx, or InvalidRequest on a retry, which is what a repeated association answers) is settled
 * with DescribeContact: accepted by this user → done (`describeContact`); live and accepted by nobody
 * → `unconfirmed`; ended unaccepted, or with another agent → the failure stands.
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
      await callConnect(
        'AssociateContactWithUser',
        () => deps.connect.send(new AssociateContactWithUserCommand(request)),
        policy,
        {
          resourceMayBeNew: contactMayBeNew(input.contactCreatedAt, deps.now()),
        },
      );
      return { ...result, resolvedBy: 'associateContactWithUser' };
    } catch (failure) {
      const contact = isAmbiguous(failure) ? await describeOrUndefined(describeContact, input) : undefined;
      if (contact === undefined) throw failure;
      if (contact.agentId !== undefined) {
        // Accepted by this user, even if it has ended since (a short task): the association took.
        if (!isSameUser(contact.agentId, input.userId)) throw failure;
        return { ...result, resolvedBy: 'describeContact' };
      }
      if (contact.disconnectedAt !== undefined) throw failure;
      // Accepted by nobody yet. A retryable failure is retried: the repeat tells whether the first took.
      // A refusal of that repeat is what an offer already made answers: it may be ringing on the agent.
      if (isRefusedRepeat(failure)) return { ...result, resolvedBy: 'unconfirmed' };
      throw failure;
    }
  };
}

function isAmbiguous(failure: unknown): boolean {
  if (!(failure instanceof ApplicationFailure)) return false;
  const details = failure.details?.[0] as ConnectFailureDetails | undefined;
  if (details && AMBIGUOUS_POLICY_KEYS.includes(details.policyKey)) return true;
  return isRefusedRepeat(failure);
}

function isRefusedRepeat(failure: unknown): boolean {
  return (
    failure instanceof ApplicationFailure &&
    failure.type === 'InvalidRequestException' &&
    currentAttempt() > 1
  );
}

/** `userIdOrArn` is the id itself or a user ARN ending in `/agent/{id}`. */
export function isSameUser(agentId: string, userIdOrArn: string): boolean {
  return userIdOrArn === agentId || userIdOrArn.endsWith(`/agent/${agentId}`);
}
