import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ending, headline, reportMarkdown, runLine } from './reportMarkdown';
import type { RolloutReport } from './rolloutReport';
import { stageSpans, stateChanges, type TimelineSample } from './timeline';
import { renderTimelineChart } from './timelineChart';

export interface WrittenReport {
  dir: string;
  markdown: string;
  json: string;
  timeline: string;
  svg: string;
  png: string;
}

/** The report as Markdown and JSON, and its timeline as samples, SVG and PNG, all in `dir`. */
export async function writeReport(dir: string, report: RolloutReport, samples: readonly TimelineSample[]): Promise<WrittenReport> {
  await mkdir(dir, { recursive: true });
  const files: WrittenReport = {
    dir,
    markdown: path.join(dir, 'report.md'),
    json: path.join(dir, 'report.json'),
    timeline: path.join(dir, 'timeline.json'),
    svg: path.join(dir, 'timeline.svg'),
    png: path.join(dir, 'timeline.png'),
  };
  const chart = renderTimelineChart({ title: `${ending(report)}\n${headline(report)}`, subtitle: runLine(report), samples, spans: stageSpans(samples), changes: stateChanges(samples) });
  await Promise.all([
    writeFile(files.markdown, reportMarkdown(report, path.basename(files.png))),
    writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`),
    writeFile(files.timeline, `${JSON.stringify(samples)}\n`),
    writeFile(files.svg, chart.svg),
    writeFile(files.png, chart.png),
  ]);
  return files;
}
