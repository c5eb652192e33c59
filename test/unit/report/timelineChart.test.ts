import assert from 'node:assert/strict';
import { emptyCounts } from '../../../src/engine/model/status';
import { stageSpans, stateChanges, type TimelineSample } from '../../../rig/report/timeline';
import { renderTimelineChart } from '../../../rig/report/timelineChart';

const HOUR = 3_600_000;
const STAGES = ['canary', 'pilot', 'wave1'];

/** A rollout of 30 gateways over 9 plan hours, paused for an hour: each stage updates its share, the CPU peaks while it does. */
function samples(): TimelineSample[] {
  return Array.from({ length: 37 }, (_, index) => {
    const hours = index / 4;
    const stage = STAGES[Math.min(2, Math.floor(hours / 3))]!;
    const succeeded = Math.min(28, Math.round(hours * 3.2));
    return {
      planTimeMs: hours * HOUR,
      state: index === 36 ? 'completed' : hours >= 6 && hours < 7 ? 'paused' : 'running',
      stage,
      devices: { ...emptyCounts(30 - succeeded - (hours > 4 ? 2 : 0)), succeeded, deferred: hours > 4 ? 2 : 0 },
      onTarget: hours > 8 ? succeeded - 3 : succeeded,
      cpuPercent: hours % 3 < 1 ? 48 : 10,
      operationsInFlight: hours % 3 < 1 ? 21 : 0,
      online: 30,
    };
  });
}

/** Width and height from a PNG's IHDR chunk, which follows the 8-byte signature. */
const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('the timeline chart', () => {
  it('draws devices by state, stage starts, state changes and management CPU as SVG and PNG', () => {
    const timeline = samples();
    const chart = renderTimelineChart({ title: 'a rollout', subtitle: '30 simulated gateways', samples: timeline, spans: stageSpans(timeline), changes: stateChanges(timeline) });

    assert.match(chart.svg, /^<svg[^>]*width="1200"[^>]*height="760"/);
    for (const text of [...STAGES, 'paused', 'completed', 'succeeded', 'deferred', 'on target (simulator)', 'management CPU', '30 simulated gateways']) assert.ok(chart.svg.includes(`>${text}<`), `the SVG shows ${text}`);
    // The succeeded area, the on-target line and the CPU line are drawn as paths in their colours.
    assert.match(chart.svg, /<path[^>]*fill="#2e7d32"/);
    assert.match(chart.svg, /<path[^>]*stroke="#212121"/);
    assert.match(chart.svg, /<path[^>]*stroke="#1565c0"/);

    assert.ok(chart.png.subarray(0, 8).equals(PNG_SIGNATURE), 'a PNG signature');
    assert.deepEqual(pngSize(chart.png), { width: 1200, height: 760 });
    assert.ok(chart.png.length > 20_000, `a PNG of ${chart.png.length} bytes has more than a blank page in it`);
  });

  it('a chart of other data is another picture', () => {
    const timeline = samples();
    const render = (cpu: number) =>
      renderTimelineChart({ title: 't', subtitle: 's', samples: timeline.map((sample) => ({ ...sample, cpuPercent: cpu })), spans: stageSpans(timeline), changes: [] }).png;
    assert.ok(!render(10).equals(render(90)));
  });
});
