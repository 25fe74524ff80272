import assert from 'node:assert/strict';
import {
  ListRoutingProfileManualAssignmentQueuesCommand,
  TransferContactCommand,
} from '@aws-sdk/client-connect';
import type { TransferContactInput } from '../../../activities';
import type { RegisterWithDispatcherInput } from '../../../activities/register-with-dispatcher';
import { makeTransferIntoLine } from '../../../activities/transfer-into-line';
import { connectActivities, failureOf, INSTANCE_ID, joinRefusedOnce, NOW, runActivity } from './activity-env';

const input = (fields: Partial<TransferContactInput> = {}): TransferContactInput => ({
  instanceId: INSTANCE_ID,
  contactId: 'contact-1',
  contactFlowId: 'transfer-to-queue-flow',
  queueId: 'queue-1',
  ...fields,
});

describe('transferContact activity', () => {
  it('moves the contact to a queue through a flow with a stable ClientToken, and returns the contact to use next', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(TransferContactCommand)
      .resolves({ ContactId: 'contact-1b', ContactArn: 'arn:contact-1b' });
    const first = await runActivity(activities.transferContact, input({ step: 'transfer' }));
    const retried = await runActivity(activities.transferContact, input({ step: 'transfer' }), {
      attempt: 3,
    });
    assert.deepEqual(first, {
      contactId: 'contact-1b',
      contactArn: 'arn:contact-1b',
      clientToken: first.clientToken,
      transferredAt: NOW.toISOString(),
      attempt: 1,
    });
    assert.equal(retried.clientToken, first.clientToken);
    const sent = connectMock.commandCalls(TransferContactCommand)[0]!.args[0].input;
    assert.deepEqual(sent, {
      InstanceId: INSTANCE_ID,
      ContactId: 'contact-1',
      ContactFlowId: 'transfer-to-queue-flow',
      QueueId: 'queue-1',
      UserId: undefined,
      ClientToken: first.clientToken,
    });
  });

  it('refuses a queue and an agent together, or neither, before any call', async () => {
    const { connectMock, activities } = connectActivities();
    const both = await failureOf(runActivity(activities.transferContact, input({ userId: 'agent-1' })));
    assert.equal(both.type, 'InvalidInput');
    assert.match(both.message, /QueueId or UserId, not both/);
    const neither = await failureOf(runActivity(activities.transferContact, input({ queueId: undefined })));
    assert.match(neither.message, /needs QueueId or UserId/);
    const noFlow = await failureOf(runActivity(activities.transferContact, input({ contactFlowId: '' })));
    assert.match(noFlow.message, /ContactFlowId/);
    assert.equal(connectMock.calls().length, 0);
  });
});

describe('transferIntoLine activity', () => {
  const task = {
    taskId: 'route-task-42',
    queueId: 'queue-1',
    priority: 5,
    enqueuedAt: 1,
    preferredAgentIds: [],
    widenAt: 1,
    excludedAgentIds: [],
    allowedStatuses: ['Available'],
  };

  it('joins the line once the transfer is done; a retry after a refused join transfers with the same ClientToken and joins', async () => {
    const { connectMock, activities } = connectActivities();
    const order: string[] = [];
    connectMock.on(TransferContactCommand).callsFake(() => {
      order.push('transfer');
      return { ContactId: 'contact-1b' };
    });
    const joins: RegisterWithDispatcherInput[] = [];
    const transferIntoLine = makeTransferIntoLine(activities.transferContact, joinRefusedOnce(order, joins));
    const batchNews = {
      batchWorkflowId: 'bulk-batch/1',
      news: { workflowId: 'route-task-42', news: 'created' as const, contactId: 'contact-1' },
    };
    const withLine = { ...input({ step: 'transfer-to-queue' }), task, taskQueue: 'main-queue', batchNews };
    await assert.rejects(runActivity(transferIntoLine, withLine), /update refused/);
    const retried = await runActivity(transferIntoLine, withLine, { attempt: 2 });
    assert.deepEqual(order, ['transfer', 'join refused', 'transfer', 'join']);
    assert.equal(retried.contactId, 'contact-1b');
    assert.equal(retried.dispatcherId, 'connect-dispatcher/i');
    assert.deepEqual(
      joins,
      [
        {
          instanceId: INSTANCE_ID,
          task: { ...task, contactId: 'contact-1b' },
          taskQueue: 'main-queue',
          batchNews,
        },
      ],
      'the task joins with the contact as the transfer queued it, for the dispatcher to look for',
    );
    const sent = connectMock.commandCalls(TransferContactCommand).map((call) => call.args[0].input);
    assert.equal(sent[0]!.ContactId, 'contact-1');
    assert.equal(sent[1]!.ClientToken, sent[0]!.ClientToken);
  });

  it('joins nothing when the transfer fails', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(TransferContactCommand).rejects(new Error('no such contact'));
    let joined = 0;
    const transferIntoLine = makeTransferIntoLine(activities.transferContact, async () => {
      joined += 1;
      return { dispatcherId: 'connect-dispatcher/i' };
    });
    await assert.rejects(runActivity(transferIntoLine, { ...input(), task, taskQueue: 'main-queue' }));
    assert.equal(joined, 0);
  });
});

const manualQueue = (id: string, channel: 'TASK' | 'CHAT') => ({
  QueueId: id,
  QueueArn: `arn:queue/${id}`,
  QueueName: id,
  Channel: channel,
});

describe('listRoutingProfileManualAssignmentQueues activity', () => {
  it("reads every page and keeps the profile's TASK queues", async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(ListRoutingProfileManualAssignmentQueuesCommand, { NextToken: undefined })
      .resolves({
        RoutingProfileManualAssignmentQueueConfigSummaryList: [
          manualQueue('q-b', 'TASK'),
          manualQueue('q-chat', 'CHAT'),
        ],
        NextToken: 'page-2',
      })
      .on(ListRoutingProfileManualAssignmentQueuesCommand, { NextToken: 'page-2' })
      .resolves({
        RoutingProfileManualAssignmentQueueConfigSummaryList: [manualQueue('q-a', 'TASK')],
      });
    const result = await runActivity(activities.listRoutingProfileManualAssignmentQueues, {
      instanceId: INSTANCE_ID,
      routingProfileId: 'profile-1',
    });
    assert.deepEqual(result, { routingProfileId: 'profile-1', queueIds: ['q-a', 'q-b'], attempt: 1 });
    assert.equal(connectMock.commandCalls(ListRoutingProfileManualAssignmentQueuesCommand).length, 2);
  });
});
