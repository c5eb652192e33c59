import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { TASK_QUEUE } from './engine/model/ids';
import { parseOrThrow } from './engine/model/validation';
import { TrustedKeys } from './adapters/artifacts/verify';
import { defaultDataDir, type LedgerLocation } from './adapters/ledger/ledgerDatabase';
import { CodecEnvironment } from './adapters/codec/codecKeys';

const HttpUrl = z.url({ protocol: /^https?$/, error: 'write an http(s) URL, e.g. http://127.0.0.1:4318' });
const OtlpProtocol = z.enum(['http/protobuf', 'http/json'], { error: 'write http/protobuf or http/json: traces go over OTLP/HTTP (no gRPC exporter is installed)' });

/** `key=value,key=value` with URL-encoded values, as the OpenTelemetry specification writes resource attributes. */
const KeyValueList = z
  .string()
  .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'write key=value pairs separated by commas, e.g. deployment.environment=prod,service.namespace=fleet')
  .transform((list) => Object.fromEntries(list.split(',').map((pair) => pair.split('=').map((part) => decodeURIComponent(part.trim())) as [string, string])));

/**
 * The standard OpenTelemetry variables that decide whether and where this process exports traces.
 * Tracing is off unless one of them asks for it; the OpenTelemetry SDK itself reads the ones that
 * tune an export already on (`OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT`, `_COMPRESSION`, `OTEL_BSP_*`).
 */
const OpenTelemetryVariables = {
  OTEL_SDK_DISABLED: z.stringbool({ error: 'write true or false' }).optional(),
  /** `otlp` exports traces (to localhost:4318 when no endpoint is set); `none` keeps them off whatever else is set. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none'], { error: 'write otlp or none: traces export over OTLP only' }).optional(),
  /** The collector's base URL, e.g. `http://127.0.0.1:4318`: traces go to `<endpoint>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: HttpUrl.optional(),
  /** The full URL traces go to, taken as is; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: HttpUrl.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: OtlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: OtlpProtocol.optional(),
  /** Default: `fleet-rollout-worker` for the worker, `fleet-rollout-client` for the CLI and the client module. */
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  OTEL_RESOURCE_ATTRIBUTES: KeyValueList.optional(),
};

/** The project's own settings, read once from the environment at start. */
export const Environment = z.object({
  ...OpenTelemetryVariables,
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
  ...CodecEnvironment.shape,
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

/** Where and how this process exports its spans; absent when tracing is off. */
export interface TracingSettings {
  tracesUrl: string;
  protocol: z.infer<typeof OtlpProtocol>;
  serviceName?: string;
  resourceAttributes: Record<string, string>;
}

/** The OpenTelemetry specification's default collector address for OTLP/HTTP. */
const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** On when an OTLP exporter or endpoint is named, unless `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none`. */
export function tracingSettings(config: Config): TracingSettings | undefined {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  const traces = config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const asked = config.OTEL_TRACES_EXPORTER === 'otlp' || (config.OTEL_TRACES_EXPORTER === undefined && (endpoint ?? traces) !== undefined);
  if (!asked || config.OTEL_SDK_DISABLED) return undefined;
  return {
    tracesUrl: traces ?? new URL('v1/traces', `${(endpoint ?? DEFAULT_OTLP_ENDPOINT).replace(/\/*$/, '')}/`).href,
    protocol: config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
    ...(config.OTEL_SERVICE_NAME ? { serviceName: config.OTEL_SERVICE_NAME } : {}),
    resourceAttributes: config.OTEL_RESOURCE_ATTRIBUTES ?? {},
  };
}

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
