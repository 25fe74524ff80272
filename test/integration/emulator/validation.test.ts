import {
  AssociateContactWithUserCommand,
  CreateContactCommand,
  CreateContactCommandInput,
  DescribeContactCommand,
  GetCurrentUserDataCommand,
  GetCurrentUserDataCommandInput,
  StartTaskContactCommand,
  StartTaskContactCommandInput,
} from '@aws-sdk/client-connect';
import assert from 'node:assert/strict';
import { ALICE, BILLING_FLOW, BILLING_QUEUE, expectConnectError, useEmulator } from './harness';

const TASK = { Channel: 'TASK', InitiationMethod: 'API', Name: 'task' } as const;
const invalidParameter = { name: 'InvalidParameterException', status: 400 };
const invalidRequest = { name: 'InvalidRequestException', status: 400 };

interface Rule<Input> {
  rule: string;
  input: Partial<Input>;
  expected: { name: string; status: number };
  message: RegExp;
}

describe('Connect emulator: request validation', () => {
  const env = useEmulator();

  const createContactRules: Rule<CreateContactCommandInput>[] = [
    {
      rule: 'InstanceId at most 100 characters',
      input: { InstanceId: 'i'.repeat(101) },
      expected: invalidParameter,
      message: /InstanceId must be at most 100/,
    },
    {
      rule: 'Name at most 1,024 characters',
      input: { Name: 'n'.repeat(1025) },
      expected: invalidParameter,
      message: /Name must be at most 1,024/,
    },
    {
      rule: 'Description at most 4,096 characters',
      input: { Description: 'd'.repeat(4097) },
      expected: invalidParameter,
      message: /Description must be at most 4,096/,
    },
    {
      rule: 'ClientToken at most 500 characters',
      input: { ClientToken: 't'.repeat(501) },
      expected: invalidParameter,
      message: /ClientToken must be at most 500/,
    },
    {
      rule: 'RelatedContactId at most 256 characters',
      input: { RelatedContactId: 'r'.repeat(257) },
      expected: invalidParameter,
      message: /RelatedContactId must be at most 256/,
    },
    {
      rule: 'Attributes keys only letters, digits, - and _',
      input: { Attributes: { 'bad key!': 'v' } },
      expected: invalidParameter,
      message: /Attributes key "bad key!"/,
    },
    {
      rule: 'Attributes at most 32,768 UTF-8 bytes',
      input: { Attributes: { big: 'é'.repeat(16_384) } },
      expected: invalidParameter,
      message: /32,768 UTF-8 bytes/,
    },
    {
      rule: 'References values at most 4,096 UTF-8 bytes',
      input: { References: { doc: { Type: 'STRING', Value: 'v'.repeat(4097) } } },
      expected: invalidParameter,
      message: /References\.doc\.Value must be at most 4,096 UTF-8 bytes/,
    },
    {
      rule: 'References types allowed on a task',
      input: { References: { doc: { Type: 'EMAIL_MESSAGE', Value: 'v' } } },
      expected: invalidParameter,
      message: /EMAIL_MESSAGE is not allowed/,
    },
    {
      rule: 'CHAT is not supported',
      input: { Channel: 'CHAT' },
      expected: invalidRequest,
      message: /CHAT is not supported/,
    },
    {
      rule: 'TASK only with API',
      input: { InitiationMethod: 'INBOUND' },
      expected: invalidRequest,
      message: /INBOUND is not valid for Channel TASK/,
    },
    {
      rule: 'VOICE only with TRANSFER',
      input: { Channel: 'VOICE', InitiationMethod: 'OUTBOUND' },
      expected: invalidRequest,
      message: /not valid for Channel VOICE/,
    },
    {
      rule: 'EMAIL only with OUTBOUND, AGENT_REPLY or FLOW',
      input: { Channel: 'EMAIL', InitiationMethod: 'API' },
      expected: invalidRequest,
      message: /not valid for Channel EMAIL/,
    },
    {
      rule: 'EMAIL OUTBOUND needs UserInfo',
      input: { Channel: 'EMAIL', InitiationMethod: 'OUTBOUND' },
      expected: invalidRequest,
      message: /UserInfo\.UserId is required for EMAIL/,
    },
    {
      rule: 'InitiateAs COMPLETED only for TASK',
      input: { Channel: 'EMAIL', InitiationMethod: 'FLOW', InitiateAs: 'COMPLETED' },
      expected: invalidRequest,
      message: /COMPLETED is only allowed for Channel TASK/,
    },
    {
      rule: 'InitiateAs CONNECTED_TO_USER needs UserInfo',
      input: { InitiateAs: 'CONNECTED_TO_USER' },
      expected: invalidRequest,
      message: /required when InitiateAs is CONNECTED_TO_USER/,
    },
    {
      rule: 'UserInfo.UserId at most 256 characters',
      input: { UserInfo: { UserId: 'u'.repeat(257) } },
      expected: invalidParameter,
      message: /UserInfo\.UserId must be at most 256/,
    },
    {
      rule: 'ExpiryDurationInMinutes 1 to 129,600',
      input: { ExpiryDurationInMinutes: 0 },
      expected: invalidParameter,
      message: /ExpiryDurationInMinutes must be at least 1/,
    },
    {
      rule: 'connect:ContactExpiry within range',
      input: {
        SegmentAttributes: {
          'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 200_000 } } },
        },
      },
      expected: invalidParameter,
      message: /ExpiryDuration\.ValueInteger must be 1 to 129,600/,
    },
    {
      rule: 'only one way to set the expiry',
      input: {
        ExpiryDurationInMinutes: 5,
        SegmentAttributes: { 'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 5 } } } },
      },
      expected: invalidRequest,
      message: /both set the expiry/,
    },
    {
      rule: 'PreviousContactId only for VOICE',
      input: { PreviousContactId: 'p' },
      expected: invalidRequest,
      message: /PreviousContactId is only allowed for Channel VOICE/,
    },
  ];
  for (const { rule, input, expected, message } of createContactRules) {
    it(`CreateContact: ${rule}`, async () => {
      const { connect, instanceId } = env();
      await expectConnectError(
        connect.send(new CreateContactCommand({ InstanceId: instanceId, ...TASK, ...input })),
        {
          ...expected,
          message,
        },
      );
      assert.equal(env().emulator.ledger().contactsCreated, 0);
    });
  }

  const startTaskRules: Rule<StartTaskContactCommandInput>[] = [
    {
      rule: 'Name at most 512 characters',
      input: { Name: 'n'.repeat(513) },
      expected: invalidParameter,
      message: /Name must be at most 512/,
    },
    {
      rule: 'a flow, quick connect or template is required',
      input: { ContactFlowId: undefined },
      expected: invalidRequest,
      message: /ContactFlowId, QuickConnectId or TaskTemplateId is required/,
    },
    {
      rule: 'ScheduledTime not in the past',
      input: { ScheduledTime: new Date(Date.now() - 60_000) },
      expected: invalidRequest,
      message: /must not be in the past/,
    },
    {
      rule: 'ScheduledTime at most 6 days ahead',
      input: { ScheduledTime: new Date(Date.now() + 7 * 86_400_000) },
      expected: invalidRequest,
      message: /at most 6 days ahead/,
    },
    {
      rule: 'References types allowed by StartTaskContact',
      input: { References: { file: { Type: 'ATTACHMENT', Value: 'x' } } },
      expected: invalidParameter,
      message: /ATTACHMENT is not allowed/,
    },
    {
      rule: 'Attributes keys only letters, digits, - and _',
      input: { Attributes: { 'a.b': 'v' } },
      expected: invalidParameter,
      message: /Attributes key "a\.b"/,
    },
  ];
  for (const { rule, input, expected, message } of startTaskRules) {
    it(`StartTaskContact: ${rule}`, async () => {
      const { connect, instanceId } = env();
      const request = { InstanceId: instanceId, Name: 'task', ContactFlowId: BILLING_FLOW, ...input };
      await expectConnectError(connect.send(new StartTaskContactCommand(request)), { ...expected, message });
    });
  }

  const userDataRules: Rule<GetCurrentUserDataCommandInput>[] = [
    {
      rule: 'at most 100 queues',
      input: { Filters: { Queues: Array.from({ length: 101 }, () => BILLING_QUEUE) } },
      expected: invalidParameter,
      message: /Filters\.Queues must have at most 100 items/,
    },
    {
      rule: 'only one kind of filter',
      input: { Filters: { Queues: [BILLING_QUEUE], Agents: [ALICE] } },
      expected: invalidRequest,
      message: /only one of/,
    },
    {
      rule: 'MaxResults 1 to 100',
      input: { MaxResults: 101 },
      expected: invalidParameter,
      message: /MaxResults must be at most 100/,
    },
    {
      rule: 'Filters is required',
      input: { Filters: undefined },
      expected: invalidParameter,
      message: /Filters is required/,
    },
  ];
  for (const { rule, input, expected, message } of userDataRules) {
    it(`GetCurrentUserData: ${rule}`, async () => {
      const { connect, instanceId } = env();
      const request = { InstanceId: instanceId, Filters: { Agents: [ALICE] }, ...input };
      await expectConnectError(connect.send(new GetCurrentUserDataCommand(request)), {
        ...expected,
        message,
      });
    });
  }

  it('AssociateContactWithUser: ContactId and UserId at most 256 characters', async () => {
    const { connect, instanceId } = env();
    await expectConnectError(
      connect.send(
        new AssociateContactWithUserCommand({
          InstanceId: instanceId,
          ContactId: 'c'.repeat(257),
          UserId: ALICE,
        }),
      ),
      { ...invalidParameter, message: /ContactId must be at most 256/ },
    );
    await expectConnectError(
      connect.send(
        new AssociateContactWithUserCommand({
          InstanceId: instanceId,
          ContactId: 'c',
          UserId: 'u'.repeat(257),
        }),
      ),
      { ...invalidParameter, message: /UserId must be at most 256/ },
    );
  });

  describe('unknown resources answer ResourceNotFoundException (404)', () => {
    const notFound = { name: 'ResourceNotFoundException', status: 404 };

    it('an unknown instance', async () => {
      const { connect } = env();
      await expectConnectError(
        connect.send(new CreateContactCommand({ InstanceId: 'no-such-instance', ...TASK })),
        {
          ...notFound,
          message: /Instance not found/,
        },
      );
      await expectConnectError(
        connect.send(
          new GetCurrentUserDataCommand({ InstanceId: 'no-such-instance', Filters: { Agents: [ALICE] } }),
        ),
        notFound,
      );
    });

    it('an unknown contact', async () => {
      const { connect, instanceId } = env();
      await expectConnectError(
        connect.send(new DescribeContactCommand({ InstanceId: instanceId, ContactId: 'no-such-contact' })),
        { ...notFound, message: /Contact not found/ },
      );
      await expectConnectError(
        connect.send(
          new AssociateContactWithUserCommand({
            InstanceId: instanceId,
            ContactId: 'no-such-contact',
            UserId: ALICE,
          }),
        ),
        notFound,
      );
    });

    it('an unknown user', async () => {
      const { connect, instanceId } = env();
      const { ContactId } = await connect.send(new CreateContactCommand({ InstanceId: instanceId, ...TASK }));
      await expectConnectError(
        connect.send(
          new AssociateContactWithUserCommand({ InstanceId: instanceId, ContactId, UserId: 'no-such-user' }),
        ),
        { ...notFound, message: /User not found/ },
      );
      await expectConnectError(
        connect.send(
          new CreateContactCommand({
            InstanceId: instanceId,
            ...TASK,
            InitiateAs: 'CONNECTED_TO_USER',
            UserInfo: { UserId: 'no-such-user' },
          }),
        ),
        notFound,
      );
    });

    it('an unknown queue or contact flow', async () => {
      const { connect, instanceId } = env();
      await expectConnectError(
        connect.send(
          new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Queues: ['no-such-queue'] } }),
        ),
        { ...notFound, message: /Queue not found/ },
      );
      await expectConnectError(
        connect.send(
          new StartTaskContactCommand({ InstanceId: instanceId, Name: 't', ContactFlowId: 'no-such-flow' }),
        ),
        { ...notFound, message: /Contact flow not found/ },
      );
    });
  });

  it('refuses requests without a SigV4 Authorization header with AccessDeniedException (403)', async () => {
    const { emulator, instanceId } = env();
    const response = await fetch(`${emulator.endpoint}/contact/create-contact`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ InstanceId: instanceId, ...TASK }),
    });
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.match(((await response.json()) as { Message: string }).Message, /SigV4/);
    assert.equal(emulator.ledger().contactsCreated, 0);
  });
});
