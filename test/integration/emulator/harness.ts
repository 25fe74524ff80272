/**
 * Shared setup for the emulator conformance tests: each test starts its own emulator on a free
 * port and drives it only through the real AWS SDK client and the admin HTTP API.
 */
import assert from 'node:assert/strict';
import {
  AssociateContactWithUserCommand,
  ConnectClient,
  Contact,
  CreateContactCommand,
  CreateContactCommandInput,
  DescribeContactCommand,
  GetCurrentUserDataCommand,
  TransferContactCommand,
  UserData,
} from '@aws-sdk/client-connect';
import {
  DEFAULT_CALL_CENTRE,
  defaultAgentId,
  defaultContactFlowId,
  defaultQueueId,
  EmulatorConfig,
  OPERATIONS,
  RunningEmulator,
  startEmulator,
} from '../../../src/dev/emulator';

/** The default call centre's stable ids. */
export const ALICE = defaultAgentId('alice'); // Billing agents, TASK concurrency 1
export const CAROL = defaultAgentId('carol'); // Support agents, TASK concurrency 2
export const ERIN = defaultAgentId('erin'); // Blended agents, TASK concurrency 3
export const [BILLING_QUEUE, SUPPORT_QUEUE, GENERAL_QUEUE] = ['Billing', 'Support', 'General'].map(
  defaultQueueId,
);
export const [BILLING_FLOW, TRANSFER_TO_QUEUE_FLOW, TRANSFER_TO_AGENT_FLOW] = [
  'Billing task flow',
  'Transfer to queue',
  'Transfer to agent',
].map(defaultContactFlowId);
export const [BILLING_PROFILE, , BLENDED_PROFILE] = DEFAULT_CALL_CENTRE.routingProfiles.map(
  (profile) => profile.id,
);

/** No throttling and agents that never finish on their own, unless a test says otherwise. */
export const QUIET: EmulatorConfig = {
  handleTimeMs: null,
  throttling: Object.fromEntries(OPERATIONS.map((operation) => [operation, null])),
};

/**
 * QUIET, with agents who accept every offer at once and leave no after-contact work, for tests that are
 * about neither (each has tests of its own).
 */
export const PROMPT_AGENTS: EmulatorConfig = {
  ...QUIET,
  offers: { autoAccept: true },
  afterContactWorkMs: 0,
};

export interface TestEmulator {
  emulator: RunningEmulator;
  connect: ConnectClient;
  instanceId: string;
  /** A call to the admin API; returns status and parsed JSON body. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
}

/** The access key the tests' emulators know and verify every request's SigV4 signature with. */
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'emulator-secret' };

/** Starts an emulator for the current test and stops it afterwards (register in `beforeEach`). */
export function useEmulator(config: () => EmulatorConfig = () => QUIET, seed = 7): () => TestEmulator {
  let current: TestEmulator | undefined;
  beforeEach(async () => {
    const emulator = await startEmulator({ config: config(), seed, credentials: [TEST_CREDENTIALS] });
    current = {
      emulator,
      connect: connectClient(emulator.endpoint),
      instanceId: emulator.instanceId,
      async admin(method, path, body) {
        const response = await fetch(`${emulator.endpoint}/_emulator/${path}`, {
          method,
          ...(body === undefined
            ? {}
            : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        });
        return { status: response.status, body: await response.json() };
      },
    };
  });
  afterEach(async () => {
    current?.connect.destroy();
    await current?.emulator.stop();
    current = undefined;
  });
  return () => {
    assert.ok(current, 'the emulator starts in beforeEach');
    return current;
  };
}

export function connectClient(endpoint: string): ConnectClient {
  return new ConnectClient({
    endpoint,
    region: 'us-east-1',
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
  });
}

/** What a task made with CreateContact carries unless a test says otherwise. */
export const TASK = { Channel: 'TASK', InitiationMethod: 'API', Name: 'task' } as const;

/** Creates a task with CreateContact (so in no queue), with `fields` over TASK; returns its ContactId. */
export async function createTask(
  connect: ConnectClient,
  instanceId: string,
  fields: Partial<CreateContactCommandInput> = {},
): Promise<string> {
  const { ContactId } = await connect.send(
    new CreateContactCommand({ InstanceId: instanceId, ...TASK, ...fields }),
  );
  assert.ok(ContactId);
  return ContactId;
}

/**
 * A task made by CreateContact and transferred into `queueId` (by default Billing, a manual-assignment
 * queue), as AssociateContactWithUser needs it; returns the transferred contact's id.
 */
export async function queuedTask(
  connect: ConnectClient,
  instanceId: string,
  queueId: string = BILLING_QUEUE,
  fields: Partial<CreateContactCommandInput> = {},
): Promise<string> {
  const created = await createTask(connect, instanceId, fields);
  const { ContactId } = await connect.send(
    new TransferContactCommand({
      InstanceId: instanceId,
      ContactId: created,
      QueueId: queueId,
      ContactFlowId: TRANSFER_TO_QUEUE_FLOW,
    }),
  );
  assert.ok(ContactId);
  return ContactId;
}

/** Offers a queued contact to an agent with AssociateContactWithUser. */
export function assignTask(connect: ConnectClient, instanceId: string, contactId: string, userId: string) {
  return connect.send(
    new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: contactId, UserId: userId }),
  );
}

/** The contact as DescribeContact reports it. */
export async function describeContact(
  connect: ConnectClient,
  instanceId: string,
  contactId: string | undefined,
): Promise<Contact | undefined> {
  const { Contact } = await connect.send(
    new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }),
  );
  return Contact;
}

/** One agent's GetCurrentUserData entry. */
export async function currentUserData(
  connect: ConnectClient,
  instanceId: string,
  userId: string,
): Promise<UserData | undefined> {
  const { UserDataList } = await connect.send(
    new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Agents: [userId] } }),
  );
  return UserDataList?.[0];
}

/** One agent's contacts as GetCurrentUserData reports them: [ContactId, AgentContactState]. */
export async function agentContacts(connect: ConnectClient, instanceId: string, userId: string) {
  const data = await currentUserData(connect, instanceId, userId);
  return (data?.Contacts ?? []).map((contact) => [contact.ContactId, contact.AgentContactState]);
}

/** One agent's active and available TASK slots, as GetCurrentUserData reports them. */
export async function taskSlots(connect: ConnectClient, instanceId: string, userId: string) {
  const data = await currentUserData(connect, instanceId, userId);
  return { active: data?.ActiveSlotsByChannel?.TASK, available: data?.AvailableSlotsByChannel?.TASK };
}

/** Connect errors the tests expect, to spread into `expectConnectError`'s second argument. */
export const INVALID_PARAMETER = { name: 'InvalidParameterException', status: 400 };
export const INVALID_REQUEST = { name: 'InvalidRequestException', status: 400 };
export const NOT_FOUND = { name: 'ResourceNotFoundException', status: 404 };

interface ExpectedConnectError {
  name: string;
  status: number;
  /** The emulator's `Reason` value (the SDK surfaces it as `Reason.$unknown`). */
  reason?: string;
  message?: RegExp;
}

/** Asserts that a call fails with the given Connect error, as the SDK raises it. */
export async function expectConnectError(
  call: Promise<unknown>,
  expected: ExpectedConnectError,
): Promise<void> {
  await assert.rejects(
    call,
    (error: Error & { $metadata?: { httpStatusCode?: number; requestId?: string }; Reason?: unknown }) => {
      assert.equal(error.name, expected.name, error.message);
      assert.equal(error.$metadata?.httpStatusCode, expected.status);
      assert.match(error.$metadata?.requestId ?? '', /^[0-9a-f-]{36}$/);
      if (expected.reason !== undefined)
        assert.deepEqual(error.Reason, { $unknown: ['EmulatorReason', expected.reason] });
      if (expected.message) assert.match(error.message, expected.message);
      return true;
    },
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `check` stops throwing, for effects that happen on the emulator's timers. */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(10);
    }
  }
}
