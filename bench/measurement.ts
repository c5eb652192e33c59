import type { SimulatorClient } from '../rig/simulator/simulatorClient';

export type StrategyName = 'bulk' | 'naive' | 'staged';

/** One strategy on one seed, measured from the simulator's ground truth after the settling time. */
export interface RunResult {
  strategy: StrategyName;
  seed: number;
  devices: number;
  updated: number;
  successRate: number;
  peakCpuPercent: number;
  peakOperationsInFlight: number;
  devicesDisconnectedByLoad: number;
  devicesDisconnected: number;
  needsManualIntervention: number;
  crashesPerHourOnTarget: number;
  /** From the first command until the strategy was done (every operation over, or the workflow ended). */
  planTimeMs: number;
  bytesMoved: number;
  bytesWasted: number;
  requestsRefused: number;
  notes: string;
}

export interface RunWindow {
  strategy: StrategyName;
  seed: number;
  targetVersion: string;
  planTimeMs: number;
  notes?: string;
}

export async function measure(sim: SimulatorClient, window: RunWindow): Promise<RunResult> {
  const [metrics, outcome] = await Promise.all([sim.metrics(), sim.outcome(window.targetVersion)]);
  return {
    strategy: window.strategy,
    seed: window.seed,
    devices: outcome.devices,
    updated: outcome.updated,
    successRate: outcome.successRate,
    peakCpuPercent: metrics.management.peakCpuPercent,
    peakOperationsInFlight: metrics.management.peakOperationsInFlight,
    devicesDisconnectedByLoad: outcome.devicesDisconnectedByLoad,
    devicesDisconnected: outcome.devicesDisconnected,
    needsManualIntervention: outcome.needsManualIntervention,
    crashesPerHourOnTarget: outcome.crashesPerHourOnTarget,
    planTimeMs: window.planTimeMs,
    bytesMoved: metrics.uplink.bytesMoved,
    bytesWasted: metrics.uplink.bytesWasted,
    requestsRefused: metrics.management.requestsRefused,
    notes: window.notes ?? '',
  };
}

const percent = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)} %`;
const gigabytes = (bytes: number): string => (bytes / 1024 ** 3).toFixed(1);
const hours = (ms: number): string => (ms / 3_600_000).toFixed(1);

export function resultsTable(results: RunResult[]): string {
  const header = [
    '| strategy | seed | success | peak mgmt CPU | peak ops in flight | disconnected by load | disconnected (any cause) | manual intervention | crashes/h on target | plan time (h) | GB moved (wasted) | 429s | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  const rows = results.map(
    (result) =>
      `| ${result.strategy} | ${result.seed} | ${percent(result.updated, result.devices)} (${result.updated}) | ${result.peakCpuPercent.toFixed(0)} % | ${result.peakOperationsInFlight} | ${percent(result.devicesDisconnectedByLoad, result.devices)} (${result.devicesDisconnectedByLoad}) | ${result.devicesDisconnected} | ${result.needsManualIntervention} | ${result.crashesPerHourOnTarget} | ${hours(result.planTimeMs)} | ${gigabytes(result.bytesMoved)} (${gigabytes(result.bytesWasted)}) | ${result.requestsRefused} | ${result.notes} |`,
  );
  return [...header, ...rows].join('\n');
}

/** Means per strategy over the seeds. */
export function summaryTable(results: RunResult[]): string {
  const header = [
    '| strategy | runs | success | peak mgmt CPU | disconnected by load | manual intervention | crashes/h on target | plan time (h) | GB moved |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const strategies = [...new Set(results.map((result) => result.strategy))];
  const rows = strategies.map((strategy) => {
    const runs = results.filter((result) => result.strategy === strategy);
    const mean = (value: (result: RunResult) => number) => runs.reduce((sum, result) => sum + value(result), 0) / runs.length;
    return `| ${strategy} | ${runs.length} | ${(100 * mean((result) => result.successRate)).toFixed(1)} % | ${mean((result) => result.peakCpuPercent).toFixed(0)} % | ${(100 * mean((result) => result.devicesDisconnectedByLoad / result.devices)).toFixed(1)} % | ${mean((result) => result.needsManualIntervention).toFixed(1)} | ${mean((result) => result.crashesPerHourOnTarget).toFixed(3)} | ${hours(mean((result) => result.planTimeMs))} | ${gigabytes(mean((result) => result.bytesMoved))} |`;
  });
  return [...header, ...rows].join('\n');
}
