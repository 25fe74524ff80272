import { TransferContactCommand, type TransferContactCommandInput } from '@aws-sdk/client-connect';
import { validateTransferContactRequest } from '../src/shared/connect-validation';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { deriveClientToken, type IdempotencyInput } from './client-token';
import {
  callConnect,
  type ConnectActivityDeps,
  contactMayBeNew,
  rejectInvalidInput,
  requireField,
} from './connect-call';
import type { ContactRefInput } from './describe-contact';

export interface TransferContactInput extends ContactRefInput, IdempotencyInput {
  /** The flow that moves the contact (a transfer-to-queue flow for a queue). */
  contactFlowId: string;
  /** Where to: a queue, or (not both) an agent. */
  queueId?: string;
  userId?: string;
}

export interface TransferContactResult {
  /**
   * The contact to work with from now on. Connect may give a transferred contact a new id (its
   * PreviousContactId is the old one), so later calls must use this one, not the id transferred.
   */
  contactId: string;
  contactArn?: string;
  clientToken: string;
  transferredAt: string;
}

/**
 * TransferContact (`POST /contact/transfer`): how a TASK made by CreateContact, which is in no queue,
 * gets into one ("at any point after a contact is created", through a flow). Idempotent through the
 * same ClientToken derivation as createContact, so a retry never transfers twice.
 */
export function makeTransferContact(deps: ConnectActivityDeps) {
  return async function transferContact(input: TransferContactInput): Promise<TransferContactResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const clientToken = deriveClientToken(input);
    const request: TransferContactCommandInput = {
      InstanceId: input.instanceId,
      ContactId: input.contactId,
      ContactFlowId: input.contactFlowId,
      QueueId: input.queueId,
      UserId: input.userId,
      ClientToken: clientToken,
    };
    rejectInvalidInput('TransferContact', validateTransferContactRequest(request));
    const response = await callConnect(
      'TransferContact',
      () => deps.connect.send(new TransferContactCommand(request)),
      policy,
      {
        resourceMayBeNew: contactMayBeNew(input.contactCreatedAt, deps.now()),
      },
    );
    return {
      contactId: requireField(response.ContactId, 'ContactId', 'TransferContact'),
      contactArn: response.ContactArn,
      clientToken,
      transferredAt: deps.now().toISOString(),
    };
  };
}
