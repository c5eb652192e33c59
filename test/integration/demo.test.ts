import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDemo } from '../../rig/demo/runDemo';
import { loadDevConfig } from '../../rig/devenv/devConfig';
import { ensureTemporalCli } from '../../rig/devenv/temporalBinaries';
import { TimelineSample } from '../../rig/report/timeline';
import { freePort, repoRoot } from '../helpers/processes';

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

describe('the demo, end to end', function () {
  this.timeout(120_000);
  let dir: string;

  before(async function () {
    // A first run on a fresh machine builds the CLI from source, which takes minutes.
    this.timeout(15 * 60_000);
    await ensureTemporalCli();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-rollout-demo-'));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('rolls the seed plan out to a small simulated fleet on a dev server of its own and writes a report whose counts add up', async () => {
    const devices = 12;
    const { report, files } = await runDemo(
      { plan: path.join(repoRoot, 'plans/seed-200.yml'), devices, seed: 3, profile: 'clean', speedup: 3000, imageMb: 1, limitHours: 24, waitHeld: false, out: dir, keep: false },
      { devServer: { config: { ...loadDevConfig(), dbFile: undefined }, port: await freePort(), headless: true, logFile: path.join(dir, 'dev-server.log') } },
    );

    assert.equal(report.state, 'completed');
    assert.equal(report.stoppedBy, undefined);
    for (const file of [files.markdown, files.json, files.timeline, files.svg, files.png]) assert.ok(fs.statSync(file).size > 0, file);
    assert.ok(fs.readFileSync(files.png).subarray(1, 4).equals(Buffer.from('PNG')));
    assert.match(fs.readFileSync(files.markdown, 'utf8'), /!\[timeline[^\]]*\]\(timeline\.png\)/);

    // Every gateway of the simulated fleet is counted once, however the report slices it.
    assert.equal(report.fleet.devices, devices);
    assert.equal(sum(Object.values(report.versions.before)), devices);
    assert.equal(sum(Object.values(report.versions.after)), devices);
    assert.equal(report.versions.after[report.firmwareVersion], report.fleet.updated);
    for (const attribute of ['hardwareRevision', 'region'] as const) {
      assert.equal(sum(report.cohorts.filter((row) => row.attribute === attribute).map((row) => row.devices)), devices, attribute);
    }
    assert.equal(report.fleet.updated + sum(report.notUpdated.map((row) => row.devices)), devices);
    const stages = report.stages.filter((stage) => stage.devices > 0);
    assert.deepEqual(stages.map((stage) => stage.name), ['canary', 'pilot']);
    assert.equal(sum(stages.map((stage) => stage.devices)), devices);
    assert.equal(sum(stages.map((stage) => stage.succeeded + stage.failed + stage.deferred + stage.rolledBack + stage.pending)), devices);

    // The timeline was sampled in plan time as the rollout went, and ends where the rollout did.
    const samples = TimelineSample.array().parse(JSON.parse(fs.readFileSync(files.timeline, 'utf8')));
    assert.ok(samples.length > 5, `${samples.length} samples`);
    assert.ok(samples.every((sample, index) => index === 0 || sample.planTimeMs >= samples[index - 1]!.planTimeMs));
    const last = samples.at(-1)!;
    assert.equal(last.state, 'completed');
    assert.equal(sum(Object.values(last.devices)), devices);
    assert.equal(last.onTarget, report.fleet.updated);
    assert.ok(samples.some((sample) => sample.stage === 'pilot'));
    assert.ok(report.fleet.peakCpuPercent >= Math.max(...samples.map((sample) => sample.cpuPercent)));

    // The worker's adaptive limit was set from the service's answers and kept under the plan's maxConcurrent.
    const limit = report.fleet.adaptiveLimit;
    assert.ok(limit && limit.lowest >= 1 && limit.highest <= 30, JSON.stringify(limit));
    assert.match(fs.readFileSync(files.markdown, 'utf8'), new RegExp(`\\| adaptive concurrency limit \\(lowest–highest\\) \\| ${limit.lowest}–${limit.highest} \\|`));
  });
});
