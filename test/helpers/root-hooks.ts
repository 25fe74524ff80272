import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stopSharedTestEnv } from './temporal';

// Worker state changes (INFO) and the activity failures that fault tests provoke on purpose (WARN)
// would bury test output; errors still show.
Runtime.install({ logger: new DefaultLogger('ERROR') });

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedTestEnv();
  },
};
