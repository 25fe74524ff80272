import assert from 'node:assert/strict';
import {
  CreateContactCommand,
  GetCurrentUserDataCommand,
  ListRoutingProfileManualAssignmentQueuesCommand,
  ListRoutingProfileQueuesCommand,
  StartTaskContactCommand,
  TransferContactCommand,
  TransferContactCommandInput,
} from '@aws-sdk/client-connect';
import {
  DEFAULT_CALL_CENTRE,
  EmulatorConfig,
  EVERYONE_OFFLINE,
  startEmulator,
} from '../../../src/dev/emulator';
import {
  ALICE,
  assignTask,
  BILLING_FLOW,
  BILLING_PROFILE,
  BILLING_QUEUE,
  BLENDED_PROFILE,
  CAROL,
  createTask,
  describeContact,
  expectConnectError,
  GENERAL_QUEUE,
  INVALID_REQUEST,
  NOT_FOUND,
  QUIET,
  SUPPORT_QUEUE,
  TRANSFER_TO_AGENT_FLOW,
  TRANSFER_TO_QUEUE_FLOW,
  useEmulator,
} from './harness';

/** Every agent Offline, so that Connect's own routing takes nothing. */
const NOBODY_ROUTED: EmulatorConfig = { ...QUIET, ...EVERYONE_OFFLINE };

describe('Connect emulator: manual-assignment queues and TransferContact', () => {
  const env = useEmulator(() => NOBODY_ROUTED);

  const transfer = (fields: Partial<TransferContactCommandInput>) => {
    const { connect, instanceId } = env();
    return connect.send(
      new TransferContactCommand({
        InstanceId: instanceId,
        ContactId: undefined,
        ContactFlowId: TRANSFER_TO_QUEUE_FLOW,
        ...fields,
      }),
    );
  };

  it('lists routed queues and manual-assignment queues apart', async () => {
    const { connect, instanceId } = env();
    const routed = await connect.send(
      new ListRoutingProfileQueuesCommand({ InstanceId: instanceId, RoutingProfileId: BLENDED_PROFILE }),
    );
    assert.deepEqual(
      routed.RoutingProfileQueueConfigSummaryList?.map(({ QueueId, QueueName }) => [QueueId, QueueName]),
      [[GENERAL_QUEUE, 'General']],
    );
    const manual = await connect.send(
      new ListRoutingProfileManualAssignmentQueuesCommand({
        InstanceId: instanceId,
        RoutingProfileId: BLENDED_PROFILE,
        MaxResults: 1,
      }),
    );
    const [first] = manual.RoutingProfileManualAssignmentQueueConfigSummaryList ?? [];
    assert.deepEqual(first, {
      QueueId: BILLING_QUEUE,
      QueueArn: `arn:aws:connect:us-east-1:123456789012:instance/${instanceId}/queue/${BILLING_QUEUE}`,
      QueueName: 'Billing',
      Channel: 'TASK',
    });
    assert.ok(manual.NextToken);
    const rest = await connect.send(
      new ListRoutingProfileManualAssignmentQueuesCommand({
        InstanceId: instanceId,
        RoutingProfileId: BLENDED_PROFILE,
        NextToken: manual.NextToken,
      }),
    );
    assert.deepEqual(
      rest.RoutingProfileManualAssignmentQueueConfigSummaryList?.map(({ QueueId }) => QueueId),
      [SUPPORT_QUEUE],
    );
    await expectConnectError(
      connect.send(
        new ListRoutingProfileManualAssignmentQueuesCommand({
          InstanceId: instanceId,
          RoutingProfileId: 'x',
        }),
      ),
      NOT_FOUND,
    );
  });

  it('GetCurrentUserData Queues matches a queue in either of a profile’s lists', async () => {
    const { connect, instanceId } = env();
    const agentsFor = async (queueId: string) => {
      const answer = await connect.send(
        new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Queues: [queueId] } }),
      );
      return answer.UserDataList?.length;
    };
    assert.equal(await agentsFor(GENERAL_QUEUE), 6);
    assert.equal(await agentsFor(BILLING_QUEUE), 4);
  });

  it('refuses to associate a task in no queue (CONTACT_NOT_QUEUED) or in a routed queue (QUEUE_NOT_MANUAL_ASSIGNMENT)', async () => {
    const { connect, instanceId, emulator } = env();
    const unqueued = await createTask(connect, instanceId);
    await expectConnectError(assignTask(connect, instanceId, unqueued, ALICE), {
      ...INVALID_REQUEST,
      reason: 'CONTACT_NOT_QUEUED',
    });
    const inGeneral = await transfer({ ContactId: unqueued, QueueId: GENERAL_QUEUE });
    assert.ok(inGeneral.ContactId);
    await expectConnectError(assignTask(connect, instanceId, inGeneral.ContactId, ALICE), {
      ...INVALID_REQUEST,
      reason: 'QUEUE_NOT_MANUAL_ASSIGNMENT',
    });
    // Support is a manual-assignment queue, but not of alice's profile.
    const inSupport = await transfer({ ContactId: inGeneral.ContactId, QueueId: SUPPORT_QUEUE });
    await expectConnectError(assignTask(connect, instanceId, inSupport.ContactId ?? '', ALICE), {
      ...INVALID_REQUEST,
      reason: 'QUEUE_NOT_MANUAL_ASSIGNMENT',
    });
    await assignTask(connect, instanceId, inSupport.ContactId ?? '', CAROL);
    const ledger = emulator.ledger();
    assert.deepEqual(ledger.associateRefusals, { CONTACT_NOT_QUEUED: 1, QUEUE_NOT_MANUAL_ASSIGNMENT: 2 });
    assert.equal(ledger.assignments.length, 1);
  });

  it('a transfer to a queue makes a new queued contact and ends the old one as TRANSFERRED', async () => {
    const { connect, instanceId, emulator } = env();
    const original = await createTask(connect, instanceId, {
      Description: 'About invoice 42',
      Attributes: { order: '42' },
      References: { invoice: { Type: 'URL', Value: 'https://example.invalid/42' } },
      ExpiryDurationInMinutes: 60,
    });
    const before = Date.now();
    const first = await transfer({ ContactId: original, QueueId: BILLING_QUEUE });
    assert.match(first.ContactId ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(first.ContactId, original);
    assert.equal(
      first.ContactArn,
      `arn:aws:connect:us-east-1:123456789012:instance/${instanceId}/contact/${first.ContactId}`,
    );

    const old = await describeContact(connect, instanceId, original);
    assert.equal(old?.DisconnectReason, 'TRANSFERRED');
    const moved = await describeContact(connect, instanceId, first.ContactId);
    assert.equal(moved?.InitiationMethod, 'TRANSFER');
    assert.equal(moved?.PreviousContactId, original);
    assert.equal(moved?.InitialContactId, original);
    assert.equal(moved?.Name, 'task');
    assert.equal(moved?.Description, 'About invoice 42');
    assert.deepEqual(moved?.Attributes, { order: '42' });
    assert.equal(moved?.QueueInfo?.Id, BILLING_QUEUE);
    assert.ok((moved?.QueueInfo?.EnqueueTimestamp?.getTime() ?? 0) >= before - 1);
    assert.equal(moved?.DisconnectTimestamp, undefined);

    const second = await transfer({ ContactId: first.ContactId, QueueId: SUPPORT_QUEUE });
    const again = await describeContact(connect, instanceId, second.ContactId);
    assert.equal(again?.PreviousContactId, first.ContactId);
    assert.equal(again?.InitialContactId, original, 'the chain keeps its first contact');

    const snapshot = emulator.snapshot();
    assert.equal(snapshot.activeTaskContacts, 1, 'a transfer is not a second active task');
    const expiries = new Set(snapshot.contacts.map((contact) => contact.expiresAt));
    assert.equal(expiries.size, 1, 'the expiry moves with the contact');
    const ledger = emulator.ledger();
    assert.equal(ledger.transfers, 2);
    assert.equal(ledger.contactsCreated, 1);
    assert.equal(ledger.duplicateCreations, 0);
  });

  it('replays a TransferContact ClientToken, and refuses it with other parameters', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await createTask(connect, instanceId);
    const request = { ContactId: contactId, QueueId: BILLING_QUEUE, ClientToken: 'wf-1/transfer' };
    const first = await transfer(request);
    const replay = await transfer(request);
    assert.deepEqual([replay.ContactId, replay.ContactArn], [first.ContactId, first.ContactArn]);
    await expectConnectError(transfer({ ...request, QueueId: SUPPORT_QUEUE }), {
      name: 'IdempotencyException',
      status: 409,
    });
    const ledger = emulator.ledger();
    assert.equal(ledger.transfers, 1);
    assert.equal(ledger.clientTokenReplays, 1);
    assert.equal(ledger.clientTokenMismatches, 1);
  });

  it('refuses transfers Connect documents as invalid, naming why', async () => {
    const { connect, instanceId } = env();
    const contactId = await createTask(connect, instanceId);
    const refused = (fields: Partial<TransferContactCommandInput>, message: RegExp) =>
      expectConnectError(transfer({ ContactId: contactId, ...fields }), { ...INVALID_REQUEST, message });

    await refused({ QueueId: BILLING_QUEUE, UserId: ALICE }, /exactly one of QueueId and UserId/);
    await refused({}, /exactly one of QueueId and UserId \(got neither\)/);
    await refused({ QueueId: BILLING_QUEUE, ContactFlowId: BILLING_FLOW }, /needs a QUEUE_TRANSFER flow/);
    await refused({ UserId: ALICE }, /needs a AGENT_TRANSFER flow/);
    await refused(
      { UserId: ALICE, ContactFlowId: TRANSFER_TO_AGENT_FLOW },
      /does not model transfers to an agent/,
    );
    await expectConnectError(transfer({ ContactId: contactId, QueueId: 'no-such-queue' }), NOT_FOUND);
    await expectConnectError(
      transfer({ ContactId: contactId, QueueId: BILLING_QUEUE, ContactFlowId: 'no-such-flow' }),
      NOT_FOUND,
    );

    const { ContactId: voice } = await connect.send(
      new CreateContactCommand({ InstanceId: instanceId, Channel: 'VOICE', InitiationMethod: 'TRANSFER' }),
    );
    await expectConnectError(transfer({ ContactId: voice, QueueId: BILLING_QUEUE }), {
      ...INVALID_REQUEST,
      message: /TASK and EMAIL contacts only/,
    });
    const ended = await createTask(connect, instanceId, { InitiateAs: 'COMPLETED' });
    await expectConnectError(transfer({ ContactId: ended, QueueId: BILLING_QUEUE }), {
      ...INVALID_REQUEST,
      message: /only active contacts/,
    });
  });

  it('StartTaskContact refuses a transfer flow', async () => {
    const { connect, instanceId } = env();
    await expectConnectError(
      connect.send(
        new StartTaskContactCommand({
          InstanceId: instanceId,
          Name: 't',
          ContactFlowId: TRANSFER_TO_QUEUE_FLOW,
        }),
      ),
      { ...INVALID_REQUEST, message: /needs a CONTACT_FLOW/ },
    );
  });
});

describe('Connect emulator: TransferContact switches', () => {
  describe('maxTransfers', () => {
    const env = useEmulator(() => ({ ...NOBODY_ROUTED, maxTransfers: 2 }));

    it('refuses a transfer beyond the chain’s limit with ServiceQuotaExceededException', async () => {
      const { connect, instanceId } = env();
      let contactId = await createTask(connect, instanceId);
      for (const queueId of [BILLING_QUEUE, SUPPORT_QUEUE]) {
        const moved = await connect.send(
          new TransferContactCommand({
            InstanceId: instanceId,
            ContactId: contactId,
            QueueId: queueId,
            ContactFlowId: TRANSFER_TO_QUEUE_FLOW,
          }),
        );
        contactId = moved.ContactId ?? '';
      }
      await expectConnectError(
        connect.send(
          new TransferContactCommand({
            InstanceId: instanceId,
            ContactId: contactId,
            QueueId: BILLING_QUEUE,
            ContactFlowId: TRANSFER_TO_QUEUE_FLOW,
          }),
        ),
        { name: 'ServiceQuotaExceededException', status: 402, message: /transferred 2 times/ },
      );
    });
  });

  describe('transferKeepsContactId', () => {
    const env = useEmulator(() => ({ ...NOBODY_ROUTED, transferKeepsContactId: true }));

    it('moves the contact itself to the target queue', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await createTask(connect, instanceId);
      const moved = await connect.send(
        new TransferContactCommand({
          InstanceId: instanceId,
          ContactId: contactId,
          QueueId: BILLING_QUEUE,
          ContactFlowId: TRANSFER_TO_QUEUE_FLOW,
        }),
      );
      assert.equal(moved.ContactId, contactId);
      const contact = await describeContact(connect, instanceId, contactId);
      assert.equal(contact?.QueueInfo?.Id, BILLING_QUEUE);
      assert.equal(contact?.DisconnectTimestamp, undefined);
      assert.equal(emulator.snapshot().contacts.length, 1);
    });
  });
});

describe('Connect emulator: routing-profile and contact-flow config', () => {
  const refused = (config: EmulatorConfig, message: RegExp) =>
    assert.rejects(startEmulator({ config }), message);

  it('refuses a queue in both lists of a profile, a profile with no queue, and flows without their queue rule', async () => {
    const [billing] = DEFAULT_CALL_CENTRE.queues.map((queue) => queue.id);
    const profile = { id: 'p', name: 'P', taskConcurrency: 1 };
    await refused(
      {
        routingProfiles: [
          { ...profile, queueIds: [billing ?? ''], manualAssignmentQueueIds: [billing ?? ''] },
        ],
      },
      /routing profile p has queue .* in both queueIds and manualAssignmentQueueIds/,
    );
    await refused({ routingProfiles: [profile] }, /routing profile p serves no queue/);
    await refused(
      { contactFlows: [{ id: 'f', name: 'F' }] },
      /contact flow f \(CONTACT_FLOW\) needs the queueId/,
    );
    await refused(
      { contactFlows: [{ id: 'f', name: 'F', type: 'QUEUE_TRANSFER', queueId: billing }] },
      /contact flow f \(QUEUE_TRANSFER\) takes no queueId/,
    );
  });

  it('serves profiles with manual-assignment queues only', async () => {
    const emulator = await startEmulator({
      config: {
        routingProfiles: [
          {
            id: BILLING_PROFILE,
            name: 'Manual only',
            manualAssignmentQueueIds: [BILLING_QUEUE],
            taskConcurrency: 1,
          },
        ],
        agents: [{ id: ALICE, username: 'alice', routingProfileId: BILLING_PROFILE }],
      },
    });
    const [profile] = emulator.snapshot().routingProfiles;
    await emulator.stop();
    assert.deepEqual(profile?.queues, []);
    assert.deepEqual(
      profile?.manualAssignmentQueues.map((queue) => queue.id),
      [BILLING_QUEUE],
    );
  });
});
