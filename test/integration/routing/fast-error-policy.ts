import type { ErrorPolicyOverrides } from '../../../src/shared/error-policy';

/** Retries in milliseconds rather than seconds, so that a test full of faults stays short. */
const FAST_RETRIES = { initialInterval: 50, maximumInterval: 400 };

/** The error policy of the tests that inject faults: fast retries, and room for many transient errors in a row. */
export const FAST_ERROR_POLICY: ErrorPolicyOverrides = {
  ThrottlingException: FAST_RETRIES,
  InternalServiceException: { ...FAST_RETRIES, maximumAttempts: 20 },
  ServiceUnavailable: { ...FAST_RETRIES, maximumAttempts: 20 },
  NetworkError: { ...FAST_RETRIES, maximumAttempts: 20 },
};
