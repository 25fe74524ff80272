import assert from 'node:assert/strict';
import {
  AssociateContactWithUserCommand,
  ConnectClient,
  CreateContactCommand,
  DescribeContactCommand,
  GetCurrentUserDataCommand,
  StartTaskContactCommand,
} from '@aws-sdk/client-connect';
import { EmulatorConfig } from '../../../src/emulator';
import {
  ALICE,
  BILLING_FLOW,
  BILLING_QUEUE,
  CAROL,
  ERIN,
  eventually,
  expectConnectError,
  QUIET,
  sleep,
  useEmulator,
} from './harness';

const TASK = { Channel: 'TASK', InitiationMethod: 'API', Name: 'task' } as const;

async function createTask(connect: ConnectClient, instanceId: string, fields: object = {}): Promise<string> {
  const { ContactId } = await connect.send(
    new CreateContactCommand({ InstanceId: instanceId, ...TASK, ...fields }),
  );
  assert.ok(ContactId);
  return ContactId;
}

async function taskSlots(connect: ConnectClient, instanceId: string, userId: string) {
  const { UserDataList } = await connect.send(
    new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Agents: [userId] } }),
  );
  const data = UserDataList?.[0];
  return { active: data?.ActiveSlotsByChannel?.TASK, available: data?.AvailableSlotsByChannel?.TASK };
}

describe('Connect emulator: contacts, agents and the ledger', () => {
  describe('with agents that never finish on their own', () => {
    const env = useEmulator();

    it('InitiateAs CONNECTED_TO_USER connects the task to UserInfo.UserId at once', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await createTask(connect, instanceId, {
        InitiateAs: 'CONNECTED_TO_USER',
        UserInfo: { UserId: CAROL },
      });
      const { Contact } = await connect.send(
        new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }),
      );
      assert.equal(Contact?.AgentInfo?.Id, CAROL);
      assert.deepEqual(await taskSlots(connect, instanceId, CAROL), { active: 1, available: 1 });
      assert.deepEqual(
        emulator.ledger().assignments.map(({ contactId: id, userId, via, overCapacity }) => ({
          id,
          userId,
          via,
          overCapacity,
        })),
        [{ id: contactId, userId: CAROL, via: 'CreateContact', overCapacity: false }],
      );
    });

    it('InitiateAs COMPLETED creates an ended task that does not count as active', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await createTask(connect, instanceId, { InitiateAs: 'COMPLETED' });
      const { Contact } = await connect.send(
        new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }),
      );
      assert.ok(Contact?.DisconnectTimestamp instanceof Date);
      assert.equal(emulator.snapshot().activeTaskContacts, 0);
      await expectConnectError(
        connect.send(
          new AssociateContactWithUserCommand({
            InstanceId: instanceId,
            ContactId: contactId,
            UserId: ALICE,
          }),
        ),
        { name: 'InvalidRequestException', status: 400, reason: 'CONTACT_ENDED' },
      );
    });

    it('assigns to a busy agent like Connect does, and records it as over capacity', async () => {
      const { connect, instanceId, emulator } = env();
      const first = await createTask(connect, instanceId);
      const second = await createTask(connect, instanceId);
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: first, UserId: ALICE }),
      );
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: second, UserId: ALICE }),
      );
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 2, available: 0 });
      const ledger = emulator.ledger();
      assert.equal(ledger.overCapacityAssignments, 1);
      assert.deepEqual(
        ledger.assignments.map((assignment) => [
          assignment.contactId,
          assignment.overCapacity,
          assignment.overCapacityReasons,
        ]),
        [
          [first, false, undefined],
          [second, true, ['NO_FREE_TASK_SLOT']],
        ],
      );
      assert.equal(ledger.assignments[1]?.activeTaskSlotsBefore, 1);
      assert.equal(ledger.assignments[1]?.maxTaskSlots, 1);
    });

    it('assigns to an agent who is not Available, and records it as over capacity', async () => {
      const { connect, instanceId, emulator, admin } = env();
      assert.equal((await admin('PUT', `agents/${ERIN}/status`, { status: 'Lunch' })).status, 200);
      const contactId = await createTask(connect, instanceId);
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: contactId, UserId: ERIN }),
      );
      const [assignment] = emulator.ledger().assignments;
      assert.equal(assignment?.overCapacity, true);
      assert.deepEqual(assignment?.overCapacityReasons, ['AGENT_NOT_ROUTABLE']);
      assert.equal(assignment?.agentStatus, 'Lunch');
    });

    it('refuses to assign a connected contact again, telling a repeat from a double assignment', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await createTask(connect, instanceId);
      const associate = (UserId: string) =>
        connect.send(
          new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: contactId, UserId }),
        );
      await associate(ALICE);
      await expectConnectError(associate(ALICE), {
        name: 'InvalidRequestException',
        status: 400,
        reason: 'CONTACT_ALREADY_CONNECTED',
      });
      await expectConnectError(associate(CAROL), {
        name: 'InvalidRequestException',
        status: 400,
        reason: 'CONTACT_ALREADY_CONNECTED',
      });
      const ledger = emulator.ledger();
      assert.equal(ledger.repeatedAssignments, 1);
      assert.equal(ledger.doubleAssignments, 1);
      assert.equal(ledger.assignments.length, 1);
    });

    it('replays a ClientToken: same ContactId, one contact, counted as a replay', async () => {
      const { connect, instanceId, emulator } = env();
      const request = { ...TASK, Attributes: { order: '42' }, ClientToken: 'wf-1/create' };
      const first = await createTask(connect, instanceId, request);
      const again = await createTask(connect, instanceId, {
        Attributes: { order: '42' },
        ClientToken: 'wf-1/create',
      });
      assert.equal(again, first);
      const ledger = emulator.ledger();
      assert.equal(ledger.contactsCreated, 1);
      assert.equal(ledger.clientTokenReplays, 1);
      assert.equal(ledger.duplicateCreations, 0);
    });

    it('answers IdempotencyException (409) for a ClientToken reused with different parameters', async () => {
      const { connect, instanceId, emulator } = env();
      await createTask(connect, instanceId, { ClientToken: 'wf-2/create', Attributes: { order: '1' } });
      await expectConnectError(
        createTask(connect, instanceId, { ClientToken: 'wf-2/create', Attributes: { order: '2' } }),
        {
          name: 'IdempotencyException',
          status: 409,
        },
      );
      const ledger = emulator.ledger();
      assert.equal(ledger.contactsCreated, 1);
      assert.equal(ledger.clientTokenMismatches, 1);
    });

    it('replays StartTaskContact ClientTokens separately from CreateContact ones', async () => {
      const { connect, instanceId, emulator } = env();
      const start = () =>
        connect.send(
          new StartTaskContactCommand({
            InstanceId: instanceId,
            Name: 'x',
            ContactFlowId: BILLING_FLOW,
            ClientToken: 'same',
          }),
        );
      const first = await start();
      const second = await start();
      assert.equal(second.ContactId, first.ContactId);
      const created = await createTask(connect, instanceId, { ClientToken: 'same' });
      assert.notEqual(created, first.ContactId);
      assert.equal(emulator.ledger().clientTokenReplays, 1);
    });

    it('counts contacts created with equal content under different tokens as duplicate creations', async () => {
      const { connect, instanceId, emulator } = env();
      const first = await createTask(connect, instanceId, { Attributes: { order: '7' } });
      const second = await createTask(connect, instanceId, { Attributes: { order: '7' } });
      await createTask(connect, instanceId, { Attributes: { order: '8' } });
      const ledger = emulator.ledger();
      assert.equal(ledger.contactsCreated, 3);
      assert.equal(ledger.duplicateCreations, 1);
      assert.deepEqual(ledger.duplicates, [{ contactId: second, duplicateOfContactId: first }]);
    });

    it('POST /_emulator/contacts/{id}/complete ends a connected contact and frees the slot', async () => {
      const { connect, instanceId, admin } = env();
      const contactId = await createTask(connect, instanceId);
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: contactId, UserId: ALICE }),
      );
      assert.equal((await admin('POST', `contacts/${contactId}/complete`)).status, 200);
      const { Contact } = await connect.send(
        new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }),
      );
      assert.equal(Contact?.DisconnectReason, 'AGENT_DISCONNECT');
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 0, available: 1 });
      const again = await admin('POST', `contacts/${contactId}/complete`);
      assert.equal(again.status, 400);
      assert.equal((await admin('POST', 'contacts/no-such-contact/complete')).status, 404);
    });

    it('StartTaskContact honours ScheduledTime: the task is queued, and assignable, only from then', async () => {
      const { connect, instanceId } = env();
      const scheduledTime = new Date(Date.now() + 400);
      const { ContactId } = await connect.send(
        new StartTaskContactCommand({
          InstanceId: instanceId,
          Name: 'later',
          ContactFlowId: BILLING_FLOW,
          ScheduledTime: scheduledTime,
        }),
      );
      const describe = () => connect.send(new DescribeContactCommand({ InstanceId: instanceId, ContactId }));
      const scheduled = (await describe()).Contact;
      assert.equal(scheduled?.ScheduledTimestamp?.getTime(), scheduledTime.getTime());
      assert.equal(scheduled?.QueueInfo?.EnqueueTimestamp, undefined);
      await expectConnectError(
        connect.send(
          new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId, UserId: ALICE }),
        ),
        { name: 'InvalidRequestException', status: 400, reason: 'CONTACT_NOT_YET_QUEUED' },
      );
      await eventually(async () => {
        const queued = (await describe()).Contact;
        assert.equal(queued?.QueueInfo?.Id, BILLING_QUEUE);
        assert.ok((queued?.QueueInfo?.EnqueueTimestamp?.getTime() ?? 0) >= scheduledTime.getTime() - 5);
      });
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId, UserId: ALICE }),
      );
    });
  });

  describe('with handle times', () => {
    const env = useEmulator(() => ({ ...QUIET, handleTimeMs: 60 }));

    it('an agent completes a connected task after the handle time, which frees the slot', async () => {
      const { connect, instanceId } = env();
      const contactId = await createTask(connect, instanceId);
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: contactId, UserId: ALICE }),
      );
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 1, available: 0 });
      await eventually(async () =>
        assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 0, available: 1 }),
      );
      const { Contact } = await connect.send(
        new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }),
      );
      assert.equal(Contact?.DisconnectReason, 'AGENT_DISCONNECT');
      const handledMs =
        (Contact?.DisconnectTimestamp?.getTime() ?? 0) -
        (Contact?.AgentInfo?.ConnectedToAgentTimestamp?.getTime() ?? 0);
      assert.ok(handledMs >= 55, `handled for ${handledMs} ms`);
    });
  });

  describe('with expiry', () => {
    // One Connect "minute" lasts 40 ms here.
    const env = useEmulator(() => ({ ...QUIET, minuteMs: 40, defaultTaskExpiryMinutes: 5 }));

    it('ends a waiting contact when ExpiryDurationInMinutes elapses', async () => {
      const { connect, instanceId } = env();
      const contactId = await createTask(connect, instanceId, { ExpiryDurationInMinutes: 1 });
      const describe = () =>
        connect.send(new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }));
      assert.equal((await describe()).Contact?.DisconnectTimestamp, undefined);
      await eventually(async () => assert.equal((await describe()).Contact?.DisconnectReason, 'EXPIRED'));
      await expectConnectError(
        connect.send(
          new AssociateContactWithUserCommand({
            InstanceId: instanceId,
            ContactId: contactId,
            UserId: ALICE,
          }),
        ),
        { name: 'InvalidRequestException', status: 400, reason: 'CONTACT_ENDED' },
      );
    });

    it('takes the expiry from SegmentAttributes connect:ContactExpiry, or the default', async () => {
      const { connect, instanceId, emulator } = env();
      const viaSegment = await createTask(connect, instanceId, {
        SegmentAttributes: { 'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 1 } } } },
      });
      const { ContactId: viaDefault } = await connect.send(
        new StartTaskContactCommand({ InstanceId: instanceId, Name: 'q', ContactFlowId: BILLING_FLOW }),
      );
      const ended = () =>
        emulator
          .snapshot()
          .contacts.filter((contact) => contact.disconnectReason === 'EXPIRED')
          .map((contact) => contact.id);
      await eventually(() => assert.deepEqual(ended(), [viaSegment]), 150);
      await eventually(() => assert.deepEqual(ended(), [viaSegment, viaDefault]));
    });

    it('does not expire a contact once an agent has it', async () => {
      const { connect, instanceId } = env();
      const contactId = await createTask(connect, instanceId, { ExpiryDurationInMinutes: 1 });
      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: contactId, UserId: ALICE }),
      );
      await sleep(80);
      const { Contact } = await connect.send(
        new DescribeContactCommand({ InstanceId: instanceId, ContactId: contactId }),
      );
      assert.equal(Contact?.DisconnectTimestamp, undefined);
    });
  });

  describe('with a small active-task quota', () => {
    const env = useEmulator((): EmulatorConfig => ({ ...QUIET, activeTaskQuota: 2 }));

    it('answers ServiceQuotaExceededException (402) at the quota, and accepts again once a task ends', async () => {
      const { connect, instanceId, emulator, admin } = env();
      const first = await createTask(connect, instanceId);
      await connect.send(
        new StartTaskContactCommand({ InstanceId: instanceId, Name: 'q', ContactFlowId: BILLING_FLOW }),
      );
      await expectConnectError(createTask(connect, instanceId), {
        name: 'ServiceQuotaExceededException',
        status: 402,
      });
      await expectConnectError(
        connect.send(
          new StartTaskContactCommand({ InstanceId: instanceId, Name: 'q', ContactFlowId: BILLING_FLOW }),
        ),
        { name: 'ServiceQuotaExceededException', status: 402 },
      );
      // Completed tasks are not active, so they are not refused.
      await createTask(connect, instanceId, { InitiateAs: 'COMPLETED' });
      assert.equal(emulator.ledger().quotaRejections, 2);

      await connect.send(
        new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId: first, UserId: ALICE }),
      );
      await admin('POST', `contacts/${first}/complete`);
      await createTask(connect, instanceId);
    });
  });
});
