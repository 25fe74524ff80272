import {
  AssociateContactWithUserCommand,
  AssociateContactWithUserCommandInput,
  ConnectClient,
  CreateContactCommandInput,
  GetCurrentUserDataCommand,
  GetCurrentUserDataCommandInput,
  ListQueuesCommand,
  ListRoutingProfileQueuesCommand,
  QueueType,
  StartTaskContactCommand,
  StartTaskContactCommandInput,
} from '@aws-sdk/client-connect';
import assert from 'node:assert/strict';
import {
  ALICE,
  assignTask,
  BILLING_FLOW,
  BILLING_QUEUE,
  BLENDED_PROFILE,
  createTask,
  currentUserData,
  describeContact,
  expectConnectError,
  INVALID_PARAMETER,
  INVALID_REQUEST,
  NOT_FOUND,
  TASK,
  useEmulator,
} from './harness';

/** The requests whose rules the table below tests. */
interface Requests {
  CreateContact: CreateContactCommandInput;
  StartTaskContact: StartTaskContactCommandInput;
  GetCurrentUserData: GetCurrentUserDataCommandInput;
  AssociateContactWithUser: AssociateContactWithUserCommandInput;
}

/** A request rule: a valid request to `operation` with `input` over it is refused with `expected`. */
type Rule = {
  [Operation in keyof Requests]: {
    operation: Operation;
    rule: string;
    input: Partial<Requests[Operation]>;
    expected: { name: string; status: number };
    message: RegExp;
  };
}[keyof Requests];

/** Sends a valid request to the rule's operation with the rule's input over it. */
function breakRule(connect: ConnectClient, instanceId: string, rule: Rule): Promise<unknown> {
  switch (rule.operation) {
    case 'CreateContact':
      return createTask(connect, instanceId, rule.input);
    case 'StartTaskContact':
      return connect.send(
        new StartTaskContactCommand({
          InstanceId: instanceId,
          Name: 'task',
          ContactFlowId: BILLING_FLOW,
          ...rule.input,
        }),
      );
    case 'GetCurrentUserData':
      return connect.send(
        new GetCurrentUserDataCommand({
          InstanceId: instanceId,
          Filters: { Agents: [ALICE] },
          ...rule.input,
        }),
      );
    case 'AssociateContactWithUser':
      return connect.send(
        new AssociateContactWithUserCommand({
          InstanceId: instanceId,
          ContactId: 'c',
          UserId: ALICE,
          ...rule.input,
        }),
      );
  }
}

describe('Connect emulator: request validation', () => {
  const env = useEmulator();

  const rules: Rule[] = [
    {
      operation: 'CreateContact',
      rule: 'InstanceId at most 100 characters',
      input: { InstanceId: 'i'.repeat(101) },
      expected: INVALID_PARAMETER,
      message: /InstanceId must be at most 100/,
    },
    {
      operation: 'CreateContact',
      rule: 'Name at most 1,024 characters',
      input: { Name: 'n'.repeat(1025) },
      expected: INVALID_PARAMETER,
      message: /Name must be at most 1,024/,
    },
    {
      operation: 'CreateContact',
      rule: 'Description at most 4,096 characters',
      input: { Description: 'd'.repeat(4097) },
      expected: INVALID_PARAMETER,
      message: /Description must be at most 4,096/,
    },
    {
      operation: 'CreateContact',
      rule: 'ClientToken at most 500 characters',
      input: { ClientToken: 't'.repeat(501) },
      expected: INVALID_PARAMETER,
      message: /ClientToken must be at most 500/,
    },
    {
      operation: 'CreateContact',
      rule: 'RelatedContactId at most 256 characters',
      input: { RelatedContactId: 'r'.repeat(257) },
      expected: INVALID_PARAMETER,
      message: /RelatedContactId must be at most 256/,
    },
    {
      operation: 'CreateContact',
      rule: 'Attributes keys only letters, digits, - and _',
      input: { Attributes: { 'bad key!': 'v' } },
      expected: INVALID_PARAMETER,
      message: /Attributes key "bad key!"/,
    },
    {
      operation: 'CreateContact',
      rule: 'Attributes at most 32,768 UTF-8 bytes',
      input: { Attributes: { big: 'é'.repeat(16_384) } },
      expected: INVALID_PARAMETER,
      message: /32,768 UTF-8 bytes/,
    },
    {
      operation: 'CreateContact',
      rule: 'References values at most 4,096 characters',
      input: { References: { doc: { Type: 'STRING', Value: 'v'.repeat(4097) } } },
      expected: INVALID_PARAMETER,
      message: /References\.doc\.Value must be at most 4,096 characters/,
    },
    {
      operation: 'CreateContact',
      rule: 'References at most 4,096 UTF-8 bytes across all references',
      input: {
        References: {
          first: { Type: 'STRING', Value: 'v'.repeat(2100) },
          second: { Type: 'STRING', Value: 'v'.repeat(2100) },
        },
      },
      expected: INVALID_PARAMETER,
      message: /References must total at most 4,096 UTF-8 bytes across all references \(got 4,211\)/,
    },
    {
      operation: 'CreateContact',
      rule: 'References Arn follows the model pattern',
      input: { References: { doc: { Type: 'URL', Value: 'v', Arn: '#not-an-arn, it starts with a hash' } } },
      expected: INVALID_PARAMETER,
      message: /References\.doc\.Arn must match \^\[-:\/A-Za-z0-9\]\+/,
    },
    {
      operation: 'CreateContact',
      rule: 'Channel one of the modelled channels',
      input: { Channel: 'FAX' as 'TASK' },
      expected: INVALID_PARAMETER,
      message: /Channel must be one of VOICE, CHAT, TASK, EMAIL \(got "FAX"\)/,
    },
    {
      operation: 'CreateContact',
      rule: 'References types allowed on a task',
      input: { References: { doc: { Type: 'EMAIL_MESSAGE', Value: 'v' } } },
      expected: INVALID_PARAMETER,
      message: /EMAIL_MESSAGE is not allowed/,
    },
    {
      operation: 'CreateContact',
      rule: 'CHAT is not supported',
      input: { Channel: 'CHAT' },
      expected: INVALID_REQUEST,
      message: /CHAT is not supported/,
    },
    {
      operation: 'CreateContact',
      rule: 'TASK only with API',
      input: { InitiationMethod: 'INBOUND' },
      expected: INVALID_REQUEST,
      message: /INBOUND is not valid for Channel TASK/,
    },
    {
      operation: 'CreateContact',
      rule: 'VOICE only with TRANSFER',
      input: { Channel: 'VOICE', InitiationMethod: 'OUTBOUND' },
      expected: INVALID_REQUEST,
      message: /not valid for Channel VOICE/,
    },
    {
      operation: 'CreateContact',
      rule: 'EMAIL only with OUTBOUND, AGENT_REPLY or FLOW',
      input: { Channel: 'EMAIL', InitiationMethod: 'API' },
      expected: INVALID_REQUEST,
      message: /not valid for Channel EMAIL/,
    },
    {
      operation: 'CreateContact',
      rule: 'EMAIL OUTBOUND needs UserInfo',
      input: { Channel: 'EMAIL', InitiationMethod: 'OUTBOUND' },
      expected: INVALID_REQUEST,
      message: /UserInfo\.UserId is required for EMAIL/,
    },
    {
      operation: 'CreateContact',
      rule: 'InitiateAs COMPLETED only for TASK',
      input: { Channel: 'EMAIL', InitiationMethod: 'FLOW', InitiateAs: 'COMPLETED' },
      expected: INVALID_REQUEST,
      message: /COMPLETED is only allowed for Channel TASK/,
    },
    {
      operation: 'CreateContact',
      rule: 'InitiateAs CONNECTED_TO_USER needs UserInfo',
      input: { InitiateAs: 'CONNECTED_TO_USER' },
      expected: INVALID_REQUEST,
      message: /required when InitiateAs is CONNECTED_TO_USER/,
    },
    {
      operation: 'CreateContact',
      rule: 'UserInfo.UserId at most 256 characters',
      input: { UserInfo: { UserId: 'u'.repeat(257) } },
      expected: INVALID_PARAMETER,
      message: /UserInfo\.UserId must be at most 256/,
    },
    {
      operation: 'CreateContact',
      rule: 'ExpiryDurationInMinutes 1 to 129,600',
      input: { ExpiryDurationInMinutes: 0 },
      expected: INVALID_PARAMETER,
      message: /ExpiryDurationInMinutes must be 1 to 129,600 minutes \(got 0\)/,
    },
    {
      operation: 'CreateContact',
      rule: 'connect:ContactExpiry within range',
      input: {
        SegmentAttributes: {
          'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 200_000 } } },
        },
      },
      expected: INVALID_PARAMETER,
      message: /ExpiryDuration\.ValueInteger must be 1 to 129,600/,
    },
    {
      operation: 'CreateContact',
      rule: 'only one way to set the expiry',
      input: {
        ExpiryDurationInMinutes: 5,
        SegmentAttributes: { 'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: 5 } } } },
      },
      expected: INVALID_REQUEST,
      message: /both set the expiry/,
    },
    {
      operation: 'CreateContact',
      rule: 'PreviousContactId only for VOICE',
      input: { PreviousContactId: 'p' },
      expected: INVALID_REQUEST,
      message: /PreviousContactId is only allowed for Channel VOICE/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'Name at most 1,024 characters',
      input: { Name: 'n'.repeat(1025) },
      expected: INVALID_PARAMETER,
      message: /Name must be at most 1,024/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'only one of a flow, quick connect or template',
      input: { TaskTemplateId: 'template' },
      expected: INVALID_REQUEST,
      message:
        /only one of ContactFlowId, QuickConnectId and TaskTemplateId \(got ContactFlowId, TaskTemplateId\)/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'each attachment names its file and its S3 URL',
      input: { Attachments: [{ FileName: 'notes.txt' } as { FileName: string; S3Url: string }] },
      expected: INVALID_PARAMETER,
      message: /Attachments\[0\]\.S3Url is required/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'a flow, quick connect or template is required',
      input: { ContactFlowId: undefined },
      expected: INVALID_REQUEST,
      message: /ContactFlowId, QuickConnectId or TaskTemplateId is required/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'ScheduledTime not in the past',
      input: { ScheduledTime: new Date(Date.now() - 60_000) },
      expected: INVALID_REQUEST,
      message: /must not be in the past/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'ScheduledTime at most 6 days ahead',
      input: { ScheduledTime: new Date(Date.now() + 7 * 86_400_000) },
      expected: INVALID_REQUEST,
      message: /at most 6 days ahead/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'References types allowed by StartTaskContact',
      input: { References: { file: { Type: 'ATTACHMENT', Value: 'x' } } },
      expected: INVALID_PARAMETER,
      message: /ATTACHMENT is not allowed/,
    },
    {
      operation: 'StartTaskContact',
      rule: 'Attributes keys only letters, digits, - and _',
      input: { Attributes: { 'a.b': 'v' } },
      expected: INVALID_PARAMETER,
      message: /Attributes key "a\.b"/,
    },
    {
      operation: 'GetCurrentUserData',
      rule: 'at most 100 queues',
      input: { Filters: { Queues: Array.from({ length: 101 }, () => BILLING_QUEUE) } },
      expected: INVALID_PARAMETER,
      message: /Filters\.Queues must have at most 100 items/,
    },
    {
      operation: 'GetCurrentUserData',
      rule: 'at least 1 agent when filtering by agents',
      input: { Filters: { Agents: [] } },
      expected: INVALID_PARAMETER,
      message: /Filters\.Agents must have at least 1 item \(got 0\)/,
    },
    {
      operation: 'GetCurrentUserData',
      rule: 'only one kind of filter',
      input: { Filters: { Queues: [BILLING_QUEUE], Agents: [ALICE] } },
      expected: INVALID_REQUEST,
      message: /only one of/,
    },
    {
      operation: 'GetCurrentUserData',
      rule: 'MaxResults 1 to 100',
      input: { MaxResults: 101 },
      expected: INVALID_PARAMETER,
      message: /MaxResults must be at most 100/,
    },
    {
      operation: 'GetCurrentUserData',
      rule: 'Filters is required',
      input: { Filters: undefined },
      expected: INVALID_PARAMETER,
      message: /Filters is required/,
    },
    {
      operation: 'GetCurrentUserData',
      rule: 'NextToken only one the emulator issued',
      input: { NextToken: 'bogus' },
      expected: INVALID_PARAMETER,
      message: /NextToken/,
    },
    {
      operation: 'AssociateContactWithUser',
      rule: 'ContactId at most 256 characters',
      input: { ContactId: 'c'.repeat(257) },
      expected: INVALID_PARAMETER,
      message: /ContactId must be at most 256/,
    },
    {
      operation: 'AssociateContactWithUser',
      rule: 'UserId at most 256 characters',
      input: { UserId: 'u'.repeat(257) },
      expected: INVALID_PARAMETER,
      message: /UserId must be at most 256/,
    },
  ];
  for (const rule of rules) {
    it(`${rule.operation}: ${rule.rule}`, async () => {
      const { connect, instanceId, emulator } = env();
      await expectConnectError(breakRule(connect, instanceId, rule), {
        ...rule.expected,
        message: rule.message,
      });
      assert.equal(emulator.ledger().contactsCreated, 0);
    });
  }

  it('checks query-string members by their model shapes: page sizes per operation, enums per item', async () => {
    const { connect, instanceId } = env();
    await expectConnectError(
      connect.send(
        new ListRoutingProfileQueuesCommand({
          InstanceId: instanceId,
          RoutingProfileId: BLENDED_PROFILE,
          MaxResults: 101,
        }),
      ),
      { ...INVALID_PARAMETER, message: /^MaxResults must be at most 100 \(got 101\)$/ },
    );
    await expectConnectError(
      connect.send(
        new ListQueuesCommand({ InstanceId: instanceId, QueueTypes: ['STANDARD', 'PHANTOM' as QueueType] }),
      ),
      { ...INVALID_PARAMETER, message: /^QueueTypes\[1\] must be one of STANDARD, AGENT \(got "PHANTOM"\)$/ },
    );
  });

  describe('unknown resources answer ResourceNotFoundException (404)', () => {
    it('an unknown instance', async () => {
      const { connect } = env();
      await expectConnectError(createTask(connect, 'no-such-instance'), {
        ...NOT_FOUND,
        message: /Instance not found/,
      });
      await expectConnectError(currentUserData(connect, 'no-such-instance', ALICE), NOT_FOUND);
    });

    it('an unknown contact', async () => {
      const { connect, instanceId } = env();
      await expectConnectError(describeContact(connect, instanceId, 'no-such-contact'), {
        ...NOT_FOUND,
        message: /Contact not found/,
      });
      await expectConnectError(assignTask(connect, instanceId, 'no-such-contact', ALICE), NOT_FOUND);
    });

    it('an unknown user', async () => {
      const { connect, instanceId } = env();
      const contactId = await createTask(connect, instanceId);
      await expectConnectError(assignTask(connect, instanceId, contactId, 'no-such-user'), {
        ...NOT_FOUND,
        message: /User not found/,
      });
      await expectConnectError(
        createTask(connect, instanceId, {
          InitiateAs: 'CONNECTED_TO_USER',
          UserInfo: { UserId: 'no-such-user' },
        }),
        NOT_FOUND,
      );
    });

    it('an unknown queue or contact flow', async () => {
      const { connect, instanceId } = env();
      await expectConnectError(
        connect.send(
          new GetCurrentUserDataCommand({ InstanceId: instanceId, Filters: { Queues: ['no-such-queue'] } }),
        ),
        { ...NOT_FOUND, message: /Queue not found/ },
      );
      await expectConnectError(
        connect.send(
          new StartTaskContactCommand({ InstanceId: instanceId, Name: 't', ContactFlowId: 'no-such-flow' }),
        ),
        { ...NOT_FOUND, message: /Contact flow not found/ },
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
