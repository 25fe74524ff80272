import { CreateContactCommand } from '@aws-sdk/client-connect';
import { validateCreateContactRequest } from '../src/shared/connect-validation';
import { type CreateContactFields, toCreateContactRequest } from '../src/shared/contact-requests';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { deriveClientToken, type IdempotencyInput } from './client-token';
import {
  callConnect,
  type ConnectActivityDeps,
  type ConnectActivityInput,
  rejectInvalidInput,
  requireField,
} from './connect-call';

export interface CreateContactInput extends ConnectActivityInput, IdempotencyInput, CreateContactFields {}

export interface CreateContactResult {
  contactId: string;
  contactArn: string;
  clientToken: string;
  /** When this activity saw the contact created; pass it on as `contactCreatedAt`. */
  createdAt: string;
}

/** CreateContact (`PUT /contact/create-contact`): validated first, idempotent through ClientToken. */
export function makeCreateContact(deps: ConnectActivityDeps) {
  return async function createContact(input: CreateContactInput): Promise<CreateContactResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const clientToken = deriveClientToken(input);
    const request = toCreateContactRequest(input.instanceId, input, clientToken);
    rejectInvalidInput('CreateContact', validateCreateContactRequest(request));
    const response = await callConnect(
      'CreateContact',
      () => deps.connect.send(new CreateContactCommand(request)),
      policy,
    );
    return {
      contactId: requireField(response.ContactId, 'ContactId', 'CreateContact'),
      contactArn: requireField(response.ContactArn, 'ContactArn', 'CreateContact'),
      clientToken,
      createdAt: deps.now().toISOString(),
    };
  };
}
