import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, loadTemporalConnection } from '../../src/config';

describe('Temporal connection profiles (TOML file and TEMPORAL_* variables, as the Temporal CLI reads them)', () => {
  let dir: string;
  const file = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  // HOME points into the temp dir, so a developer's own ~/.config/temporalio/temporal.toml stays out of it.
  const env = (variables: Record<string, string>) => ({ HOME: dir, XDG_CONFIG_HOME: dir, ...variables });

  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'profiles-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('with no file and no variables: the local dev server, namespace default, no TLS', () => {
    const { options, namespace } = loadTemporalConnection(env({}));
    assert.equal(options.address, '127.0.0.1:7233');
    assert.equal(options.tls, undefined);
    assert.equal(namespace, 'default');
  });

  it('resolves a TLS profile: client certificate pair, server CA and server name read from their paths', () => {
    const crt = file('client.pem', 'CLIENT CERT');
    const key = file('client.key', 'CLIENT KEY');
    const ca = file('ca.pem', 'SERVER CA');
    const config = file('temporal.toml', `
[profile.default]
address = "127.0.0.1:7233"

[profile.prod]
address = "prod.tmprl.example:7233"
namespace = "fleet-prod"

[profile.prod.tls]
client_cert_path = "${crt}"
client_key_path = "${key}"
server_ca_cert_path = "${ca}"
server_name = "prod.tmprl.example"
`);
    const { options, namespace } = loadTemporalConnection(env({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'prod' }));
    assert.equal(options.address, 'prod.tmprl.example:7233');
    assert.equal(namespace, 'fleet-prod');
    assert.ok(options.tls && typeof options.tls === 'object');
    assert.equal(options.tls.serverNameOverride, 'prod.tmprl.example');
    assert.equal(Buffer.from(options.tls.clientCertPair!.crt).toString(), 'CLIENT CERT');
    assert.equal(Buffer.from(options.tls.clientCertPair!.key).toString(), 'CLIENT KEY');
    assert.equal(Buffer.from(options.tls.serverRootCACertificate!).toString(), 'SERVER CA');
  });

  it('lets TEMPORAL_* variables override the profile, and an API key turn TLS on', () => {
    const config = file('temporal.toml', '[profile.default]\naddress = "file.example:7233"\nnamespace = "from-file"\n');
    const { options, namespace } = loadTemporalConnection(
      env({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_ADDRESS: 'env.example:7233', TEMPORAL_API_KEY: 'secret' }),
    );
    assert.equal(options.address, 'env.example:7233');
    assert.equal(namespace, 'from-file');
    assert.equal(options.apiKey, 'secret');
    assert.equal(options.tls, true);
  });

  it('names a profile that the file lacks', () => {
    const config = file('temporal.toml', '[profile.default]\naddress = "127.0.0.1:7233"\n');
    assert.throws(() => loadTemporalConnection(env({ TEMPORAL_CONFIG_FILE: config, TEMPORAL_PROFILE: 'staging' })), /Profile 'staging' not found/);
  });

  it('refuses the variables renamed to the Temporal CLI names, naming the new ones', () => {
    assert.throws(
      () => loadConfig(env({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_CA_PATH: '/ca.pem' })),
      /Rename TEMPORAL_TLS_CERT_PATH to TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CA_PATH to TEMPORAL_TLS_SERVER_CA_CERT_PATH/,
    );
  });
});
