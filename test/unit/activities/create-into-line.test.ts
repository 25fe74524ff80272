import assert from 'node:assert/strict';
import { CreateContactCommand, TransferContactCommand } from '@aws-sdk/client-connect';
import type { CreateIntoLineInput } from '../../../activities';
import { makeCreateIntoLine } from '../../../activities/create-into-line';
import type { RegisterWithDispatcherInput } from '../../../activities/register-with-dispatcher';
import { makeTransferIntoLine } from '../../../activities/transfer-into-line';
import { waitingTask } from '../../helpers/waiting-task';
import { connectActivities, INSTANCE_ID, joinRefusedOnce, NOW, runActivity } from './activity-env';

const task = waitingTask('route-task-42', 1);

const createIntoLineInput = (fields: Partial<CreateIntoLineInput> = {}): CreateIntoLineInput => ({
  instanceId: INSTANCE_ID,
  name: 'Call back Mrs Example',
  step: 'create-contact',
  transfer: {
    contactFlowId: 'transfer-to-queue-flow',
    queueId: 'queue-1',
    step: 'transfer-to-queue',
    task,
    taskQueue: 'main-queue',
  },
  ...fields,
});

/** createIntoLine over the mocked Connect client, joining through `join`. */
function createIntoLineOf(
  transfersAtCreateRate: boolean,
  join: (input: RegisterWithDispatcherInput) => Promise<{ dispatcherId: string }>,
) {
  const { connectMock, activities } = connectActivities();
  const transferIntoLine = makeTransferIntoLine(activities.transferContact, join);
  const createIntoLine = makeCreateIntoLine(
    activities.createContact,
    transferIntoLine,
    transfersAtCreateRate,
  );
  return { connectMock, createIntoLine };
}

describe('createIntoLine activity', () => {
  it('creates, transfers the new contact and joins the line with the transferred one; a retry repeats both ClientTokens', async () => {
    const order: string[] = [];
    const joins: RegisterWithDispatcherInput[] = [];
    const { connectMock, createIntoLine } = createIntoLineOf(true, joinRefusedOnce(order, joins));
    connectMock.on(CreateContactCommand).callsFake(() => {
      order.push('create');
      return { ContactId: 'contact-1', ContactArn: 'arn:contact-1' };
    });
    connectMock.on(TransferContactCommand).callsFake(() => {
      order.push('transfer');
      return { ContactId: 'contact-1b' };
    });
    const withBatch = createIntoLineInput({ batchWorkflowId: 'bulk-batch/1' });
    await assert.rejects(runActivity(createIntoLine, withBatch), /update refused/);
    const retried = await runActivity(createIntoLine, withBatch, { attempt: 2 });

    assert.deepEqual(order, ['create', 'transfer', 'join refused', 'create', 'transfer', 'join']);
    assert.equal(retried.contactId, 'contact-1', 'the result names the contact as created');
    assert.deepEqual(retried.inLine, {
      contactId: 'contact-1b',
      contactArn: undefined,
      transferredAt: NOW.toISOString(),
      dispatcherId: 'connect-dispatcher/i',
      attempt: 2,
    });
    assert.deepEqual(joins, [
      {
        instanceId: INSTANCE_ID,
        task: { ...task, contactId: 'contact-1b' },
        taskQueue: 'main-queue',
        batchNews: {
          batchWorkflowId: 'bulk-batch/1',
          news: { workflowId: task.taskId, news: 'created', contactId: 'contact-1' },
        },
      },
    ]);
    const creates = connectMock.commandCalls(CreateContactCommand).map((call) => call.args[0].input);
    assert.equal(creates[1]!.ClientToken, creates[0]!.ClientToken);
    const transfers = connectMock.commandCalls(TransferContactCommand).map((call) => call.args[0].input);
    assert.equal(transfers[0]!.ContactId, 'contact-1');
    assert.equal(transfers[0]!.ContactFlowId, 'transfer-to-queue-flow');
    assert.equal(transfers[0]!.QueueId, 'queue-1');
    assert.equal(transfers[1]!.ClientToken, transfers[0]!.ClientToken);
    assert.notEqual(transfers[0]!.ClientToken, creates[0]!.ClientToken);
  });

  it('only creates where the transfer lane is slower than the create lane', async () => {
    let joined = 0;
    const { connectMock, createIntoLine } = createIntoLineOf(false, async () => {
      joined += 1;
      return { dispatcherId: 'connect-dispatcher/i' };
    });
    connectMock.on(CreateContactCommand).resolves({ ContactId: 'contact-1', ContactArn: 'arn:contact-1' });
    const created = await runActivity(createIntoLine, createIntoLineInput());
    assert.equal(created.contactId, 'contact-1');
    assert.equal(created.inLine, undefined);
    assert.equal(connectMock.commandCalls(TransferContactCommand).length, 0);
    assert.equal(joined, 0);
  });
});
