/**
 * One real Temporal dev server per test run, shared by every workflow and integration test:
 * starting it costs seconds, and tests isolate themselves with their own task queues and ids.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/search-attributes';
import { devServerExecutable } from '../../src/dev/temporal-cli';

let shared: Promise<TestWorkflowEnvironment> | undefined;

/** A dev server on 127.0.0.1 with the package's search attributes (the benchmarks start theirs with it too). */
export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  const executable = devServerExecutable();
  try {
    return await TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        ip: '127.0.0.1',
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
        log: { format: 'pretty', level: 'error' },
      },
    });
  } catch (error) {
    const hint =
      executable.type === 'existing-path'
        ? `The Temporal CLI at ${executable.path} failed to start its dev server.`
        : 'No Temporal CLI was found and the SDK could not download one. Run `npm run temporal-cli` ' +
          '(builds it with Go), or set TEMPORAL_CLI to an existing binary.';
    throw new Error(`${hint} Cause: ${(error as Error).message}`, { cause: error });
  }
}

export function sharedTestEnv(): Promise<TestWorkflowEnvironment> {
  shared ??= startDevServer();
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
