import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createArtifactServer, serveArtifacts, type ServedArtifacts } from '../../rig/artifacts/artifactServer';
import { ByteRate } from '../../rig/artifacts/byteRate';
import { ArtifactCatalog } from '../../rig/artifacts/catalog';
import { ArtifactMetrics, FirmwareMetadata, imagePath } from '../../rig/artifacts/contract';
import { applyDelta } from '../../rig/artifacts/delta';
import { FirmwareDownloader } from '../../rig/artifacts/firmwareDownloader';
import { HttpFirmwareTransfer } from '../../rig/artifacts/httpTransfer';
import { parseRange } from '../../rig/artifacts/rangeResponse';
import { RegionalCache, catalogSource } from '../../rig/artifacts/sources';
import { createSigningKeyPair, verifyArtifact, type TrustedKeys } from '../../src/adapters/artifacts/verify';
import { ManualClock } from '../../rig/simulator/clock';
import { SimulatedFleet } from '../../rig/simulator/simulatedFleet';

const VERSIONS = ['0.8.0', '0.9.0', '1.0.0', '1.1.0', '2.0.0'];
const IMAGE_BYTES = 256 * 1024;
const CHUNK_BYTES = 64 * 1024;
/** Fast enough that tests do not wait on the limits; the limits themselves are tested on a fake clock. */
const FAST = { chunkSizeBytes: CHUNK_BYTES, perConnectionMbps: 400, totalMbps: 2000 };

const signingKey = createSigningKeyPair();
const trustedKeys: TrustedKeys = { 'release-key': signingKey.publicKeyPem };
const catalog = new ArtifactCatalog({ versions: VERSIONS, imageSizeBytes: IMAGE_BYTES, keyId: 'release-key' }, signingKey);

async function metricsOf(served: ServedArtifacts): Promise<ArtifactMetrics> {
  return ArtifactMetrics.parse(await (await fetch(`${served.url}/metrics`)).json());
}

/** A proxy that cuts every other connection off after a few bytes: downloads must resume. */
function flakyProxy(targetUrl: string): Promise<{ url: string; server: Server }> {
  const target = new URL(targetUrl);
  let requests = 0;
  const server = createServer((incoming, outgoing) => {
    requests += 1;
    const breakThisOne = requests % 2 === 0;
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: incoming.url, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      if (!breakThisOne) return void response.pipe(outgoing);
      response.once('data', (chunk: Buffer) => {
        outgoing.write(chunk.subarray(0, 100));
        outgoing.destroy();
        response.destroy();
      });
    });
    upstream.end();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe('firmware artifacts', function () {
  this.timeout(30_000);

  describe('building blocks', () => {
    it('parses single byte ranges and ignores what it does not understand', () => {
      assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'partial', range: { start: 0, end: 99 } });
      assert.deepEqual(parseRange('bytes=900-', 1000), { kind: 'partial', range: { start: 900, end: 999 } });
      assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'partial', range: { start: 900, end: 999 } });
      assert.deepEqual(parseRange('bytes=990-5000', 1000), { kind: 'partial', range: { start: 990, end: 999 } });
      assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
      assert.deepEqual(parseRange('bytes=0-1,5-9', 1000), { kind: 'full' });
      assert.deepEqual(parseRange(undefined, 1000), { kind: 'full' });
    });

    it('publishes deltas from the last three versions, each turning the old image into the new one', () => {
      assert.deepEqual(catalog.deltaBases('2.0.0'), ['0.9.0', '1.0.0', '1.1.0']);
      assert.equal(catalog.delta('2.0.0', '0.8.0'), undefined);
      for (const from of catalog.deltaBases('2.0.0')) {
        const delta = catalog.delta('2.0.0', from)!;
        assert.ok(delta.bytes.length < IMAGE_BYTES / 2);
        assert.ok(applyDelta(catalog.image(from)!.bytes, delta.bytes).equals(catalog.image('2.0.0')!.bytes));
      }
    });

    it('paces bytes: one second of burst, then the rate', async () => {
      let now = 0;
      const waits: number[] = [];
      const rate = new ByteRate(1000, () => now, async (ms) => waits.push(ms));
      await rate.take(1000);
      assert.deepEqual(waits, []);
      await rate.take(500);
      assert.deepEqual(waits, [500]);
      now += 1500;
      await rate.take(1000);
      assert.deepEqual(waits, [500]);
    });
  });

  describe('the origin server', () => {
    let origin: ServedArtifacts;

    before(async () => {
      origin = await serveArtifacts(createArtifactServer(catalogSource(catalog), FAST));
    });

    after(async () => {
      await origin.close();
    });

    it('serves signed metadata that the rollout’s own verification accepts', async () => {
      const metadata = FirmwareMetadata.parse(await (await fetch(`${origin.url}/firmware/2.0.0`)).json());
      assert.equal(metadata.url, origin.url + imagePath('2.0.0'));
      assert.equal(metadata.sizeBytes, IMAGE_BYTES);
      assert.equal(metadata.chunkSizeBytes, CHUNK_BYTES);
      assert.deepEqual(metadata.deltas.map((delta) => delta.fromVersion), ['0.9.0', '1.0.0', '1.1.0']);
      const verified = await verifyArtifact({ url: metadata.url, sha256: metadata.sha256, signature: metadata.signature, keyId: metadata.keyId }, trustedKeys);
      assert.equal(verified.sizeBytes, IMAGE_BYTES);
      assert.equal((await fetch(`${origin.url}/firmware/9.9.9`)).status, 404);
    });

    it('answers range requests with 206 and Content-Range, and unsatisfiable ones with 416', async () => {
      const image = catalog.image('2.0.0')!.bytes;
      const partial = await fetch(origin.url + imagePath('2.0.0'), { headers: { range: 'bytes=1000-1999' } });
      assert.equal(partial.status, 206);
      assert.equal(partial.headers.get('content-range'), `bytes 1000-1999/${IMAGE_BYTES}`);
      assert.ok(Buffer.from(await partial.arrayBuffer()).equals(image.subarray(1000, 2000)));
      const full = await fetch(origin.url + imagePath('2.0.0'));
      assert.equal(full.status, 200);
      assert.equal(full.headers.get('accept-ranges'), 'bytes');
      assert.ok(Buffer.from(await full.arrayBuffer()).equals(image));
      const beyond = await fetch(origin.url + imagePath('2.0.0'), { headers: { range: `bytes=${IMAGE_BYTES}-` } });
      assert.equal(beyond.status, 416);
      assert.equal(beyond.headers.get('content-range'), `bytes */${IMAGE_BYTES}`);
    });
  });

  describe('downloading through a regional cache', () => {
    let origin: ServedArtifacts;
    let cache: ServedArtifacts;

    beforeEach(async () => {
      origin = await serveArtifacts(createArtifactServer(catalogSource(catalog), FAST));
      cache = await serveArtifacts(createArtifactServer(new RegionalCache(origin.url), FAST));
    });

    afterEach(async () => {
      await cache.close();
      await origin.close();
    });

    it('fetches each object from the origin once, however many gateways ask', async () => {
      const installed = { version: '1.1.0', bytes: catalog.image('1.1.0')!.bytes };
      const downloads = await Promise.all([1, 2, 3].map(() => new FirmwareDownloader({ baseUrl: cache.url }, trustedKeys).download('2.0.0', installed)));
      assert.ok(downloads.every((download) => download.via === 'delta' && download.image.equals(catalog.image('2.0.0')!.bytes)));
      const originMetrics = await metricsOf(origin);
      const cacheMetrics = await metricsOf(cache);
      assert.equal(originMetrics.downloads, 1);
      assert.equal(originMetrics.bytesServed, catalog.delta('2.0.0', '1.1.0')!.bytes.length);
      assert.deepEqual({ misses: cacheMetrics.cache!.misses }, { misses: 1 });
      assert.ok(cacheMetrics.cache!.hits >= 2);
      assert.equal(cacheMetrics.rangeDownloads, cacheMetrics.downloads);
    });

    it('downloads a delta in chunks, moving a fraction of the image', async () => {
      const downloader = new FirmwareDownloader({ baseUrl: cache.url }, trustedKeys);
      const download = await downloader.download('2.0.0', { version: '1.0.0', bytes: catalog.image('1.0.0')!.bytes });
      const delta = catalog.delta('2.0.0', '1.0.0')!.bytes;
      assert.equal(download.via, 'delta');
      assert.equal(download.bytesTransferred, delta.length);
      assert.ok(download.bytesTransferred < IMAGE_BYTES / 2);
      assert.equal((await metricsOf(cache)).downloads, Math.ceil(delta.length / CHUNK_BYTES));
    });

    it('falls back to the full image after two failed delta attempts', async () => {
      const damaged = Buffer.from(catalog.image('1.1.0')!.bytes);
      damaged[0] = damaged[0]! ^ 0xff;
      const downloader = new FirmwareDownloader({ baseUrl: cache.url }, trustedKeys);
      const download = await downloader.download('2.0.0', { version: '1.1.0', bytes: damaged });
      assert.equal(download.via, 'full');
      assert.ok(download.image.equals(catalog.image('2.0.0')!.bytes));
      assert.equal(downloader.failedDeltas('2.0.0'), 2);
      const delta = catalog.delta('2.0.0', '1.1.0')!.bytes;
      assert.equal(download.bytesTransferred, 2 * delta.length + IMAGE_BYTES);
    });

    it('takes the full image when the installed version is too old for a delta', async () => {
      const download = await new FirmwareDownloader({ baseUrl: cache.url }, trustedKeys).download('2.0.0', { version: '0.8.0', bytes: catalog.image('0.8.0')!.bytes });
      assert.equal(download.via, 'full');
      assert.equal(download.bytesTransferred, IMAGE_BYTES);
    });

    it('resumes a broken transfer chunk by chunk', async () => {
      const proxy = await flakyProxy(cache.url);
      try {
        const download = await new FirmwareDownloader({ baseUrl: proxy.url, chunkAttempts: 3 }, trustedKeys).download('2.0.0', { version: '0.8.0', bytes: Buffer.alloc(0) });
        assert.ok(download.image.equals(catalog.image('2.0.0')!.bytes));
        assert.ok((await metricsOf(cache)).downloads > IMAGE_BYTES / CHUNK_BYTES, 'some chunks were fetched twice');
      } finally {
        proxy.server.closeAllConnections();
        await new Promise((resolve) => proxy.server.close(resolve));
      }
    });

    it('refuses an image signed by a key it does not trust', async () => {
      const stranger = { 'release-key': createSigningKeyPair().publicKeyPem };
      await assert.rejects(
        new FirmwareDownloader({ baseUrl: cache.url }, stranger).download('2.0.0', { version: '0.8.0', bytes: Buffer.alloc(0) }),
        /not signed by a trusted key/,
      );
    });
  });

  it('lets simulated gateways really download over HTTP from their region’s cache', async () => {
    const origin = await serveArtifacts(createArtifactServer(catalogSource(catalog), FAST));
    const regions = ['eu-west', 'us-east', 'ap-south'];
    const caches = await Promise.all(regions.map(() => serveArtifacts(createArtifactServer(new RegionalCache(origin.url), FAST))));
    try {
      const clock = new ManualClock(1000);
      const probe = new SimulatedFleet({ devices: 12, seed: 2, profile: 'clean', firmwareVersion: '1.1.0' }, new ManualClock(1000));
      const [corrupted] = (await probe.inventory({ limit: 1 })).devices.map((device) => device.id);
      const transfer = new HttpFirmwareTransfer({
        cacheUrlByRegion: Object.fromEntries(regions.map((region, index) => [region, caches[index]!.url])),
        trustedKeys,
        factoryImage: (version) => catalog.image(version)?.bytes,
        corruptedDevices: new Set([corrupted!]),
      });
      const fleet = new SimulatedFleet({ devices: 12, seed: 2, profile: 'clean', firmwareVersion: '1.1.0' }, clock, transfer);
      const ids = (await fleet.inventory({ limit: 100 })).devices.map((device) => device.id);
      const { sha256, signature } = catalog.image('2.0.0')!;
      const firmware = { version: '2.0.0', url: origin.url + imagePath('2.0.0'), sha256, signature, sizeBytes: IMAGE_BYTES, keyId: catalog.keyId };
      await fleet.startUpdates(ids.map((deviceId) => ({ deviceId, idempotencyKey: `r/${deviceId}/1`, correlationId: 'r', firmware })));
      while (fleet.metrics().management.operationsInFlight > 0) {
        clock.advance(10_000);
        await sleep(5);
      }
      const operations = await fleet.latestOperations({ correlationId: 'r', deviceIds: ids });
      assert.ok(operations.every((operation) => operation.state === 'succeeded'));
      assert.equal(fleet.outcome('2.0.0').updated, 12);
      assert.deepEqual(
        transfer.downloads.filter((download) => download.via === 'full').map((download) => download.deviceId),
        [corrupted],
      );
      const delta = catalog.delta('2.0.0', '1.1.0')!.bytes.length;
      assert.equal(fleet.metrics().uplink.bytesMoved, 11 * delta + (2 * delta + IMAGE_BYTES));
      const originMetrics = await metricsOf(origin);
      const regionsInUse = new Set(fleet.devices().map((device) => device.region)).size;
      assert.equal(originMetrics.bytesServed, regionsInUse * delta + IMAGE_BYTES);
    } finally {
      await Promise.all(caches.map((cache) => cache.close()));
      await origin.close();
    }
  });
});
