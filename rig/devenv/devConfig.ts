import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ensureTemporalCli } from './temporalBinaries';

/** temporal-dev.yml: the one place that declares the local Temporal dev server. */

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const DEFAULT_CONFIG_PATH = path.join(REPO_ROOT, 'temporal-dev.yml');
const LOG_DIR = path.join(REPO_ROOT, '.temporal');

/** `temporal server start-dev --search-attribute` type names, mapped to the SDK's names. */
const SEARCH_ATTRIBUTE_TYPES = {
  Text: 'TEXT',
  Keyword: 'KEYWORD',
  Int: 'INT',
  Double: 'DOUBLE',
  Bool: 'BOOL',
  Datetime: 'DATETIME',
  KeywordList: 'KEYWORD_LIST',
} as const;
type SearchAttributeTypeName = keyof typeof SEARCH_ATTRIBUTE_TYPES;
const SEARCH_ATTRIBUTE_TYPE_NAMES = Object.keys(SEARCH_ATTRIBUTE_TYPES) as [SearchAttributeTypeName, ...SearchAttributeTypeName[]];
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'never'] as const;

const PORT_HINT = 'must be a TCP port number from 1 to 65535';
const portNumber = z.int({ error: PORT_HINT }).min(1, { error: PORT_HINT }).max(65535, { error: PORT_HINT });

export const DevConfigSchema = z.strictObject({
  namespace: z.string({ error: 'must be a namespace name such as "default"' }).min(1, { error: 'must not be empty' }).default('default'),
  ip: z.ipv4({ error: 'must be an IPv4 address such as 127.0.0.1' }).default('127.0.0.1'),
  port: portNumber.default(7233),
  uiPort: portNumber.default(8233),
  dbFile: z.string({ error: 'must be a file path such as .temporal/dev.db (omit it for an in-memory server)' }).min(1).optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('warn'),
  /** The codec server the Web UI decodes payloads with: a worker's CODEC_ADDRESS, as http://127.0.0.1:8234/codec. */
  uiCodecEndpoint: z.url({ protocol: /^https?$/, error: "must be the worker's codec endpoint, such as http://127.0.0.1:8234/codec" }).optional(),
  searchAttributes: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'search attribute names must be identifiers such as RolloutState' }),
      z.enum(SEARCH_ATTRIBUTE_TYPE_NAMES, { error: `must be one of ${SEARCH_ATTRIBUTE_TYPE_NAMES.join(', ')}` }),
    )
    .default({}),
  dynamicConfig: z
    .record(
      z.string().regex(/^[A-Za-z][\w.]*$/, { error: 'dynamic config keys look like frontend.enableUpdateWorkflowExecution' }),
      z.json({ error: 'must be a JSON value (true, 10, "text", …)' }),
    )
    .default({}),
}, { error: 'must be a YAML mapping of settings such as `port: 7233`' });
export type DevConfig = z.infer<typeof DevConfigSchema>;

export interface DevServerOverrides {
  port?: number;
  uiPort?: number;
  dbFile?: string;
  headless?: boolean;
  uiCodecEndpoint?: string;
}

export function loadDevConfig(configPath = DEFAULT_CONFIG_PATH): DevConfig {
  const text = fs.readFileSync(configPath, 'utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${configPath} is not valid YAML: ${(err as Error).message}`);
  }
  return parseDevConfig(raw, { baseDir: path.dirname(configPath), source: configPath });
}

/** Validates an already-parsed config; a relative dbFile is resolved against baseDir. */
export function parseDevConfig(raw: unknown, { baseDir, source }: { baseDir: string; source: string }): DevConfig {
  const result = DevConfigSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const problems = result.error.issues.flatMap(describeIssue).map((problem) => `  - ${problem}`);
    throw new Error(`Invalid ${source}:\n${problems.join('\n')}`);
  }
  const config = result.data;
  return config.dbFile ? { ...config, dbFile: path.resolve(baseDir, config.dbFile) } : config;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    // Only the top level is a strict object; the maps below it take any well-formed key.
    const allowed = Object.keys(DevConfigSchema.shape).join(', ');
    return issue.keys.map((key) => `${key}: unknown key, remove or rename it; allowed keys: ${allowed}`);
  }
  const field = issue.path.map(String).join('.') || '(top level)';
  // A bad map key arrives wrapped; the key schema's own message says what a key must look like.
  const message = issue.code === 'invalid_key' ? (issue.issues[0]?.message ?? issue.message) : issue.message;
  const got = issue.input === undefined ? '' : ` (got ${JSON.stringify(issue.input)})`;
  return [`${field}: ${message}${got}`];
}

function effectiveSettings(config: DevConfig, overrides: DevServerOverrides) {
  return {
    port: overrides.port ?? config.port,
    uiPort: overrides.uiPort ?? config.uiPort,
    dbFile: overrides.dbFile ?? config.dbFile,
    uiCodecEndpoint: overrides.uiCodecEndpoint ?? config.uiCodecEndpoint,
  };
}

/** Flags for `temporal server start-dev` (the subcommand itself not included). */
export function startDevFlags(config: DevConfig, overrides: DevServerOverrides = {}): string[] {
  const { port, uiPort, dbFile, uiCodecEndpoint } = effectiveSettings(config, overrides);
  return [
    ['--namespace', config.namespace],
    ['--ip', config.ip],
    ['--port', String(port)],
    overrides.headless ? ['--headless'] : ['--ui-port', String(uiPort)],
    uiCodecEndpoint && !overrides.headless ? ['--ui-codec-endpoint', uiCodecEndpoint] : [],
    dbFile ? ['--db-filename', dbFile] : [],
    ['--log-level', config.logLevel],
    ...Object.entries(config.searchAttributes).map(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    ...Object.entries(config.dynamicConfig).map(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ].flat();
}

// ---------------------------------------------------------------------------------------------
// Running the dev server

export interface StartDevServerOptions extends DevServerOverrides {
  config?: DevConfig;
  configPath?: string;
  /** Where the server's stdout/stderr go; default .temporal/dev-server-<port>.log. */
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string | undefined;
  namespace: string;
  logFile: string;
  /** Resolves with the exit code when the server process ends, for whatever reason. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
  /** Sends the server `signal` (SIGKILL: a crash) and waits for it to exit, however long that takes. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const STOP_GRACE_MS = 10_000;

export async function startDevServer(options: StartDevServerOptions = {}): Promise<RunningDevServer> {
  const config = options.config ?? loadDevConfig(options.configPath);
  const { port, uiPort, dbFile } = effectiveSettings(config, options);
  if (dbFile) fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const logFile = options.logFile ?? path.join(LOG_DIR, `dev-server-${port}.log`);
  const cli = await ensureTemporalCli();

  const child = spawnToLog(cli, ['server', 'start-dev', ...startDevFlags(config, options)], logFile);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  // A runner that ends with process.exit (mocha --exit) must not leave a server holding the port.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopProcess(child, exited);
  };
  const kill = async (signal: NodeJS.Signals) => {
    process.removeListener('exit', killOnExit);
    child.kill(signal);
    await exited;
  };

  const address = `${config.ip}:${port}`;
  try {
    await waitUntilListening(config.ip, port, exited, options.readyTimeoutMs ?? 60_000, logFile);
    await registerMissingSearchAttributes(address, config);
  } catch (err) {
    await stop();
    throw err;
  }
  const uiUrl = options.headless ? undefined : `http://${config.ip}:${uiPort}`;
  return { address, uiUrl, namespace: config.namespace, logFile, exited, stop, kill };
}

function spawnToLog(command: string, args: string[], logFile: string): ChildProcess {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.openSync(logFile, 'a');
  try {
    fs.writeSync(log, `\n--- ${new Date().toISOString()} ${command} ${args.join(' ')}\n`);
    return spawn(command, args, { stdio: ['ignore', log, log] });
  } finally {
    fs.closeSync(log);
  }
}

async function waitUntilListening(
  host: string,
  port: number,
  exited: Promise<number | null>,
  timeoutMs: number,
  logFile: string,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  while (!(await acceptsConnection(host, port))) {
    if (exitCode !== undefined) {
      throw new Error(`Temporal dev server exited with code ${exitCode} before listening. ${logFile} ends with:\n${lastLines(logFile, 15)}`);
    }
    if (Date.now() > deadline) throw new Error(`Temporal dev server not listening on ${host}:${port} after ${timeoutMs} ms; see ${logFile}`);
    await delay(200);
  }
}

function lastLines(file: string, count: number): string {
  return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
}

function acceptsConnection(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 1000 });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

/** start-dev only registers search attributes when it creates the namespace, i.e. on a fresh dbFile. */
async function registerMissingSearchAttributes(address: string, config: DevConfig): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { namespace } = config;
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(config.searchAttributes).filter(([name]) => !(name in customAttributes));
    if (missing.length === 0) return;
    const searchAttributes = Object.fromEntries(
      missing.map(([name, type]) => [name, encodeSearchAttributeIndexedValueType(SEARCH_ATTRIBUTE_TYPES[type])!]),
    );
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } finally {
    await connection.close();
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stoppedInTime = await Promise.race([exited.then(() => true), delay(STOP_GRACE_MS, false, { ref: false })]);
  if (!stoppedInTime) {
    child.kill('SIGKILL');
    await exited;
  }
}
