import { serveTestArtifacts, stopTestArtifacts } from './helpers/artifacts';
import { stopTestServers } from './helpers/temporal';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    await serveTestArtifacts();
  },
  async afterAll(): Promise<void> {
    await Promise.all([stopTestServers(), stopTestArtifacts()]);
  },
};
