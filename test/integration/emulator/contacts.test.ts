import assert from 'node:assert/strict';
import { StartTaskContactCommand, StopContactCommand } from '@aws-sdk/client-connect';
import { EmulatorConfig } from '../../../src/dev/emulator';
import {
  ALICE,
  assignTask,
  BILLING_FLOW,
  BILLING_QUEUE,
  CAROL,
  createTask,
  describeContact,
  ERIN,
  eventually,
  expectConnectError,
  INVALID_REQUEST,
  PROMPT_AGENTS,
  queuedTask,
  QUIET,
  SUPPORT_QUEUE,
  taskSlots,
  useEmulator,
} from './harness';

const CONTACT_ENDED = { ...INVALID_REQUEST, reason: 'CONTACT_ENDED' };

describe('Connect emulator: contacts, agents and the ledger', () => {
  describe('with agents who accept at once and never finish on their own', () => {
    const env = useEmulator(() => PROMPT_AGENTS);

    it('InitiateAs CONNECTED_TO_USER connects the task to UserInfo.UserId at once', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await createTask(connect, instanceId, {
        InitiateAs: 'CONNECTED_TO_USER',
        UserInfo: { UserId: CAROL },
      });
      const contact = await describeContact(connect, instanceId, contactId);
      assert.equal(contact?.AgentInfo?.Id, CAROL);
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
      const contact = await describeContact(connect, instanceId, contactId);
      assert.ok(contact?.DisconnectTimestamp instanceof Date);
      assert.equal(emulator.snapshot().activeTaskContacts, 0);
      await expectConnectError(assignTask(connect, instanceId, contactId, ALICE), CONTACT_ENDED);
    });

    it('assigns to a busy agent like Connect does, and records it as over capacity', async () => {
      const { connect, instanceId, emulator } = env();
      const first = await queuedTask(connect, instanceId);
      const second = await queuedTask(connect, instanceId);
      await assignTask(connect, instanceId, first, ALICE);
      await assignTask(connect, instanceId, second, ALICE);
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
      const contactId = await queuedTask(connect, instanceId);
      await assignTask(connect, instanceId, contactId, ERIN);
      const [assignment] = emulator.ledger().assignments;
      assert.equal(assignment?.overCapacity, true);
      assert.deepEqual(assignment?.overCapacityReasons, ['AGENT_NOT_ROUTABLE']);
      assert.equal(assignment?.agentStatus, 'Lunch');
    });

    it('refuses to assign a connected contact again, telling a repeat from a double assignment', async () => {
      const { connect, instanceId, emulator } = env();
      // Queued in Support, which carol's and erin's profiles may both be assigned from.
      const contactId = await queuedTask(connect, instanceId, SUPPORT_QUEUE);
      const alreadyConnected = { ...INVALID_REQUEST, reason: 'CONTACT_ALREADY_CONNECTED' };
      await assignTask(connect, instanceId, contactId, CAROL);
      await expectConnectError(assignTask(connect, instanceId, contactId, CAROL), alreadyConnected);
      await expectConnectError(assignTask(connect, instanceId, contactId, ERIN), alreadyConnected);
      const ledger = emulator.ledger();
      assert.equal(ledger.repeatedAssignments, 1);
      assert.equal(ledger.doubleAssignments, 1);
      assert.equal(ledger.assignments.length, 1);
    });

    it('replays a ClientToken: same ContactId, one contact, counted as a replay', async () => {
      const { connect, instanceId, emulator } = env();
      const request = { Attributes: { order: '42' }, ClientToken: 'wf-1/create' };
      const first = await createTask(connect, instanceId, request);
      const again = await createTask(connect, instanceId, request);
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
      const contactId = await queuedTask(connect, instanceId);
      await assignTask(connect, instanceId, contactId, ALICE);
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 1, available: 0 });
      assert.equal((await admin('POST', `contacts/${contactId}/complete`)).status, 200);
      const contact = await describeContact(connect, instanceId, contactId);
      assert.equal(contact?.DisconnectReason, 'AGENT_DISCONNECT');
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
      assert.ok(ContactId);
      const scheduled = await describeContact(connect, instanceId, ContactId);
      assert.equal(scheduled?.ScheduledTimestamp?.getTime(), scheduledTime.getTime());
      assert.equal(scheduled?.QueueInfo?.EnqueueTimestamp, undefined);
      await expectConnectError(assignTask(connect, instanceId, ContactId, ALICE), {
        ...INVALID_REQUEST,
        reason: 'CONTACT_NOT_YET_QUEUED',
      });
      await eventually(async () => {
        const queued = await describeContact(connect, instanceId, ContactId);
        assert.equal(queued?.QueueInfo?.Id, BILLING_QUEUE);
        assert.ok((queued?.QueueInfo?.EnqueueTimestamp?.getTime() ?? 0) >= scheduledTime.getTime() - 5);
      });
      await assignTask(connect, instanceId, ContactId, ALICE);
    });
  });

  describe('with handle times', () => {
    const env = useEmulator(() => ({ ...PROMPT_AGENTS, handleTimeMs: 60 }));

    it('an agent completes a connected task after the handle time, which frees the slot', async () => {
      const { connect, instanceId } = env();
      const contactId = await queuedTask(connect, instanceId);
      await assignTask(connect, instanceId, contactId, ALICE);
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 1, available: 0 });
      await eventually(async () =>
        assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 0, available: 1 }),
      );
      const contact = await describeContact(connect, instanceId, contactId);
      assert.equal(contact?.DisconnectReason, 'AGENT_DISCONNECT');
      const handledMs =
        (contact?.DisconnectTimestamp?.getTime() ?? 0) -
        (contact?.AgentInfo?.ConnectedToAgentTimestamp?.getTime() ?? 0);
      assert.ok(handledMs >= 55, `handled for ${handledMs} ms`);
    });
  });

  describe('with expiry', () => {
    // One Connect "minute" lasts 40 ms here.
    const env = useEmulator(() => ({ ...QUIET, minuteMs: 40, defaultTaskExpiryMinutes: 5 }));

    it('ends a waiting contact when ExpiryDurationInMinutes elapses', async () => {
      const { connect, instanceId } = env();
      const contactId = await createTask(connect, instanceId, { ExpiryDurationInMinutes: 1 });
      const describe = () => describeContact(connect, instanceId, contactId);
      assert.equal((await describe())?.DisconnectTimestamp, undefined);
      await eventually(async () => assert.equal((await describe())?.DisconnectReason, 'EXPIRED'));
      await expectConnectError(assignTask(connect, instanceId, contactId, ALICE), CONTACT_ENDED);
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

    it('ends a contact offered to an agent at its expiry, which withdraws the offer', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await queuedTask(connect, instanceId, undefined, { ExpiryDurationInMinutes: 4 });
      await assignTask(connect, instanceId, contactId, ALICE);
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 1, available: 0 });
      await eventually(async () =>
        assert.equal((await describeContact(connect, instanceId, contactId))?.DisconnectReason, 'EXPIRED'),
      );
      assert.deepEqual(await taskSlots(connect, instanceId, ALICE), { active: 0, available: 1 });
      assert.equal(emulator.ledger().assignments[0]?.outcome, 'ended');
    });
  });

  describe('with a small active-task quota', () => {
    const env = useEmulator((): EmulatorConfig => ({ ...QUIET, activeTaskQuota: 2 }));

    it('answers ServiceQuotaExceededException (402) at the quota, and accepts again once a task ends', async () => {
      const { connect, instanceId, emulator } = env();
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

      await connect.send(new StopContactCommand({ InstanceId: instanceId, ContactId: first }));
      await createTask(connect, instanceId);
    });
  });
});
