/**
 * The retry policy keyed to Connect error type: one table, used by every Connect activity (to decide
 * `nonRetryable` and `nextRetryDelay` on the failure it throws) and by workflows (to build the
 * matching Temporal `RetryPolicy` for `proxyActivities`). Users override single rows.
 *
 * How the two halves fit together:
 * - The activity classifies the SDK error, looks up its row and throws an `ApplicationFailure` whose
 *   `type` is the Connect error name, with `nonRetryable` set when the row says "no retry" or the
 *   row's attempt cap is reached, and `nextRetryDelay` computed from the row and the attempt number.
 * - Temporal's own `maximumAttempts` is left unlimited because it cannot differ per error type
 *   (throttling has no cap, transient errors do); callers bound the total time with
 *   `scheduleToCloseTimeout`. Its interval fields only apply to failures that carry no
 *   `nextRetryDelay` (activity timeouts, a crashed worker) and come from the transient-error row.
 * - `nextRetryDelay` is not capped by the RetryPolicy's `maximumInterval` on Temporal Server ≥ 1.25
 *   (temporalio/temporal#6063); it still counts against `scheduleToCloseTimeout`. Older servers cap it.
 *
 * Pure code (bundled into workflows): imports only `@temporalio/common`.
 */
import { ApplicationFailure, type RetryPolicy } from '@temporalio/common';

export const POLICY_KEYS = [
  'ThrottlingException',
  'InternalServiceException',
  'ServiceUnavailable',
  'NetworkError',
  'Unknown5xx',
  'ServiceQuotaExceededException',
  'ResourceNotFoundAfterCreate',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidParameterException',
  'InvalidRequestException',
  'IdempotencyException',
  'ConflictException',
  'Unknown4xx',
] as const;
export type PolicyKey = (typeof POLICY_KEYS)[number];

export interface ErrorPolicyRow {
  retryable: boolean;
  /** Delay before the first retry, in ms. */
  initialInterval: number;
  backoffCoefficient: number;
  /** Upper bound of the (pre-jitter) delay, in ms. */
  maximumInterval: number;
  /** Total activity attempts after which this error is no longer retried; 0 = unlimited. */
  maximumAttempts: number;
  /** `full`: the delay is uniform in [0, computed delay] (spreads retries of many workers apart). */
  jitter: 'full' | 'none';
}

export type ErrorPolicy = Readonly<Record<PolicyKey, Readonly<ErrorPolicyRow>>>;
export type ErrorPolicyOverrides = Partial<Record<PolicyKey, Partial<ErrorPolicyRow>>>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;

const NO_RETRY: ErrorPolicyRow = {
  retryable: false,
  initialInterval: SECOND,
  backoffCoefficient: 2,
  maximumInterval: SECOND,
  maximumAttempts: 1,
  jitter: 'none',
};
const TRANSIENT: ErrorPolicyRow = {
  retryable: true,
  initialInterval: SECOND,
  backoffCoefficient: 2,
  maximumInterval: 30 * SECOND,
  maximumAttempts: 8,
  jitter: 'full',
};

export const DEFAULT_ERROR_POLICY: ErrorPolicy = {
  // 429: the account or operation rate; always clears, so no cap.
  ThrottlingException: { ...TRANSIENT, maximumInterval: 60 * SECOND, maximumAttempts: 0 },
  InternalServiceException: TRANSIENT,
  // 502/503/504 without a Connect error name (load balancer or gateway answers).
  ServiceUnavailable: TRANSIENT,
  // No HTTP response: connection reset/refused, socket hang up, request or connection timeout.
  NetworkError: TRANSIENT,
  // Any other 5xx, and failures with no HTTP response that are not recognised network errors.
  Unknown5xx: TRANSIENT,
  // 402, e.g. 2,500 active tasks: clears only as contacts end, so retry slowly and without a cap.
  ServiceQuotaExceededException: {
    ...TRANSIENT,
    initialInterval: 30 * SECOND,
    maximumInterval: 10 * MINUTE,
    maximumAttempts: 0,
  },
  // A contact created moments ago may not be visible yet (eventual consistency).
  ResourceNotFoundAfterCreate: {
    retryable: true,
    initialInterval: 200,
    backoffCoefficient: 2,
    maximumInterval: 5 * SECOND,
    maximumAttempts: 5,
    jitter: 'none',
  },
  ResourceNotFoundException: NO_RETRY,
  AccessDeniedException: NO_RETRY,
  InvalidParameterException: NO_RETRY,
  InvalidRequestException: NO_RETRY,
  IdempotencyException: NO_RETRY,
  ConflictException: NO_RETRY,
  Unknown4xx: NO_RETRY,
};

/**
 * Connect error names (as the SDK sets `err.name` from the wire error code) and the rows they can
 * map to. The first row is the normal one; ResourceNotFound also maps to the after-create row.
 * Names of the same kind that the wrapped operations rarely throw share a row.
 */
const ROWS_BY_ERROR_NAME: Readonly<Record<string, readonly PolicyKey[]>> = {
  ThrottlingException: ['ThrottlingException'],
  InternalServiceException: ['InternalServiceException'],
  ServiceQuotaExceededException: ['ServiceQuotaExceededException'],
  LimitExceededException: ['ServiceQuotaExceededException'],
  ResourceNotFoundException: ['ResourceNotFoundException', 'ResourceNotFoundAfterCreate'],
  // StopContact's 410 for a contact that is not active (or does not exist).
  ContactNotFoundException: ['ResourceNotFoundException', 'ResourceNotFoundAfterCreate'],
  AccessDeniedException: ['AccessDeniedException'],
  InvalidParameterException: ['InvalidParameterException'],
  InvalidRequestException: ['InvalidRequestException'],
  IdempotencyException: ['IdempotencyException'],
  ConflictException: ['ConflictException'],
  ResourceConflictException: ['ConflictException'],
  DuplicateResourceException: ['ConflictException'],
  NetworkError: ['NetworkError'],
};

/** The failure type thrown when an activity input fails validation (never retried). */
export const INVALID_INPUT_FAILURE_TYPE = 'InvalidInput';
/** The failure type thrown when error-policy overrides are malformed (never retried). */
export const INVALID_ERROR_POLICY_FAILURE_TYPE = 'InvalidErrorPolicy';

// ---------------------------------------------------------------------------------------------
// The table and its overrides
// ---------------------------------------------------------------------------------------------

/** The default table with `overrides` applied row by row; malformed overrides throw. */
export function resolveErrorPolicy(overrides?: ErrorPolicyOverrides | null): ErrorPolicy {
  if (overrides === undefined || overrides === null) return DEFAULT_ERROR_POLICY;
  const problems: string[] = [];
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    problems.push('errorPolicy overrides must be an object keyed by policy key');
  } else {
    for (const [key, row] of Object.entries(overrides)) {
      if (!(POLICY_KEYS as readonly string[]).includes(key)) {
        problems.push(`unknown policy key "${key}" (known: ${POLICY_KEYS.join(', ')})`);
      } else if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        problems.push(`${key} must be an object of row fields`);
      } else {
        problems.push(...rowProblems(key, { ...DEFAULT_ERROR_POLICY[key as PolicyKey], ...row }, row));
      }
    }
  }
  if (problems.length > 0) {
    throw ApplicationFailure.create({
      type: INVALID_ERROR_POLICY_FAILURE_TYPE,
      message: `Invalid errorPolicy: ${problems.join('; ')}`,
      nonRetryable: true,
    });
  }
  const policy = { ...DEFAULT_ERROR_POLICY };
  for (const [key, row] of Object.entries(overrides) as [PolicyKey, Partial<ErrorPolicyRow>][]) {
    policy[key] = { ...DEFAULT_ERROR_POLICY[key], ...row };
  }
  return policy;
}

const ROW_FIELDS: readonly (keyof ErrorPolicyRow)[] = [
  'retryable',
  'initialInterval',
  'backoffCoefficient',
  'maximumInterval',
  'maximumAttempts',
  'jitter',
];

function rowProblems(key: string, row: ErrorPolicyRow, given: object): string[] {
  const problems: string[] = [];
  for (const field of Object.keys(given)) {
    if (!(ROW_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${key}.${field} is not a row field (fields: ${ROW_FIELDS.join(', ')})`);
    }
  }
  const isFiniteNumber = (value: unknown): value is number =>
    typeof value === 'number' && Number.isFinite(value);
  if (typeof row.retryable !== 'boolean') problems.push(`${key}.retryable must be true or false`);
  if (!isFiniteNumber(row.initialInterval) || row.initialInterval <= 0) {
    problems.push(`${key}.initialInterval must be a positive number of ms`);
  }
  if (!isFiniteNumber(row.backoffCoefficient) || row.backoffCoefficient < 1) {
    problems.push(`${key}.backoffCoefficient must be at least 1`);
  }
  if (!isFiniteNumber(row.maximumInterval) || row.maximumInterval < row.initialInterval) {
    problems.push(`${key}.maximumInterval must be a number of ms not below initialInterval`);
  }
  if (!Number.isInteger(row.maximumAttempts) || row.maximumAttempts < 0) {
    problems.push(`${key}.maximumAttempts must be a whole number (0 = unlimited)`);
  }
  if (row.jitter !== 'full' && row.jitter !== 'none') problems.push(`${key}.jitter must be "full" or "none"`);
  return problems;
}

/**
 * Delay in ms before the attempt after `attempt` (Temporal attempts start at 1):
 * `min(maximumInterval, initialInterval × backoffCoefficient^(attempt-1))`, and with full jitter a
 * uniform draw from [0, that]. `Math.random` is fine here: this runs in activities, not workflows.
 */
export function retryDelayFor(
  row: ErrorPolicyRow,
  attempt: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const ceiling = Math.min(row.maximumInterval, row.initialInterval * row.backoffCoefficient ** exponent);
  return Math.round(row.jitter === 'full' ? random() * ceiling : ceiling);
}

/**
 * The Temporal `RetryPolicy` matching `policy`, for `proxyActivities` of the Connect activities.
 * - `nonRetryableErrorTypes`: Connect error names all of whose rows are non-retryable, plus the
 *   validation failure type. A backstop: the activity already marks such failures non-retryable.
 * - `maximumAttempts` unset (unlimited): the activity enforces the per-row caps itself.
 *   Bound the total time with `scheduleToCloseTimeout`.
 * - Intervals from the InternalServiceException row: what Temporal uses for failures without
 *   `nextRetryDelay` (activity timeouts, worker crashes), which are transient by nature.
 */
export function activityRetryPolicy(policy: ErrorPolicy = DEFAULT_ERROR_POLICY): RetryPolicy {
  const transient = policy.InternalServiceException;
  const nonRetryableErrorTypes = Object.entries(ROWS_BY_ERROR_NAME)
    .filter(([, keys]) => keys.every((key) => !policy[key].retryable))
    .map(([name]) => name);
  return {
    initialInterval: transient.initialInterval,
    backoffCoefficient: transient.backoffCoefficient,
    maximumInterval: transient.maximumInterval,
    nonRetryableErrorTypes: [
      ...nonRetryableErrorTypes,
      INVALID_INPUT_FAILURE_TYPE,
      INVALID_ERROR_POLICY_FAILURE_TYPE,
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Classifying an error thrown by the SDK (or the HTTP layer under it)
// ---------------------------------------------------------------------------------------------

export interface ConnectErrorClassification {
  policyKey: PolicyKey;
  /** The Connect error name (`ThrottlingException`, ...), `NetworkError`, or for an error without a usable name the policy key. */
  type: string;
  httpStatus?: number;
  requestId?: string;
  message: string;
  /** Connect's `Reason`, flattened to a string. */
  reason?: string;
}

export interface ClassificationContext {
  /** The resource was created moments ago, so a not-found answer may be eventual consistency. */
  resourceMayBeNew?: boolean;
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);
/** Names the SDK's HTTP handler gives to timeouts (it also renames ECONNRESET/EPIPE/ETIMEDOUT to TimeoutError). */
const NETWORK_ERROR_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
/** Names that say nothing about the Connect error (unmodelled errors, unparsable bodies). */
const UNINFORMATIVE_NAMES = new Set([
  'Error',
  'Unknown',
  'UnknownError',
  'SyntaxError',
  'TypeError',
  'ConnectServiceException',
]);

/**
 * Classifies by what the service said, never by the thrown class: `err.name` (set from the wire
 * error code, even when the class is the generic `ConnectServiceException`), the
 * `x-amzn-ErrorType` response header, `$metadata.httpStatusCode`, Node's `code`, and finally the
 * HTTP status class.
 */
export function classifyConnectError(
  err: unknown,
  context: ClassificationContext = {},
): ConnectErrorClassification {
  const fields = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const metadata = asRecord(fields.$metadata);
  const response = asRecord(fields.$response);
  const headers = asRecord(response.headers);
  const httpStatus = numberOrUndefined(metadata.httpStatusCode) ?? numberOrUndefined(response.statusCode);
  const requestId = stringOrUndefined(metadata.requestId) ?? headerValue(headers, 'x-amzn-requestid');
  const name = stringOrUndefined(fields.name);
  // `x-amzn-ErrorType: InternalServiceException:http://internal.amazon.com/...`
  const headerType = headerValue(headers, 'x-amzn-errortype')?.split(':')[0];
  const code = stringOrUndefined(fields.code);
  const message =
    stringOrUndefined(fields.message) ||
    stringOrUndefined(fields.Message) ||
    (err === undefined ? '' : String(err));
  const base = { httpStatus, requestId, message, reason: flattenReason(fields.Reason) };

  const knownName = [name, headerType].find(
    (candidate) => candidate !== undefined && Object.hasOwn(ROWS_BY_ERROR_NAME, candidate),
  );
  if (knownName) {
    const [normalRow, afterCreateRow] = ROWS_BY_ERROR_NAME[knownName]!;
    const policyKey = context.resourceMayBeNew && afterCreateRow ? afterCreateRow : normalRow!;
    return { ...base, type: knownName, policyKey };
  }
  const isNetworkError =
    httpStatus === undefined &&
    ((code !== undefined && NETWORK_ERROR_CODES.has(code)) ||
      (name !== undefined && NETWORK_ERROR_NAMES.has(name)) ||
      /socket hang up/i.test(message));
  if (isNetworkError) return { ...base, type: 'NetworkError', policyKey: 'NetworkError' };

  const policyKey = policyKeyForStatus(httpStatus);
  const informativeName = [name, headerType].find(
    (candidate) => candidate !== undefined && candidate !== '' && !UNINFORMATIVE_NAMES.has(candidate),
  );
  return { ...base, type: informativeName ?? policyKey, policyKey };
}

/** Unknown errors by HTTP status class; no HTTP answer at all (e.g. a credentials failure) counts as 5xx. */
function policyKeyForStatus(httpStatus: number | undefined): PolicyKey {
  if (httpStatus === 429) return 'ThrottlingException';
  if (httpStatus === 402) return 'ServiceQuotaExceededException';
  if (httpStatus === 502 || httpStatus === 503 || httpStatus === 504) return 'ServiceUnavailable';
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) return 'Unknown4xx';
  return 'Unknown5xx';
}

/** The SDK models `Reason` as a tagged union (`{ AttachedFileInvalidRequestExceptionReason: 'X' }`); older shapes are strings. */
function flattenReason(reason: unknown): string | undefined {
  if (typeof reason === 'string') return reason || undefined;
  if (typeof reason !== 'object' || reason === null) return undefined;
  const values = Object.values(reason).filter((value): value is string => typeof value === 'string');
  return values.length > 0 ? values.join(', ') : undefined;
}

// ---------------------------------------------------------------------------------------------
// Turning an error into the failure an activity throws
// ---------------------------------------------------------------------------------------------

export interface ConnectFailureDetails {
  httpStatus?: number;
  requestId?: string;
  reason?: string;
  policyKey: PolicyKey;
  attempt: number;
}

export interface ConnectFailureOptions {
  /** The current activity attempt (`Context.current().info.attempt`, starting at 1). */
  attempt: number;
  policy?: ErrorPolicy;
  context?: ClassificationContext;
  random?: () => number;
}

/**
 * The `ApplicationFailure` for a failed Connect call: typed by the Connect error name, non-retryable
 * when the row says so or its attempt cap is reached, otherwise with `nextRetryDelay` from the row.
 */
export function toConnectFailure(err: unknown, options: ConnectFailureOptions): ApplicationFailure {
  const { attempt, policy = DEFAULT_ERROR_POLICY, context, random } = options;
  const classified = classifyConnectError(err, context);
  const row = policy[classified.policyKey];
  const capReached = row.maximumAttempts > 0 && attempt >= row.maximumAttempts;
  const nonRetryable = !row.retryable || capReached;
  const details: ConnectFailureDetails = {
    httpStatus: classified.httpStatus,
    requestId: classified.requestId,
    reason: classified.reason,
    policyKey: classified.policyKey,
    attempt,
  };
  let message = classified.message || classified.type;
  if (classified.reason) message += ` (Reason: ${classified.reason})`;
  if (row.retryable && capReached)
    message += ` [giving up after attempt ${attempt}: ${classified.policyKey} allows ${row.maximumAttempts}]`;
  return ApplicationFailure.create({
    type: classified.type,
    message,
    nonRetryable,
    // At least 1 ms: a zero delay would read as "unset" and fall back to the RetryPolicy interval.
    nextRetryDelay: nonRetryable ? undefined : Math.max(1, retryDelayFor(row, attempt, random)),
    details: [details],
    cause: err instanceof Error ? err : undefined,
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
/** Header names are case-insensitive; the SDK keeps whatever case the server sent. */
function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : stringOrUndefined(headers[found]);
}
