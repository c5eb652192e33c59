import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { RolloutStatus, StageStatus } from '../contracts/status';
import type { RolloutClient } from './rolloutClient';

const FINISHED = new Set(['completed', 'rolled_back']);

export const describeStage = ({ name, state, batchesDone, batches, counts }: StageStatus): string =>
  `${name.padEnd(8)} ${state.padEnd(10)} batches ${batchesDone}/${batches}  ok ${counts.succeeded}  failed ${counts.failed}  deferred ${counts.deferred}  rolled back ${counts.rolled_back}  pending ${counts.pending}`;

/** Follows a rollout until it finishes: progress bars on a terminal, one line per change elsewhere. */
export async function watchRollout(client: RolloutClient, rolloutId: string, intervalMs = 500): Promise<RolloutStatus> {
  const view = process.stdout.isTTY ? new BarView() : new LineView();
  try {
    for (;;) {
      const status = await client.status(rolloutId);
      view.render(status);
      if (FINISHED.has(status.state)) return status;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    view.stop();
  }
}

interface View {
  render(status: RolloutStatus): void;
  stop(): void;
}

class LineView implements View {
  private last = '';

  render(status: RolloutStatus): void {
    const line = `[${status.state}] ${status.stages.filter((stage) => stage.state !== 'pending').map(describeStage).join(' | ')}`;
    if (line !== this.last) console.log(line);
    this.last = line;
  }

  stop(): void {}
}

class BarView implements View {
  private readonly bars = new MultiBar(
    { format: '{stage} [{bar}] {value}/{total} updated | {state} | batch {batches} | failed {failed} deferred {deferred}', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  private readonly byStage = new Map<string, SingleBar>();

  render(status: RolloutStatus): void {
    for (const stage of status.stages) {
      const payload = {
        stage: stage.name.padEnd(8),
        state: `${status.state === 'paused' && stage.state === 'running' ? 'paused' : stage.state}`.padEnd(10),
        batches: `${stage.batchesDone}/${stage.batches}`,
        failed: stage.counts.failed,
        deferred: stage.counts.deferred,
      };
      const bar = this.byStage.get(stage.name) ?? this.addBar(stage, payload);
      bar.setTotal(Math.max(1, stage.devices));
      bar.update(stage.counts.succeeded, payload);
    }
  }

  stop(): void {
    this.bars.stop();
  }

  private addBar(stage: StageStatus, payload: object): SingleBar {
    const bar = this.bars.create(Math.max(1, stage.devices), 0, payload);
    this.byStage.set(stage.name, bar);
    return bar;
  }
}
