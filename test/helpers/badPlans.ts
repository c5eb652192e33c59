import type { PlanInput } from '../../src/engine/model/plan';
import type { AnyPlanInput } from '../../src/engine/model/planKind';
import { MAX_BATCH_SIZE, MAX_BATCHES_PER_RUN, MAX_STAGES } from '../../src/engine/model/historyBudget';
import { flagPlanFor, planFor } from './fixtures';

/** One plan that cannot run: what is wrong with it, the field its refusal must name and the fix it must state. */
export interface BadPlan<P extends AnyPlanInput = PlanInput> {
  name: string;
  plan: P;
  path: string;
  fix: RegExp;
}

/** Writes `value` at a path as `fieldPath` spells it ('stages[1].percent'), creating objects on the way. */
function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(/\.|\[(\d+)\]/).filter((key) => key !== undefined && key !== '');
  let node: Record<string, unknown> = target;
  keys.slice(0, -1).forEach((key) => {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys[keys.length - 1]!] = value;
}

const SEED_STAGES = () => [
  { name: 'canary', devices: 5 },
  { name: 'pilot', devices: 20 },
];

/** A valid plan with `changes` written at their paths. */
function planWith(changes: Record<string, unknown>): PlanInput {
  const plan = planFor('bad-plan', { stages: SEED_STAGES() }) as unknown as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) setAt(plan, path, value);
  return plan as unknown as PlanInput;
}

/** A plan with one field set to `value`, refused at that field (or at `reported`, e.g. the object an unknown key is in). */
const at = (path: string, value: unknown, fix: RegExp, reported = path): BadPlan => ({
  name: `${path} = ${JSON.stringify(value).slice(0, 120)}`,
  plan: planWith({ [path]: value }),
  path: reported,
  fix,
});

/** A plan changed at several fields, refused at `path` (a rule across fields). */
const across = (name: string, changes: Record<string, unknown>, path: string, fix: RegExp): BadPlan => ({ name, plan: planWith(changes), path, fix });

const ABOVE_ZERO = /write a duration above zero, e.g\./;
const NOT_A_DURATION = /is not a duration: write e\.g\. "20 minutes"/;
const WHOLE = /not a whole number: write e\.g\./;
const positiveDurations = ['defaults.operationTimeout', 'defaults.healthCheckInterval', 'defaults.batchTimeout', 'stages[0].operationTimeout', 'stages[1].batchTimeout', 'stages[1].healthCheckInterval', 'retry.initialInterval', 'catchUp.rolloutWindow', 'health.evidence.pollInterval'];
const anyDurations = [...positiveDurations, 'defaults.batchGap', 'stages[0].batchGap', 'stages[0].monitorWindow', 'retry.maximumInterval', 'catchUp.recheckInterval'];
const fractions = ['defaults.successThreshold', 'defaults.rollbackThreshold', 'defaults.pipelineFraction', 'stages[1].successThreshold', 'stages[1].pipelineFraction'];
const counts = ['defaults.batchSize', 'defaults.maxConcurrent', 'defaults.queueDepthLimit', 'defaults.batchesPerRun', 'stages[0].devices', 'stages[1].batchSize', 'retry.maximumAttempts', 'catchUp.quarantineAfterAttempts'];
const signature64 = (bytes: number) => Buffer.alloc(bytes, 7).toString('base64');

/** Every way the plan schema knows a plan cannot run, one fault per plan; ≥ 100 of them. */
export const BAD_PLANS: BadPlan[] = [
  // durations that must pass, and text that is no duration
  ...positiveDurations.flatMap((path) => [at(path, 0, ABOVE_ZERO), at(path, '0 seconds', ABOVE_ZERO)]),
  ...anyDurations.flatMap((path) => [at(path, 'soon', NOT_A_DURATION), at(path, -5, NOT_A_DURATION)]),
  at('maintenanceWindows', [{ cohort: { region: 'eu' }, window: { cron: '0 2 * * *', duration: 0, timeZone: 'UTC' } }], ABOVE_ZERO, 'maintenanceWindows[0].window.duration'),
  // shares and counts
  ...fractions.flatMap((path) => [at(path, 1.5, /write a number at most 1/), at(path, -0.1, /write a number at least 0/)]),
  ...counts.flatMap((path) => [at(path, 0, /write a number above 0/), at(path, 2.5, WHOLE)]),
  at('defaults.batchSize', MAX_BATCH_SIZE + 1, /at most 1000 devices per batch/),
  at('defaults.batchesPerRun', MAX_BATCHES_PER_RUN + 1, /at most 100 batches per run/),
  at('defaults.batchSize', '25', /"25" is not a number: write a number here/),
  at('defaults.advance', 'later', /write one of "auto", "manual"/),
  at('defaults.pipelineState', 'failed', /write one of "downloading", "downloaded"/),
  at('defaults.colour', 'red', /unknown field "colour": remove or respell it; allowed here: batchSize/, 'defaults'),
  // thresholds that contradict each other
  across('rollback threshold above the success threshold', { 'defaults.rollbackThreshold': 0.9, 'defaults.successThreshold': 0.8 }, 'defaults.rollbackThreshold', /write a rollbackThreshold of at most 0\.8/),
  across('a stage that raises its rollback threshold over the plan\'s success threshold', { 'stages[1].rollbackThreshold': 0.85 }, 'stages[1].rollbackThreshold', /at most 0\.8/),
  across('a stage that lowers its success threshold under the plan\'s rollback threshold', { 'stages[0].successThreshold': 0.5 }, 'stages[0].rollbackThreshold', /at most 0\.5/),
  // retries
  across('a back-off cap below its first interval', { 'retry.initialInterval': '2 hours', 'retry.maximumInterval': '1 hour' }, 'retry.maximumInterval', /write a cap at least as long as the first interval/),
  across('a back-off cap of one second after five minutes', { 'retry.maximumInterval': '1 second' }, 'retry.maximumInterval', /at least as long as the first interval/),
  at('retry.backoffCoefficient', 0.5, /write 1 \(a constant interval\) or more/),
  // firmware
  ...['02.0.0', '2.0', 'latest', '2.0.0.1', ''].map((version) => at('firmware.version', version, /not a semantic version: write MAJOR\.MINOR\.PATCH, e\.g\./)),
  at('firmware.sizeBytes', 0, /write the image size in bytes, above 0/),
  at('firmware.sizeBytes', -1, /write the image size in bytes, above 0/),
  at('firmware.sizeBytes', 1.5, /whole number of bytes/),
  ...['abc', 'not base64!', signature64(63), signature64(65), 'ab'.repeat(64), `${signature64(64).slice(0, -3)}B==`].map((signature, index) =>
    ({ ...at('firmware.signature', signature, /write the 64-byte Ed25519 signature in base64: 88 characters/), name: `firmware.signature malformed #${index + 1}` }),
  ),
  at('firmware.sha256', 'abc', /write the SHA-256 as 64 hex digits/),
  at('firmware.sha256', 'g'.repeat(64), /write the SHA-256 as 64 hex digits/),
  at('firmware.url', 'ftp://example.com/fw.bin', /is not a URL: write e\.g\. "https/),
  at('firmware.url', 'firmware.bin', /is not a URL: write e\.g\./),
  at('firmware.keyId', '', /must not be empty/),
  at('firmware.checksum', 'x', /unknown field "checksum": remove or respell it; allowed here: version, url/, 'firmware'),
  // stages
  at('stages', [], /needs at least 1 entry/),
  at('stages', Array.from({ length: MAX_STAGES + 1 }, (_, index) => ({ name: `s${index}`, devices: 1 })), /at most 12 stages/),
  across('a repeated stage name', { stages: [{ name: 'a', devices: 1 }, { name: 'a', devices: 2 }] }, 'stages[1].name', /stage name "a" is used twice: give each stage its own name/),
  ...['Wave-1', 'wave 1', '-wave', ''].map((name) => at('stages[1].name', name, /use lower-case letters, digits and dashes, e\.g\. "wave-1"/)),
  across('a stage with no devices', { stages: [{ name: 'canary' }] }, 'stages[0]', /give it one of devices \(a count, e\.g\. 5\)/),
  across('a stage with a count and a share', { stages: [{ name: 'canary', devices: 5, percent: 1 }] }, 'stages[0].percent', /give each stage exactly one of devices, percent or select/),
  across('percentages that go down', { stages: [{ name: 'a', percent: 25 }, { name: 'b', percent: 5 }] }, 'stages[1].percent', /each must be larger than the one before/),
  across('percentages that stand still', { stages: [{ name: 'a', percent: 5 }, { name: 'b', percent: 5 }] }, 'stages[1].percent', /each must be larger than the one before/),
  across('a stage after the whole fleet', { stages: [{ name: 'all', percent: 100 }, { name: 'more', devices: 5 }] }, 'stages[1]', /remove it or give "all" a smaller share/),
  across('a share of nothing', { stages: [{ name: 'canary', percent: 0 }] }, 'stages[0].percent', /write a share above 0/),
  across('a share over 100', { stages: [{ name: 'canary', percent: 120 }] }, 'stages[0].percent', /at most 100: percent is the share/),
  across('a cohort stage after a count stage', { stages: [{ name: 'canary', devices: 5 }, { name: 'alpha', select: { ring: 'alpha' } }] }, 'stages[1].select', /put cohort \(select\) stages first/),
  across('rings that go back', { stages: [{ name: 'beta', select: { ring: 'beta' } }, { name: 'alpha', select: { ring: 'alpha' } }] }, 'stages[1].select.ring', /rings go internal → alpha → beta → production/),
  across('a selector on an unknown attribute', { stages: [{ name: 'red', select: { colour: 'red' } }] }, 'stages[0].select', /unknown field "colour".*allowed here: ring, region/),
  across('a selector with an empty ring', { stages: [{ name: 'any', select: { ring: '' } }] }, 'stages[0].select.ring', /must not be empty/),
  across('a selector with a number for a region', { stages: [{ name: 'any', select: { region: 5 } }] }, 'stages[0].select.region', /write a value or a list of values, e\.g\./),
  at('stages[0].owner', 'alice', /unknown field "owner": remove or respell it/, 'stages[0]'),
  // health
  at('health.baseline', { crashRatePerDeviceHour: 0, connectivityRate: 0.99 }, /write a number above 0/, 'health.baseline.crashRatePerDeviceHour'),
  at('health.baseline', { crashRatePerDeviceHour: 0.002, connectivityRate: 1.5 }, /write a number at most 1/, 'health.baseline.connectivityRate'),
  at('health.policy.crashRateRatio', 6, /a crash rate must pause before it is grave; write at most 5/),
  at('health.policy.severity.criticalCrashRatio', 4, /is not above highCrashRatio 5: write a larger ratio, e\.g\. 10/),
  at('health.policy.severity.crashCriticalHours', 30, /a graver finding gets a shorter deadline; write at most 24/),
  at('health.policy.severity.crashHighHours', 50, /write at most 48/),
  at('health.policy.significance.alpha', 0, /write a number above 0/),
  at('health.policy.significance.alpha', 1, /write a number below 1/),
  at('health.evidence.alpha', 1.5, /write a number below 1/),
  at('health.evidence.fleetWideShare', 0, /write a number above 0/),
  at('health.evidence.observedDevices', 50, /write a number at least 100/),
  at('health.evidence.cohortBy', 'colour', /write one of "hardwareRevision", "region", "ring", "none"/),
  at('health.deadline.nextStageFactor', 1, /write a number below 1/),
  at('health.measureBaseline', 'yes', /is not a boolean: write a boolean here/),
  // versions
  at('versionPolicy.antiRollbackMinimum', '3.0.0', /devices would refuse it; write 2\.0\.0 or an earlier version/),
  at('versionPolicy.minimumSourceVersion', '2.0.0', /no device could take it; write a version below 2\.0\.0/),
  at('versionPolicy.minimumSourceVersion', 'one', /not a semantic version: write MAJOR\.MINOR\.PATCH/),
  at('versionPolicy.compatibility', [{ firmware: '3.0.0', minimumServerApi: '1.0.0' }], /has no row for 2\.0\.0 or an earlier version: add one/),
  across('two compatibility rows for one firmware', { 'versionPolicy.compatibility': [{ firmware: '1.0.0', minimumServerApi: '1.0.0' }, { firmware: '1.0.0', minimumServerApi: '2.0.0' }] }, 'versionPolicy.compatibility[1].firmware', /has two rows: keep one/),
  at('versionPolicy.requiredIntermediates', ['1.x'], /not a semantic version/, 'versionPolicy.requiredIntermediates[0]'),
  // preflight
  at('preflight.maxCpuPercent', 150, /write a number at most 100/),
  at('preflight.minBatteryPercent', -1, /write a number at least 0/),
  at('preflight.minDiskFreeMb', -5, /write a number at least 0/),
  // catch-up
  at('catchUp.recheckInterval', '1 second', /make recheckInterval at least \d+ minutes/),
  // maintenance windows
  at('maintenanceWindows', [{ cohort: { region: 'eu' }, window: { cron: '0 2 * *', duration: '2 hours', timeZone: 'UTC' } }], /is not a five-field cron expression/, 'maintenanceWindows[0].window.cron'),
  at('maintenanceWindows', [{ cohort: { region: 'eu' }, window: { cron: '0 2 31 2 *', duration: '2 hours', timeZone: 'UTC' } }], /never fires \(e\.g\. 31 February\)/, 'maintenanceWindows[0].window.cron'),
  at('maintenanceWindows', [{ cohort: { region: 'eu' }, window: { cron: '0 2 * * *', duration: '2 hours', timeZone: 'Berlin' } }], /not an IANA time zone: write e\.g\. "Europe\/Berlin"/, 'maintenanceWindows[0].window.timeZone'),
  // notifications
  at('notifications.webhooks', [{ url: 'hooks.example.com' }], /must be an http\(s\) URL/, 'notifications.webhooks[0].url'),
  at('notifications.webhooks', [{ url: 'https://hooks.example.com', secretEnv: 'my-secret' }], /must be an environment variable name such as ROLLOUT_WEBHOOK_SECRET/, 'notifications.webhooks[0].secretEnv'),
  at('notifications.webhooks', [{ url: 'https://hooks.example.com', format: 'xml' }], /write one of "json", "slack"/, 'notifications.webhooks[0].format'),
  // the rollout id
  ...['', 'has space', '-leading-dash', 'x'.repeat(101)].map((rolloutId) => at('rolloutId', rolloutId, /use letters, digits, "\.", "_" and "-" \(at most 100\), e\.g\./)),
  at('colour', 'red', /unknown field "colour": remove or respell it; allowed here: rolloutId, firmware, stages/, '(top level)'),
];

/** A valid flag plan with `changes` written at their paths. */
function flagPlanWith(changes: Record<string, unknown>): AnyPlanInput {
  const plan: Record<string, unknown> = { ...flagPlanFor('bad-flag-plan'), stages: SEED_STAGES() };
  for (const [path, value] of Object.entries(changes)) setAt(plan, path, value);
  return plan as unknown as AnyPlanInput;
}

const flagAt = (path: string, value: unknown, fix: RegExp, reported = path): BadPlan<AnyPlanInput> => ({
  name: `flag plan: ${path} = ${JSON.stringify(value)}`,
  plan: flagPlanWith({ [path]: value }),
  path: reported,
  fix,
});

/** Flag plans that cannot run: the flag itself, the firmware-only fields a flag plan has not, and the checks it shares with firmware plans. */
export const BAD_FLAG_PLANS: BadPlan<AnyPlanInput>[] = [
  ...['New-Sensor', '1st_flag', '', 'x'.repeat(65)].map((name) => flagAt('flag.name', name, /use lower-case letters, digits and underscores, starting with a letter/)),
  ...['yes', 1, null].map((value) => flagAt('flag.value', value, /write true \(switch the behaviour on\) or false/)),
  flagAt('flag', undefined, /missing: add it/),
  flagAt('flag.to', true, /unknown field "to": remove or respell it; allowed here: name, value/, 'flag'),
  ...['firmware', 'preflight', 'versionPolicy'].map((field) => flagAt(field, {}, new RegExp(`unknown field "${field}": remove or respell it; allowed here: kind, rolloutId, flag, stages`), '(top level)')),
  flagAt('stages[1].rollbackThreshold', 0.85, /at most 0\.8/),
  flagAt('stages[1].name', 'canary', /stage name "canary" is used twice/),
  flagAt('catchUp.recheckInterval', '1 second', /make recheckInterval at least \d+ minutes/),
  flagAt('rolloutId', 'has space', /use letters, digits, "\.", "_" and "-"/),
  { name: 'a firmware plan of an unknown kind', plan: planWith({ kind: 'flg' }), path: 'kind', fix: /write "firmware" \(the default\) or "flag"/ },
];
