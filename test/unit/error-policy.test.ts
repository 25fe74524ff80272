import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import {
  AccessDeniedException,
  ConflictException,
  ConnectClient,
  ConnectServiceException,
  DescribeContactCommand,
  IdempotencyException,
  InternalServiceException,
  InvalidParameterException,
  InvalidRequestException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  ThrottlingException,
} from '@aws-sdk/client-connect';
import { ApplicationFailure, compileRetryPolicy } from '@temporalio/common';
import {
  activityRetryPolicy,
  classifyConnectError,
  type ConnectFailureDetails,
  DEFAULT_ERROR_POLICY,
  type ErrorPolicyRow,
  POLICY_KEYS,
  type PolicyKey,
  resolveErrorPolicy,
  retryDelayFor,
  toConnectFailure,
} from '../../src/shared/error-policy';

const meta = (httpStatusCode: number, requestId = `req-${httpStatusCode}`) => ({ httpStatusCode, requestId });

/** An error as the SDK builds it for a name it has no class for: the class says nothing. */
function unmodelled(
  name: string,
  httpStatusCode: number,
  message = `${name} happened`,
): ConnectServiceException {
  return new ConnectServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: meta(httpStatusCode),
    message,
  });
}

const networkError = (message: string, fields: Record<string, unknown>) =>
  Object.assign(new Error(message), fields);

interface RowCase {
  label: string;
  error: unknown;
  resourceMayBeNew?: boolean;
  policyKey: PolicyKey;
  type: string;
  retryable: boolean;
  httpStatus?: number;
}

const ROW_CASES: RowCase[] = [
  {
    label: 'ThrottlingException (429)',
    error: new ThrottlingException({ message: 'Rate exceeded', $metadata: meta(429) }),
    policyKey: 'ThrottlingException',
    type: 'ThrottlingException',
    retryable: true,
    httpStatus: 429,
  },
  {
    label: 'InternalServiceException (500)',
    error: new InternalServiceException({ message: 'Internal', $metadata: meta(500) }),
    policyKey: 'InternalServiceException',
    type: 'InternalServiceException',
    retryable: true,
    httpStatus: 500,
  },
  {
    label: 'ServiceQuotaExceededException (402)',
    error: new ServiceQuotaExceededException({ message: '2,500 active tasks', $metadata: meta(402) }),
    policyKey: 'ServiceQuotaExceededException',
    type: 'ServiceQuotaExceededException',
    retryable: true,
    httpStatus: 402,
  },
  {
    label: 'ResourceNotFoundException (404), contact not new',
    error: new ResourceNotFoundException({ message: 'Contact not found', $metadata: meta(404) }),
    policyKey: 'ResourceNotFoundException',
    type: 'ResourceNotFoundException',
    retryable: false,
    httpStatus: 404,
  },
  {
    label: 'ResourceNotFoundException (404) right after create',
    error: new ResourceNotFoundException({ message: 'Contact not found', $metadata: meta(404) }),
    resourceMayBeNew: true,
    policyKey: 'ResourceNotFoundAfterCreate',
    type: 'ResourceNotFoundException',
    retryable: true,
    httpStatus: 404,
  },
  {
    label: 'AccessDeniedException (403)',
    error: new AccessDeniedException({ message: 'Denied', $metadata: meta(403) }),
    policyKey: 'AccessDeniedException',
    type: 'AccessDeniedException',
    retryable: false,
    httpStatus: 403,
  },
  {
    label: 'InvalidParameterException (400)',
    error: new InvalidParameterException({ message: 'Bad parameter', $metadata: meta(400) }),
    policyKey: 'InvalidParameterException',
    type: 'InvalidParameterException',
    retryable: false,
    httpStatus: 400,
  },
  {
    label: 'InvalidRequestException (400)',
    error: new InvalidRequestException({ message: 'Bad request', $metadata: meta(400) }),
    policyKey: 'InvalidRequestException',
    type: 'InvalidRequestException',
    retryable: false,
    httpStatus: 400,
  },
  {
    label: 'IdempotencyException (409)',
    error: new IdempotencyException({ message: 'Token reused', $metadata: meta(409) }),
    policyKey: 'IdempotencyException',
    type: 'IdempotencyException',
    retryable: false,
    httpStatus: 409,
  },
  {
    label: 'ConflictException (409)',
    error: new ConflictException({ message: 'Conflict', $metadata: meta(409) }),
    policyKey: 'ConflictException',
    type: 'ConflictException',
    retryable: false,
    httpStatus: 409,
  },
  {
    label: 'ContactNotFoundException (410, unmodelled here) shares the ResourceNotFound row',
    error: unmodelled('ContactNotFoundException', 410),
    policyKey: 'ResourceNotFoundException',
    type: 'ContactNotFoundException',
    retryable: false,
    httpStatus: 410,
  },
  {
    label: 'connection reset (ECONNRESET)',
    error: networkError('socket hang up', { code: 'ECONNRESET' }),
    policyKey: 'NetworkError',
    type: 'NetworkError',
    retryable: true,
  },
  {
    label: 'connection refused (ECONNREFUSED)',
    error: networkError('connect ECONNREFUSED 127.0.0.1:4599', { code: 'ECONNREFUSED' }),
    policyKey: 'NetworkError',
    type: 'NetworkError',
    retryable: true,
  },
  {
    label: 'request timeout (TimeoutError from the HTTP handler)',
    error: networkError('a request has exceeded the configured 10000 ms requestTimeout', {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    }),
    policyKey: 'NetworkError',
    type: 'NetworkError',
    retryable: true,
  },
  {
    label: 'unknown 503 without an error name',
    error: unmodelled('Unknown', 503, 'UnknownError'),
    policyKey: 'ServiceUnavailable',
    type: 'ServiceUnavailable',
    retryable: true,
    httpStatus: 503,
  },
  {
    label: 'unknown 5xx with a name the SDK does not model',
    error: unmodelled('BrandNewServerException', 500),
    policyKey: 'Unknown5xx',
    type: 'BrandNewServerException',
    retryable: true,
    httpStatus: 500,
  },
  {
    label: 'unknown 4xx with a name the SDK does not model',
    error: unmodelled('BrandNewClientException', 422),
    policyKey: 'Unknown4xx',
    type: 'BrandNewClientException',
    retryable: false,
    httpStatus: 422,
  },
];

describe('error policy', () => {
  describe('classifyConnectError and toConnectFailure, row by row', () => {
    for (const testCase of ROW_CASES) {
      it(`${testCase.label} → ${testCase.policyKey}, ${testCase.retryable ? 'retried' : 'not retried'}`, () => {
        const context = { resourceMayBeNew: testCase.resourceMayBeNew };
        const classified = classifyConnectError(testCase.error, context);
        assert.equal(classified.policyKey, testCase.policyKey);
        assert.equal(classified.type, testCase.type);
        assert.equal(classified.httpStatus, testCase.httpStatus);

        const failure = toConnectFailure(testCase.error, { attempt: 1, context, random: () => 1 });
        assert.ok(failure instanceof ApplicationFailure);
        assert.equal(failure.type, testCase.type);
        assert.equal(failure.nonRetryable, !testCase.retryable);
        const row = DEFAULT_ERROR_POLICY[testCase.policyKey];
        assert.equal(failure.nextRetryDelay, testCase.retryable ? row.initialInterval : undefined);
        const details = failure.details?.[0] as ConnectFailureDetails;
        assert.equal(details.policyKey, testCase.policyKey);
        assert.equal(details.httpStatus, testCase.httpStatus);
        assert.equal(details.attempt, 1);
        if (testCase.httpStatus !== undefined) assert.equal(details.requestId, `req-${testCase.httpStatus}`);
      });
    }

    it('reads the error name, not the class: a generic ConnectServiceException named ThrottlingException is throttling', () => {
      const error = unmodelled('ThrottlingException', 429, 'Rate exceeded');
      assert.equal(error.constructor.name, 'ConnectServiceException');
      const failure = toConnectFailure(error, { attempt: 1 });
      assert.equal(failure.type, 'ThrottlingException');
      assert.equal(failure.nonRetryable, false);
    });

    it('classifies an uninformative 429 or 402 by its status', () => {
      assert.equal(classifyConnectError(unmodelled('Unknown', 429)).policyKey, 'ThrottlingException');
      assert.equal(
        classifyConnectError(unmodelled('Unknown', 402)).policyKey,
        'ServiceQuotaExceededException',
      );
    });

    it('treats a failure with no HTTP answer and no network code like an unknown 5xx (bounded retries)', () => {
      const classified = classifyConnectError(new TypeError('Cannot read properties of undefined'));
      assert.equal(classified.policyKey, 'Unknown5xx');
      assert.equal(classified.type, 'Unknown5xx');
    });

    it('carries Connect Reason (a tagged union in the SDK) into the message and details', () => {
      const error = new InvalidRequestException({
        message: 'The file name is not valid',
        Reason: { AttachedFileInvalidRequestExceptionReason: 'INVALID_FILE_NAME' },
        $metadata: meta(400),
      });
      const failure = toConnectFailure(error, { attempt: 1 });
      assert.equal(failure.message, 'The file name is not valid (Reason: INVALID_FILE_NAME)');
      assert.equal((failure.details?.[0] as ConnectFailureDetails).reason, 'INVALID_FILE_NAME');
      assert.equal(failure.nonRetryable, true);
    });
  });

  describe('errors as the real SDK deserializes them', () => {
    async function sdkErrorFor(
      statusCode: number,
      headers: Record<string, string>,
      body: string,
    ): Promise<unknown> {
      const client = new ConnectClient({
        region: 'us-east-1',
        maxAttempts: 1,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        requestHandler: {
          handle: async () => ({
            response: { statusCode, headers, body: Readable.from([Buffer.from(body)]) },
          }),
        },
      });
      try {
        await client.send(new DescribeContactCommand({ InstanceId: 'instance', ContactId: 'contact' }));
      } catch (err) {
        return err;
      }
      assert.fail('the call should have failed');
    }

    it('a 503 with an HTML body (a SyntaxError to the SDK) is ServiceUnavailable', async () => {
      const error = await sdkErrorFor(
        503,
        { 'content-type': 'text/html' },
        '<html>Service Unavailable</html>',
      );
      assert.equal((error as Error).name, 'SyntaxError');
      const failure = toConnectFailure(error, { attempt: 1 });
      assert.equal(failure.type, 'ServiceUnavailable');
      assert.equal(failure.nonRetryable, false);
    });

    it('an unmodelled 4xx keeps its wire name and is not retried', async () => {
      const error = await sdkErrorFor(
        418,
        { 'x-amzn-errortype': 'TeapotException', 'x-amzn-requestid': 'req-teapot' },
        '{"message":"short and stout"}',
      );
      const classified = classifyConnectError(error);
      assert.deepEqual(
        { ...classified },
        {
          policyKey: 'Unknown4xx',
          type: 'TeapotException',
          httpStatus: 418,
          requestId: 'req-teapot',
          message: 'short and stout',
          reason: undefined,
        },
      );
    });

    it('a modelled throttling answer is throttling', async () => {
      const error = await sdkErrorFor(
        429,
        { 'x-amzn-errortype': 'ThrottlingException' },
        '{"Message":"Rate exceeded"}',
      );
      assert.equal(classifyConnectError(error).policyKey, 'ThrottlingException');
    });
  });

  describe('retryDelayFor', () => {
    const ceilingsOf = (row: ErrorPolicyRow, attempts: number) =>
      Array.from({ length: attempts }, (_, index) => retryDelayFor(row, index + 1, () => 1));

    it('throttling: 1 s doubling up to 60 s', () => {
      assert.deepEqual(
        ceilingsOf(DEFAULT_ERROR_POLICY.ThrottlingException, 9),
        [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000],
      );
    });

    it('transient errors: 1 s doubling up to 30 s', () => {
      assert.deepEqual(
        ceilingsOf(DEFAULT_ERROR_POLICY.InternalServiceException, 7),
        [1000, 2000, 4000, 8000, 16000, 30000, 30000],
      );
    });

    it('quota: 30 s doubling up to 10 min', () => {
      assert.deepEqual(
        ceilingsOf(DEFAULT_ERROR_POLICY.ServiceQuotaExceededException, 7),
        [30000, 60000, 120000, 240000, 480000, 600000, 600000],
      );
    });

    it('not found after create: 200 ms doubling, without jitter', () => {
      const row = DEFAULT_ERROR_POLICY.ResourceNotFoundAfterCreate;
      assert.equal(row.jitter, 'none');
      const random = () => 0; // ignored without jitter
      assert.deepEqual(
        [1, 2, 3, 4].map((attempt) => retryDelayFor(row, attempt, random)),
        [200, 400, 800, 1600],
      );
    });

    it('full jitter scales the ceiling by the random draw', () => {
      const row = DEFAULT_ERROR_POLICY.ThrottlingException;
      assert.equal(
        retryDelayFor(row, 3, () => 0),
        0,
      );
      assert.equal(
        retryDelayFor(row, 3, () => 0.25),
        1000,
      );
      assert.equal(
        retryDelayFor(row, 3, () => 0.5),
        2000,
      );
    });

    it('full jitter stays within [0, ceiling] and spreads over it (2,000 samples per attempt)', () => {
      const row = DEFAULT_ERROR_POLICY.ThrottlingException;
      for (const attempt of [1, 4, 10]) {
        const ceiling = Math.min(row.maximumInterval, row.initialInterval * 2 ** (attempt - 1));
        const samples = Array.from({ length: 2000 }, () => retryDelayFor(row, attempt));
        assert.ok(
          samples.every((delay) => delay >= 0 && delay <= ceiling),
          `attempt ${attempt} out of bounds`,
        );
        const mean = samples.reduce((sum, delay) => sum + delay, 0) / samples.length;
        assert.ok(
          Math.abs(mean - ceiling / 2) < ceiling * 0.05,
          `attempt ${attempt}: mean ${mean} of ${ceiling}`,
        );
        assert.ok(Math.min(...samples) < ceiling * 0.05 && Math.max(...samples) > ceiling * 0.95);
      }
    });
  });

  describe('attempt caps', () => {
    const internal = new InternalServiceException({ message: 'Internal', $metadata: meta(500) });
    const cap = DEFAULT_ERROR_POLICY.InternalServiceException.maximumAttempts;

    it(`transient errors are retried until attempt ${cap}, then fail non-retryably`, () => {
      const beforeCap = toConnectFailure(internal, { attempt: cap - 1, random: () => 1 });
      assert.equal(beforeCap.nonRetryable, false);
      assert.equal(beforeCap.nextRetryDelay, 30000);
      const atCap = toConnectFailure(internal, { attempt: cap });
      assert.equal(atCap.nonRetryable, true);
      assert.equal(atCap.nextRetryDelay, undefined);
      assert.match(atCap.message, /giving up after attempt 8: InternalServiceException allows 8/);
    });

    it('throttling has no cap', () => {
      const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: meta(429) });
      const failure = toConnectFailure(throttled, { attempt: 500, random: () => 1 });
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.nextRetryDelay, 60000);
    });

    it('not found after create gives up after 5 attempts', () => {
      const notFound = new ResourceNotFoundException({ message: 'not found', $metadata: meta(404) });
      const context = { resourceMayBeNew: true };
      assert.equal(toConnectFailure(notFound, { attempt: 4, context }).nonRetryable, false);
      assert.equal(toConnectFailure(notFound, { attempt: 5, context }).nonRetryable, true);
    });

    it('never asks for a zero delay (Temporal would read it as unset)', () => {
      const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: meta(429) });
      assert.equal(toConnectFailure(throttled, { attempt: 1, random: () => 0 }).nextRetryDelay, 1);
    });
  });

  describe('resolveErrorPolicy overrides', () => {
    it('returns the defaults without overrides', () => {
      assert.equal(resolveErrorPolicy(), DEFAULT_ERROR_POLICY);
      assert.deepEqual(Object.keys(resolveErrorPolicy({})).sort(), [...POLICY_KEYS].sort());
    });

    it('merges a partial row over the default and leaves other rows alone', () => {
      const policy = resolveErrorPolicy({ ThrottlingException: { maximumAttempts: 3, jitter: 'none' } });
      assert.deepEqual(policy.ThrottlingException, {
        ...DEFAULT_ERROR_POLICY.ThrottlingException,
        maximumAttempts: 3,
        jitter: 'none',
      });
      assert.equal(policy.InternalServiceException, DEFAULT_ERROR_POLICY.InternalServiceException);
      const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: meta(429) });
      assert.equal(toConnectFailure(throttled, { attempt: 2, policy }).nonRetryable, false);
      assert.equal(toConnectFailure(throttled, { attempt: 3, policy }).nonRetryable, true);
    });

    it('can make a non-retried error retried', () => {
      const policy = resolveErrorPolicy({ AccessDeniedException: { retryable: true, maximumAttempts: 3 } });
      const denied = new AccessDeniedException({ message: 'Denied', $metadata: meta(403) });
      const failure = toConnectFailure(denied, { attempt: 1, policy, random: () => 1 });
      assert.equal(failure.nonRetryable, false);
      assert.equal(failure.nextRetryDelay, 1000);
    });

    const invalidOverrides: [string, unknown, RegExp][] = [
      [
        'an unknown policy key',
        { ThrottlingExceptionn: { maximumAttempts: 1 } },
        /unknown policy key "ThrottlingExceptionn"/,
      ],
      [
        'an unknown row field',
        { ThrottlingException: { maxAttempts: 1 } },
        /ThrottlingException\.maxAttempts is not a row field/,
      ],
      [
        'a backoff coefficient below 1',
        { Unknown5xx: { backoffCoefficient: 0.5 } },
        /Unknown5xx\.backoffCoefficient must be at least 1/,
      ],
      [
        'a negative attempt cap',
        { NetworkError: { maximumAttempts: -1 } },
        /NetworkError\.maximumAttempts must be a whole number/,
      ],
      [
        'a maximum below the initial interval',
        { ThrottlingException: { maximumInterval: 10 } },
        /maximumInterval must be a number of ms not below initialInterval/,
      ],
      ['an unknown jitter', { ThrottlingException: { jitter: 'half' } }, /jitter must be "full" or "none"/],
      [
        'a non-boolean retryable',
        { ConflictException: { retryable: 'yes' } },
        /ConflictException\.retryable must be true or false/,
      ],
      [
        'a zero initial interval',
        { ConflictException: { initialInterval: 0 } },
        /initialInterval must be a positive number of ms/,
      ],
      ['a row that is not an object', { ConflictException: 5 }, /ConflictException must be an object/],
    ];
    for (const [label, overrides, expected] of invalidOverrides) {
      it(`rejects ${label} with a non-retryable InvalidErrorPolicy failure`, () => {
        assert.throws(
          () => resolveErrorPolicy(overrides as never),
          (err: unknown) =>
            err instanceof ApplicationFailure &&
            err.type === 'InvalidErrorPolicy' &&
            err.nonRetryable === true &&
            expected.test(err.message),
        );
      });
    }
  });

  describe('activityRetryPolicy', () => {
    it('lists exactly the error names whose rows are all non-retryable', () => {
      const { nonRetryableErrorTypes } = activityRetryPolicy();
      assert.deepEqual([...(nonRetryableErrorTypes ?? [])].sort(), [
        'AccessDeniedException',
        'ConflictException',
        'DuplicateResourceException',
        'IdempotencyException',
        'InvalidErrorPolicy',
        'InvalidInput',
        'InvalidParameterException',
        'InvalidRequestException',
        'ResourceConflictException',
      ]);
    });

    it('agrees with toConnectFailure for every Connect error name', () => {
      const policy = activityRetryPolicy();
      const connectErrorNames = [
        'ThrottlingException',
        'InternalServiceException',
        'ServiceQuotaExceededException',
        'LimitExceededException',
        'ResourceNotFoundException',
        'ContactNotFoundException',
        'AccessDeniedException',
        'InvalidParameterException',
        'InvalidRequestException',
        'IdempotencyException',
        'ConflictException',
        'ResourceConflictException',
        'DuplicateResourceException',
      ];
      for (const name of connectErrorNames) {
        const error = unmodelled(name, 400);
        const retriedSometimes = [false, true].some(
          (resourceMayBeNew) =>
            !toConnectFailure(error, { attempt: 1, context: { resourceMayBeNew } }).nonRetryable,
        );
        assert.equal(policy.nonRetryableErrorTypes?.includes(name), !retriedSometimes, name);
      }
    });

    it('follows overrides: a row made retryable leaves the list', () => {
      const policy = resolveErrorPolicy({ InvalidRequestException: { retryable: true } });
      assert.ok(!activityRetryPolicy(policy).nonRetryableErrorTypes?.includes('InvalidRequestException'));
      assert.ok(activityRetryPolicy().nonRetryableErrorTypes?.includes('InvalidRequestException'));
    });

    it('takes its intervals from the transient row, leaves attempts unlimited, and is a valid Temporal policy', () => {
      const policy = activityRetryPolicy(
        resolveErrorPolicy({ InternalServiceException: { maximumInterval: 45_000 } }),
      );
      assert.equal(policy.initialInterval, 1000);
      assert.equal(policy.backoffCoefficient, 2);
      assert.equal(policy.maximumInterval, 45_000);
      assert.equal(policy.maximumAttempts, undefined);
      const compiled = compileRetryPolicy(policy);
      assert.equal(compiled.maximumAttempts, undefined);
    });
  });
});
