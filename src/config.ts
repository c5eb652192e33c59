import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { TASK_QUEUE } from './engine/model/ids';
import { parseOrThrow } from './engine/model/validation';
import { TrustedKeys } from './adapters/artifacts/verify';
import { defaultDataDir, type LedgerLocation } from './adapters/ledger/ledgerDatabase';

/** The project's own settings, read once from the environment at start. */
export const Environment = z.object({
  TEMPORAL_TASK_QUEUE: z.string().default(TASK_QUEUE),
  /** The device-management service the worker drives, e.g. the simulator's `http://127.0.0.1:8080`. */
  FLEET_URL: z.url().optional(),
  /**
   * Requests per second this worker sends the device-management service, every rollout together
   * (each request names up to 100 devices). The default suits a modest service; raise it for a big
   * fleet on a service that takes it, since it caps device updates per minute.
   */
  FLEET_REQUESTS_PER_SECOND: z.coerce.number().positive('requests per second above 0, e.g. 20').default(20),
  /** Requests the worker may send at once before the rate applies; absent: one second's worth. */
  FLEET_REQUEST_BURST: z.coerce.number().int('a whole number of requests, e.g. 20').min(1, 'at least 1 request').optional(),
  /** The device-management server's API version, checked against a plan's compatibility matrix. */
  FLEET_API_VERSION: z.string().optional(),
  /** A PostgreSQL server every worker shares, e.g. `postgres://fleet:secret@db.internal:5432/fleet`; absent: the embedded PGlite ledger. */
  LEDGER_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'write a PostgreSQL URL, e.g. postgres://user:password@host:5432/database')
    .optional(),
  /** Where the embedded ledger keeps its data (in `ledger/`); default: the user's data folder, `~/.local/share/fleet-rollout`. */
  FLEET_ROLLOUT_DATA: z.string().optional(),
  /** JSON file `{ "<keyId>": "<Ed25519 public key, PEM SPKI>" }`: the keys firmware may be signed with. */
  FIRMWARE_TRUSTED_KEYS_FILE: z.string().default('plans/keys/trusted-keys.json'),
  /** Operations in flight that every rollout on this fleet (task queue) may hold together; absent: no fleet budget, each rollout's `maxConcurrent` alone. */
  FLEET_BUDGET_LIMIT: z.coerce.number().int('a whole number of operations, e.g. 50').positive('at least 1 operation').optional(),
  /** A lease of the fleet budget not renewed for this long (a dead worker's) comes back to the budget. */
  FLEET_BUDGET_LEASE_TTL_SECONDS: z.coerce.number().positive('seconds above 0, e.g. 60').default(60),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

/** Where Temporal is and how to reach it, resolved as the Temporal CLI does (profile file, then TEMPORAL_* variables). */
export interface TemporalConnection {
  /** Options that both the client's `Connection` and the worker's `NativeConnection` accept. */
  options: ConnectionOptions & NativeConnectionOptions & { address: string };
  namespace: string;
}

export type Config = z.infer<typeof Environment> & { temporal: TemporalConnection };

// `temporal server start-dev` listens on IPv4 only, where `localhost` may resolve to ::1 first.
const DEFAULT_ADDRESS = '127.0.0.1:7233';
const DEFAULT_NAMESPACE = 'default';

/** Variables this project read before it followed the Temporal CLI, and the CLI's names for them. */
const RENAMED = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
  TEMPORAL_TLS_CA_PATH: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
} as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return { ...parseOrThrow(Environment, env, 'environment'), temporal: loadTemporalConnection(env) };
}

/** Where the worker's ledger lives: the shared server when `LEDGER_URL` is set, else PGlite's data directory. */
export const ledgerLocation = (config: Config): LedgerLocation =>
  config.LEDGER_URL ? { url: config.LEDGER_URL } : { dataDir: defaultDataDir(config.FLEET_ROLLOUT_DATA) };

/** Reads `TEMPORAL_CONFIG_FILE` (default ~/.config/temporalio/temporal.toml), its `TEMPORAL_PROFILE`, then the `TEMPORAL_*` overrides. */
export function loadTemporalConnection(env: NodeJS.ProcessEnv = process.env): TemporalConnection {
  const renamed = Object.entries(RENAMED).filter(([old]) => env[old] !== undefined);
  if (renamed.length > 0) {
    throw new Error(`Rename ${renamed.map(([old, name]) => `${old} to ${name}`).join(', ')}: connection variables follow the Temporal CLI's names.`);
  }
  const defined = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: defined });
  return {
    options: { ...connectionOptions, address: connectionOptions.address ?? DEFAULT_ADDRESS },
    namespace: namespace ?? DEFAULT_NAMESPACE,
  };
}

/** HttpFleet's pacing from `FLEET_REQUESTS_PER_SECOND` and `FLEET_REQUEST_BURST`. */
export const fleetRateLimit = (config: Config): { requestsPerSecond: number; burst?: number } => ({
  requestsPerSecond: config.FLEET_REQUESTS_PER_SECOND,
  ...(config.FLEET_REQUEST_BURST === undefined ? {} : { burst: config.FLEET_REQUEST_BURST }),
});

export function loadTrustedKeys(config: Config): TrustedKeys {
  const file = config.FIRMWARE_TRUSTED_KEYS_FILE;
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`FIRMWARE_TRUSTED_KEYS_FILE ${file} cannot be read as JSON (${(error as Error).message}): write { "<keyId>": "<public key PEM>" }`);
  }
  return parseOrThrow(TrustedKeys, document, `trusted keys in ${file}`);
}
