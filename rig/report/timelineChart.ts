import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { LineSeriesOption } from 'echarts';
import type { DeviceCountState } from '../../src/engine/model/status';
import type { StageSpan, StateChange, TimelineSample } from './timeline';

export interface TimelineChartInput {
  title: string;
  subtitle: string;
  samples: readonly TimelineSample[];
  spans: readonly StageSpan[];
  changes: readonly StateChange[];
}

export interface RenderedChart {
  svg: string;
  png: Buffer;
}

const WIDTH = 1200;
const HEIGHT = 760;
const HOUR_MS = 3_600_000;

const STATE_COLOURS: Record<DeviceCountState, string> = {
  succeeded: '#2e7d32',
  failed: '#c62828',
  deferred: '#ef6c00',
  rolled_back: '#6a1b9a',
  excluded: '#795548',
  pending: '#b0bec5',
};
const STATE_LABELS: Record<DeviceCountState, string> = {
  succeeded: 'succeeded',
  failed: 'failed',
  deferred: 'deferred',
  rolled_back: 'rolled back',
  excluded: 'excluded',
  pending: 'pending',
};
/** Stages alternate between two shades, so that neighbours stay apart. */
const stageBand = (index: number): string => (index % 2 === 0 ? 'rgba(21, 101, 192, 0.07)' : 'rgba(21, 101, 192, 0.14)');

type Band = [{ name: string; xAxis: number; itemStyle: { color: string } }, { xAxis: number }];

/**
 * Devices by state over plan time, stacked, with the gateways really on the target as a line and
 * a mark where each stage started or the rollout changed course, above the management service's
 * CPU with the stages as bands: drawn by ECharts on the server as SVG, rasterised to PNG by resvg.
 */
export function renderTimelineChart(input: TimelineChartInput): RenderedChart {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(chartOption(input));
    const svg = chart.renderToSVGString();
    const png = new Resvg(svg, { background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
    return { svg, png };
  } finally {
    chart.dispose();
  }
}

/** Vertical lines across the device chart, each labelled with its name. */
function marks(data: { name: string; xAxis: number }[], colour: string, position: 'end' | 'insideEndBottom'): NonNullable<LineSeriesOption['markLine']> {
  return { silent: true, symbol: 'none', lineStyle: { color: colour, type: 'dashed', width: 1.5 }, label: { position, formatter: '{b}', color: colour, fontSize: 13 }, data };
}

/** The fleet's truth over the workflow's counts: a rolled-back gateway leaves it, whatever the counts say. */
const ON_TARGET = 'on target (simulator)';

/** Stacked bottom-up: what is done at the bottom, what is still to do on top. */
const STACK_ORDER: readonly DeviceCountState[] = ['succeeded', 'failed', 'rolled_back', 'deferred', 'pending'];

function chartOption({ title, subtitle, samples, spans, changes }: TimelineChartInput): echarts.EChartsOption {
  const hours = (ms: number) => Math.round((ms / HOUR_MS) * 1000) / 1000;
  const lastHour = Math.max(Math.ceil(hours(samples.at(-1)?.planTimeMs ?? 0)), 1);
  const bands = spans.map((span, index): Band => [
    { name: span.stage, xAxis: hours(span.fromMs), itemStyle: { color: stageBand(index) } },
    { xAxis: hours(span.toMs) },
  ]);
  const stageStarts = spans.map((span) => ({ name: span.stage, xAxis: hours(span.fromMs) }));
  const stateMarks = changes.map((change) => ({ name: change.state.replaceAll('_', ' '), xAxis: hours(change.atMs) }));
  const stateSeries = STACK_ORDER.map((state, index): LineSeriesOption => ({
    name: STATE_LABELS[state],
    type: 'line',
    stack: 'devices',
    symbol: 'none',
    step: 'end',
    lineStyle: { width: 0 },
    areaStyle: { color: STATE_COLOURS[state], opacity: 0.85 },
    itemStyle: { color: STATE_COLOURS[state] },
    data: samples.map((sample) => [hours(sample.planTimeMs), sample.devices[state]]),
    // Stage starts ride on one series and the rollout's state changes on another, so each is drawn once, above the areas.
    ...(index === 0 ? { markLine: marks(stageStarts, '#0d47a1', 'end') } : {}),
    ...(index === 1 ? { markLine: marks(stateMarks, '#b71c1c', 'insideEndBottom') } : {}),
  }));
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: 'DejaVu Sans' },
    title: { text: title, subtext: subtitle, left: 'center', top: 8, textStyle: { fontSize: 16, lineHeight: 22 }, subtextStyle: { fontSize: 12 } },
    legend: { top: 92, itemGap: 22, data: [...STACK_ORDER.map((state) => STATE_LABELS[state]), ON_TARGET, 'management CPU'] },
    grid: [
      { left: 70, right: 40, top: 150, height: 360 },
      { left: 70, right: 40, top: 560, height: 150 },
    ],
    xAxis: [
      { type: 'value', gridIndex: 0, min: 0, max: lastHour, axisLabel: { formatter: '{value} h' } },
      { type: 'value', gridIndex: 1, min: 0, max: lastHour, name: 'plan time', nameLocation: 'middle', nameGap: 28, axisLabel: { formatter: '{value} h' } },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0, name: 'gateways', nameLocation: 'middle', nameGap: 45, minInterval: 1 },
      { type: 'value', gridIndex: 1, name: 'mgmt CPU %', nameLocation: 'middle', nameGap: 45, min: 0, max: 100 },
    ],
    series: [
      ...stateSeries,
      {
        name: ON_TARGET,
        type: 'line',
        symbol: 'none',
        step: 'end',
        lineStyle: { color: '#212121', width: 2 },
        itemStyle: { color: '#212121' },
        data: samples.map((sample) => [hours(sample.planTimeMs), sample.onTarget]),
      },
      {
        name: 'management CPU',
        type: 'line',
        xAxisIndex: 1,
        yAxisIndex: 1,
        symbol: 'none',
        lineStyle: { color: '#1565c0', width: 1.5 },
        itemStyle: { color: '#1565c0' },
        areaStyle: { color: 'rgba(21, 101, 192, 0.15)' },
        data: samples.map((sample) => [hours(sample.planTimeMs), Math.round(sample.cpuPercent * 10) / 10]),
        markArea: { silent: true, label: { show: true, position: 'insideTop', color: '#0d47a1' }, data: bands },
      },
    ],
  };
}
