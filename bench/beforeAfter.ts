import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import { z } from 'zod';
import { Plan } from '../src/engine/model/plan';
import { readFirmwarePlanFile } from '../src/client/planFile';
import { loadDevConfig, startDevServer } from '../rig/devenv/devConfig';
import { createLogger, PinoTemporalLogger } from '../src/logger';
import { PROFILE_NAMES } from '../rig/simulator/profiles';
import { serveSignedFirmware } from '../rig/artifacts/signedFirmware';
import { resultsTable, summaryTable, type RunResult } from './measurement';
import { runScriptedOperator } from './scriptedOperator';
import { runStagedRollout, type BenchTemporal } from './stagedRollout';

const MINUTE = 60_000;
const MIB = 1024 * 1024;
const STRATEGIES = ['bulk', 'naive', 'staged'] as const;

const BenchOptions = z.object({
  seeds: z.string().transform((list) => list.split(',').map((seed) => z.coerce.number().int().nonnegative().parse(seed))),
  devices: z.coerce.number().int().min(1),
  profile: z.enum(PROFILE_NAMES),
  plan: z.string(),
  speedup: z.coerce.number().min(1),
  strategies: z.string().transform((list) => list.split(',').map((name) => z.enum(STRATEGIES).parse(name))),
  naiveBatch: z.coerce.number().int().min(1),
  naiveGapMinutes: z.coerce.number().nonnegative(),
  settleMinutes: z.coerce.number().nonnegative(),
  imageMb: z.coerce.number().positive(),
  stagedLimitHours: z.coerce.number().positive(),
  json: z.string().optional(),
});
type BenchOptions = z.infer<typeof BenchOptions>;

/** Bulk, naive and staged on the same simulator and seeds; prints Markdown tables for docs/BENCHMARKS.md. */
async function main(options: BenchOptions): Promise<void> {
  const plan = await readFirmwarePlanFile(options.plan);
  const benchFirmware = await serveSignedFirmware(Plan.parse(plan).firmware.version, options.imageMb * MIB, 'bench');
  const settleMs = options.settleMinutes * MINUTE;
  const temporal = options.strategies.includes('staged') ? await startBenchTemporal() : undefined;
  const results: RunResult[] = [];
  try {
    for (const seed of options.seeds) {
      for (const strategy of options.strategies) {
        const shared = { seed, devices: options.devices, profile: options.profile, settleMs };
        const result =
          strategy === 'staged'
            ? await runStagedRollout({ ...shared, plan, firmware: benchFirmware, speedup: options.speedup, limitMs: options.stagedLimitHours * 60 * MINUTE, temporal: temporal! })
            : await runScriptedOperator({
                ...shared,
                strategy,
                firmware: benchFirmware.firmware,
                batchSize: strategy === 'bulk' ? options.devices : options.naiveBatch,
                gapMs: options.naiveGapMinutes * MINUTE,
              });
        console.error(`seed ${seed} ${strategy}: ${result.updated}/${result.devices} updated, ${result.needsManualIntervention} need a person`);
        results.push(result);
      }
    }
  } finally {
    await temporal?.stop();
    await benchFirmware.close();
  }
  console.log(`${summaryTable(results)}\n\n${resultsTable(results)}\n`);
  console.log(`${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · node ${process.version} · profile ${options.profile} · speedup ${options.speedup} (staged)`);
  if (options.json) await writeFile(options.json, JSON.stringify({ options, results }, null, 2));
}

/**
 * A dev server of our own, in memory and on free ports, so that nobody else's is disturbed, and one
 * connection to it for every staged run. The Temporal runtime lives as long as its last native
 * connection, so it is installed here, only when staged runs, and ends with `stop`.
 */
export async function startBenchTemporal(): Promise<BenchTemporal> {
  // Retried activities are part of what is measured, not news: only errors, the core's through pino too.
  Runtime.install({
    logger: new PinoTemporalLogger(createLogger('error')),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const { dbFile: _persisted, ...config } = loadDevConfig();
  const server = await startDevServer({ config, port: await freePort(), uiPort: await freePort(), headless: true });
  const connection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  return {
    namespace: server.namespace,
    connection,
    client: new Client({ connection: clientConnection, namespace: server.namespace }),
    stop: async () => {
      await clientConnection.close();
      await connection.close();
      await server.stop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

if (require.main === module) {
  const program = new Command('bench')
    .description('the before/after benchmark: bulk, naive and staged rollouts on the simulated fleet')
    .option('--seeds <list>', 'comma-separated seeds', '1,2,3')
    .option('--devices <count>', 'gateways', '200')
    .option('--profile <name>', `failure profile: ${PROFILE_NAMES.join(', ')}`, 'field')
    .option('--plan <file>', 'plan of the staged rollout (its firmware version is used by all three)', 'plans/seed-200.yml')
    .option('--image-mb <size>', 'size of the firmware image, served and signed for the run (the seed: 150)', '150')
    .option('--speedup <factor>', 'plan time per real time for the staged rollout', '600')
    .option('--strategies <list>', 'comma-separated: bulk, naive, staged', STRATEGIES.join(','))
    .option('--naive-batch <count>', "the naive loop's batch size", '25')
    .option('--naive-gap-minutes <minutes>', "the naive loop's fixed sleep between batches", '20')
    .option('--settle-minutes <minutes>', 'plan time every strategy gets after it is done, before measuring', '60')
    .option('--staged-limit-hours <hours>', 'plan time after which a staged rollout still running is stopped as stuck', '48')
    .option('--json <file>', 'also write the results as JSON')
    .action((raw: Record<string, string | undefined>) => main(BenchOptions.parse(raw)));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
