/**
 * The admin HTTP API under `/_emulator/`, for tests, demos and people: read the ledger and the
 * call-centre state, change agent statuses, complete contacts, set faults, follow agent events.
 * No SigV4 here: it is not part of Connect.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { Faults } from './faults';
import { matchRoute, readBody, type Route, sendJson } from './http-io';
import { Ledger } from './ledger';
import { CallCentreSnapshot } from './model';
import { ConnectError } from './protocol';

export const ADMIN_PREFIX = '/_emulator/';

export interface EmulatorControls {
  ledger(): Ledger;
  snapshot(): CallCentreSnapshot;
  setAgentStatus(userId: string, status: string): void;
  completeContact(contactId: string): void;
  faults(): Faults;
  /** Validates and replaces the whole fault plan. */
  setFaults(faults: unknown): void;
  subscribeToEvents(response: ServerResponse): void;
}

const statusBodySchema = z.object({ status: z.string().min(1) });

interface AdminRoute extends Route {
  handle(
    controls: EmulatorControls,
    labels: Record<string, string>,
    body: () => Promise<unknown>,
    response: ServerResponse,
  ): Promise<void>;
}

const ok = (response: ServerResponse, body: unknown = { ok: true }) => sendJson(response, 200, body);

const ADMIN_ROUTES: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: /^ledger$/,
    handle: async (controls, _labels, _body, response) => ok(response, controls.ledger()),
  },
  {
    method: 'GET',
    path: /^state$/,
    handle: async (controls, _labels, _body, response) => ok(response, controls.snapshot()),
  },
  {
    method: 'PUT',
    path: /^agents\/(?<userId>[^/]+)\/status$/,
    async handle(controls, { userId }, body, response) {
      const { status } = statusBodySchema.parse(await body());
      controls.setAgentStatus(userId, status);
      ok(response);
    },
  },
  {
    method: 'POST',
    path: /^contacts\/(?<contactId>[^/]+)\/complete$/,
    async handle(controls, { contactId }, _body, response) {
      controls.completeContact(contactId);
      ok(response);
    },
  },
  {
    method: 'GET',
    path: /^faults$/,
    handle: async (controls, _labels, _body, response) => ok(response, controls.faults()),
  },
  {
    method: 'PUT',
    path: /^faults$/,
    async handle(controls, _labels, body, response) {
      controls.setFaults(await body());
      ok(response, controls.faults());
    },
  },
  {
    method: 'GET',
    path: /^events$/,
    handle: async (controls, _labels, _body, response) => controls.subscribeToEvents(response),
  },
];

export async function handleAdminRequest(
  request: IncomingMessage,
  response: ServerResponse,
  pathname: string,
  controls: EmulatorControls,
): Promise<void> {
  const subpath = pathname.slice(ADMIN_PREFIX.length);
  const matched = matchRoute(ADMIN_ROUTES, request.method ?? 'GET', subpath);
  if (!matched) {
    return sendJson(response, 404, {
      error: 'NotFound',
      message: `No admin route ${request.method} ${pathname}`,
    });
  }
  const { route, labels } = matched;
  const body = async (): Promise<unknown> => {
    const text = await readBody(request);
    return text === '' ? {} : JSON.parse(text);
  };
  try {
    await route.handle(controls, labels, body, response);
  } catch (error) {
    const status = error instanceof ConnectError ? error.status : 400;
    const name = error instanceof ConnectError ? error.errorName : 'BadRequest';
    const message = error instanceof z.ZodError ? z.prettifyError(error) : (error as Error).message;
    sendJson(response, status, { error: name, message });
  }
}
