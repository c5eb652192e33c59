import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { repoRoot } from '../helpers/processes';

/**
 * In a fresh process each (this one's module cache may hold OpenTelemetry already): what
 * `tracingFor` starts, and which OpenTelemetry modules the process has loaded afterwards.
 */
function tracingIn(variables: Record<string, string>): { started: boolean; openTelemetryModules: number } {
  // The CLI and the worker with every module they import, before tracing is asked for.
  const script = `
    require('./src/cli/main');
    require('./src/worker');
    const { loadConfig } = require('./src/config');
    const { tracingFor } = require('./src/adapters/tracing/optionalTracing');
    const tracing = tracingFor(loadConfig({ HOME: '/nonexistent', ...${JSON.stringify(variables)} }), 'client');
    const openTelemetryModules = Object.keys(require.cache).filter((file) => file.includes('@opentelemetry')).length;
    console.log(JSON.stringify({ started: tracing !== undefined, openTelemetryModules }));
    void tracing?.shutdown();`;
  return JSON.parse(execFileSync(process.execPath, ['--require', 'tsx/cjs', '--eval', script], { cwd: repoRoot, env: { PATH: process.env.PATH }, encoding: 'utf8' })) as ReturnType<typeof tracingIn>;
}

describe('tracing off costs nothing', () => {
  it('loads no OpenTelemetry module when no OTEL_* variable asks for tracing', () => {
    assert.deepEqual(tracingIn({}), { started: false, openTelemetryModules: 0 });
  });

  it('loads the SDK and starts tracing when one does', () => {
    const on = tracingIn({ OTEL_TRACES_EXPORTER: 'otlp' });
    assert.equal(on.started, true);
    assert.ok(on.openTelemetryModules > 0);
  });
});
