import { StartTaskContactCommand } from '@aws-sdk/client-connect';
import { validateStartTaskContactRequest } from '../src/shared/connect-validation';
import { type StartTaskContactFields, toStartTaskContactRequest } from '../src/shared/contact-requests';
import { resolveErrorPolicy } from '../src/shared/error-policy';
import { deriveClientToken, type IdempotencyInput } from './client-token';
import {
  callConnect,
  type ConnectActivityDeps,
  type ConnectActivityInput,
  rejectInvalidInput,
  requireField,
} from './connect-call';

export interface StartTaskContactInput
  extends ConnectActivityInput, IdempotencyInput, StartTaskContactFields {}

export interface StartTaskContactResult {
  contactId: string;
  clientToken: string;
  createdAt: string;
}

/**
 * StartTaskContact (`PUT /contact/task`): a task that enters a flow (and through it a queue),
 * idempotent through the same ClientToken derivation as createContact.
 */
export function makeStartTaskContact(deps: ConnectActivityDeps) {
  return async function startTaskContact(input: StartTaskContactInput): Promise<StartTaskContactResult> {
    const policy = resolveErrorPolicy(input.errorPolicy);
    const clientToken = deriveClientToken(input);
    const request = toStartTaskContactRequest(input.instanceId, input, clientToken);
    rejectInvalidInput('StartTaskContact', validateStartTaskContactRequest(request, { now: deps.now() }));
    const response = await callConnect(
      'StartTaskContact',
      () => deps.connect.send(new StartTaskContactCommand(request)),
      policy,
    );
    return {
      contactId: requireField(response.ContactId, 'ContactId', 'StartTaskContact'),
      clientToken,
      createdAt: deps.now().toISOString(),
    };
  };
}
