/**
 * What every Connect activity shares: the injected dependencies, calling Connect and turning any
 * error into the typed `ApplicationFailure` the error-policy table prescribes for this attempt, and
 * rejecting invalid input before any call.
 */
import type { ConnectClient } from '@aws-sdk/client-connect';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type MetricMeter } from '@temporalio/common';
import { type ConnectValidationIssue, formatValidationIssues } from '../src/shared/connect-validation';
import {
  type ClassificationContext,
  type ErrorPolicy,
  type ErrorPolicyOverrides,
  INVALID_INPUT_FAILURE_TYPE,
  toConnectFailure,
} from '../src/shared/error-policy';
import { METRICS } from '../src/worker/metric-names';

export interface ConnectActivityDeps {
  connect: ConnectClient;
  now: () => Date;
}

/** Fields every activity input may carry. */
export interface ConnectActivityInput {
  instanceId: string;
  /**
   * Row overrides of the error-policy table; give the workflow's `activityRetryPolicy` the same
   * overrides so that both halves agree.
   */
  errorPolicy?: ErrorPolicyOverrides;
}

/** The current Temporal attempt (1 on the first try); the error table's delays and caps key off it. */
export function currentAttempt(): number {
  return Context.current().info.attempt;
}

/**
 * Runs one call of Connect's `operation` (the name its metrics carry); any error leaves as the
 * classified `ApplicationFailure` for this attempt.
 */
export async function callConnect<T>(
  operation: string,
  call: () => Promise<T>,
  policy: ErrorPolicy,
  classification?: ClassificationContext,
): Promise<T> {
  const metrics = connectCallMetrics(operation);
  const startedAt = performance.now();
  try {
    const result = await call();
    metrics?.succeeded(performance.now() - startedAt);
    return result;
  } catch (err) {
    const failure = toConnectFailure(err, { attempt: currentAttempt(), policy, context: classification });
    metrics?.failed(performance.now() - startedAt, failure);
    throw failure;
  }
}

/** Connect operations whose success is a new task contact. */
const TASK_CREATING_OPERATIONS = new Set(['CreateContact', 'StartTaskContact']);

/** The metrics of one call of `operation` through the current activity's metric meter; undefined outside an activity. */
function connectCallMetrics(
  operation: string,
):
  | { succeeded(elapsedMs: number): void; failed(elapsedMs: number, failure: ApplicationFailure): void }
  | undefined {
  let meter: MetricMeter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return undefined;
  }
  const counter = (metric: { name: string; help: string }) =>
    meter.createCounter(metric.name, '', metric.help);
  const called = (elapsedMs: number) => {
    counter(METRICS.connectCalls).add(1, { operation });
    meter
      .createHistogram(METRICS.connectCallDuration.name, 'float', 's', METRICS.connectCallDuration.help)
      .record(elapsedMs / 1000, { operation });
  };
  return {
    succeeded(elapsedMs) {
      called(elapsedMs);
      if (TASK_CREATING_OPERATIONS.has(operation)) counter(METRICS.tasksCreated).add(1, { operation });
    },
    failed(elapsedMs, failure) {
      called(elapsedMs);
      counter(METRICS.connectCallErrors).add(1, { operation, error_type: failure.type ?? 'Unknown' });
      const policyKey = (failure.details?.[0] as { policyKey?: string } | undefined)?.policyKey;
      if (policyKey === 'ThrottlingException') counter(METRICS.connectCallsThrottled).add(1, { operation });
    },
  };
}

export interface InvalidInputDetails {
  operation: string;
  issues: ConnectValidationIssue[];
}

/** Fails the activity, non-retryably, when validation found issues; every issue is in the message. */
export function rejectInvalidInput(operation: string, issues: ConnectValidationIssue[]): void {
  if (issues.length === 0) return;
  const details: InvalidInputDetails = { operation, issues };
  throw ApplicationFailure.create({
    type: INVALID_INPUT_FAILURE_TYPE,
    message: `Invalid ${operation} request: ${formatValidationIssues(issues)}`,
    nonRetryable: true,
    details: [details],
  });
}

/**
 * How long after creation a not-found answer about a contact is taken for eventual consistency
 * (the `ResourceNotFoundAfterCreate` row) rather than a missing contact.
 */
export const NEW_CONTACT_WINDOW_MS = 60_000;

export function contactMayBeNew(contactCreatedAt: string | undefined, now: Date): boolean {
  if (contactCreatedAt === undefined) return false;
  const createdMs = Date.parse(contactCreatedAt);
  return !Number.isNaN(createdMs) && now.getTime() - createdMs < NEW_CONTACT_WINDOW_MS;
}

/** Dates leave activities as ISO strings (results are plain JSON). */
export function toIso(date: Date | undefined): string | undefined {
  return date?.toISOString();
}

/** A response field Connect always sends; its absence is a protocol fault, not worth retrying. */
export function requireField<T>(value: T | undefined, field: string, operation: string): T {
  if (value === undefined || value === null) {
    throw ApplicationFailure.create({
      type: 'UnexpectedConnectResponse',
      message: `${operation} answered without ${field}`,
      nonRetryable: true,
    });
  }
  return value;
}
