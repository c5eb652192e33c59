import { readFileSync } from 'node:fs';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

export interface ProcessSample {
  /** Milliseconds since the sampler started. */
  atMs: number;
  pid: number;
  rssBytes: number;
  /** User and system CPU time of the process so far. */
  cpuSeconds: number;
}

/** One reading of /proc/<pid>/status (VmRSS) and /proc/<pid>/stat (utime, stime); undefined once the process is gone. */
export function readProcess(pid: number): Omit<ProcessSample, 'atMs'> | undefined {
  try {
    const rssKb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    // Fields after the command name, which may itself hold spaces and parentheses: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return rssKb === undefined ? undefined : { pid, rssBytes: Number(rssKb) * 1024, cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/**
 * Samples whichever process `currentPid` names at every tick (a restarted worker is a new pid), so
 * the series runs across restarts; CPU adds up the last reading of every process it saw.
 */
export class ProcessSampler {
  readonly samples: ProcessSample[] = [];
  private readonly startedAt = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly currentPid: () => number | undefined,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  sample(): void {
    const pid = this.currentPid();
    const reading = pid === undefined ? undefined : readProcess(pid);
    if (reading) this.samples.push({ atMs: performance.now() - this.startedAt, ...reading });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get peakRssBytes(): number {
    return Math.max(0, ...this.samples.map((sample) => sample.rssBytes));
  }

  get cpuSeconds(): number {
    const lastByPid = new Map(this.samples.map((sample) => [sample.pid, sample.cpuSeconds]));
    return [...lastByPid.values()].reduce((sum, seconds) => sum + seconds, 0);
  }
}
