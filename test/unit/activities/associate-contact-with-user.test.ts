import assert from 'node:assert/strict';
import {
  AssociateContactWithUserCommand,
  DescribeContactCommand,
  InternalServiceException,
  InvalidRequestException,
  ResourceNotFoundException,
} from '@aws-sdk/client-connect';
import type { AssociateContactWithUserInput } from '../../../activities';
import { isSameUser } from '../../../activities/associate-contact-with-user';
import { connectActivities, failureOf, INSTANCE_ID, NOW, runActivity, sdkMetadata } from './activity-env';

const USER_ID = '9f1e2d3c-0000-1111-2222-333344445555';
const USER_ARN = `arn:aws:connect:us-east-1:111122223333:instance/${INSTANCE_ID}/agent/${USER_ID}`;
const input = (fields: Partial<AssociateContactWithUserInput> = {}): AssociateContactWithUserInput => ({
  instanceId: INSTANCE_ID,
  contactId: 'contact-1',
  userId: USER_ARN,
  ...fields,
});
const internalError = () =>
  new InternalServiceException({ message: 'Internal error', $metadata: sdkMetadata(500) });
const withAgent = (agentId: string | undefined) => ({
  Contact: { Id: 'contact-1', AgentInfo: agentId === undefined ? undefined : { Id: agentId } },
});

describe('associateContactWithUser activity', () => {
  it('associates and sends the user ARN as given', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(AssociateContactWithUserCommand).resolves({});
    const result = await runActivity(activities.associateContactWithUser, input());
    assert.deepEqual(result, {
      contactId: 'contact-1',
      userId: USER_ARN,
      resolvedBy: 'associateContactWithUser',
      attempt: 1,
    });
    assert.deepEqual(connectMock.commandCalls(AssociateContactWithUserCommand)[0]!.args[0].input, {
      InstanceId: INSTANCE_ID,
      ContactId: 'contact-1',
      UserId: USER_ARN,
    });
    assert.equal(connectMock.commandCalls(DescribeContactCommand).length, 0);
  });

  describe('an ambiguous outcome is settled with DescribeContact', () => {
    it('a 500, then DescribeContact shows the contact with the user: success', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock.on(AssociateContactWithUserCommand).rejects(internalError());
      connectMock.on(DescribeContactCommand).resolves(withAgent(USER_ID));
      const result = await runActivity(activities.associateContactWithUser, input());
      assert.equal(result.resolvedBy, 'describeContact');
      assert.deepEqual(connectMock.commandCalls(DescribeContactCommand)[0]!.args[0].input, {
        InstanceId: INSTANCE_ID,
        ContactId: 'contact-1',
      });
    });

    it('a dropped connection, then DescribeContact shows the user (given by id): success', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(AssociateContactWithUserCommand)
        .rejects(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      connectMock.on(DescribeContactCommand).resolves(withAgent(USER_ID));
      const result = await runActivity(activities.associateContactWithUser, input({ userId: USER_ID }));
      assert.equal(result.resolvedBy, 'describeContact');
    });

    it('InvalidRequest on a retry (attempt 2) and the contact is with the user: success', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(AssociateContactWithUserCommand)
        .rejects(
          new InvalidRequestException({ message: 'Contact is not queued', $metadata: sdkMetadata(400) }),
        );
      connectMock.on(DescribeContactCommand).resolves(withAgent(USER_ID));
      const result = await runActivity(activities.associateContactWithUser, input(), { attempt: 2 });
      assert.equal(result.resolvedBy, 'describeContact');
    });

    it('a 500 and DescribeContact shows another agent: the retryable 500 stands', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock.on(AssociateContactWithUserCommand).rejects(internalError());
      connectMock.on(DescribeContactCommand).resolves(withAgent('someone-else'));
      const failure = await failureOf(runActivity(activities.associateContactWithUser, input()));
      assert.equal(failure.type, 'InternalServiceException');
      assert.equal(failure.nonRetryable, false);
    });

    it('InvalidRequest on a retry and the contact accepted by nobody yet: unconfirmed (it may be ringing)', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(AssociateContactWithUserCommand)
        .rejects(
          new InvalidRequestException({ message: 'Contact is already offered', $metadata: sdkMetadata(400) }),
        );
      connectMock.on(DescribeContactCommand).resolves(withAgent(undefined));
      const result = await runActivity(activities.associateContactWithUser, input(), { attempt: 2 });
      assert.equal(result.resolvedBy, 'unconfirmed');
    });

    it('InvalidRequest on a retry and the contact has ended: the refusal stands', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(AssociateContactWithUserCommand)
        .rejects(new InvalidRequestException({ message: 'Contact has ended', $metadata: sdkMetadata(400) }));
      connectMock
        .on(DescribeContactCommand)
        .resolves({ Contact: { Id: 'contact-1', DisconnectTimestamp: new Date(NOW) } });
      const failure = await failureOf(
        runActivity(activities.associateContactWithUser, input(), { attempt: 2 }),
      );
      assert.equal(failure.type, 'InvalidRequestException');
    });

    it('a 500 and the contact is with nobody yet: the 500 stands, so the retry tells', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock.on(AssociateContactWithUserCommand).rejects(internalError());
      connectMock.on(DescribeContactCommand).resolves(withAgent(undefined));
      const failure = await failureOf(runActivity(activities.associateContactWithUser, input()));
      assert.equal(failure.type, 'InternalServiceException');
    });

    it('a 500 and DescribeContact fails too: the original failure stands', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock.on(AssociateContactWithUserCommand).rejects(internalError());
      connectMock.on(DescribeContactCommand).rejects(internalError());
      const failure = await failureOf(runActivity(activities.associateContactWithUser, input()));
      assert.equal(failure.type, 'InternalServiceException');
      assert.equal(connectMock.commandCalls(DescribeContactCommand).length, 1);
    });
  });

  it('InvalidRequest on the first attempt is not ambiguous: fails non-retryably without DescribeContact', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(AssociateContactWithUserCommand)
      .rejects(
        new InvalidRequestException({ message: 'Contact is not queued', $metadata: sdkMetadata(400) }),
      );
    connectMock.on(DescribeContactCommand).resolves(withAgent(USER_ID));
    const failure = await failureOf(
      runActivity(activities.associateContactWithUser, input(), { attempt: 1 }),
    );
    assert.equal(failure.type, 'InvalidRequestException');
    assert.equal(failure.nonRetryable, true);
    assert.equal(connectMock.commandCalls(DescribeContactCommand).length, 0);
  });

  it('ResourceNotFound shortly after the contact was created is retried briefly; later it is final', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(AssociateContactWithUserCommand)
      .rejects(new ResourceNotFoundException({ message: 'Contact not found', $metadata: sdkMetadata(404) }));
    const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

    const fresh = await failureOf(
      runActivity(activities.associateContactWithUser, input({ contactCreatedAt: secondsAgo(2) })),
    );
    assert.equal(fresh.type, 'ResourceNotFoundException');
    assert.equal(fresh.nonRetryable, false);
    assert.equal(fresh.nextRetryDelay, 200);

    const old = await failureOf(
      runActivity(activities.associateContactWithUser, input({ contactCreatedAt: secondsAgo(600) })),
    );
    assert.equal(old.nonRetryable, true);
  });

  it('rejects an over-long user id before any call', async () => {
    const { connectMock, activities } = connectActivities();
    const failure = await failureOf(
      runActivity(activities.associateContactWithUser, input({ userId: 'u'.repeat(300) })),
    );
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /UserId must be at most 256 characters \(got 300\)/);
    assert.equal(connectMock.calls().length, 0);
  });

  it('isSameUser matches an id against itself or a user ARN, and nothing else', () => {
    assert.ok(isSameUser(USER_ID, USER_ID));
    assert.ok(isSameUser(USER_ID, USER_ARN));
    assert.ok(!isSameUser(USER_ID, `${USER_ARN}x`));
    assert.ok(!isSameUser('5555', USER_ARN));
  });
});
