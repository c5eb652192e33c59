import assert from 'node:assert/strict';
import { buildReport } from '../../../rig/report/rolloutReport';
import { ending, reportMarkdown } from '../../../rig/report/reportMarkdown';
import { reportInputs } from './fixtures';

const HELD = { at: '2026-01-01T05:00:00Z', stage: 'wave', gate: 'monitoring', action: 'pause' as const, reason: 'moderate: crashRate 3.3 > 2' };

describe('the report in words', () => {
  it('says how the rollout ended, or where and why the demo stopped it', () => {
    const inputs = reportInputs();
    assert.equal(ending(buildReport(inputs)), 'completed');
    const held = buildReport({ ...inputs, stoppedBy: 'held', status: { ...inputs.status, state: 'paused', decisions: [HELD] } });
    assert.equal(ending(held), 'paused: held for an operator after wave monitoring: pause (moderate: crashRate 3.3 > 2); the demo stopped there');
    const limit = buildReport({ ...inputs, stoppedBy: 'limit', status: { ...inputs.status, state: 'running' } });
    assert.equal(ending(limit), 'running: still running after 20.0 h of plan time; the demo stopped there');
  });

  it('links the chart and tabulates reasons, cohorts and versions', () => {
    const markdown = reportMarkdown(buildReport(reportInputs()), 'timeline.png');
    assert.match(markdown, /!\[timeline[^\]]*\]\(timeline\.png\)/);
    assert.ok(markdown.includes('| deferred | battery | 2 | 1 | battery 20% ≤ 50% |'));
    assert.ok(markdown.includes('| rev-b | 3 | 0 (0.0 %) | 1 | 2 | 0 | 0 | 2 |'));
    assert.ok(markdown.includes('| 2.0.0 | 0 | 2 |'));
    assert.ok(markdown.includes('| peak management CPU | 55 % |'));
    assert.ok(markdown.includes('| adaptive concurrency limit (lowest–highest) | not set |'));
  });

  it('shows the range of the adaptive concurrency limit the demo saw', () => {
    const markdown = reportMarkdown(buildReport({ ...reportInputs(), adaptiveLimit: { lowest: 3, highest: 19 } }), 'timeline.png');
    assert.ok(markdown.includes('| adaptive concurrency limit (lowest–highest) | 3–19 |'));
  });
});
