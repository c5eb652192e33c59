import { stopTestServers } from './helpers/temporal';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    await stopTestServers();
  },
};
