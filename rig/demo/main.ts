import { Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { InvalidDemoOptionsError, parseDemoOptions } from './options';
import { runDemo } from './runDemo';
import { createLogger, PinoTemporalLogger } from '../../src/logger';
import { PROFILE_NAMES } from '../simulator/profiles';

if (require.main === module) {
  const program = new Command('demo')
    .description('a staged rollout on a local Temporal dev server against the gateway simulator, with live progress and a report')
    .option('--plan <file>', 'plan file', 'plans/seed-200.yml')
    .option('--devices <count>', 'gateways in the simulated fleet', '200')
    .option('--seed <seed>', 'simulator seed: the same seed gives the same fleet', '1')
    .option('--profile <name>', `simulator failure profile: ${PROFILE_NAMES.join(', ')}`, 'field')
    .option('--speedup <factor>', 'play plan time this many times faster (workflow and simulator)', '600')
    .option('--image-mb <size>', 'size of the firmware image, made, signed and served for the run (the seed: 150)', '150')
    .option('--wait-held', 'when a gate holds the rollout for an operator, wait for its decision deadline instead of stopping there', false)
    .option('--limit-hours <hours>', 'plan time after which a rollout still running is stopped and reported', '48')
    .option('--out <dir>', 'where the report goes, in a folder per run', 'demo-output')
    .option('--keep', 'keep the dev server and Web UI running after the rollout', false)
    .action(async (raw: Record<string, unknown>) => {
      const options = parseDemoOptions(raw);
      // Failed attempts that Temporal retries are expected here; only errors are worth a line.
      Runtime.install({ logger: new PinoTemporalLogger(createLogger(process.env.LOG_LEVEL ?? 'error')) });
      await runDemo(options);
    });
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = error instanceof InvalidDemoOptionsError ? 2 : 1;
  });
}
