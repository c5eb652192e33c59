import { Command } from 'commander';
import { z } from 'zod';
import { createLogger } from '../../src/logger';
import { RealtimeClock } from './clock';
import { PROFILE_NAMES } from './profiles';
import { serveSimulator } from './serveSimulator';
import { SimulatedFleet } from './simulatedFleet';

/** `npm run sim`: options from flags, else from SIM_* variables, else the defaults. */
export const SimulatorProcessConfig = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  devices: z.coerce.number().int().min(1).max(100_000).default(200),
  seed: z.coerce.number().int().nonnegative().default(1),
  /** Plan time per real time, as the workflow's speedup: run the worker's rollout with the same value. */
  speedup: z.coerce.number().min(1).max(1_000_000).default(1),
  profile: z.enum(PROFILE_NAMES).default('field'),
  stepMs: z.coerce.number().int().positive().default(1000),
});
export type SimulatorProcessConfig = z.infer<typeof SimulatorProcessConfig>;

async function main(config: SimulatorProcessConfig): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'info');
  const clock = new RealtimeClock(config.speedup, config.stepMs);
  const fleet = new SimulatedFleet({ devices: config.devices, seed: config.seed, profile: config.profile }, clock);
  const served = await serveSimulator({ fleet, port: config.port, host: config.host, logger });
  clock.start();
  logger.info({ url: served.url, ...config }, 'simulated fleet listening');
  const shutdown = async (signal: string) => {
    logger.info({ signal, metrics: fleet.metrics().management }, 'simulated fleet stopping');
    clock.stop();
    await served.close();
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

if (require.main === module) {
  const env = process.env;
  const program = new Command('sim')
    .description('serve a simulated gateway fleet and its management service over the fleet REST contract')
    .option('--port <port>', 'TCP port, 0 for any free one (SIM_PORT)', env.SIM_PORT)
    .option('--host <host>', 'address to listen on (SIM_HOST)', env.SIM_HOST)
    .option('--devices <count>', 'gateways in the fleet (SIM_DEVICES)', env.SIM_DEVICES)
    .option('--seed <seed>', 'random seed: the same seed gives the same fleet (SIM_SEED)', env.SIM_SEED)
    .option('--speedup <factor>', 'plan time runs this many times faster than real time (SIM_SPEEDUP)', env.SIM_SPEEDUP)
    .option('--profile <name>', `failure profile: ${PROFILE_NAMES.join(', ')} (SIM_PROFILE)`, env.SIM_PROFILE)
    .option('--step-ms <ms>', 'plan milliseconds per simulation step (SIM_STEP_MS)', env.SIM_STEP_MS)
    .action((options: Record<string, string | undefined>) => {
      const parsed = SimulatorProcessConfig.safeParse(options);
      if (!parsed.success) throw new Error(`invalid simulator option ${z.prettifyError(parsed.error)}`);
      return main(parsed.data);
    });
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  });
}
