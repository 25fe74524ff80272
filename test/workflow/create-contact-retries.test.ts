import assert from 'node:assert/strict';
import { ConnectClient, CreateContactCommand, ThrottlingException } from '@aws-sdk/client-connect';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { mockClient } from 'aws-sdk-client-mock';
import { createConnectActivities } from '../../activities';
import { sharedTestEnv, uniqueTaskQueue } from '../helpers/temporal';
import { createOneContact } from './fixtures/create-one-contact';

const EventType = temporal.api.enums.v1.EventType;

describe('createContact in a workflow on a real Temporal server', () => {
  it('retries throttling with the error type visible in history, and reuses one ClientToken', async () => {
    const env = await sharedTestEnv();
    const connect = new ConnectClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const throttled = () =>
      new ThrottlingException({
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429, requestId: 'req-429' },
      });
    const connectMock = mockClient(connect);
    connectMock.on(CreateContactCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({
      ContactId: 'contact-1',
      ContactArn: 'arn:aws:connect:us-east-1:1:instance/i-1/contact/contact-1',
    });

    const taskQueue = uniqueTaskQueue('create-contact-retries');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./fixtures/create-one-contact'),
      activities: createConnectActivities({ connect }),
    });
    const workflowId = `create-one-contact-${Date.now()}`;
    const result = await worker.runUntil(
      env.client.workflow.execute(createOneContact, {
        workflowId,
        taskQueue,
        args: [{ instanceId: 'i-1', name: 'Call back', description: 'Retried twice' }],
      }),
    );

    assert.equal(result.contactId, 'contact-1');
    assert.equal(result.attempt, 3);
    const tokens = connectMock
      .commandCalls(CreateContactCommand)
      .map((call) => call.args[0].input.ClientToken);
    assert.equal(tokens.length, 3);
    assert.equal(new Set(tokens).size, 1, 'every attempt sends the same ClientToken');

    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events?.find(
      (event) => event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    );
    const attributes = started?.activityTaskStartedEventAttributes;
    assert.equal(attributes?.attempt, 3, 'the started event records the third attempt');
    const lastFailure = attributes?.lastFailure;
    assert.equal(lastFailure?.applicationFailureInfo?.type, 'ThrottlingException');
    assert.equal(lastFailure?.applicationFailureInfo?.nonRetryable, false);
    assert.match(lastFailure?.message ?? '', /Rate exceeded/);
  });
});
