import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const repoRoot = path.resolve(__dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A TypeScript entry point in its own Node process (one process, so `kill -9` really kills it), in `cwd` (tsx found from here). */
export function spawnTs(entry: string, env: Record<string, string>, cwd = repoRoot): ChildProcess {
  return spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, path.join(repoRoot, entry)], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The `rollout` CLI in a process of its own, with `env` over this process's environment. */
export const runRolloutCli = (env: Record<string, string>, ...args: string[]): Promise<CliRun> =>
  new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin/rollout.js'), ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
