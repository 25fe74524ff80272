import assert from 'node:assert/strict';
import {
  CreateContactCommand,
  DescribeContactCommand,
  GetCurrentUserDataCommand,
  ListQueuesCommand,
  ListRoutingProfileQueuesCommand,
  ListRoutingProfilesCommand,
  ListUsersCommand,
  paginateGetCurrentUserData,
  StartTaskContactCommand,
  StopContactCommand,
  UserData,
} from '@aws-sdk/client-connect';
import { DEFAULT_CALL_CENTRE } from '../../../src/dev/emulator';
import {
  ALICE,
  assignTask,
  BILLING_FLOW,
  BILLING_PROFILE,
  BILLING_QUEUE,
  BLENDED_PROFILE,
  CAROL,
  currentUserData,
  describeContact,
  ERIN,
  expectConnectError,
  GENERAL_QUEUE,
  INVALID_PARAMETER,
  NOT_FOUND,
  queuedTask,
  QUIET,
  SUPPORT_QUEUE,
  useEmulator,
} from './harness';

const ARN_PREFIX = `arn:aws:connect:us-east-1:123456789012:instance/${DEFAULT_CALL_CENTRE.instance.id}`;

describe('Connect emulator: operation success shapes', () => {
  const env = useEmulator();

  it('CreateContact returns a ContactId and ContactArn; DescribeContact reports the waiting task', async () => {
    const { connect, instanceId } = env();
    const before = Date.now();
    const created = await connect.send(
      new CreateContactCommand({
        InstanceId: instanceId,
        Channel: 'TASK',
        InitiationMethod: 'API',
        Name: 'Call back Ada',
        Description: 'About invoice 42',
        Attributes: { customerId: 'c-1' },
        References: { invoice: { Type: 'URL', Value: 'https://example.invalid/42' } },
      }),
    );
    assert.match(
      created.ContactId ?? '',
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    assert.equal(created.ContactArn, `${ARN_PREFIX}/contact/${created.ContactId}`);
    assert.equal(created.$metadata.httpStatusCode, 200);
    assert.match(created.$metadata.requestId ?? '', /^[0-9a-f-]{36}$/);

    const { Contact } = await connect.send(
      new DescribeContactCommand({ InstanceId: instanceId, ContactId: created.ContactId }),
    );
    assert.ok(Contact);
    assert.equal(Contact.Id, created.ContactId);
    assert.equal(Contact.Arn, created.ContactArn);
    assert.equal(Contact.Channel, 'TASK');
    assert.equal(Contact.InitiationMethod, 'API');
    assert.equal(Contact.Name, 'Call back Ada');
    assert.equal(Contact.Description, 'About invoice 42');
    assert.deepEqual(Contact.Attributes, { customerId: 'c-1' });
    assert.ok(Contact.InitiationTimestamp instanceof Date);
    assert.ok(Contact.InitiationTimestamp.getTime() >= before - 1);
    assert.equal(Contact.QueueInfo, undefined, 'CreateContact puts a task in no queue');
    assert.equal(Contact.AgentInfo, undefined);
    assert.equal(Contact.DisconnectTimestamp, undefined);
  });

  it('AssociateContactWithUser offers a queued contact: empty 200 answer, AgentInfo in DescribeContact once accepted', async () => {
    const { connect, instanceId, emulator } = env();
    const contactId = await queuedTask(connect, instanceId, BILLING_QUEUE);
    const answer = await assignTask(connect, instanceId, contactId, ALICE);
    assert.equal(answer.$metadata.httpStatusCode, 200);
    assert.deepEqual(Object.keys(answer), ['$metadata']);
    assert.equal((await describeContact(connect, instanceId, contactId))?.AgentInfo, undefined);
    emulator.acceptOffer(contactId);
    const contact = await describeContact(connect, instanceId, contactId);
    assert.equal(contact?.AgentInfo?.Id, ALICE);
    assert.ok(contact?.AgentInfo?.ConnectedToAgentTimestamp instanceof Date);
  });

  it('AssociateContactWithUser accepts the user ARN as well as the id', async () => {
    const { connect, instanceId } = env();
    const contactId = await queuedTask(connect, instanceId, SUPPORT_QUEUE);
    await assignTask(connect, instanceId, contactId, `${ARN_PREFIX}/agent/${CAROL}`);
    assert.deepEqual(
      (await currentUserData(connect, instanceId, CAROL))?.Contacts?.map((contact) => contact.ContactId),
      [contactId],
    );
  });

  it('StartTaskContact queues the task in the queue its flow maps to', async () => {
    const { connect, instanceId } = env();
    const started = await connect.send(
      new StartTaskContactCommand({
        InstanceId: instanceId,
        Name: 'Review claim',
        ContactFlowId: BILLING_FLOW,
      }),
    );
    assert.match(started.ContactId ?? '', /^[0-9a-f-]{36}$/);
    const contact = await describeContact(connect, instanceId, started.ContactId);
    assert.equal(contact?.QueueInfo?.Id, BILLING_QUEUE);
    assert.ok(contact?.QueueInfo?.EnqueueTimestamp instanceof Date);
    assert.equal(contact?.Channel, 'TASK');
    assert.equal(contact?.InitiationMethod, 'API');
  });

  it('GetCurrentUserData reports status, slots by channel, contacts and routing profile', async () => {
    const { connect, instanceId, emulator } = env();
    const { ContactId } = await connect.send(
      new StartTaskContactCommand({ InstanceId: instanceId, Name: 'x', ContactFlowId: BILLING_FLOW }),
    );
    assert.ok(ContactId);
    await assignTask(connect, instanceId, ContactId, ERIN);
    emulator.acceptOffer(ContactId);
    const answer = await connect.send(
      new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Agents: [ERIN, ALICE] } }),
    );
    assert.equal(answer.ApproximateTotalCount, 2);
    assert.equal(answer.NextToken, undefined);
    const erin = answer.UserDataList?.find((data) => data.User?.Id === ERIN);
    assert.ok(erin);
    assert.equal(erin.User?.Arn, `${ARN_PREFIX}/agent/${ERIN}`);
    assert.deepEqual(erin.RoutingProfile, {
      Id: BLENDED_PROFILE,
      Arn: `${ARN_PREFIX}/routing-profile/${BLENDED_PROFILE}`,
    });
    assert.equal(erin.Status?.StatusName, 'Available');
    assert.match(erin.Status?.StatusArn ?? '', new RegExp(`^${ARN_PREFIX}/agent-state/`));
    assert.ok(erin.Status?.StatusStartTimestamp instanceof Date);
    assert.deepEqual(erin.MaxSlotsByChannel, { TASK: 3 });
    assert.deepEqual(erin.ActiveSlotsByChannel, { TASK: 1 });
    assert.deepEqual(erin.AvailableSlotsByChannel, { TASK: 2 });
    assert.equal(erin.Contacts?.length, 1);
    const [contact] = erin.Contacts ?? [];
    assert.equal(contact?.ContactId, ContactId);
    assert.equal(contact?.Channel, 'TASK');
    assert.equal(contact?.InitiationMethod, 'API');
    assert.equal(contact?.AgentContactState, 'CONNECTED');
    assert.ok(contact?.ConnectedToAgentTimestamp instanceof Date);
    assert.ok(contact?.StateStartTimestamp instanceof Date);
    assert.deepEqual(contact?.Queue, { Id: BILLING_QUEUE, Arn: `${ARN_PREFIX}/queue/${BILLING_QUEUE}` });
  });

  it('GetCurrentUserData filters by queue, routing profile and contact state', async () => {
    const { connect, instanceId, emulator } = env();
    const usernamesFor = async (Filters: object) => {
      const answer = await connect.send(new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters }));
      return (answer.UserDataList ?? []).map((data) => data.User?.Id);
    };
    const agents = DEFAULT_CALL_CENTRE.agents;
    const withProfile = (...profiles: string[]) =>
      agents.filter((agent) => profiles.includes(agent.routingProfileId)).map((agent) => agent.id);
    assert.deepEqual(
      await usernamesFor({ Queues: [SUPPORT_QUEUE] }),
      withProfile(DEFAULT_CALL_CENTRE.routingProfiles[1]!.id, BLENDED_PROFILE),
    );
    assert.deepEqual(
      await usernamesFor({ Queues: [`${ARN_PREFIX}/queue/${BILLING_QUEUE}`] }),
      withProfile(BILLING_PROFILE, BLENDED_PROFILE),
    );
    assert.deepEqual(
      await usernamesFor({ RoutingProfiles: [BILLING_PROFILE] }),
      withProfile(BILLING_PROFILE),
    );
    assert.deepEqual(await usernamesFor({ ContactFilter: { ContactStates: ['CONNECTED'] } }), []);

    const contactId = await queuedTask(connect, instanceId, SUPPORT_QUEUE);
    await assignTask(connect, instanceId, contactId, CAROL);
    assert.deepEqual(
      await usernamesFor({ Queues: [SUPPORT_QUEUE], ContactFilter: { ContactStates: ['CONNECTING'] } }),
      [CAROL],
    );
    emulator.acceptOffer(contactId);
    assert.deepEqual(
      await usernamesFor({ Queues: [SUPPORT_QUEUE], ContactFilter: { ContactStates: ['CONNECTED'] } }),
      [CAROL],
    );
  });

  it('GetCurrentUserData pages with MaxResults and NextToken, with ApproximateTotalCount on every page', async () => {
    const { connect, instanceId } = env();
    const pages: { ids: (string | undefined)[]; total?: number; next?: string }[] = [];
    for await (const page of paginateGetCurrentUserData(
      { client: connect, pageSize: 4 },
      { InstanceId: instanceId, Filters: { Queues: [BILLING_QUEUE, SUPPORT_QUEUE] } },
    )) {
      pages.push({
        ids: (page.UserDataList ?? []).map((data: UserData) => data.User?.Id),
        total: page.ApproximateTotalCount,
        next: page.NextToken,
      });
    }
    assert.equal(pages.length, 2);
    assert.deepEqual(
      pages.map((page) => page.ids.length),
      [4, 2],
    );
    assert.deepEqual(
      pages.map((page) => page.total),
      [6, 6],
    );
    assert.ok(pages[0]?.next);
    assert.equal(pages[1]?.next, undefined);
    assert.deepEqual(
      pages.flatMap((page) => page.ids),
      DEFAULT_CALL_CENTRE.agents.map((agent) => agent.id),
    );
  });

  it('ListQueues, ListUsers, ListRoutingProfiles and ListRoutingProfileQueues let a user discover ids, with paging', async () => {
    const { connect, instanceId } = env();
    const queues = await connect.send(new ListQueuesCommand({ InstanceId: instanceId }));
    assert.deepEqual(
      queues.QueueSummaryList?.map(({ Id, Name, QueueType, Arn }) => ({ Id, Name, QueueType, Arn })),
      DEFAULT_CALL_CENTRE.queues.map((queue) => ({
        Id: queue.id,
        Name: queue.name,
        QueueType: 'STANDARD',
        Arn: `${ARN_PREFIX}/queue/${queue.id}`,
      })),
    );
    const agentQueues = await connect.send(
      new ListQueuesCommand({ InstanceId: instanceId, QueueTypes: ['AGENT'] }),
    );
    assert.deepEqual(agentQueues.QueueSummaryList, []);

    const firstUsers = await connect.send(new ListUsersCommand({ InstanceId: instanceId, MaxResults: 5 }));
    assert.equal(firstUsers.UserSummaryList?.length, 5);
    assert.ok(firstUsers.NextToken);
    const restUsers = await connect.send(
      new ListUsersCommand({ InstanceId: instanceId, NextToken: firstUsers.NextToken }),
    );
    assert.deepEqual(
      [...(firstUsers.UserSummaryList ?? []), ...(restUsers.UserSummaryList ?? [])].map(
        ({ Id, Username }) => ({ Id, Username }),
      ),
      DEFAULT_CALL_CENTRE.agents.map((agent) => ({ Id: agent.id, Username: agent.username })),
    );
    assert.equal(restUsers.NextToken, undefined);

    const profiles = await connect.send(new ListRoutingProfilesCommand({ InstanceId: instanceId }));
    assert.deepEqual(
      profiles.RoutingProfileSummaryList?.map(({ Id, Name }) => ({ Id, Name })),
      DEFAULT_CALL_CENTRE.routingProfiles.map((profile) => ({ Id: profile.id, Name: profile.name })),
    );
    const blended = DEFAULT_CALL_CENTRE.routingProfiles[2];
    const routed = await connect.send(
      new ListRoutingProfileQueuesCommand({
        InstanceId: instanceId,
        RoutingProfileId: blended.id,
        MaxResults: 1,
      }),
    );
    // The routed queues only: manual-assignment queues have a listing of their own.
    assert.deepEqual(
      routed.RoutingProfileQueueConfigSummaryList?.map(({ QueueId, Channel }) => ({ QueueId, Channel })),
      [{ QueueId: GENERAL_QUEUE, Channel: 'TASK' }],
    );
    assert.equal(routed.NextToken, undefined);
    await expectConnectError(
      connect.send(new ListRoutingProfileQueuesCommand({ InstanceId: instanceId, RoutingProfileId: 'nope' })),
      NOT_FOUND,
    );
    await expectConnectError(
      connect.send(new ListUsersCommand({ InstanceId: instanceId, MaxResults: 1001 })),
      INVALID_PARAMETER,
    );
  });

  describe('with no after-contact work', () => {
    const env = useEmulator(() => ({ ...QUIET, afterContactWorkMs: 0 }));

    it('StopContact ends the contact with DisconnectReason API and frees the agent slot', async () => {
      const { connect, instanceId, emulator } = env();
      const contactId = await queuedTask(connect, instanceId, BILLING_QUEUE);
      await assignTask(connect, instanceId, contactId, ALICE);
      emulator.acceptOffer(contactId);
      const stop = () =>
        connect.send(new StopContactCommand({ InstanceId: instanceId, ContactId: contactId }));
      assert.equal((await stop()).$metadata.httpStatusCode, 200);
      const contact = await describeContact(connect, instanceId, contactId);
      assert.ok(contact?.DisconnectTimestamp instanceof Date);
      assert.equal(contact?.DisconnectReason, 'API');
      assert.deepEqual((await currentUserData(connect, instanceId, ALICE))?.AvailableSlotsByChannel, {
        TASK: 1,
      });
      await expectConnectError(stop(), { name: 'ContactNotFoundException', status: 410 });
    });
  });

  describe('with manualQueuesInRoutingProfileQueues', () => {
    const env = useEmulator(() => ({ ...QUIET, manualQueuesInRoutingProfileQueues: true }));

    it('ListRoutingProfileQueues lists the manual-assignment queues after the routed ones, with paging', async () => {
      const { connect, instanceId } = env();
      const blended = DEFAULT_CALL_CENTRE.routingProfiles[2];
      const list = (fields: { MaxResults?: number; NextToken?: string }) =>
        connect.send(
          new ListRoutingProfileQueuesCommand({
            InstanceId: instanceId,
            RoutingProfileId: blended.id,
            ...fields,
          }),
        );
      const first = await list({ MaxResults: 1 });
      assert.ok(first.NextToken);
      const rest = await list({ NextToken: first.NextToken });
      assert.equal(rest.NextToken, undefined);
      assert.deepEqual(
        [
          ...(first.RoutingProfileQueueConfigSummaryList ?? []),
          ...(rest.RoutingProfileQueueConfigSummaryList ?? []),
        ].map(({ QueueId, Channel }) => ({ QueueId, Channel })),
        [GENERAL_QUEUE, BILLING_QUEUE, SUPPORT_QUEUE].map((QueueId) => ({ QueueId, Channel: 'TASK' })),
      );
    });
  });
});
