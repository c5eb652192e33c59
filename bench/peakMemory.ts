import { readdirSync, readFileSync } from 'node:fs';

/** Peak resident set of this process, in bytes. */
export const ownPeakRss = (): number => process.resourceUsage().maxRSS * 1024;

/**
 * Peak resident set of each direct child process (the time-skipping server runs as one), in bytes,
 * from /proc; empty where /proc is not available.
 */
export function childrenPeakRss(): { command: string; bytes: number }[] {
  const parentOf = (pid: string) => Number(readProc(pid, 'stat')?.split(') ')[1]?.split(' ')[1]);
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  return pids
    .filter((pid) => parentOf(pid) === process.pid)
    .flatMap((pid) => {
      const peakKb = /VmHWM:\s+(\d+) kB/.exec(readProc(pid, 'status') ?? '')?.[1];
      const command = (readProc(pid, 'comm') ?? '').trim();
      return peakKb ? [{ command, bytes: Number(peakKb) * 1024 }] : [];
    });
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}
