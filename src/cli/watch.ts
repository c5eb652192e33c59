import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { DEVICE_COUNT_STATES, isFinished, type RolloutStatus, type StageStatus } from '../engine/model/status';
import { rolloutPosition } from './format';
import type { RolloutClient } from '../client';

export const describeStage = ({ name, state, batchesDone, batches, counts }: StageStatus): string =>
  `${name.padEnd(8)} ${state.padEnd(10)} batches ${batchesDone}/${batches}  ok ${counts.succeeded}  failed ${counts.failed}  deferred ${counts.deferred}  rolled back ${counts.rolled_back}  excluded ${counts.excluded}  pending ${counts.pending}`;

export type WatchFormat = 'auto' | 'json';

/** What a watcher saw beside the rollout at one status: shown with the progress; `stop` ends the watch early. */
export interface Observation {
  /** A percentage worth a bar of its own on a terminal, e.g. the management service's CPU. */
  gauge?: { label: string; percent: number };
  text: string;
  stop?: boolean;
}

const describeObservation = ({ gauge, text }: Observation): string => (gauge ? `${gauge.label} ${Math.round(gauge.percent)} % · ${text}` : text);

export interface WatchOptions {
  intervalMs?: number;
  format?: WatchFormat;
  /** Called with every status, e.g. to read the fleet's load at the same moment. */
  observe?: (status: RolloutStatus) => Promise<Observation>;
}

/**
 * Follows a rollout until it finishes (or `observe` says stop): progress bars on a terminal, one
 * line per change elsewhere, or one JSON status per change (`json`). Returns the last status read.
 */
export async function watchRollout(client: RolloutClient, rolloutId: string, { intervalMs = 500, format = 'auto', observe }: WatchOptions = {}): Promise<RolloutStatus> {
  const view = format === 'json' ? new JsonLinesView() : process.stdout.isTTY ? new BarView() : new LineView();
  try {
    for (;;) {
      const status = await client.status(rolloutId);
      const observation = await observe?.(status);
      view.render(status, observation);
      if (isFinished(status.state) || observation?.stop) return status;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  } finally {
    view.stop();
  }
}

interface View {
  render(status: RolloutStatus, observed?: Observation): void;
  stop(): void;
}

/**
 * Prints only when the rollout changed, so a log of a long rollout stays readable; what was
 * observed beside it rides along on those lines rather than printing a line of its own per poll.
 */
abstract class ChangesView implements View {
  private last = '';

  render(status: RolloutStatus, observed?: Observation): void {
    const line = this.line(status);
    if (line !== this.last) console.log(observed ? `${line}\n  ${describeObservation(observed)}` : line);
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

const OVERVIEW_FORMAT = '{stage} [{bar}] {value}/{devices} updated | {state} | {current} | failed {failed} deferred {deferred} rolled back {rolledBack} pending {pending}';
const GAUGE_FORMAT = '{label} [{bar}] {value} % | {text}';
const TEXT_FORMAT = '{label} {text}';

class BarView implements View {
  private readonly bars = new MultiBar(
    { format: '{stage} [{bar}] {value}/{devices} updated | {state} | batch {batches} | failed {failed} deferred {deferred}', hideCursor: true, clearOnComplete: false },
    Presets.shades_classic,
  );
  private overview: SingleBar | undefined;
  private observed: SingleBar | undefined;
  private readonly byStage = new Map<string, SingleBar>();

  render(status: RolloutStatus, observed?: Observation): void {
    this.renderOverview(status);
    if (observed) this.renderObserved(observed);
    for (const stage of status.stages) {
      const payload = {
        stage: stage.name.padEnd(8),
        // The bar's total is at least 1 (cli-progress divides by it); an empty stage shows 0/0.
        devices: stage.devices,
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

  /** The whole rollout on one bar above the stages': where it is, and devices by state. */
  private renderOverview(status: RolloutStatus): void {
    const { devices } = status;
    const count = DEVICE_COUNT_STATES.reduce((sum, state) => sum + devices[state], 0);
    const total = Math.max(1, count);
    const payload = {
      stage: 'rollout'.padEnd(8),
      devices: count,
      state: status.state.padEnd(10),
      current: rolloutPosition(status) ?? '–',
      failed: devices.failed,
      deferred: devices.deferred,
      rolledBack: devices.rolled_back,
      pending: devices.pending,
    };
    this.overview ??= this.bars.create(total, 0, payload, { format: OVERVIEW_FORMAT });
    this.overview.setTotal(total);
    this.overview.update(devices.succeeded, payload);
  }

  private renderObserved({ gauge, text }: Observation): void {
    const payload = { label: (gauge?.label ?? '').padEnd(8), text };
    this.observed ??= this.bars.create(100, 0, payload, { format: gauge ? GAUGE_FORMAT : TEXT_FORMAT });
    this.observed.update(Math.round(gauge?.percent ?? 0), payload);
  }

  private addBar(stage: StageStatus, payload: object): SingleBar {
    const bar = this.bars.create(Math.max(1, stage.devices), 0, payload);
    this.byStage.set(stage.name, bar);
    return bar;
  }
}
