/**
 * A Temporal dev server started through the SDK's `TestWorkflowEnvironment`, for the tests and the
 * benchmarks (it needs the dev dependency @temporalio/testing; the demo runs its own, see
 * dev-server.ts). It runs the Temporal CLI that temporal-cli.ts finds.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import { devServerExecutable } from './temporal-cli';

/** A dev server on 127.0.0.1 with the package's search attributes. */
export async function startSdkDevServer(): Promise<TestWorkflowEnvironment> {
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
