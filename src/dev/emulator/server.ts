/**
 * The HTTP front of the emulator: routes Connect operations and the admin API, and applies, in
 * Connect's order, authentication (a SigV4 `Authorization` header must be present; signatures are
 * verified when the emulator has credentials, see signatures.ts), throttling, injected faults, then
 * the operation itself. Errors go out as the SDK expects them: status, `x-amzn-ErrorType`,
 * `x-amzn-RequestId` and a JSON `Message`/`Reason`.
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { ADMIN_PREFIX, EmulatorControls, handleAdminRequest } from './admin';
import { FaultInjector } from './faults';
import { readBody, sendJson } from './http-io';
import { LedgerRecorder } from './ledger';
import { CallCentre } from './model';
import { matchOperation } from './operations';
import { ConnectError } from './protocol';
import { SeededRandom } from './random';
import type { SignatureChecker } from './signatures';
import { Throttler } from './throttle';

export interface EmulatorServerParts {
  centre: CallCentre;
  ledger: LedgerRecorder;
  throttler: Throttler;
  faults: FaultInjector;
  requestIds: SeededRandom;
  controls: EmulatorControls;
  signatures: SignatureChecker;
}

export function createEmulatorServer(parts: EmulatorServerParts): Server {
  return createServer((request, response) => {
    handleRequest(parts, request, response).catch((error: unknown) => {
      // Only a bug gets here; answer like Connect's own internal failure rather than hang up.
      if (!response.headersSent) {
        sendJson(
          response,
          500,
          { Message: `Emulator failure: ${(error as Error).message}` },
          {
            'x-amzn-ErrorType': 'InternalServiceException',
          },
        );
      }
    });
  });
}

async function handleRequest(parts: EmulatorServerParts, request: IncomingMessage, response: ServerResponse) {
  const { pathname, searchParams } = new URL(request.url ?? '/', 'http://emulator');
  if (pathname.startsWith(ADMIN_PREFIX))
    return handleAdminRequest(request, response, pathname, parts.controls);

  const requestId = parts.requestIds.uuid();
  const matched = matchOperation(request.method ?? 'GET', pathname);
  if (!matched) {
    const error = new ConnectError(
      'UnknownOperationException',
      `No Connect operation ${request.method} ${pathname}`,
    );
    return sendError(response, requestId, error);
  }
  const operation = matched.route.operation;
  const { ledger } = parts;
  ledger.call(operation);
  const bodyText = await readBody(request);
  try {
    await parts.signatures.check(request, bodyText);
    if (!parts.throttler.admit(operation)) {
      ledger.throttled(operation);
      throw new ConnectError('ThrottlingException', 'Rate exceeded');
    }
    const { delayMs, action } = parts.faults.decide(operation);
    if (delayMs > 0 || action.kind !== 'none') ledger.fault(operation, action, delayMs > 0);
    if (delayMs > 0) await sleep(delayMs);
    if (action.kind === 'error') throw new ConnectError(action.error, `Injected fault: ${action.error}`);
    if (action.kind === 'drop') return request.socket.destroy();

    const result = matched.route.handle(
      { labels: matched.labels, query: searchParams, body: parseBody(bodyText) },
      parts.centre,
    );
    if (action.kind === 'commit-then-drop') return request.socket.destroy();
    if (action.kind === 'commit-then-error') {
      throw new ConnectError('InternalServiceException', 'Injected fault after the request was applied');
    }
    sendJson(response, 200, result, { 'x-amzn-RequestId': requestId });
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    ledger.error(operation, error.errorName);
    sendError(response, requestId, error);
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new ConnectError('SerializationException', 'The request body is not a JSON object');
}

function sendError(response: ServerResponse, requestId: string, error: ConnectError): void {
  sendJson(response, error.status, error.toBody(), {
    'x-amzn-ErrorType': error.errorName,
    'x-amzn-RequestId': requestId,
  });
}
