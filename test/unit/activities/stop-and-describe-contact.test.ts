import assert from 'node:assert/strict';
import {
  ContactNotFoundException,
  DescribeContactCommand,
  InvalidRequestException,
  StopContactCommand,
} from '@aws-sdk/client-connect';
import { connectActivities, failureOf, INSTANCE_ID, runActivity, sdkMetadata } from './activity-env';

const ref = { instanceId: INSTANCE_ID, contactId: 'contact-1' };
const ENDED_AT = new Date('2026-03-02T09:58:00.000Z');
const alreadyEnded = () =>
  new InvalidRequestException({ message: 'Contact is not active', $metadata: sdkMetadata(400) });

describe('describeContact activity', () => {
  it('returns a JSON summary with ISO timestamps', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(DescribeContactCommand).resolves({
      Contact: {
        Id: 'contact-1',
        Arn: 'arn:contact-1',
        Channel: 'TASK',
        InitiationMethod: 'API',
        Name: 'Call back',
        QueueInfo: { Id: 'queue-1', EnqueueTimestamp: new Date('2026-03-02T09:00:00Z') },
        AgentInfo: { Id: 'user-1', ConnectedToAgentTimestamp: new Date('2026-03-02T09:05:00Z') },
        InitiationTimestamp: new Date('2026-03-02T08:59:00Z'),
      },
    });
    const summary = await runActivity(activities.describeContact, ref);
    assert.deepEqual(JSON.parse(JSON.stringify(summary)), {
      contactId: 'contact-1',
      contactArn: 'arn:contact-1',
      channel: 'TASK',
      initiationMethod: 'API',
      name: 'Call back',
      queueId: 'queue-1',
      enqueuedAt: '2026-03-02T09:00:00.000Z',
      agentId: 'user-1',
      connectedToAgentAt: '2026-03-02T09:05:00.000Z',
      initiatedAt: '2026-03-02T08:59:00.000Z',
      attempt: 1,
    });
  });

  it('rejects an empty contact id before any call', async () => {
    const { connectMock, activities } = connectActivities();
    const failure = await failureOf(runActivity(activities.describeContact, { ...ref, contactId: '' }));
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /ContactId must be at least 1 character/);
    assert.equal(connectMock.calls().length, 0);
  });
});

describe('stopContact activity', () => {
  it('stops an active contact with the disconnect reason', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(StopContactCommand).resolves({});
    const result = await runActivity(activities.stopContact, { ...ref, disconnectReasonCode: 'EXPIRED' });
    assert.deepEqual(result, { contactId: 'contact-1', alreadyEnded: false, attempt: 1 });
    assert.deepEqual(connectMock.commandCalls(StopContactCommand)[0]!.args[0].input, {
      InstanceId: INSTANCE_ID,
      ContactId: 'contact-1',
      DisconnectReason: { Code: 'EXPIRED' },
    });
  });

  it('is idempotent: stopping again, after Connect says the contact is not active, succeeds', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(StopContactCommand).resolvesOnce({}).rejects(alreadyEnded());
    connectMock
      .on(DescribeContactCommand)
      .resolves({ Contact: { Id: 'contact-1', DisconnectTimestamp: ENDED_AT } });
    assert.deepEqual(await runActivity(activities.stopContact, ref), {
      contactId: 'contact-1',
      alreadyEnded: false,
      attempt: 1,
    });
    assert.deepEqual(await runActivity(activities.stopContact, ref, { attempt: 2 }), {
      contactId: 'contact-1',
      alreadyEnded: true,
      attempt: 2,
    });
  });

  it('treats ContactNotFoundException for an ended contact as already stopped', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(StopContactCommand)
      .rejects(new ContactNotFoundException({ message: 'Contact not found', $metadata: sdkMetadata(410) }));
    connectMock
      .on(DescribeContactCommand)
      .resolves({ Contact: { Id: 'contact-1', DisconnectTimestamp: ENDED_AT } });
    assert.equal((await runActivity(activities.stopContact, ref)).alreadyEnded, true);
  });

  it('keeps the failure when DescribeContact shows the contact still active', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(StopContactCommand).rejects(alreadyEnded());
    connectMock.on(DescribeContactCommand).resolves({ Contact: { Id: 'contact-1' } });
    const failure = await failureOf(runActivity(activities.stopContact, ref));
    assert.equal(failure.type, 'InvalidRequestException');
    assert.equal(failure.nonRetryable, true);
  });

  it('keeps a ContactNotFoundException when the contact does not exist at all', async () => {
    const { connectMock, activities } = connectActivities();
    const notFound = new ContactNotFoundException({
      message: 'Contact not found',
      $metadata: sdkMetadata(410),
    });
    connectMock.on(StopContactCommand).rejects(notFound);
    connectMock.on(DescribeContactCommand).rejects(notFound);
    const failure = await failureOf(runActivity(activities.stopContact, ref));
    assert.equal(failure.type, 'ContactNotFoundException');
  });
});
