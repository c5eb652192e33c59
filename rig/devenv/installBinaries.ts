import { execFileSync } from 'node:child_process';
import pino from 'pino';
import { cacheDir, ensureTemporalCli, ensureTestServer } from './temporalBinaries';

/** `npm run temporal:install`: installs (or finds) the Temporal CLI and the time-skipping test server. */

const log = pino();

async function main(): Promise<void> {
  log.info({ cacheDir: cacheDir() }, 'ensuring Temporal binaries');
  const [cli, testServer] = await Promise.all([ensureTemporalCli(), ensureTestServer()]);
  const cliVersion = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
  log.info({ cli, cliVersion, testServer }, 'Temporal binaries ready');
}

main().catch((err: Error) => {
  log.error({ err }, 'installing Temporal binaries failed');
  // The message carries install instructions; print them readably, not as escaped JSON.
  process.stderr.write(`\n${err.message}\n`);
  process.exitCode = 1;
});
