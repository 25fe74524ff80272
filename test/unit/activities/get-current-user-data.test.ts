import assert from 'node:assert/strict';
import {
  type GetCurrentUserDataCommandOutput,
  GetCurrentUserDataCommand,
  ThrottlingException,
  type UserData,
} from '@aws-sdk/client-connect';
import { POLL_WAIT_MAX_MS } from '../../../src/shared/dispatcher-contract';
import { connectActivities, failureOf, INSTANCE_ID, runActivity, sdkMetadata } from './activity-env';

const agent = (id: string, availableTaskSlots = 1, contactIds: string[] = []): UserData => ({
  User: { Id: id, Arn: `arn:aws:connect:us-east-1:111122223333:instance/${INSTANCE_ID}/agent/${id}` },
  RoutingProfile: { Id: 'profile-1', Arn: 'arn:profile-1' },
  Status: { StatusName: 'Available', StatusStartTimestamp: new Date('2026-03-02T09:30:00Z') },
  AvailableSlotsByChannel: { TASK: availableTaskSlots, VOICE: 1 },
  MaxSlotsByChannel: { TASK: 3, VOICE: 1 },
  ActiveSlotsByChannel: { TASK: 3 - availableTaskSlots },
  Contacts: contactIds.map((ContactId) => ({ ContactId, Channel: 'TASK', AgentContactState: 'CONNECTED' })),
});
const page = (agents: UserData[], NextToken?: string) =>
  ({ UserDataList: agents, NextToken, $metadata: {} }) as GetCurrentUserDataCommandOutput;
const queueIds = (count: number) => Array.from({ length: count }, (_, index) => `queue-${index}`);

describe('getCurrentUserData activity', () => {
  it('waits waitMs before its first call on the first attempt, not on a retry, and refuses a longer wait', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(GetCurrentUserDataCommand).resolves(page([agent('a-1')]));
    const started = Date.now();
    await runActivity(activities.getCurrentUserData, {
      instanceId: INSTANCE_ID,
      queueIds: ['q'],
      waitMs: 200,
    });
    assert.ok(Date.now() - started >= 195, 'the call came after the wait');
    const retried = Date.now();
    await runActivity(
      activities.getCurrentUserData,
      { instanceId: INSTANCE_ID, queueIds: ['q'], waitMs: POLL_WAIT_MAX_MS },
      { attempt: 2 },
    );
    assert.ok(Date.now() - retried < POLL_WAIT_MAX_MS, 'a retry calls at once');
    const failure = await failureOf(
      runActivity(activities.getCurrentUserData, {
        instanceId: INSTANCE_ID,
        queueIds: ['q'],
        waitMs: POLL_WAIT_MAX_MS + 1,
      }),
    );
    assert.match(failure.message, /waitMs must be a whole number of milliseconds from 0 to 10000/);
    assert.equal(
      connectMock.commandCalls(GetCurrentUserDataCommand).length,
      2,
      'no call for the refused wait',
    );
  });

  it('reads every page and returns compact agent records', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(GetCurrentUserDataCommand)
      .resolvesOnce(page([agent('a-1', 2, ['c-9'])], 'page-2'))
      .resolvesOnce(page([agent('a-2')], 'page-3'))
      .resolvesOnce(page([agent('a-3', 0)]));
    const result = await runActivity(activities.getCurrentUserData, {
      instanceId: INSTANCE_ID,
      queueIds: ['queue-1'],
      contactStates: ['CONNECTED'],
    });
    assert.equal(result.requestCount, 3);
    assert.deepEqual(
      result.agents.map((snapshot) => snapshot.userId),
      ['a-1', 'a-2', 'a-3'],
    );
    assert.deepEqual(result.agents[0], {
      userId: 'a-1',
      userArn: `arn:aws:connect:us-east-1:111122223333:instance/${INSTANCE_ID}/agent/a-1`,
      routingProfileId: 'profile-1',
      statusName: 'Available',
      statusStartTimestamp: '2026-03-02T09:30:00.000Z',
      nextStatus: undefined,
      availableTaskSlots: 2,
      maxTaskSlots: 3,
      activeTaskSlots: 1,
      contacts: [{ contactId: 'c-9', state: 'CONNECTED' }],
    });
    const sent = connectMock.commandCalls(GetCurrentUserDataCommand).map((call) => call.args[0].input);
    assert.deepEqual(
      sent.map((request) => request.NextToken),
      [undefined, 'page-2', 'page-3'],
    );
    assert.deepEqual(sent[0], {
      InstanceId: INSTANCE_ID,
      MaxResults: 100,
      Filters: { ContactFilter: { ContactStates: ['CONNECTED'] }, Queues: ['queue-1'] },
      NextToken: undefined,
    });
  });

  it('splits 250 queues into filters of 100, 100 and 50 and reports an agent seen twice once', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(GetCurrentUserDataCommand)
      .resolvesOnce(page([agent('a-1'), agent('a-2')]))
      .resolvesOnce(page([agent('a-2'), agent('a-3')]))
      .resolvesOnce(page([agent('a-4')]));
    const result = await runActivity(activities.getCurrentUserData, {
      instanceId: INSTANCE_ID,
      queueIds: queueIds(250),
    });
    const filters = connectMock
      .commandCalls(GetCurrentUserDataCommand)
      .map((call) => call.args[0].input.Filters);
    assert.deepEqual(
      filters.map((filter) => filter?.Queues?.length),
      [100, 100, 50],
    );
    assert.deepEqual(
      filters.flatMap((filter) => filter?.Queues),
      queueIds(250),
    );
    assert.deepEqual(
      result.agents.map((snapshot) => snapshot.userId),
      ['a-1', 'a-2', 'a-3', 'a-4'],
    );
    assert.equal(result.requestCount, 3);
  });

  it('makes no call for an empty queue list', async () => {
    const { connectMock, activities } = connectActivities();
    const result = await runActivity(activities.getCurrentUserData, {
      instanceId: INSTANCE_ID,
      queueIds: [],
    });
    assert.deepEqual(result, { agents: [], requestCount: 0, attempt: 1 });
    assert.equal(connectMock.calls().length, 0);
  });

  it('rejects two kinds of filter, or a page size over 100, before any call', async () => {
    const { connectMock, activities } = connectActivities();
    const mixed = await failureOf(
      runActivity(activities.getCurrentUserData, {
        instanceId: INSTANCE_ID,
        queueIds: ['q'],
        agentIds: ['a'],
      }),
    );
    assert.equal(mixed.type, 'InvalidInput');
    assert.match(mixed.message, /Filters may contain only one of Queues, RoutingProfiles, Agents/);
    const bigPages = await failureOf(
      runActivity(activities.getCurrentUserData, {
        instanceId: INSTANCE_ID,
        queueIds: queueIds(150),
        pageSize: 500,
      }),
    );
    // Reported once although both chunks carry the page size.
    assert.equal(
      bigPages.message,
      'Invalid GetCurrentUserData request: MaxResults must be at most 100 (got 500)',
    );
    assert.equal(connectMock.calls().length, 0);
  });

  it('fails retryably when throttled mid-way', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(GetCurrentUserDataCommand)
      .resolvesOnce(page([agent('a-1')], 'page-2'))
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: sdkMetadata(429) }));
    const failure = await failureOf(
      runActivity(activities.getCurrentUserData, { instanceId: INSTANCE_ID, queueIds: ['queue-1'] }),
    );
    assert.equal(failure.type, 'ThrottlingException');
    assert.equal(failure.nonRetryable, false);
    assert.ok((failure.nextRetryDelay as number) >= 1);
  });
});
