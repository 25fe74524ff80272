/**
 * The admin HTTP API under `/_emulator/`, for tests, demos and people: read the ledger and the
 * call-centre state, change agent statuses and skills, complete contacts, set faults, follow agent events.
 * No SigV4 here: it is not part of Connect.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { Faults } from './faults';
import { matchRoute, readBody, type Route, sendJson } from './http-io';
import { Ledger } from './ledger';
import { CallCentreSnapshot } from './model';
import { type Proficiency, proficienciesSchema } from './proficiencies';
import { ConnectError } from './protocol';

export const ADMIN_PREFIX = '/_emulator/';

export interface EmulatorControls {
  ledger(): Ledger;
  snapshot(): CallCentreSnapshot;
  setAgentStatus(userId: string, status: string): void;
  completeContact(contactId: string): void;
  acceptOffer(contactId: string): void;
  rejectOffer(contactId: string): void;
  clearAfterContactWork(contactId: string): void;
  /** Validates the changes (throws a ZodError) and applies them to the agent's offer behaviour. */
  setAgentOffers(userId: string, changes: unknown): void;
  /** Validates and replaces the agent's proficiencies; returns them as they now are. */
  setAgentProficiencies(userId: string, proficiencies: unknown): Proficiency[];
  faults(): Faults;
  /** Validates and replaces the whole fault plan. */
  setFaults(faults: unknown): void;
  subscribeToEvents(response: ServerResponse): void;
}

const statusBodySchema = z.object({ status: z.string().min(1) });
/** The call centre then checks them against the instance's predefined attributes. */
const proficienciesBodySchema = z.object({ proficiencies: proficienciesSchema });

interface AdminRoute extends Route {
  handle(
    controls: EmulatorControls,
    labels: Record<string, string>,
    body: () => Promise<unknown>,
    response: ServerResponse,
  ): Promise<void>;
}

const ok = (response: ServerResponse, body: unknown = { ok: true }) => sendJson(response, 200, body);

/** `POST /_emulator/contacts/{contactId}/{action}`: something an agent does to a contact now. */
function contactAction(
  action: string,
  apply: (controls: EmulatorControls, contactId: string) => void,
): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: new RegExp(`^contacts/(?<contactId>[^/]+)/${action}$`),
      async handle(controls, { contactId }, _body, response) {
        apply(controls, contactId);
        ok(response);
      },
    },
  ];
}

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
    method: 'PUT',
    path: /^agents\/(?<userId>[^/]+)\/offers$/,
    async handle(controls, { userId }, body, response) {
      controls.setAgentOffers(userId, await body());
      ok(response);
    },
  },
  {
    method: 'PUT',
    path: /^agents\/(?<userId>[^/]+)\/proficiencies$/,
    async handle(controls, { userId }, body, response) {
      const { proficiencies } = proficienciesBodySchema.parse(await body());
      ok(response, { proficiencies: controls.setAgentProficiencies(userId, proficiencies) });
    },
  },
  ...contactAction('complete', (controls, contactId) => controls.completeContact(contactId)),
  ...contactAction('accept', (controls, contactId) => controls.acceptOffer(contactId)),
  ...contactAction('reject', (controls, contactId) => controls.rejectOffer(contactId)),
  ...contactAction('clear-after-contact-work', (controls, contactId) =>
    controls.clearAfterContactWork(contactId),
  ),
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
