import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { apiKeyName, certificateSubject, connectionIdentity } from '../../../src/client/connectionIdentity';

const certificate = readFileSync(path.join(__dirname, 'release-bot.crt.pem'));
const jwt = (claims: object): string => ['{"alg":"none"}', JSON.stringify(claims), 'signature'].map((part, index) => (index < 2 ? Buffer.from(part).toString('base64url') : part)).join('.');

describe('the identity a Temporal connection authenticates with', () => {
  it("reads an mTLS client certificate's subject", () => {
    assert.equal(certificateSubject(certificate), 'O=Fleet Ops,OU=release,CN=release-bot');
    assert.deepEqual(connectionIdentity({ tls: { clientCertPair: { crt: certificate, key: Buffer.from('unused') } } }), { source: 'mtls', name: 'O=Fleet Ops,OU=release,CN=release-bot' });
  });

  it('prefers the certificate when a connection has a certificate and an API key', () => {
    assert.equal(connectionIdentity({ tls: { clientCertPair: { crt: certificate, key: Buffer.from('unused') } }, apiKey: jwt({ sub: 'bot' }) })?.source, 'mtls');
  });

  it("names an API key by its JWT subject, or else by a fingerprint that does not give the key away", () => {
    assert.deepEqual(connectionIdentity({ apiKey: jwt({ sub: 'release-bot@ci' }) }), { source: 'api-key', name: 'release-bot@ci' });
    assert.equal(connectionIdentity({ apiKey: () => jwt({ sub: 'from-a-function' }) })?.name, 'from-a-function');
    const opaque = 'tmprl_s3cr3t.key.value';
    assert.match(apiKeyName(opaque), /^sha256:[0-9a-f]{16}$/);
    assert.ok(!apiKeyName(opaque).includes('s3cr3t'));
    assert.notEqual(apiKeyName(opaque), apiKeyName('another-key'));
    assert.match(apiKeyName(jwt({ iss: 'no subject' })), /^sha256:/);
  });

  it('is absent for a plain connection, TLS without a client certificate included', () => {
    assert.equal(connectionIdentity({}), undefined);
    assert.equal(connectionIdentity({ tls: true }), undefined);
  });
});
