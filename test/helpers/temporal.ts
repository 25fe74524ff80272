/**
 * One real Temporal dev server per test run, shared by every workflow and integration test:
 * starting it costs seconds, and tests isolate themselves with their own task queues and ids.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startSdkDevServer } from '../../src/dev/sdk-dev-server';

let shared: Promise<TestWorkflowEnvironment> | undefined;

export function sharedTestEnv(): Promise<TestWorkflowEnvironment> {
  shared ??= startSdkDevServer();
  return shared;
}

export async function stopSharedTestEnv(): Promise<void> {
  if (!shared) return;
  const env = await shared.catch(() => undefined);
  shared = undefined;
  await env?.teardown();
}

let taskQueueCounter = 0;
/** A task queue of its own per test, so workers of different tests never steal each other's tasks. */
export function uniqueTaskQueue(prefix: string): string {
  taskQueueCounter += 1;
  return `${prefix}-${process.pid}-${taskQueueCounter}-${Date.now().toString(36)}`;
}
