import assert from 'node:assert/strict';
import { CreateContactCommand, ThrottlingException } from '@aws-sdk/client-connect';
import type { InvalidInputDetails } from '../../../activities/connect-call';
import type { CreateContactInput } from '../../../activities';
import { connectActivities, failureOf, INSTANCE_ID, NOW, runActivity, sdkMetadata } from './activity-env';

const CONTACT_ARN = `arn:aws:connect:us-east-1:111122223333:instance/${INSTANCE_ID}/contact/contact-1`;
const taskInput = (fields: Partial<CreateContactInput> = {}): CreateContactInput => ({
  instanceId: INSTANCE_ID,
  name: 'Call back Mrs Example',
  step: 'create',
  ...fields,
});

describe('createContact activity', () => {
  it('creates a TASK through the API with the mapped SDK fields', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(CreateContactCommand).resolves({ ContactId: 'contact-1', ContactArn: CONTACT_ARN });
    const result = await runActivity(
      activities.createContact,
      taskInput({
        description: 'Customer asked for a call back',
        attributes: { customerId: 'c-7', 'callback-reason': 'billing' },
        references: { ticket: { type: 'URL', value: 'https://tickets.example.com/7' } },
        expiryDurationInMinutes: 120,
      }),
    );
    const [call] = connectMock.commandCalls(CreateContactCommand);
    assert.ok(call);
    const sent = call.args[0].input;
    assert.deepEqual(
      { ...sent, ClientToken: undefined },
      {
        InstanceId: INSTANCE_ID,
        ClientToken: undefined,
        Channel: 'TASK',
        InitiationMethod: 'API',
        Name: 'Call back Mrs Example',
        Description: 'Customer asked for a call back',
        Attributes: { customerId: 'c-7', 'callback-reason': 'billing' },
        References: { ticket: { Type: 'URL', Value: 'https://tickets.example.com/7' } },
        ExpiryDurationInMinutes: 120,
        SegmentAttributes: undefined,
        UserInfo: undefined,
        InitiateAs: undefined,
        RelatedContactId: undefined,
        PreviousContactId: undefined,
      },
    );
    assert.deepEqual(result, {
      contactId: 'contact-1',
      contactArn: CONTACT_ARN,
      clientToken: sent.ClientToken,
      createdAt: NOW.toISOString(),
      attempt: 1,
    });
  });

  it('maps userId to UserInfo for a contact created connected to a user', async () => {
    const { connectMock, activities } = connectActivities();
    connectMock.on(CreateContactCommand).resolves({ ContactId: 'contact-1', ContactArn: CONTACT_ARN });
    await runActivity(
      activities.createContact,
      taskInput({ initiateAs: 'CONNECTED_TO_USER', userId: 'user-1' }),
    );
    const sent = connectMock.commandCalls(CreateContactCommand)[0]!.args[0].input;
    assert.deepEqual(sent.UserInfo, { UserId: 'user-1' });
    assert.equal(sent.InitiateAs, 'CONNECTED_TO_USER');
  });

  describe('rejects invalid input before any Connect call', () => {
    const invalidInputs: [string, Partial<CreateContactInput>, string[]][] = [
      [
        'a name over 1,024 characters',
        { name: 'n'.repeat(1030) },
        ['Name must be at most 1,024 characters (got 1,030)'],
      ],
      [
        'the CHAT channel (which has no initiation method either)',
        { channel: 'CHAT' },
        ['Channel CHAT is not supported by CreateContact', 'InitiationMethod is required'],
      ],
      ['an EMAIL without an initiation method', { channel: 'EMAIL' }, ['InitiationMethod is required']],
      [
        'oversized attributes with a bad key',
        { attributes: { 'a b': 'x', notes: 'y'.repeat(40_000) } },
        ['Attributes key "a b" may contain only letters', 'Attributes must total at most 32,768 UTF-8 bytes'],
      ],
      [
        'COMPLETED on an EMAIL',
        { channel: 'EMAIL', initiationMethod: 'FLOW', initiateAs: 'COMPLETED' },
        ['InitiateAs COMPLETED is only allowed for Channel TASK'],
      ],
    ];
    for (const [label, fields, messages] of invalidInputs) {
      it(label, async () => {
        const { connectMock, activities } = connectActivities();
        const failure = await failureOf(runActivity(activities.createContact, taskInput(fields)));
        assert.equal(failure.type, 'InvalidInput');
        assert.equal(failure.nonRetryable, true);
        for (const message of messages) assert.ok(failure.message.includes(message), failure.message);
        const details = failure.details?.[0] as InvalidInputDetails;
        assert.equal(details.operation, 'CreateContact');
        assert.equal(details.issues.length, messages.length);
        assert.equal(connectMock.calls().length, 0);
      });
    }

    it('rejects malformed errorPolicy overrides', async () => {
      const { connectMock, activities } = connectActivities();
      const failure = await failureOf(
        runActivity(activities.createContact, taskInput({ errorPolicy: { Throttling: {} } as never })),
      );
      assert.equal(failure.type, 'InvalidErrorPolicy');
      assert.equal(failure.nonRetryable, true);
      assert.equal(connectMock.calls().length, 0);
    });
  });

  describe('ClientToken', () => {
    async function tokensFor(runs: { input: CreateContactInput; attempt?: number; workflowId?: string }[]) {
      const tokens: string[] = [];
      for (const run of runs) {
        // A fresh worker each time: nothing is remembered between attempts but the inputs and context.
        const { connectMock, activities } = connectActivities();
        connectMock.on(CreateContactCommand).resolves({ ContactId: 'contact-1', ContactArn: CONTACT_ARN });
        const result = await runActivity(activities.createContact, run.input, run);
        assert.equal(
          connectMock.commandCalls(CreateContactCommand)[0]!.args[0].input.ClientToken,
          result.clientToken,
        );
        tokens.push(result.clientToken);
      }
      return tokens;
    }

    it('is identical on attempts 1..3 and across fresh activity instances', async () => {
      const tokens = await tokensFor([1, 2, 3].map((attempt) => ({ input: taskInput(), attempt })));
      assert.equal(new Set(tokens).size, 1);
      assert.match(tokens[0]!, /^ctr-[0-9a-f]{64}$/);
    });

    it('is the same on every attempt of a failing call', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(CreateContactCommand)
        .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: sdkMetadata(429) }));
      for (const attempt of [1, 2, 3]) {
        await failureOf(runActivity(activities.createContact, taskInput(), { attempt }));
      }
      const tokens = connectMock
        .commandCalls(CreateContactCommand)
        .map((call) => call.args[0].input.ClientToken);
      assert.equal(tokens.length, 3);
      assert.equal(new Set(tokens).size, 1);
    });

    it('differs between steps and between workflows, and follows an explicit idempotency key', async () => {
      const [base, otherStep, otherWorkflow, keyed, keyedElsewhere] = await tokensFor([
        { input: taskInput() },
        { input: taskInput({ step: 'create-follow-up' }) },
        { input: taskInput(), workflowId: 'route-task-43' },
        { input: taskInput({ idempotencyKey: 'batch-7/item-19' }) },
        { input: taskInput({ idempotencyKey: 'batch-7/item-19', step: 'other' }), workflowId: 'elsewhere' },
      ]);
      assert.equal(new Set([base, otherStep, otherWorkflow, keyed]).size, 4);
      assert.equal(keyed, keyedElsewhere);
    });

    it('defaults the step to the activity type', async () => {
      const [implicit, explicit] = await tokensFor([
        { input: taskInput({ step: undefined }) },
        { input: taskInput({ step: 'createContact' }) },
      ]);
      assert.equal(implicit, explicit);
    });
  });

  describe('errors', () => {
    it('throttling fails retryably with a nextRetryDelay from the table', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(CreateContactCommand)
        .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: sdkMetadata(429) }));
      for (const [attempt, ceiling] of [
        [1, 1000],
        [3, 4000],
        [12, 60000],
      ] as const) {
        const failure = await failureOf(runActivity(activities.createContact, taskInput(), { attempt }));
        assert.equal(failure.type, 'ThrottlingException');
        assert.equal(failure.nonRetryable, false);
        const delay = failure.nextRetryDelay as number;
        assert.ok(delay >= 1 && delay <= ceiling, `attempt ${attempt}: ${delay} not in [1, ${ceiling}]`);
        assert.deepEqual(failure.details?.[0], {
          httpStatus: 429,
          requestId: 'req-429',
          reason: undefined,
          policyKey: 'ThrottlingException',
          attempt,
        });
      }
    });

    it('honours errorPolicy overrides from the input', async () => {
      const { connectMock, activities } = connectActivities();
      connectMock
        .on(CreateContactCommand)
        .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: sdkMetadata(429) }));
      const input = taskInput({ errorPolicy: { ThrottlingException: { maximumAttempts: 2 } } });
      assert.equal(
        (await failureOf(runActivity(activities.createContact, input, { attempt: 1 }))).nonRetryable,
        false,
      );
      assert.equal(
        (await failureOf(runActivity(activities.createContact, input, { attempt: 2 }))).nonRetryable,
        true,
      );
    });
  });
});
