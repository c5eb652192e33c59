import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal';
import { historyFromFile } from './historyFiles';

const historiesDir = path.resolve(__dirname, '../histories');

/** Every recorded history, named by its file under test/histories/. */
function recorded(): { workflowId: string; history: ReturnType<typeof historyFromFile> }[] {
  return readdirSync(historiesDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ workflowId: file, history: historyFromFile(readFileSync(path.join(historiesDir, file), 'utf8')) }));
}

describe('recorded workflow histories (test/histories)', () => {
  it('replay on the current workflow code without nondeterminism', async () => {
    const histories = recorded();
    assert.ok(histories.length > 0, 'no recorded histories: run npm run histories:record');
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.name}: ${result.error.message}`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${histories.length} histories no longer replay`);
  });
});
