export type ChaosEvent = { kind: 'worker kill' } | { kind: 'server restart'; signal: 'SIGKILL' | 'SIGTERM' } | { kind: 'ledger restart' };

export interface ChaosCounts {
  workerKills: number;
  serverRestarts: number;
  ledgerRestarts: number;
}

/**
 * The campaign's faults in the order they strike: each kind spread evenly over the run (the
 * server's restarts alternate SIGKILL and SIGTERM), so every kind meets every phase of the rollout.
 */
export function chaosEvents({ workerKills, serverRestarts, ledgerRestarts }: ChaosCounts): ChaosEvent[] {
  const spread = (count: number, offset: number, event: (index: number) => ChaosEvent) =>
    Array.from({ length: count }, (_, index) => ({ at: (index + offset) / count, event: event(index) }));
  return [
    ...spread(workerKills, 0.5, (): ChaosEvent => ({ kind: 'worker kill' })),
    ...spread(serverRestarts, 0.25, (index): ChaosEvent => ({ kind: 'server restart', signal: index % 2 === 0 ? 'SIGKILL' : 'SIGTERM' })),
    ...spread(ledgerRestarts, 0.75, (): ChaosEvent => ({ kind: 'ledger restart' })),
  ]
    .sort((a, b) => a.at - b.at)
    .map(({ event }) => event);
}
