import { DefaultLogger, Runtime } from '@temporalio/worker';
import { stopSharedTestEnv } from './temporal';

// Worker state changes at INFO would bury test output; warnings and errors still show.
Runtime.install({ logger: new DefaultLogger('WARN') });

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedTestEnv();
  },
};
