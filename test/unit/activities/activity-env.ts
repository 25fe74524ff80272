/** Shared setup for the activity tests: a mocked Connect client and a mocked activity context. */
import assert from 'node:assert/strict';
import { ConnectClient } from '@aws-sdk/client-connect';
import { ApplicationFailure, type Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { createConnectActivities } from '../../../activities';

// Failing activities are the point of many tests; their log lines would only bury the results.
const silentLogger: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export const INSTANCE_ID = '12345678-aaaa-bbbb-cccc-1234567890ab';
export const NOW = new Date('2026-03-02T10:00:00.000Z');

export function connectActivities() {
  const connect = new ConnectClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const connectMock = mockClient(connect);
  return { connectMock, activities: createConnectActivities({ connect, now: () => NOW }) };
}

export interface ActivityInfo {
  attempt?: number;
  workflowId?: string;
  activityType?: string;
  /** What the previous attempt's last heartbeat carried. */
  heartbeatDetails?: unknown;
}

/**
 * Runs one activity attempt as Temporal would, with the given attempt number and workflow id; the
 * details of each heartbeat it sends are added to `heartbeats`.
 */
export function runActivity<I, R>(
  fn: (input: I) => Promise<R>,
  input: I,
  info: ActivityInfo = {},
  heartbeats: unknown[] = [],
): Promise<R> {
  const environment = new MockActivityEnvironment(
    {
      attempt: info.attempt ?? 1,
      activityType: info.activityType ?? fn.name,
      workflowExecution: { workflowId: info.workflowId ?? 'route-task-42', runId: 'run-1' },
      heartbeatDetails: info.heartbeatDetails,
    },
    { logger: silentLogger },
  );
  environment.on('heartbeat', (details: unknown) => heartbeats.push(structuredClone(details)));
  return environment.run(fn, input);
}

export async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the activity to fail');
}

export const sdkMetadata = (httpStatusCode: number) => ({
  httpStatusCode,
  requestId: `req-${httpStatusCode}`,
});

/**
 * A dispatcher join that refuses the first task sent to it and takes the rest: each call is noted in
 * `order` ('join refused', then 'join'), and each join taken is kept in `joins`.
 */
export function joinRefusedOnce<Join>(order: string[], joins: Join[]) {
  return async (join: Join) => {
    if (!order.includes('join refused')) {
      order.push('join refused');
      throw new Error('update refused');
    }
    order.push('join');
    joins.push(join);
    return { dispatcherId: 'connect-dispatcher/i' };
  };
}
