import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Resource } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode, DefaultLogger, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTORS_MODULE } from '../../src/adapters/tracing/tracing';
import { workflowBundle, workflowsPath } from '../helpers/temporal';
import { historyFromFile } from './historyFiles';

const historiesDir = path.resolve(__dirname, '../histories');

/** Every recorded history, named by its file under test/histories/. */
function recorded(): { workflowId: string; history: ReturnType<typeof historyFromFile> }[] {
  return readdirSync(historiesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ workflowId: file, history: historyFromFile(readFileSync(path.join(historiesDir, file), 'utf8')) }));
}

type Recorded = ReturnType<typeof recorded>[number];

/**
 * Whether the workflow accepted an Update after its first workflow task. The OpenTelemetry workflow
 * interceptors add yield points to Update handling (sdk-typescript#1677), so such a history recorded
 * without them is not guaranteed to replay with them: `budget-turns` does not.
 */
function updatedAfterFirstTask({ history }: Recorded): boolean {
  const events = history.events ?? [];
  const firstTask = events.findIndex((event) => event.workflowTaskCompletedEventAttributes);
  return events.slice(firstTask + 1).some((event) => event.workflowExecutionUpdateAcceptedEventAttributes);
}

async function assertReplays(options: ReplayWorkerOptions, histories: Recorded[] = recorded()): Promise<void> {
  assert.ok(histories.length > 0, 'no recorded histories: run npm run histories:record');
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
  }
  assert.deepEqual(failures, [], `${failures.length} of ${histories.length} histories no longer replay`);
}

describe('recorded workflow histories (test/histories)', () => {
  it('replay on the current workflow code without nondeterminism', async () => {
    await assertReplays({ workflowBundle: await workflowBundle() });
  });

  it('replay with the tracing interceptors bundled too, those that took no Update after their first task', async () => {
    const exported = new InMemorySpanExporter();
    const traced = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_MODULE], logger: new DefaultLogger('WARN') });
    const histories = recorded().filter((each) => !updatedAfterFirstTask(each));
    console.log(`      ${histories.length} of ${recorded().length} histories took no Update after their first task`);
    await assertReplays({ workflowBundle: traced, sinks: { exporter: makeWorkflowExporter(new SimpleSpanProcessor(exported), Resource.default()) } }, histories);
    assert.equal(exported.getFinishedSpans().length, 0, 'a replay exports none of the spans its first run did');
  });
});
