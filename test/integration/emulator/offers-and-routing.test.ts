import assert from 'node:assert/strict';
import { ConnectClient, GetCurrentUserDataCommand, StartTaskContactCommand } from '@aws-sdk/client-connect';
import {
  DEFAULT_CALL_CENTRE,
  defaultAgentId,
  EmulatorConfig,
  startEmulator,
} from '../../../src/dev/emulator';
import {
  agentContacts,
  ALICE,
  assignTask,
  BILLING_FLOW,
  BILLING_QUEUE,
  CAROL,
  connectClient,
  currentUserData,
  describeContact,
  ERIN,
  eventually,
  expectConnectError,
  GENERAL_QUEUE,
  INVALID_REQUEST,
  queuedTask,
  QUIET,
  sleep,
  useEmulator,
} from './harness';

const FRANK = defaultAgentId('frank');

/** No throttling; agents answer offers only when a test says so. */
const ANSWER_WHEN_TOLD: EmulatorConfig = {
  ...QUIET,
  offers: { acceptDelayMs: 60_000, timeoutMs: 120_000 },
};

/** A task queued in Billing (a manual-assignment queue) by StartTaskContact; returns its ContactId. */
async function startBillingTask(connect: ConnectClient, instanceId: string, fields: object = {}) {
  const { ContactId } = await connect.send(
    new StartTaskContactCommand({
      InstanceId: instanceId,
      Name: 'billing',
      ContactFlowId: BILLING_FLOW,
      ...fields,
    }),
  );
  assert.ok(ContactId);
  return ContactId;
}

describe('Connect emulator: offers', () => {
  const env = useEmulator(() => ANSWER_WHEN_TOLD);

  it('CreateContact, TransferContact into a manual queue, then AssociateContactWithUser offers it; accepting connects it', async () => {
    const { connect, instanceId, emulator, admin } = env();
    const contactId = await queuedTask(connect, instanceId, BILLING_QUEUE);
    await assignTask(connect, instanceId, contactId, ALICE);

    const offered = await describeContact(connect, instanceId, contactId);
    assert.equal(offered?.AgentInfo, undefined, 'AgentInfo names the agent who accepted');
    assert.equal(offered?.InitiationMethod, 'TRANSFER');
    assert.ok(offered?.PreviousContactId);
    const offeredData = await currentUserData(connect, instanceId, ALICE);
    assert.deepEqual(offeredData?.ActiveSlotsByChannel, { TASK: 1 }, 'an offer holds a slot');
    const [offer] = offeredData?.Contacts ?? [];
    assert.equal(offer?.AgentContactState, 'CONNECTING');
    assert.equal(offer?.ConnectedToAgentTimestamp, undefined);
    assert.deepEqual(offer?.Queue?.Id, BILLING_QUEUE);
    await expectConnectError(assignTask(connect, instanceId, contactId, ERIN), {
      ...INVALID_REQUEST,
      reason: 'CONTACT_ALREADY_OFFERED',
    });
    assert.equal(emulator.ledger().assignments[0]?.outcome, 'offered');

    assert.equal((await admin('POST', `contacts/${contactId}/accept`)).status, 200);
    const accepted = await describeContact(connect, instanceId, contactId);
    assert.equal(accepted?.AgentInfo?.Id, ALICE);
    assert.ok(accepted?.AgentInfo?.AcceptedByAgentTimestamp instanceof Date);
    assert.ok(accepted?.AgentInfo?.ConnectedToAgentTimestamp instanceof Date);
    const [connected] = (await currentUserData(connect, instanceId, ALICE))?.Contacts ?? [];
    assert.equal(connected?.AgentContactState, 'CONNECTED');
    assert.ok(connected?.ConnectedToAgentTimestamp instanceof Date);

    const ledger = emulator.ledger();
    assert.deepEqual(
      [ledger.offers, ledger.acceptances, ledger.acceptedAssignments, ledger.doubleAssignments],
      [1, 1, 1, 1],
    );
    const [record] = ledger.assignments;
    assert.equal(record?.outcome, 'accepted');
    assert.equal(record?.routedBy, 'package');
    assert.ok(record?.acceptedAt);
    assert.equal((await admin('POST', `contacts/${contactId}/accept`)).status, 400, 'no longer offered');
  });

  it('StartTaskContact queues in a manual queue, which Connect does not route; AssociateContactWithUser offers it', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await startBillingTask(connect, instanceId);
    await sleep(20);
    assert.equal((await describeContact(connect, instanceId, contactId))?.QueueInfo?.Id, BILLING_QUEUE);
    assert.equal(emulator.ledger().assignments.length, 0, 'Available agents, yet no routing from Billing');
    await assignTask(connect, instanceId, contactId, ERIN);
    assert.deepEqual(await agentContacts(connect, instanceId, ERIN), [[contactId, 'CONNECTING']]);
  });

  it('a rejected offer goes back to its queue with its first EnqueueTimestamp, shown REJECTED without a slot', async () => {
    const { connect, instanceId, emulator, admin } = env();
    const contactId = await startBillingTask(connect, instanceId);
    const enqueuedAt = (await describeContact(connect, instanceId, contactId))?.QueueInfo?.EnqueueTimestamp;
    await sleep(10);
    await assignTask(connect, instanceId, contactId, ALICE);
    assert.equal((await admin('POST', `contacts/${contactId}/reject`)).status, 200);

    const back = await describeContact(connect, instanceId, contactId);
    assert.equal(back?.QueueInfo?.Id, BILLING_QUEUE);
    assert.equal(back?.QueueInfo?.EnqueueTimestamp?.getTime(), enqueuedAt?.getTime());
    assert.equal(back?.AgentInfo, undefined);
    const data = await currentUserData(connect, instanceId, ALICE);
    assert.deepEqual(
      data?.Contacts?.map((contact) => contact.AgentContactState),
      ['REJECTED'],
    );
    assert.deepEqual(data?.AvailableSlotsByChannel, { TASK: 1 });
    assert.equal(emulator.ledger().rejections, 1);
    await assignTask(connect, instanceId, contactId, ALICE); // back in the queue, so assignable again
    assert.deepEqual(await agentContacts(connect, instanceId, ALICE), [[contactId, 'CONNECTING']]);
  });

  it('offers to an agent at its concurrency, recording it as over capacity', async () => {
    const { connect, instanceId, emulator } = env();
    await assignTask(connect, instanceId, await startBillingTask(connect, instanceId), ALICE);
    await assignTask(connect, instanceId, await startBillingTask(connect, instanceId), ALICE);
    assert.deepEqual(
      emulator.ledger().assignments.map((record) => record.overCapacityReasons),
      [undefined, ['NO_FREE_TASK_SLOT']],
    );
  });

  it('PUT /_emulator/agents/{userId}/offers changes one agent’s answers, and refuses an invalid change', async () => {
    const { connect, instanceId, admin } = env();
    assert.equal((await admin('PUT', `agents/${ALICE}/offers`, { acceptDelayMs: 20 })).status, 200);
    const contactId = await startBillingTask(connect, instanceId);
    await assignTask(connect, instanceId, contactId, ALICE);
    await eventually(async () =>
      assert.deepEqual(await agentContacts(connect, instanceId, ALICE), [[contactId, 'CONNECTED']]),
    );
    const refused = await admin('PUT', `agents/${ALICE}/offers`, {
      missProbability: 0.8,
      rejectProbability: 0.4,
    });
    assert.equal(refused.status, 400);
    assert.match((refused.body as { message: string }).message, /add up to at most 1/);
    assert.equal((await admin('PUT', `agents/${ALICE}/offers`, { autoAccept: 'yes' })).status, 400);
  });
});

describe('Connect emulator: missed offers', () => {
  const env = useEmulator(() => ({
    ...ANSWER_WHEN_TOLD,
    offers: { missProbability: 1, timeoutMs: 80 },
    missedContactClearMs: 150,
  }));

  it('an offer not answered in timeoutMs is MISSED: shown for missedContactClearMs, the contact back in its queue', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await startBillingTask(connect, instanceId);
    const enqueuedAt = (await describeContact(connect, instanceId, contactId))?.QueueInfo?.EnqueueTimestamp;
    await assignTask(connect, instanceId, contactId, ALICE);
    assert.deepEqual(await agentContacts(connect, instanceId, ALICE), [[contactId, 'CONNECTING']]);
    await eventually(async () =>
      assert.deepEqual(await agentContacts(connect, instanceId, ALICE), [[contactId, 'MISSED']]),
    );
    assert.deepEqual((await currentUserData(connect, instanceId, ALICE))?.ActiveSlotsByChannel, { TASK: 0 });
    const back = await describeContact(connect, instanceId, contactId);
    assert.equal(back?.QueueInfo?.EnqueueTimestamp?.getTime(), enqueuedAt?.getTime());
    const ledger = emulator.ledger();
    assert.deepEqual([ledger.misses, ledger.assignments[0]?.outcome], [1, 'missed']);
    await eventually(async () => assert.deepEqual(await agentContacts(connect, instanceId, ALICE), []));
  });
});

describe('Connect emulator: offer answers under a seed', () => {
  /** Offers eight tasks to erin and returns what she did with each. */
  async function outcomes(seed: number) {
    const emulator = await startEmulator({
      seed,
      config: { ...ANSWER_WHEN_TOLD, offers: { missProbability: 0.5, acceptDelayMs: 10, timeoutMs: 40 } },
    });
    const connect = connectClient(emulator.endpoint);
    try {
      for (let index = 0; index < 8; index += 1) {
        await assignTask(
          connect,
          emulator.instanceId,
          await startBillingTask(connect, emulator.instanceId),
          ERIN,
        );
      }
      await eventually(() =>
        assert.ok(emulator.ledger().assignments.every((record) => record.outcome !== 'offered')),
      );
      return emulator.ledger().assignments.map((record) => record.outcome);
    } finally {
      connect.destroy();
      await emulator.stop();
    }
  }

  it('repeats the same misses under the same seed', async () => {
    const first = await outcomes(3);
    assert.deepEqual(await outcomes(3), first);
    assert.ok(first.includes('missed') && first.includes('accepted'), first.join());
  });
});

describe('Connect emulator: Connect routes its routed queues', () => {
  const env = useEmulator(() => ({
    ...ANSWER_WHEN_TOLD,
    offers: { autoAccept: true },
    afterContactWorkMs: 0,
  }));

  it('offers a task queued in General to the longest-idle eligible agent, and leaves Billing alone', async () => {
    const { connect, instanceId, emulator } = env();
    // Everyone's idle time restarts, frank's first: he has been idle longest, then erin, and so on.
    for (const agent of [...DEFAULT_CALL_CENTRE.agents].reverse()) {
      emulator.setAgentStatus(agent.id, 'Available');
      await sleep(3);
    }
    const first = await queuedTask(connect, instanceId, GENERAL_QUEUE);
    assert.equal((await describeContact(connect, instanceId, first))?.AgentInfo?.Id, FRANK);
    emulator.completeContact(first); // frank's idle time restarts: erin is now the longest idle
    const second = await queuedTask(connect, instanceId, GENERAL_QUEUE);
    assert.equal((await describeContact(connect, instanceId, second))?.AgentInfo?.Id, ERIN);

    const manual = await startBillingTask(connect, instanceId);
    await sleep(20);
    assert.equal((await describeContact(connect, instanceId, manual))?.AgentInfo, undefined);
    const ledger = emulator.ledger();
    assert.equal(ledger.connectRoutedContacts, 2);
    assert.equal(ledger.connectRoutedInManualAssignmentQueues, 0);
    assert.deepEqual(
      ledger.assignments.map((record) => [record.userId, record.routedBy, record.via]),
      [
        [FRANK, 'connect', 'ConnectRouting'],
        [ERIN, 'connect', 'ConnectRouting'],
      ],
    );
  });

  it('routes a waiting task when an agent becomes Available', async () => {
    const { connect, instanceId, emulator } = env();
    for (const agent of DEFAULT_CALL_CENTRE.agents) emulator.setAgentStatus(agent.id, 'Offline');
    const contactId = await queuedTask(connect, instanceId, GENERAL_QUEUE);
    assert.equal((await describeContact(connect, instanceId, contactId))?.AgentInfo, undefined);
    emulator.setAgentStatus(CAROL, 'Available');
    assert.equal((await describeContact(connect, instanceId, contactId))?.AgentInfo?.Id, CAROL);
  });
});

describe('Connect emulator: after-contact work', () => {
  const env = useEmulator(() => ({
    ...ANSWER_WHEN_TOLD,
    offers: { autoAccept: true },
    afterContactWorkMs: 150,
  }));

  it('an ended contact holds its agent’s slot (and counts as active) until after-contact work ends', async () => {
    const { connect, instanceId, emulator, admin } = env();
    const contactId = await startBillingTask(connect, instanceId);
    await assignTask(connect, instanceId, contactId, ALICE);
    assert.equal((await admin('POST', `contacts/${contactId}/complete`)).status, 200);
    assert.equal(
      (await describeContact(connect, instanceId, contactId))?.DisconnectReason,
      'AGENT_DISCONNECT',
    );
    const working = await currentUserData(connect, instanceId, ALICE);
    assert.deepEqual(
      working?.Contacts?.map((contact) => contact.AgentContactState),
      ['ENDED'],
    );
    assert.deepEqual(working?.AvailableSlotsByChannel, { TASK: 0 });
    assert.equal(emulator.snapshot().activeTaskContacts, 1);
    await eventually(async () =>
      assert.deepEqual(await currentUserData(connect, instanceId, ALICE).then((data) => data?.Contacts), []),
    );
    assert.equal(emulator.snapshot().activeTaskContacts, 0);
  });

  it('POST /_emulator/contacts/{id}/clear-after-contact-work frees the slot at once', async () => {
    const { connect, instanceId, emulator, admin } = env();
    const contactId = await startBillingTask(connect, instanceId);
    await assignTask(connect, instanceId, contactId, ALICE);
    emulator.completeContact(contactId);
    assert.equal((await admin('POST', `contacts/${contactId}/clear-after-contact-work`)).status, 200);
    assert.deepEqual((await currentUserData(connect, instanceId, ALICE))?.AvailableSlotsByChannel, {
      TASK: 1,
    });
    assert.equal((await admin('POST', `contacts/${contactId}/clear-after-contact-work`)).status, 400);
  });

  it('a status asked for while the agent holds contacts waits as NextStatus until they clear', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await startBillingTask(connect, instanceId);
    await assignTask(connect, instanceId, contactId, ALICE);
    emulator.setAgentStatus(ALICE, 'Lunch');
    const busy = await currentUserData(connect, instanceId, ALICE);
    assert.deepEqual([busy?.Status?.StatusName, busy?.NextStatus], ['Available', 'Lunch']);
    const { UserDataList } = await connect.send(
      new GetCurrentUserDataCommand({
        InstanceId: instanceId,
        Filters: { ContactFilter: { ContactStates: ['CONNECTED'] } },
      }),
    );
    assert.deepEqual(
      UserDataList?.map((data) => data.User?.Id),
      [ALICE],
    );
    emulator.completeContact(contactId);
    emulator.clearAfterContactWork(contactId);
    const free = await currentUserData(connect, instanceId, ALICE);
    assert.deepEqual([free?.Status?.StatusName, free?.NextStatus], ['Lunch', undefined]);
  });
});

describe('Connect emulator: after-contact work by default', () => {
  const env = useEmulator(() => ({ ...QUIET, offers: { autoAccept: true } }));

  it('keeps an ended contact on its agent, holding the slot, without afterContactWorkMs set', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await startBillingTask(connect, instanceId);
    await assignTask(connect, instanceId, contactId, ALICE);
    emulator.completeContact(contactId);
    assert.deepEqual(await agentContacts(connect, instanceId, ALICE), [[contactId, 'ENDED']]);
    assert.deepEqual((await currentUserData(connect, instanceId, ALICE))?.AvailableSlotsByChannel, {
      TASK: 0,
    });
  });
});

describe('Connect emulator: expiry of a held task', () => {
  // One Connect "minute" lasts 40 ms here.
  const env = useEmulator(() => ({
    ...ANSWER_WHEN_TOLD,
    offers: { autoAccept: true },
    afterContactWorkMs: 0,
    minuteMs: 40,
  }));

  it('ends a task an agent holds when its expiry comes, and frees the slot', async () => {
    const { connect, instanceId } = env();
    const contactId = await startBillingTask(connect, instanceId, {
      SegmentAttributes: { 'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 2 } } } },
    });
    await assignTask(connect, instanceId, contactId, ALICE);
    assert.deepEqual(await agentContacts(connect, instanceId, ALICE), [[contactId, 'CONNECTED']]);
    await eventually(async () =>
      assert.equal((await describeContact(connect, instanceId, contactId))?.DisconnectReason, 'EXPIRED'),
    );
    assert.deepEqual(await agentContacts(connect, instanceId, ALICE), []);
  });
});
