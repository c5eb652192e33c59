import assert from 'node:assert/strict';
import { loadConfig, tracingSettings } from '../../src/config';

/** Only the variables given: a developer's own OTEL_* settings stay out of it. */
const settingsFor = (variables: Record<string, string>) => tracingSettings(loadConfig({ HOME: '/nonexistent', ...variables }));

describe('tracing settings from the standard OTEL_* variables', () => {
  it('are off when no variable asks for tracing', () => {
    assert.equal(settingsFor({}), undefined);
    assert.equal(settingsFor({ OTEL_SERVICE_NAME: 'fleet', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), undefined);
  });

  it('are off whatever else is set when the SDK is disabled or the exporter is none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    assert.equal(settingsFor({ ...endpoint, OTEL_SDK_DISABLED: 'true' }), undefined);
    assert.equal(settingsFor({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }), undefined);
    assert.notEqual(settingsFor({ ...endpoint, OTEL_SDK_DISABLED: 'false' }), undefined);
  });

  it('send traces to <endpoint>/v1/traces over OTLP/HTTP protobuf by default', () => {
    assert.deepEqual(settingsFor({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' }), { tracesUrl: 'http://jaeger:4318/v1/traces', protocol: 'http/protobuf', resourceAttributes: {} });
    assert.equal(settingsFor({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/base/' })?.tracesUrl, 'https://otel.example/base/v1/traces');
  });

  it('take the traces endpoint and protocol as given, ahead of the general ones', () => {
    const settings = settingsFor({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://general:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    });
    assert.deepEqual([settings?.tracesUrl, settings?.protocol], ['http://traces:9999/custom', 'http/json']);
  });

  it('export to the specification default, localhost:4318, when only the exporter is named', () => {
    assert.equal(settingsFor({ OTEL_TRACES_EXPORTER: 'otlp' })?.tracesUrl, 'http://localhost:4318/v1/traces');
  });

  it('carry the service name and the resource attributes, URL-decoded', () => {
    const settings = settingsFor({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'rollouts-eu', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod, team=fleet%20ops' });
    assert.equal(settings?.serviceName, 'rollouts-eu');
    assert.deepEqual(settings?.resourceAttributes, { 'deployment.environment': 'prod', team: 'fleet ops' });
  });

  for (const [variable, value, fix] of [
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318', /write an http\(s\) URL/],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317', /write an http\(s\) URL/],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc', /write http\/protobuf or http\/json/],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'http', /write http\/protobuf or http\/json/],
    ['OTEL_TRACES_EXPORTER', 'jaeger', /write otlp or none/],
    ['OTEL_SDK_DISABLED', 'maybe', /write true or false/],
    ['OTEL_RESOURCE_ATTRIBUTES', 'prod', /write key=value pairs/],
  ] as const) {
    it(`refuse ${variable}=${value}, naming the variable and the fix`, () => {
      assert.throws(
        () => settingsFor({ [variable]: value }),
        (error: Error) => error.name === 'InvalidInputError' && error.message.includes(`${variable}:`) && fix.test(error.message),
      );
    });
  }
});
