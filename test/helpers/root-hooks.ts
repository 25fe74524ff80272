import { stopSharedTestEnv } from './temporal';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopSharedTestEnv();
  },
};
