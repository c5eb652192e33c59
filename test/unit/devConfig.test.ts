import assert from 'node:assert/strict';
import path from 'node:path';
import { DEFAULT_CONFIG_PATH, loadDevConfig, parseDevConfig, REPO_ROOT, startDevFlags } from '../../rig/devenv/devConfig';

const parse = (raw: unknown) => parseDevConfig(raw, { baseDir: '/repo', source: 'test.yml' });

describe('temporal-dev.yml', () => {
  it('the repo config parses, with dbFile resolved against the repo root', () => {
    const config = loadDevConfig(DEFAULT_CONFIG_PATH);
    assert.equal(config.namespace, 'default');
    assert.equal(config.port, 7233);
    assert.equal(config.uiPort, 8233);
    assert.equal(config.dbFile, path.join(REPO_ROOT, '.temporal', 'dev.db'));
    assert.deepEqual(config.searchAttributes, {
      RolloutId: 'Keyword',
      RolloutState: 'Keyword',
      FirmwareVersion: 'Keyword',
      CurrentStage: 'Keyword',
    });
    assert.equal(config.dynamicConfig['frontend.enableUpdateWorkflowExecution'], true);
  });

  it('fills defaults for an empty config', () => {
    assert.deepEqual(parse({}), {
      namespace: 'default',
      ip: '127.0.0.1',
      port: 7233,
      uiPort: 8233,
      logLevel: 'warn',
      searchAttributes: {},
      dynamicConfig: {},
    });
  });

  it('rejects an unknown key, naming it and the allowed keys', () => {
    assert.throws(() => parse({ uiPrt: 8233 }), /test\.yml[\s\S]*uiPrt: unknown key, remove or rename it; allowed keys: namespace, ip, port, uiPort/);
  });

  it('rejects a wrong type, naming the field, the expectation and the value', () => {
    assert.throws(() => parse({ port: '7233' }), /port: must be a TCP port number from 1 to 65535 \(got "7233"\)/);
    assert.throws(() => parse({ searchAttributes: { RolloutState: 'Keywrd' } }), /searchAttributes\.RolloutState: must be one of Text, Keyword/);
  });
});

describe('startDevFlags', () => {
  const config = parse({
    dbFile: 'state/dev.db',
    searchAttributes: { RolloutState: 'Keyword' },
    dynamicConfig: { 'frontend.enableUpdateWorkflowExecution': true, 'limit.blobSize.warn': 1024 },
  });

  it('turns the config into start-dev flags', () => {
    assert.deepEqual(startDevFlags(config), [
      '--namespace', 'default',
      '--ip', '127.0.0.1',
      '--port', '7233',
      '--ui-port', '8233',
      '--db-filename', '/repo/state/dev.db',
      '--log-level', 'warn',
      '--search-attribute', 'RolloutState=Keyword',
      '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
      '--dynamic-config-value', 'limit.blobSize.warn=1024',
    ]);
  });

  it('applies port, db file and headless overrides', () => {
    const flags = startDevFlags(config, { port: 17233, dbFile: '/tmp/x.db', headless: true });
    assert.deepEqual(flags.slice(0, 9), ['--namespace', 'default', '--ip', '127.0.0.1', '--port', '17233', '--headless', '--db-filename', '/tmp/x.db']);
  });

  it("points the Web UI at a codec server from the config or an override, and refuses an endpoint that is no URL", () => {
    const endpoint = 'http://127.0.0.1:8234/codec';
    const flagAfter = (flags: string[]) => flags[flags.indexOf('--ui-codec-endpoint') + 1];
    assert.equal(flagAfter(startDevFlags(parse({ uiCodecEndpoint: endpoint }))), endpoint);
    assert.equal(flagAfter(startDevFlags(config, { uiCodecEndpoint: endpoint })), endpoint);
    assert.ok(!startDevFlags(config).includes('--ui-codec-endpoint'));
    assert.throws(() => parse({ uiCodecEndpoint: '127.0.0.1:8234' }), /uiCodecEndpoint: must be the worker's codec endpoint/);
  });

  it('leaves out --db-filename for an in-memory server', () => {
    assert.ok(!startDevFlags(parse({})).includes('--db-filename'));
  });
});
