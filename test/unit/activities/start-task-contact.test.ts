import assert from 'node:assert/strict';
import { ServiceQuotaExceededException, StartTaskContactCommand } from '@aws-sdk/client-connect';
import type { StartTaskContactInput } from '../../../activities';
import { connectActivities, failureOf, INSTANCE_ID, NOW, runActivity, sdkMetadata } from './activity-env';

const input = (fields: Partial<StartTaskContactInput> = {}): StartTaskContactInput => ({
  instanceId: INSTANCE_ID,
  contactFlowId: 'flow-1',
  name: 'Follow-up',
  ...fields,
});
const inOneHour = new Date(NOW.getTime() + 3600_000).toISOString();

describe('startTaskContact activity', () => {
  it('starts a scheduled task in a flow with a stable ClientToken', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(StartTaskContactCommand).resolves({ ContactId: 'contact-2' });
    const first = await runActivity(activities.startTaskContact, input({ scheduledTime: inOneHour }));
    const second = await runActivity(activities.startTaskContact, input({ scheduledTime: inOneHour }), {
      attempt: 2,
    });
    assert.deepEqual(first, {
      contactId: 'contact-2',
      clientToken: first.clientToken,
      createdAt: NOW.toISOString(),
      attempt: 1,
    });
    assert.equal(second.attempt, 2);
    assert.equal(second.clientToken, first.clientToken);
    const sent = connectMock.commandCalls(StartTaskContactCommand)[0]!.args[0].input;
    assert.equal(sent.ClientToken, first.clientToken);
    assert.equal(sent.ContactFlowId, 'flow-1');
    assert.deepEqual(sent.ScheduledTime, new Date(inOneHour));
  });

  it('uses a different default step than createContact, so the two never share a token', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(StartTaskContactCommand).resolves({ ContactId: 'contact-2' });
    const started = await runActivity(activities.startTaskContact, input());
    const sameStep = await runActivity(activities.startTaskContact, input({ step: 'startTaskContact' }));
    assert.equal(started.clientToken, sameStep.clientToken);
    const otherStep = await runActivity(activities.startTaskContact, input({ step: 'createContact' }));
    assert.notEqual(started.clientToken, otherStep.clientToken);
  });

  it('rejects a ScheduledTime in the past, and a missing flow, before any call', async () => {
    const { connectMock, activities } = connectActivities();
    const failure = await failureOf(
      runActivity(
        activities.startTaskContact,
        input({ contactFlowId: undefined, scheduledTime: new Date(NOW.getTime() - 1000).toISOString() }),
      ),
    );
    assert.equal(failure.type, 'InvalidInput');
    assert.match(failure.message, /ContactFlowId, QuickConnectId or TaskTemplateId is required/);
    assert.match(failure.message, /ScheduledTime must not be in the past/);
    assert.equal(connectMock.calls().length, 0);
  });

  it('backs off slowly when the active-task quota is reached', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock
      .on(StartTaskContactCommand)
      .rejects(
        new ServiceQuotaExceededException({ message: 'Too many active tasks', $metadata: sdkMetadata(402) }),
      );
    const failure = await failureOf(runActivity(activities.startTaskContact, input(), { attempt: 40 }));
    assert.equal(failure.type, 'ServiceQuotaExceededException');
    assert.equal(failure.nonRetryable, false);
    assert.ok((failure.nextRetryDelay as number) <= 600_000);
  });
});
