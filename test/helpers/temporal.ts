import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from '../../src/engine/activities';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../../src/engine/workflows/searchAttributes';
import { ensureTemporalCli, ensureTestServer } from '../../rig/devenv/temporalBinaries';
import { testTrustedKeys } from './artifacts';
import { signatureVerifier } from '../../src/adapters/artifacts/verify';
import { activityInterceptors } from '../../src/adapters/activityInterceptors';

/**
 * One time-skipping server, one dev server and one workflow bundle per test run, each started the
 * first time a test asks for it and stopped by the root hook in `test/hooks.ts`.
 */
let timeSkipping: Promise<TestWorkflowEnvironment> | undefined;
let local: Promise<TestWorkflowEnvironment> | undefined;
let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

Runtime.install({ logger: new DefaultLogger((process.env.TEST_LOG_LEVEL as 'ERROR' | undefined) ?? 'ERROR') });

export const workflowsPath = path.resolve(__dirname, '../../src/engine/workflows');

export function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  timeSkipping ??= ownTimeSkippingEnv();
  return timeSkipping;
}

/**
 * A time-skipping server of the caller's own, to tear down when done: for tests that leave workflows
 * behind (abandoned children), which would hold the shared server's clock still for every later test.
 */
export async function ownTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const executable = await ensureTestServer();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: executable } } });
  await registerRolloutSearchAttributes(env);
  return env;
}

/** The Java test server takes no search attributes on its command line, but accepts them through the operator API. */
async function registerRolloutSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const searchAttributes = Object.fromEntries(ROLLOUT_SEARCH_ATTRIBUTES.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]));
  await env.connection.operatorService.addSearchAttributes({ namespace: env.namespace ?? 'default', searchAttributes });
}

export function localEnv(): Promise<TestWorkflowEnvironment> {
  local ??= ensureTemporalCli().then((executable) =>
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: executable },
        searchAttributes: ROLLOUT_SEARCH_ATTRIBUTES,
      },
    }),
  );
  return local;
}

export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

export async function stopTestServers(): Promise<void> {
  const started = [timeSkipping, local].filter((env): env is Promise<TestWorkflowEnvironment> => env !== undefined);
  await Promise.all(started.map(async (env) => (await env).teardown()));
}

export const uniqueTaskQueue = (name: string): string => `test-${name}-${randomUUID()}`;

type WorkerDependencies = Omit<ActivityDependencies, 'artifacts'> & Partial<Pick<ActivityDependencies, 'artifacts'>>;

/** A fresh worker on its own task queue, running only while `body` runs; dependencies that need the task queue (a fleet budget) are made from it. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  dependenciesOrMaker: WorkerDependencies | ((taskQueue: string) => WorkerDependencies),
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueTaskQueue('worker');
  return runWorker(env, typeof dependenciesOrMaker === 'function' ? dependenciesOrMaker(taskQueue) : dependenciesOrMaker, taskQueue, body);
}

/** A worker on `taskQueue`, running only while `body` runs: several in turn on one task queue play a worker that stops and another that takes over. */
export async function runWorker<T>(env: TestWorkflowEnvironment, { artifacts = signatureVerifier(testTrustedKeys), ...dependencies }: WorkerDependencies, taskQueue: string, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ ...dependencies, artifacts }),
    interceptors: { activity: activityInterceptors },
  });
  return worker.runUntil(body(taskQueue));
}
