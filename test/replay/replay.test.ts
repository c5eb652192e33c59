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

async function assertReplays(options: ReplayWorkerOptions): Promise<void> {
  const histories = recorded();
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

  it('replay with the tracing interceptors bundled too: a worker may turn tracing on under running rollouts', async () => {
    const exported = new InMemorySpanExporter();
    const traced = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_MODULE], logger: new DefaultLogger('WARN') });
    await assertReplays({ workflowBundle: traced, sinks: { exporter: makeWorkflowExporter(new SimpleSpanProcessor(exported), Resource.default()) } });
    assert.equal(exported.getFinishedSpans().length, 0, 'a replay exports none of the spans its first run did');
  });
});
