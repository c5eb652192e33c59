import os from 'node:os';
import type { ProcessSample } from './processSampler';

const MIB = 1024 * 1024;

/** Date, machine and Node version, as every benchmark in docs/BENCHMARKS.md states them. */
export const machineLine = (): string =>
  `${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 1024 ** 3)} GiB · node ${process.version}`;

export const mib = (bytes: number): string => `${(bytes / MIB).toFixed(0)} MiB`;

/** The worker's RSS at the end of each `everyMs` of the run: how memory went over time, across restarts. */
export function rssTimeline(samples: readonly ProcessSample[], everyMs: number): string {
  const points: string[] = [];
  for (let until = everyMs; samples.some((sample) => sample.atMs <= until); until += everyMs) {
    const last = samples.filter((sample) => sample.atMs <= until).at(-1)!;
    points.push(`${Math.round(until / 1000)} s: ${mib(last.rssBytes)}`);
    if (last === samples.at(-1)) break;
  }
  return points.join(' · ');
}
