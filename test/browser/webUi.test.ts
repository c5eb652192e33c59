import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createActivities } from '../../src/engine/activities';
import { loadConfig, type Config } from '../../src/config';
import { CodecEnvironment } from '../../src/adapters/codec/codecKeys';
import { serveCodec, type ServedCodec } from '../../src/adapters/codec/codecServer';
import { payloadCodec, rolloutDataConverter } from '../../src/adapters/codec/dataConverter';
import { parseOrThrow } from '../../src/engine/model/validation';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { operatorMessages } from '../../src/engine/workflows/messages';
import { RolloutClient } from '../../src/client';
import { loadDevConfig, startDevServer, type RunningDevServer } from '../../rig/devenv/devConfig';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import type { PlanInput } from '../../src/engine/model/plan';
import { testTrustedKeys } from '../helpers/artifacts';
import { signatureVerifier } from '../../src/adapters/artifacts/verify';
import { freePort, repoRoot, waitFor } from '../helpers/processes';
import { uniqueTaskQueue, workflowBundle } from '../helpers/temporal';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(repoRoot, 'test-artifacts', 'web-ui');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * An operator in the real Temporal Web UI of the dev server, in headless Chromium: opens a running
 * rollout, pauses and resumes it from the "Send a Signal" dialog, and reads its current details.
 * Screenshots land in test-artifacts/web-ui/.
 */
describe('an operator in the Temporal Web UI (dev server with UI, headless Chromium)', function () {
  this.timeout(120_000);
  let server: RunningDevServer;
  let browser: Browser;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    server = await startUiDevServer({ uiPort: await freePort() });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('pauses a running rollout from the signal dialog, sees it paused, and resumes it the same way', async () => {
    const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('web-ui') });
    // Batch gaps of 30 s of real time: the rollout runs for the whole test.
    const plan = planFor('web-ui', { stages: [{ name: 'canary', devices: 5 }, { name: 'wave', devices: 20 }], defaults: { batchSize: 5, batchGap: '30 minutes' } });
    await withRolloutInUi({ server, browser, config, plan, devices: 25 }, async ({ page, client, workflowPage }) => {
      await page.goto(workflowPage);
      await assertCurrentDetails(page, /RUNNING/);
      await page.screenshot({ path: path.join(SCREENSHOTS, '1-running.png') });

      await sendSignal(page, operatorMessages.pause.name, { by: 'alice@ui', reason: 'crash reports from rev-b' }, '2-pause');
      await waitFor(async () => (await client.status(plan.rolloutId)).state === 'paused', 'the query to report paused');
      await page.goto(workflowPage);
      await assertCurrentDetails(page, /PAUSED[\s\S]*Last operator action: pause by alice@ui — crash reports from rev-b \(signal\)/);
      await page.screenshot({ path: path.join(SCREENSHOTS, '3-paused.png') });
      await assertListedAs(page, `${server.uiUrl}/namespaces/${server.namespace}/workflows`, 'paused', rolloutWorkflowId(plan.rolloutId));

      await page.goto(workflowPage);
      await sendSignal(page, operatorMessages.resume.name, { by: 'alice@ui', reason: 'false alarm' }, '5-resume');
      await waitFor(async () => (await client.status(plan.rolloutId)).state === 'running', 'the query to report running again');
      await page.goto(workflowPage);
      await assertCurrentDetails(page, /RUNNING[\s\S]*Last operator action: resume by alice@ui — false alarm \(signal\)/);
      await page.screenshot({ path: path.join(SCREENSHOTS, '6-resumed.png') });

      const audit = (await client.status(plan.rolloutId)).audit.map(({ action, by, via }) => [action, by, via]);
      assert.deepEqual(audit, [['start', 'release-bot', 'start'], ['pause', 'alice@ui', 'signal'], ['resume', 'alice@ui', 'signal']]);
    });
  });
});

/**
 * The Web UI of a dev server pointed at the worker's codec server: the UI's page posts the encrypted
 * payloads to `/codec/decode` from its own origin, and shows what comes back.
 */
describe('the Web UI decoding an encrypted rollout through the codec server (dev server with UI, headless Chromium)', function () {
  this.timeout(120_000);
  const keyEnv = { FLEET_ROLLOUT_CODEC_KEY: `web-ui:${randomBytes(32).toString('base64')}` };
  let server: RunningDevServer;
  let codec: ServedCodec;
  let browser: Browser;

  before(async function () {
    browser = await launchChromiumOrSkip(this);
    const uiPort = await freePort();
    codec = await serveCodec(payloadCodec(parseOrThrow(CodecEnvironment, keyEnv, 'environment'))!, [`http://127.0.0.1:${uiPort}`], { host: '127.0.0.1', port: 0 });
    server = await startUiDevServer({ uiPort, uiCodecEndpoint: codec.url });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await codec?.close();
  });

  it("shows the encrypted rollout's input and current details in clear", async () => {
    const config = loadConfig({ ...process.env, ...keyEnv, TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('web-ui-codec') });
    const plan = planFor('web-ui-codec', { stages: [{ name: 'wave', devices: 10 }], defaults: { batchSize: 5, batchGap: '30 minutes' } });
    await withRolloutInUi({ server, browser, config, plan, devices: 10 }, async ({ page, workflowPage }) => {
      await page.goto(workflowPage);
      await page.getByText(plan.firmware.url).first().waitFor({ timeout: 15_000 });
      await assertCurrentDetails(page, /RUNNING/);
      await page.screenshot({ path: path.join(SCREENSHOTS, '7-decoded.png') });
    });
  });
});

/** Chromium for the test, or the test skipped where there is none and this is not CI. */
async function launchChromiumOrSkip(context: Mocha.Context): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    // CI installs Chromium, so there a missing browser is a failure; a developer machine may lack it.
    if (process.env.CI) throw new Error(`no ${CHROMIUM}: .ci/run should have installed it`);
    console.warn(`    skipped: no ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it)`);
    context.skip();
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** An in-memory dev server with its Web UI on `uiPort`, for this file's tests alone. */
async function startUiDevServer(overrides: { uiPort: number; uiCodecEndpoint?: string }): Promise<RunningDevServer> {
  const logFile = path.join(repoRoot, 'test-artifacts', `web-ui-dev-server-${overrides.uiPort}.log`);
  return startDevServer({ config: { ...loadDevConfig(), dbFile: undefined }, port: await freePort(), ...overrides, logFile });
}

interface RolloutInUi {
  page: Page;
  client: RolloutClient;
  /** The rollout's page in the Web UI. */
  workflowPage: string;
}

/**
 * `plan` running on a worker of its own (with the codec when the config has a key) on a fleet of
 * `devices`, and a new browser page, while `body` operates it; the rollout is aborted after.
 */
async function withRolloutInUi(
  { server, browser, config, plan, devices }: { server: RunningDevServer; browser: Browser; config: Config; plan: PlanInput & { rolloutId: string }; devices: number },
  body: (rollout: RolloutInUi) => Promise<void>,
): Promise<void> {
  const fleet = new MemoryFleet({ devices: generateDevices({ count: devices }), phases: { queued: 20, downloading: 100, downloaded: 20, installing: 50, rebooting: 50 } });
  const connection = await NativeConnection.connect(config.temporal.options);
  const client = await RolloutClient.connect(config);
  try {
    const worker = await Worker.create({
      connection,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      dataConverter: rolloutDataConverter(config),
      workflowBundle: await workflowBundle(),
      activities: createActivities({ fleet, ledger: await temporaryLedger(), artifacts: signatureVerifier(testTrustedKeys) }),
    });
    await worker.runUntil(async () => {
      await client.start({ plan, speedup: 60, startedBy: 'release-bot' });
      await waitFor(async () => (await client.status(plan.rolloutId)).state === 'running', 'the rollout to run');
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await body({ page, client, workflowPage: `${server.uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(rolloutWorkflowId(plan.rolloutId))}` });
      await client.abort(plan.rolloutId, { by: 'test', reason: 'end of test' });
      await client.result(plan.rolloutId);
    });
  } finally {
    await client.close();
    await connection.close();
  }
}

/** The UI's "Current Details" (User Metadata tab) render what `setCurrentDetails` last said, in a frame of their own. */
async function assertCurrentDetails(page: Page, expected: RegExp): Promise<void> {
  await page.getByText('User Metadata').click();
  const details = page.frameLocator('xpath=//h3[normalize-space()="Current Details"]/ancestor::div[.//iframe][1]//iframe').locator('body');
  try {
    await waitFor(async () => expected.test(await details.innerText()), `current details to match ${expected}`, 15_000);
  } catch (error) {
    await page.screenshot({ path: path.join(SCREENSHOTS, 'failure.png') });
    throw new Error(`${(error as Error).message}; the panel says:\n${await details.innerText()}`);
  }
}

/** Operators filter the workflow list by the search attributes the rollout keeps current. */
async function assertListedAs(page: Page, listPage: string, state: string, workflowId: string): Promise<void> {
  await page.goto(`${listPage}?query=${encodeURIComponent(`RolloutState="${state}"`)}`);
  await page.getByRole('link', { name: workflowId }).first().waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, `4-list-${state}.png`) });
}

/** "More Actions" → "Send a Signal": pick the signal by name (the list shows each one's description), type its JSON input. */
async function sendSignal(page: Page, name: string, input: object, screenshots: string): Promise<void> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByTestId('signal-select-button').click();
  const option = dialog.getByRole('option', { name: new RegExp(`^${name}`) });
  await option.waitFor();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${screenshots}-signals.png`) });
  await option.click();
  await dialog.locator('[contenteditable="true"][data-language="json"]').click();
  await page.keyboard.insertText(JSON.stringify(input));
  // Leaving the editor reformats the JSON and makes the dialog taller: click Submit after that, not during.
  await dialog.getByText('Encoding').click();
  await page.screenshot({ path: path.join(SCREENSHOTS, `${screenshots}-dialog.png`) });
  await dialog.getByRole('button', { name: 'Submit' }).click();
  await dialog.waitFor({ state: 'hidden', timeout: 10_000 }).catch(async (error: Error) => {
    await page.screenshot({ path: path.join(SCREENSHOTS, 'failure.png') });
    throw error;
  });
}
