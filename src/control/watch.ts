import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { isFinished, type RolloutStatus, type StageStatus } from '../contracts/status';
import type { RolloutClient } from './rolloutClient';

export const describeStage = ({ name, state, batchesDone, batches, counts }: StageStatus): string =>
  `${name.padEnd(8)} ${state.padEnd(10)} batches ${batchesDone}/${batches}  ok ${counts.succeeded}  failed ${counts.failed}  deferred ${counts.deferred}  rolled back ${counts.rolled_back}  pending ${counts.pending}`;

export type WatchFormat = 'auto' | 'json';

/**
 * Follows a rollout until it finishes: progress bars on a terminal, one line per change elsewhere,
 * or one JSON status per change (`json`).
 */
export async function watchRollout(client: RolloutClient, rolloutId: string, { intervalMs = 500, format = 'auto' }: { intervalMs?: number; format?: WatchFormat } = {}): Promise<RolloutStatus> {
  const view = format === 'json' ? new JsonLinesView() : process.stdout.isTTY ? new BarView() : new LineView();
  try {
    for (;;) {
      const status = await client.status(rolloutId);
      view.render(status);
      if (isFinished(status.state)) return status;
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

/** Prints only what changed, so a log of a long rollout stays readable. */
abstract class ChangesView implements View {
  private last = '';

  render(status: RolloutStatus): void {
    const line = this.line(status);
    if (line !== this.last) console.log(line);
    this.last = line;
  }

  stop(): void {}

  protected abstract line(status: RolloutStatus): string;
}

class LineView extends ChangesView {
  protected line(status: RolloutStatus): string {
    const waiting = status.pendingDecision ? ` waiting for ${status.pendingDecision.options.join('|')} on ${status.pendingDecision.stage}` : '';
    return `[${status.state}]${waiting} ${status.stages.filter((stage) => stage.state !== 'pending').map(describeStage).join(' | ')}`;
  }
}

class JsonLinesView extends ChangesView {
  protected line(status: RolloutStatus): string {
    return JSON.stringify(status);
  }
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
