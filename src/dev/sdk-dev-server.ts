/**
 * A Temporal dev server started through the SDK's `TestWorkflowEnvironment`, for the tests and the
 * benchmarks (it needs the dev dependency @temporalio/testing; the demo runs its own, see
 * dev-server.ts). It runs the Temporal CLI that temporal-cli.ts finds.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { devServerExecutable, ONE_PARTITION_PER_TASK_QUEUE } from './temporal-cli';

/** Starts that fail the SDK's 5 s wait for the server's port are tried again, this many times in all. */
const START_ATTEMPTS = 3;

/** A dev server on 127.0.0.1 with the package's search attributes and one partition per task queue. */
export async function startSdkDevServer(): Promise<TestWorkflowEnvironment> {
  const executable = devServerExecutable();
  const start = () =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable,
        ip: '127.0.0.1',
        searchAttributes: [...ALL_SEARCH_ATTRIBUTES],
        log: { format: 'pretty', level: 'error' },
        extraArgs: ONE_PARTITION_PER_TASK_QUEUE,
      },
    });
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await start();
      } catch (error) {
        if (attempt >= START_ATTEMPTS || !/did not start within/.test((error as Error).message)) throw error;
      }
    }
  } catch (error) {
    const hint =
      executable.type === 'existing-path'
        ? `The Temporal CLI at ${executable.path} failed to start its dev server.`
        : 'No Temporal CLI was found and the SDK could not download one. Run `npm run temporal-cli` ' +
          '(builds it with Go), or set TEMPORAL_CLI to an existing binary.';
    throw new Error(`${hint} Cause: ${(error as Error).message}`, { cause: error });
  }
}
