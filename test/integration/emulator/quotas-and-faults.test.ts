import assert from 'node:assert/strict';
import { GetCurrentUserDataCommand, StopContactCommand } from '@aws-sdk/client-connect';
import {
  agentContacts,
  connectClient,
  ALICE,
  assignTask,
  createTask,
  describeContact,
  expectConnectError,
  INVALID_REQUEST,
  queuedTask,
  QUIET,
  useEmulator,
} from './harness';
import { startEmulator } from '../../../src/dev/emulator';

describe('Connect emulator: throttling', () => {
  describe('with a configured CreateContact bucket', () => {
    const env = useEmulator(() => ({
      ...QUIET,
      throttling: { CreateContact: { ratePerSecond: 1, burst: 3 } },
    }));

    it('lets a burst through up to the bucket size and throttles the rest with 429', async () => {
      const { connect, instanceId, emulator } = env();
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => createTask(connect, instanceId)),
      );
      const throttled = results.filter((result) => result.status === 'rejected');
      assert.equal(results.length - throttled.length, 3);
      for (const result of throttled) {
        const error = (result as PromiseRejectedResult).reason as Error & {
          $metadata: { httpStatusCode: number };
        };
        assert.equal(error.name, 'ThrottlingException');
        assert.equal(error.$metadata.httpStatusCode, 429);
      }
      const ledger = emulator.ledger();
      assert.equal(ledger.throttledCalls.CreateContact, 3);
      assert.equal(ledger.calls.CreateContact, 6);
      assert.equal(ledger.contactsCreated, 3);
    });
  });

  describe("with the default quotas (Connect's table)", () => {
    const env = useEmulator(() => ({ handleTimeMs: null }));

    it('GetCurrentUserData allows a burst of 5 at 2 per second', async () => {
      const { connect, instanceId, emulator } = env();
      const call = () =>
        connect.send(new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Agents: [ALICE] } }));
      const results = await Promise.allSettled(Array.from({ length: 8 }, call));
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 5);
      await expectConnectError(call(), { name: 'ThrottlingException', status: 429 });
      await new Promise((resolve) => setTimeout(resolve, 550));
      await call(); // one token back after half a second
      assert.equal(emulator.ledger().throttledCalls.GetCurrentUserData, 4);
    });

    /** How many of `count` calls made at once are not throttled (a StopContact after the first fails otherwise). */
    async function admitted(count: number, call: () => Promise<unknown>): Promise<number> {
      const results = await Promise.allSettled(Array.from({ length: count }, call));
      return results.filter(
        (result) => result.status === 'fulfilled' || (result.reason as Error).name !== 'ThrottlingException',
      ).length;
    }

    it("follows Connect's table: CreateContact burst 5, DescribeContact and StopContact burst 15", async () => {
      const { connect, instanceId, emulator } = env();
      /** A burst at once gets `burst` calls through, one more if a token refilled while it was sent. */
      const assertBurst = (admittedCalls: number, burst: number) =>
        assert.ok(admittedCalls === burst || admittedCalls === burst + 1, `${admittedCalls} admitted`);
      assertBurst(await admitted(8, () => createTask(connect, instanceId)), 5);
      const [contactId] = emulator.snapshot().contacts.map((contact) => contact.id);
      assertBurst(await admitted(20, () => describeContact(connect, instanceId, contactId)), 15);
      const stop = () =>
        connect.send(new StopContactCommand({ InstanceId: instanceId, ContactId: contactId }));
      assertBurst(await admitted(20, stop), 15);
      assert.deepEqual(Object.keys(emulator.ledger().throttledCalls).sort(), [
        'CreateContact',
        'DescribeContact',
        'StopContact',
      ]);
    });
  });
});

describe('Connect emulator: fault injection', () => {
  const env = useEmulator();

  it('answers an injected error without applying the request', async () => {
    const { connect, instanceId, emulator } = env();
    emulator.setFaults({ CreateContact: { errorRates: { InternalServiceException: 1 } } });
    await expectConnectError(createTask(connect, instanceId), {
      name: 'InternalServiceException',
      status: 500,
    });
    emulator.setFaults({ CreateContact: { errorRates: { ServiceUnavailableException: 1 } } });
    await expectConnectError(createTask(connect, instanceId), {
      name: 'ServiceUnavailableException',
      status: 503,
    });
    const ledger = emulator.ledger();
    assert.equal(ledger.contactsCreated, 0);
    assert.equal(ledger.faultsInjected.CreateContact?.errors, 2);
    assert.deepEqual(ledger.errors.CreateContact, {
      InternalServiceException: 1,
      ServiceUnavailableException: 1,
    });
  });

  it('adds latency', async () => {
    const { connect, instanceId, emulator } = env();
    emulator.setFaults({ DescribeContact: { latencyMs: { min: 120, max: 150 } } });
    const contactId = await createTask(connect, instanceId);
    const started = Date.now();
    await describeContact(connect, instanceId, contactId);
    assert.ok(Date.now() - started >= 115, `took ${Date.now() - started} ms`);
    assert.equal(emulator.ledger().faultsInjected.DescribeContact?.delayed, 1);
  });

  it('drops the connection without applying the request', async () => {
    const { connect, instanceId, emulator } = env();
    emulator.setFaults({ CreateContact: { dropRate: 1 } });
    await assert.rejects(createTask(connect, instanceId), (error: Error & { $metadata?: unknown }) => {
      assert.match(
        `${error.name} ${error.message} ${(error as { code?: string }).code}`,
        /ECONNRESET|socket hang up/,
      );
      return true;
    });
    assert.equal(emulator.ledger().contactsCreated, 0);
    assert.equal(emulator.ledger().faultsInjected.CreateContact?.drops, 1);
  });

  it('commit-then-fail (500): the contact exists, and a retry with the same ClientToken gets it back', async () => {
    const { connect, instanceId, emulator } = env();
    emulator.setFaults({ CreateContact: { commitThenFail: { errorRate: 1 } } });
    const request = { ClientToken: 'wf-9/create' };
    await expectConnectError(createTask(connect, instanceId, request), {
      name: 'InternalServiceException',
      status: 500,
    });
    const [created] = emulator.snapshot().contacts;
    assert.ok(created, 'the change was applied before the 500');

    emulator.setFaults({});
    assert.equal(await createTask(connect, instanceId, request), created.id);
    const ledger = emulator.ledger();
    assert.equal(ledger.contactsCreated, 1);
    assert.equal(ledger.clientTokenReplays, 1);
    assert.equal(ledger.faultsInjected.CreateContact?.commitThenError, 1);
  });

  it('commit-then-fail (dropped connection): the offer is applied though the caller sees a network error', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await queuedTask(connect, instanceId);
    emulator.setFaults({ AssociateContactWithUser: { commitThenFail: { dropRate: 1 } } });
    await assert.rejects(assignTask(connect, instanceId, contactId, ALICE));
    assert.equal(emulator.ledger().faultsInjected.AssociateContactWithUser?.commitThenDrop, 1);
    emulator.setFaults({});
    assert.deepEqual(
      await agentContacts(connect, instanceId, ALICE),
      [[contactId, 'CONNECTING']],
      'GetCurrentUserData resolves the ambiguous outcome',
    );
    await expectConnectError(assignTask(connect, instanceId, contactId, ALICE), {
      ...INVALID_REQUEST,
      reason: 'CONTACT_ALREADY_OFFERED',
    });
    emulator.acceptOffer(contactId);
    assert.equal((await describeContact(connect, instanceId, contactId))?.AgentInfo?.Id, ALICE);
  });

  it('PUT /_emulator/faults sets the plan and refuses an invalid one', async () => {
    const { connect, instanceId, admin } = env();
    const plan = { CreateContact: { errorRates: { ThrottlingException: 1 } } };
    assert.deepEqual(await admin('PUT', 'faults', plan), { status: 200, body: plan });
    assert.deepEqual((await admin('GET', 'faults')).body, plan);
    await expectConnectError(createTask(connect, instanceId), {
      name: 'ThrottlingException',
      status: 429,
    });
    const refused = await admin('PUT', 'faults', {
      CreateContact: { errorRates: { InternalServiceException: 0.7 }, dropRate: 0.5 },
    });
    assert.equal(refused.status, 400);
    assert.match((refused.body as { message: string }).message, /add up to at most 1/);
    assert.equal((await admin('PUT', 'faults', { NoSuchOperation: {} })).status, 400);
  });
});

describe('Connect emulator: determinism under a seed', () => {
  /** Runs the same calls against a fresh emulator and returns what varies with the seed. */
  async function run(seed: number) {
    const emulator = await startEmulator({
      seed,
      config: {
        ...QUIET,
        handleTimeMs: { min: 1000, max: 60_000 },
        faults: { CreateContact: { errorRates: { InternalServiceException: 0.4 } } },
      },
    });
    const connect = connectClient(emulator.endpoint);
    try {
      const outcomes: string[] = [];
      for (let index = 0; index < 12; index += 1) {
        try {
          outcomes.push(await createTask(connect, emulator.instanceId));
        } catch (error) {
          outcomes.push((error as Error).name);
        }
      }
      return outcomes;
    } finally {
      connect.destroy();
      await emulator.stop();
    }
  }

  it('repeats contact ids and injected faults exactly under the same seed, and differs under another', async () => {
    const first = await run(42);
    assert.deepEqual(await run(42), first);
    assert.ok(first.includes('InternalServiceException') && first.some((outcome) => outcome.length === 36));
    assert.notDeepEqual(await run(43), first);
  });
});
