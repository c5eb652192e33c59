import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { z } from 'zod';
import { TASK_QUEUE } from './engine/model/ids';
import { parseOrThrow } from './engine/model/validation';
import { TrustedKeys } from './adapters/artifacts/verify';
import { defaultDataDir, type LedgerLocation } from './adapters/ledger/ledgerDatabase';

/** Process configuration, read once from the environment at start. */
export const Config = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default(TASK_QUEUE),
  /** Temporal Cloud API key; implies TLS. */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().optional(),
  /** The device-management service the worker drives, e.g. the simulator's `http://127.0.0.1:8080`. */
  FLEET_URL: z.url().optional(),
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
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});
export type Config = z.infer<typeof Config>;

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => parseOrThrow(Config, env, 'environment');

/** Options that both the client's `Connection` and the worker's `NativeConnection` accept. */
/** Where the worker's ledger lives: the shared server when `LEDGER_URL` is set, else PGlite's data directory. */
export const ledgerLocation = (config: Config): LedgerLocation =>
  config.LEDGER_URL ? { url: config.LEDGER_URL } : { dataDir: defaultDataDir(config.FLEET_ROLLOUT_DATA) };

export function connectionOptions(config: Config): ConnectionOptions & NativeConnectionOptions {
  const mutualTls = config.TEMPORAL_TLS_CERT_PATH && config.TEMPORAL_TLS_KEY_PATH;
  const tlsWanted = config.TEMPORAL_TLS === 'true' || !!config.TEMPORAL_API_KEY || !!mutualTls;
  const tls = tlsWanted
    ? {
        ...(mutualTls
          ? { clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT_PATH!), key: readFileSync(config.TEMPORAL_TLS_KEY_PATH!) } }
          : {}),
        ...(config.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(config.TEMPORAL_TLS_CA_PATH) } : {}),
      }
    : undefined;
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}),
  };
}

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
