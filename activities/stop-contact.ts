import { StopContactCommand, type StopContactCommandInput } from '@aws-sdk/client-connect';
import { ApplicationFailure } from '@temporalio/common';
import { validateStopContactRequest } from '../src/shared/connect-validation';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { callConnect, type ConnectActivityDeps, contactMayBeNew, rejectInvalidInput } from './connect-call';
import { type ContactRefInput, describeOrUndefined, makeDescribeContact } from './describe-contact';

export interface StopContactInput extends ContactRefInput {
  /** `DisconnectReason.Code`. */
  disconnectReasonCode?: string;
}

export interface StopContactResult {
  contactId: string;
  /** The contact had already ended (e.g. an earlier attempt stopped it, or it expired). */
  alreadyEnded: boolean;
}

/**
 * Failure types Connect answers when StopContact meets a contact that is not active: the SDK model
 * lists ContactNotFoundException (410) for "does not exist"; an ended contact may also be refused
 * as an invalid request. Either way DescribeContact decides.
 */
const NOT_ACTIVE_FAILURE_TYPES = ['ContactNotFoundException', 'InvalidRequestException'];

/**
 * StopContact (`POST /contact/stop`), idempotent for cleanup: stopping a contact that has already
 * ended (confirmed by DescribeContact's DisconnectTimestamp) succeeds with `alreadyEnded: true`.
 */
export function makeStopContact(deps: ConnectActivityDeps) {
  const describeContact = makeDescribeContact(deps);
  return async function stopContact(input: StopContactInput): Promise<StopContactResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const request: StopContactCommandInput = {
      InstanceId: input.instanceId,
      ContactId: input.contactId,
      DisconnectReason:
        input.disconnectReasonCode === undefined ? undefined : { Code: input.disconnectReasonCode },
    };
    rejectInvalidInput('StopContact', validateStopContactRequest(request));
    try {
      await callConnect('StopContact', () => deps.connect.send(new StopContactCommand(request)), policy, {
        resourceMayBeNew: contactMayBeNew(input.contactCreatedAt, deps.now()),
      });
      return { contactId: input.contactId, alreadyEnded: false };
    } catch (failure) {
      const notActive =
        failure instanceof ApplicationFailure && NOT_ACTIVE_FAILURE_TYPES.includes(failure.type ?? '');
      const contact = notActive ? await describeOrUndefined(describeContact, input) : undefined;
      if (contact?.disconnectedAt === undefined) throw failure;
      return { contactId: input.contactId, alreadyEnded: true };
    }
  };
}
