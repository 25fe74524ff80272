import assert from 'node:assert/strict';
import {
  ListUserProficienciesCommand,
  type ListUserProficienciesCommandOutput,
  ResourceNotFoundException,
  ThrottlingException,
  type UserProficiency,
} from '@aws-sdk/client-connect';
import type { ListUserProficienciesResult } from '../../../activities';
import { connectActivities, failureOf, INSTANCE_ID, runActivity, sdkMetadata } from './activity-env';

const proficiency = (AttributeValue: string, Level: number): UserProficiency => ({
  AttributeName: 'Language',
  AttributeValue,
  Level,
});
const page = (proficiencies: UserProficiency[], NextToken?: string) =>
  ({ UserProficiencyList: proficiencies, NextToken, $metadata: {} }) as ListUserProficienciesCommandOutput;
const notFound = () =>
  new ResourceNotFoundException({ message: 'User not found', $metadata: sdkMetadata(404) });
const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: sdkMetadata(429) });

describe('listUserProficiencies activity', () => {
  it('reads every page of each user, once per user, and sets apart users Connect does not know', async () => {
    const { connectMock, activities } = connectActivities();
    const calls = connectMock.on(ListUserProficienciesCommand);
    calls.callsFake((request: { UserId: string; NextToken?: string }) => {
      if (request.UserId === 'gone') throw notFound();
      if (request.UserId === 'none') return page([]);
      return request.NextToken === undefined
        ? page([proficiency('English', 5), proficiency('French', 3)], 'page-2')
        : page([proficiency('Spanish', 1)]);
    });
    const result = await runActivity(activities.listUserProficiencies, {
      instanceId: INSTANCE_ID,
      userIds: ['agent-1', 'gone', 'none', 'agent-1'],
    });
    assert.deepEqual(result, {
      proficiencies: {
        'agent-1': [
          { name: 'Language', value: 'English', level: 5 },
          { name: 'Language', value: 'French', level: 3 },
          { name: 'Language', value: 'Spanish', level: 1 },
        ],
        none: [],
      },
      requestCount: 3,
      unknownUserIds: ['gone'],
      attempt: 1,
    });
    const sent = connectMock.commandCalls(ListUserProficienciesCommand).map((call) => call.args[0].input);
    assert.deepEqual(sent, [
      { InstanceId: INSTANCE_ID, UserId: 'agent-1', NextToken: undefined, MaxResults: 100 },
      { InstanceId: INSTANCE_ID, UserId: 'agent-1', NextToken: 'page-2', MaxResults: 100 },
      { InstanceId: INSTANCE_ID, UserId: 'gone', NextToken: undefined, MaxResults: 100 },
      { InstanceId: INSTANCE_ID, UserId: 'none', NextToken: undefined, MaxResults: 100 },
    ]);
  });

  it('heartbeats after each user, and a retried attempt goes on from the last heartbeat', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(ListUserProficienciesCommand)
      .resolvesOnce(page([proficiency('English', 2)]))
      .rejectsOnce(throttled())
      .resolves(page([proficiency('French', 4)]));
    const input = { instanceId: INSTANCE_ID, userIds: ['agent-1', 'agent-2'] };
    const heartbeats: unknown[] = [];
    const failure = await failureOf(runActivity(activities.listUserProficiencies, input, {}, heartbeats));
    assert.equal(failure.type, 'ThrottlingException');
    assert.equal(failure.nonRetryable, false);
    assert.deepEqual(heartbeats, [
      {
        proficiencies: { 'agent-1': [{ name: 'Language', value: 'English', level: 2 }] },
        requestCount: 1,
        unknownUserIds: [],
      },
    ]);

    const retried = await runActivity(activities.listUserProficiencies, input, {
      attempt: 2,
      heartbeatDetails: heartbeats.at(-1),
    });
    assert.deepEqual(retried, {
      proficiencies: {
        'agent-1': [{ name: 'Language', value: 'English', level: 2 }],
        'agent-2': [{ name: 'Language', value: 'French', level: 4 }],
      },
      requestCount: 2,
      unknownUserIds: [],
      attempt: 2,
    } satisfies ListUserProficienciesResult & { attempt: number });
    const users = connectMock
      .commandCalls(ListUserProficienciesCommand)
      .map((call) => call.args[0].input.UserId);
    assert.deepEqual(users, ['agent-1', 'agent-2', 'agent-2'], 'agent-1 is not read again');
  });

  it('maps other errors to the error-policy table', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(ListUserProficienciesCommand).rejects(
      Object.assign(new Error('Bad instance'), {
        name: 'InvalidParameterException',
        $metadata: sdkMetadata(400),
      }),
    );
    const failure = await failureOf(
      runActivity(activities.listUserProficiencies, { instanceId: INSTANCE_ID, userIds: ['agent-1'] }),
    );
    assert.equal(failure.type, 'InvalidParameterException');
    assert.equal(failure.nonRetryable, true);
  });

  it('refuses an empty user id before any call', async () => {
    const { connectMock, activities } = connectActivities();
    const failure = await failureOf(
      runActivity(activities.listUserProficiencies, { instanceId: INSTANCE_ID, userIds: ['agent-1', ''] }),
    );
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /userIds\[1\] must not be empty/);
    assert.equal(connectMock.calls().length, 0);
  });
});
