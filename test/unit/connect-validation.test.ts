import assert from 'node:assert/strict';
import {
  CONNECT_LIMITS,
  type ConnectValidationIssue,
  utf8ByteLength,
  validateAssociateContactWithUserRequest,
  validateCreateContactRequest,
  validateDescribeContactRequest,
  validateGetCurrentUserDataRequest,
  validateStartTaskContactRequest,
  validateStopContactRequest,
} from '../../src/shared/connect-validation';

const NOW = new Date('2026-03-02T10:00:00Z');
const INSTANCE_ID = '12345678-aaaa-bbbb-cccc-1234567890ab';
const USER_ARN = `arn:aws:connect:us-east-1:111122223333:instance/${INSTANCE_ID}/agent/9f1e2d3c-0000-1111-2222-333344445555`;

const task = (fields: Record<string, unknown> = {}) => ({
  InstanceId: INSTANCE_ID,
  Channel: 'TASK',
  InitiationMethod: 'API',
  Name: 'Call back Mrs Example',
  ...fields,
});
const startTask = (fields: Record<string, unknown> = {}) => ({
  InstanceId: INSTANCE_ID,
  ContactFlowId: 'flow-1',
  Name: 'Follow-up',
  ...fields,
});
const userData = (fields: Record<string, unknown> = {}) => ({
  InstanceId: INSTANCE_ID,
  Filters: { Queues: ['queue-1'] },
  ...fields,
});
const contactExpiry = (minutes: unknown) => ({
  'connect:ContactExpiry': { ValueMap: { ExpiryDuration: { ValueInteger: minutes } } },
});
const ids = (count: number, prefix = 'q') =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);

type Validator = (req: unknown) => ConnectValidationIssue[];
const validateStartTask: Validator = (req) => validateStartTaskContactRequest(req, { now: NOW });

interface InvalidCase {
  label: string;
  validate: Validator;
  request: unknown;
  field: string;
  /** Every fragment must appear in the message (the field name, the limit, what was found). */
  message: (string | RegExp)[];
  exception?: ConnectValidationIssue['exception'];
}

const INVALID: InvalidCase[] = [
  {
    label: 'Name over 1,024 characters',
    validate: validateCreateContactRequest,
    request: task({ Name: 'n'.repeat(1030) }),
    field: 'Name',
    message: ['Name must be at most 1,024 characters (got 1,030)'],
  },
  {
    label: 'Description over 4,096 characters',
    validate: validateCreateContactRequest,
    request: task({ Description: 'd'.repeat(4097) }),
    field: 'Description',
    message: ['Description must be at most 4,096 characters (got 4,097)'],
  },
  {
    label: 'empty InstanceId',
    validate: validateCreateContactRequest,
    request: task({ InstanceId: '' }),
    field: 'InstanceId',
    message: ['InstanceId must be at least 1 character (got 0)'],
  },
  {
    label: 'InstanceId over 100 characters',
    validate: validateCreateContactRequest,
    request: task({ InstanceId: 'i'.repeat(101) }),
    field: 'InstanceId',
    message: ['InstanceId must be at most 100 characters (got 101)'],
  },
  {
    label: 'missing InstanceId',
    validate: validateCreateContactRequest,
    request: task({ InstanceId: undefined }),
    field: 'InstanceId',
    message: ['InstanceId is required'],
  },
  {
    label: 'ClientToken over 500 characters',
    validate: validateCreateContactRequest,
    request: task({ ClientToken: 't'.repeat(501) }),
    field: 'ClientToken',
    message: ['ClientToken must be at most 500 characters (got 501)'],
  },
  {
    label: 'Attributes over 32,768 UTF-8 bytes in total',
    validate: validateCreateContactRequest,
    request: task({ Attributes: { notes: 'x'.repeat(40_001 - 5) } }),
    field: 'Attributes',
    message: ['Attributes must total at most 32,768 UTF-8 bytes (got 40,001)'],
  },
  {
    label: 'Attributes whose multi-byte values exceed the byte total though not the character count',
    validate: validateCreateContactRequest,
    request: task({ Attributes: { k: '€'.repeat(11_000) } }),
    field: 'Attributes',
    message: ['Attributes must total at most 32,768 UTF-8 bytes (got 33,001)'],
  },
  {
    label: 'an Attributes key with a space',
    validate: validateCreateContactRequest,
    request: task({ Attributes: { 'a b': 'x' } }),
    field: 'Attributes',
    message: ['Attributes key "a b" may contain only letters, digits, "-" and "_"'],
  },
  {
    label: 'an Attributes value that is not a string',
    validate: validateCreateContactRequest,
    request: task({ Attributes: { priority: 5 } }),
    field: 'Attributes.priority',
    message: ['Attributes.priority must be a string (got 5)'],
  },
  {
    label: 'a References value over 4,096 UTF-8 bytes',
    validate: validateCreateContactRequest,
    request: task({
      References: { ticket: { Type: 'URL', Value: `https://example.com/${'é'.repeat(2040)}` } },
    }),
    field: 'References.ticket.Value',
    message: ['References.ticket.Value must be at most 4,096 UTF-8 bytes (got 4,100)'],
  },
  {
    label: 'a References entry with an unknown Type',
    validate: validateCreateContactRequest,
    request: task({ References: { ticket: { Type: 'LINK', Value: 'x' } } }),
    field: 'References.ticket.Type',
    message: ['References.ticket.Type must be one of', 'URL', '(got "LINK")'],
  },
  {
    label: 'a References type a task cannot carry',
    validate: validateCreateContactRequest,
    request: task({ References: { mail: { Type: 'EMAIL_MESSAGE', Value: 'x' } } }),
    field: 'References.mail.Type',
    message: [
      'References.mail.Type EMAIL_MESSAGE is not allowed for a TASK contact',
      'URL, NUMBER, STRING, DATE, EMAIL',
    ],
  },
  {
    label: 'Channel CHAT',
    validate: validateCreateContactRequest,
    request: task({ Channel: 'CHAT' }),
    field: 'Channel',
    message: ['Channel CHAT is not supported by CreateContact'],
    exception: 'InvalidRequestException',
  },
  {
    label: 'an unknown Channel',
    validate: validateCreateContactRequest,
    request: task({ Channel: 'FAX' }),
    field: 'Channel',
    message: ['Channel must be one of VOICE, CHAT, TASK, EMAIL (got "FAX")'],
  },
  {
    label: 'TASK with InitiationMethod OUTBOUND',
    validate: validateCreateContactRequest,
    request: task({ InitiationMethod: 'OUTBOUND' }),
    field: 'InitiationMethod',
    message: ['InitiationMethod OUTBOUND is not valid for Channel TASK (allowed: API)'],
    exception: 'InvalidRequestException',
  },
  {
    label: 'VOICE with InitiationMethod INBOUND',
    validate: validateCreateContactRequest,
    request: task({ Channel: 'VOICE', InitiationMethod: 'INBOUND' }),
    field: 'InitiationMethod',
    message: ['InitiationMethod INBOUND is not valid for Channel VOICE (allowed: TRANSFER)'],
  },
  {
    label: 'EMAIL with InitiationMethod API',
    validate: validateCreateContactRequest,
    request: task({ Channel: 'EMAIL', InitiationMethod: 'API' }),
    field: 'InitiationMethod',
    message: ['InitiationMethod API is not valid for Channel EMAIL (allowed: OUTBOUND, AGENT_REPLY, FLOW)'],
  },
  {
    label: 'InitiateAs COMPLETED on an EMAIL contact',
    validate: validateCreateContactRequest,
    request: task({ Channel: 'EMAIL', InitiationMethod: 'FLOW', InitiateAs: 'COMPLETED' }),
    field: 'InitiateAs',
    message: ['InitiateAs COMPLETED is only allowed for Channel TASK'],
    exception: 'InvalidRequestException',
  },
  {
    label: 'EMAIL OUTBOUND without UserInfo',
    validate: validateCreateContactRequest,
    request: task({ Channel: 'EMAIL', InitiationMethod: 'OUTBOUND' }),
    field: 'UserInfo.UserId',
    message: ['UserInfo.UserId is required for EMAIL contacts with InitiationMethod OUTBOUND or AGENT_REPLY'],
  },
  {
    label: 'InitiateAs CONNECTED_TO_USER without UserInfo',
    validate: validateCreateContactRequest,
    request: task({ InitiateAs: 'CONNECTED_TO_USER' }),
    field: 'UserInfo.UserId',
    message: ['UserInfo.UserId is required when InitiateAs is CONNECTED_TO_USER'],
  },
  {
    label: 'UserInfo.UserId over 256 characters',
    validate: validateCreateContactRequest,
    request: task({ InitiateAs: 'CONNECTED_TO_USER', UserInfo: { UserId: 'u'.repeat(257) } }),
    field: 'UserInfo.UserId',
    message: ['UserInfo.UserId must be at most 256 characters (got 257)'],
  },
  {
    label: 'ExpiryDurationInMinutes of 0',
    validate: validateCreateContactRequest,
    request: task({ ExpiryDurationInMinutes: 0 }),
    field: 'ExpiryDurationInMinutes',
    message: ['ExpiryDurationInMinutes must be at least 1 (got 0)'],
  },
  {
    label: 'ExpiryDurationInMinutes beyond 90 days',
    validate: validateCreateContactRequest,
    request: task({ ExpiryDurationInMinutes: 129_601 }),
    field: 'ExpiryDurationInMinutes',
    message: ['ExpiryDurationInMinutes must be at most 129,600 (got 129,601)'],
  },
  {
    label: 'a fractional ExpiryDurationInMinutes',
    validate: validateCreateContactRequest,
    request: task({ ExpiryDurationInMinutes: 1.5 }),
    field: 'ExpiryDurationInMinutes',
    message: ['ExpiryDurationInMinutes must be an integer (got 1.5)'],
  },
  {
    label: 'connect:ContactExpiry beyond 90 days',
    validate: validateCreateContactRequest,
    request: task({ SegmentAttributes: contactExpiry(200_000) }),
    field: 'SegmentAttributes.connect:ContactExpiry.ValueMap.ExpiryDuration.ValueInteger',
    message: [
      'SegmentAttributes.connect:ContactExpiry.ValueMap.ExpiryDuration.ValueInteger must be 1 to 129,600 minutes (got 200,000)',
    ],
  },
  {
    label: 'connect:ContactExpiry without ExpiryDuration',
    validate: validateCreateContactRequest,
    request: task({ SegmentAttributes: { 'connect:ContactExpiry': { ValueMap: {} } } }),
    field: 'SegmentAttributes.connect:ContactExpiry.ValueMap.ExpiryDuration.ValueInteger',
    message: ['ExpiryDuration.ValueInteger is required to set the contact expiry (1 to 129,600 minutes)'],
  },
  {
    label: 'both ExpiryDurationInMinutes and connect:ContactExpiry',
    validate: validateCreateContactRequest,
    request: task({ ExpiryDurationInMinutes: 60, SegmentAttributes: contactExpiry(60) }),
    field: 'ExpiryDurationInMinutes',
    message: ['ExpiryDurationInMinutes and SegmentAttributes connect:ContactExpiry both set the expiry'],
  },
  {
    label: 'a SegmentAttributes key over 128 characters',
    validate: validateCreateContactRequest,
    request: task({ SegmentAttributes: { ['k'.repeat(129)]: { ValueString: 'x' } } }),
    field: 'SegmentAttributes',
    message: ['SegmentAttributes key', 'must be at most 128 characters (got 129)'],
  },
  {
    label: 'PreviousContactId on a TASK contact',
    validate: validateCreateContactRequest,
    request: task({ PreviousContactId: 'contact-0' }),
    field: 'PreviousContactId',
    message: ['PreviousContactId is only allowed for Channel VOICE'],
  },
  {
    label: 'RelatedContactId over 256 characters',
    validate: validateCreateContactRequest,
    request: task({ RelatedContactId: 'c'.repeat(300) }),
    field: 'RelatedContactId',
    message: ['RelatedContactId must be at most 256 characters (got 300)'],
  },
  {
    label: 'a request that is not an object',
    validate: validateCreateContactRequest,
    request: 'TASK',
    field: '',
    message: ['The request must be a JSON object'],
  },
  {
    label: 'AssociateContactWithUser: ContactId over 256 characters',
    validate: validateAssociateContactWithUserRequest,
    request: { InstanceId: INSTANCE_ID, ContactId: 'c'.repeat(257), UserId: USER_ARN },
    field: 'ContactId',
    message: ['ContactId must be at most 256 characters (got 257)'],
  },
  {
    label: 'AssociateContactWithUser: empty UserId',
    validate: validateAssociateContactWithUserRequest,
    request: { InstanceId: INSTANCE_ID, ContactId: 'contact-1', UserId: '' },
    field: 'UserId',
    message: ['UserId must be at least 1 character (got 0)'],
  },
  {
    label: 'DescribeContact: missing ContactId',
    validate: validateDescribeContactRequest,
    request: { InstanceId: INSTANCE_ID },
    field: 'ContactId',
    message: ['ContactId is required'],
  },
  {
    label: 'StopContact: InstanceId of the wrong type',
    validate: validateStopContactRequest,
    request: { InstanceId: 42, ContactId: 'contact-1' },
    field: 'InstanceId',
    message: ['InstanceId must be a string (got 42)'],
  },
  {
    label: 'GetCurrentUserData: 101 queues',
    validate: validateGetCurrentUserDataRequest,
    request: userData({ Filters: { Queues: ids(101) } }),
    field: 'Filters.Queues',
    message: ['Filters.Queues must have at most 100 items (got 101)'],
  },
  {
    label: 'GetCurrentUserData: two hierarchy groups',
    validate: validateGetCurrentUserDataRequest,
    request: userData({ Filters: { UserHierarchyGroups: ['g-1', 'g-2'] } }),
    field: 'Filters.UserHierarchyGroups',
    message: ['Filters.UserHierarchyGroups must have at most 1 item (got 2)'],
  },
  {
    label: 'GetCurrentUserData: queues and agents in one filter',
    validate: validateGetCurrentUserDataRequest,
    request: userData({ Filters: { Queues: ['q-1'], Agents: ['a-1'] } }),
    field: 'Filters',
    message: [
      'Filters may contain only one of Queues, RoutingProfiles, Agents, UserHierarchyGroups (got Queues, Agents)',
    ],
  },
  {
    label: 'GetCurrentUserData: MaxResults over 100',
    validate: validateGetCurrentUserDataRequest,
    request: userData({ MaxResults: 101 }),
    field: 'MaxResults',
    message: ['MaxResults must be at most 100 (got 101)'],
  },
  {
    label: 'GetCurrentUserData: an unknown contact state',
    validate: validateGetCurrentUserDataRequest,
    request: userData({ Filters: { Queues: ['q-1'], ContactFilter: { ContactStates: ['WAITING'] } } }),
    field: 'Filters.ContactFilter.ContactStates.0',
    message: ['Filters.ContactFilter.ContactStates.0 must be one of', '(got "WAITING")'],
  },
  {
    label: 'StartTaskContact: Name over 512 characters',
    validate: validateStartTask,
    request: startTask({ Name: 'n'.repeat(513) }),
    field: 'Name',
    message: ['Name must be at most 512 characters (got 513)'],
  },
  {
    label: 'StartTaskContact: no flow, quick connect or template',
    validate: validateStartTask,
    request: startTask({ ContactFlowId: undefined }),
    field: 'ContactFlowId',
    message: ['ContactFlowId, QuickConnectId or TaskTemplateId is required'],
  },
  {
    label: 'StartTaskContact: ScheduledTime in the past',
    validate: validateStartTask,
    request: startTask({ ScheduledTime: new Date(NOW.getTime() - 60_000) }),
    field: 'ScheduledTime',
    message: ['ScheduledTime must not be in the past (got 2026-03-02T09:59:00.000Z)'],
  },
  {
    label: 'StartTaskContact: ScheduledTime more than 6 days ahead',
    validate: validateStartTask,
    request: startTask({ ScheduledTime: new Date(NOW.getTime() + 7 * 24 * 3600_000) }),
    field: 'ScheduledTime',
    message: ['ScheduledTime must be at most 6 days ahead'],
  },
  {
    label: 'StartTaskContact: an ATTACHMENT reference',
    validate: validateStartTask,
    request: startTask({ References: { file: { Type: 'ATTACHMENT', Value: 'arn:x' } } }),
    field: 'References.file.Type',
    message: ['References.file.Type ATTACHMENT is not allowed for StartTaskContact'],
  },
  {
    label: 'StartTaskContact: six attachments',
    validate: validateStartTask,
    request: startTask({ Attachments: ids(6, 'file') }),
    field: 'Attachments',
    message: ['Attachments must have at most 5 items (got 6)'],
  },
];

describe('connect-validation', () => {
  describe('rejects invalid requests with a message that names the field and the limit', () => {
    it(`covers at least 25 distinct invalid inputs (has ${INVALID.length})`, () => {
      assert.ok(INVALID.length >= 25);
      assert.equal(new Set(INVALID.map((testCase) => testCase.label)).size, INVALID.length);
    });

    for (const testCase of INVALID) {
      it(testCase.label, () => {
        const issues = testCase.validate(testCase.request);
        const issue = issues.find((candidate) => candidate.field === testCase.field);
        assert.ok(issue, `no issue for ${testCase.field}; got ${JSON.stringify(issues)}`);
        for (const fragment of testCase.message) {
          if (typeof fragment === 'string') assert.ok(issue.message.includes(fragment), issue.message);
          else assert.match(issue.message, fragment);
        }
        if (testCase.field !== '')
          assert.ok(issue.message.includes(testCase.field.split('.')[0]!), issue.message);
        if (testCase.exception) assert.equal(issue.exception, testCase.exception);
      });
    }
  });

  it('reports every issue of a request at once', () => {
    const issues = validateCreateContactRequest(
      task({
        Name: 'n'.repeat(2000),
        Attributes: { 'bad key': 'x'.repeat(40_000) },
        InitiationMethod: 'OUTBOUND',
      }),
    );
    assert.deepEqual(issues.map((issue) => issue.field).sort(), [
      'Attributes',
      'Attributes',
      'InitiationMethod',
      'Name',
    ]);
  });

  describe('accepts valid requests', () => {
    const VALID: [string, Validator, unknown][] = [
      ['a TASK created through the API', validateCreateContactRequest, task()],
      [
        'a minimal TASK',
        validateCreateContactRequest,
        { InstanceId: 'i', Channel: 'TASK', InitiationMethod: 'API' },
      ],
      [
        'a VOICE TRANSFER with a previous contact',
        validateCreateContactRequest,
        task({ Channel: 'VOICE', InitiationMethod: 'TRANSFER', PreviousContactId: 'contact-0' }),
      ],
      [
        'an EMAIL OUTBOUND with UserInfo (an ARN)',
        validateCreateContactRequest,
        task({ Channel: 'EMAIL', InitiationMethod: 'OUTBOUND', UserInfo: { UserId: USER_ARN } }),
      ],
      [
        'an EMAIL FLOW without UserInfo',
        validateCreateContactRequest,
        task({ Channel: 'EMAIL', InitiationMethod: 'FLOW' }),
      ],
      ['a TASK InitiateAs COMPLETED', validateCreateContactRequest, task({ InitiateAs: 'COMPLETED' })],
      [
        'a TASK InitiateAs CONNECTED_TO_USER with a user',
        validateCreateContactRequest,
        task({ InitiateAs: 'CONNECTED_TO_USER', UserInfo: { UserId: 'user-1' } }),
      ],
      [
        'every limit exactly reached',
        validateCreateContactRequest,
        task({
          InstanceId: 'i'.repeat(CONNECT_LIMITS.instanceId.max),
          ClientToken: 't'.repeat(CONNECT_LIMITS.clientToken.max),
          Name: 'n'.repeat(CONNECT_LIMITS.contactName.max),
          Description: 'd'.repeat(CONNECT_LIMITS.description.max),
          RelatedContactId: 'c'.repeat(CONNECT_LIMITS.contactId.max),
          ExpiryDurationInMinutes: CONNECT_LIMITS.expiryDurationInMinutes.max,
          Attributes: { key: 'v'.repeat(32_768 - 3) },
          References: { ['r'.repeat(4096)]: { Type: 'URL', Value: 'u'.repeat(4096) } },
        }),
      ],
      [
        'attributes at exactly 32,768 UTF-8 bytes of multi-byte text',
        validateCreateContactRequest,
        // 2-byte "é" × 16,383 + key "ab" (2 bytes) = 32,768 bytes
        task({ Attributes: { ab: 'é'.repeat(16_383) } }),
      ],
      [
        'the shortest expiry through SegmentAttributes',
        validateCreateContactRequest,
        task({ SegmentAttributes: contactExpiry(1) }),
      ],
      [
        'an association by user ARN',
        validateAssociateContactWithUserRequest,
        { InstanceId: INSTANCE_ID, ContactId: 'contact-1', UserId: USER_ARN },
      ],
      [
        'a DescribeContact',
        validateDescribeContactRequest,
        { InstanceId: INSTANCE_ID, ContactId: 'contact-1' },
      ],
      [
        'a StopContact with a reason',
        validateStopContactRequest,
        { InstanceId: INSTANCE_ID, ContactId: 'contact-1', DisconnectReason: { Code: 'EXPIRED' } },
      ],
      [
        'GetCurrentUserData for exactly 100 queues',
        validateGetCurrentUserDataRequest,
        userData({ Filters: { Queues: ids(100) } }),
      ],
      [
        'GetCurrentUserData with contact states and a page size',
        validateGetCurrentUserDataRequest,
        userData({
          Filters: { Agents: ['a-1'], ContactFilter: { ContactStates: ['CONNECTED', 'ENDED'] } },
          MaxResults: 100,
        }),
      ],
      ['a StartTaskContact through a flow', validateStartTask, startTask()],
      [
        'a StartTaskContact scheduled within 6 days (wire form: epoch seconds)',
        validateStartTask,
        startTask({ ScheduledTime: NOW.getTime() / 1000 + 5 * 24 * 3600 }),
      ],
      [
        'a StartTaskContact from a template',
        validateStartTask,
        startTask({ ContactFlowId: undefined, TaskTemplateId: 'tpl-1' }),
      ],
    ];
    for (const [label, validate, request] of VALID) {
      it(label, () => assert.deepEqual(validate(request), []));
    }
  });

  it('counts UTF-8 bytes for 1- to 4-byte characters', () => {
    assert.equal(utf8ByteLength('a'), 1);
    assert.equal(utf8ByteLength('é'), 2);
    assert.equal(utf8ByteLength('€'), 3);
    assert.equal(utf8ByteLength('😀'), 4);
    assert.equal(utf8ByteLength('a€😀'), new TextEncoder().encode('a€😀').length);
  });
});
