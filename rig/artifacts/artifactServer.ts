import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { ErrorCode, errorBody } from '../../src/adapters/fleet/contract';
import { ByteRate, mbpsToBytesPerSecond } from './byteRate';
import { ARTIFACT_ROUTES, deltaPath, imagePath, type ArtifactMetrics, type FirmwareMetadata, type ImageDescription } from './contract';
import { sendBytes } from './rangeResponse';

/** Where a server gets its bytes: the catalog at the origin, the origin at a regional cache. */
export interface ArtifactSource {
  describe(version: string): Promise<ImageDescription | undefined>;
  image(version: string): Promise<Buffer | undefined>;
  delta(version: string, fromVersion: string): Promise<Buffer | undefined>;
  cacheMetrics?(): NonNullable<ArtifactMetrics['cache']>;
}

export const ArtifactServerOptions = z.object({
  /** The seed's `firmware.download.chunk_size=5MB`, advertised to downloaders. */
  chunkSizeBytes: z.number().int().positive().default(5 * 1024 * 1024),
  /** The seed's `firmware.download.rate_limit=10Mbps`, per response. */
  perConnectionMbps: z.number().positive().default(10),
  /** All responses together: the server's share of the uplink. */
  totalMbps: z.number().positive().default(200),
});
export type ArtifactServerOptions = z.input<typeof ArtifactServerOptions>;

const VersionParams = z.object({ version: z.string().min(1) });
const DeltaParams = VersionParams.extend({ fromVersion: z.string().min(1) });

/**
 * Firmware over HTTP: signed metadata, and images and deltas with range requests, each response
 * paced by a per-connection limit and all of them by a total one.
 */
export function createArtifactServer(source: ArtifactSource, options: ArtifactServerOptions = {}, logger?: FastifyBaseLogger): FastifyInstance {
  const { chunkSizeBytes, perConnectionMbps, totalMbps } = ArtifactServerOptions.parse(options);
  const app = Fastify(logger ? { loggerInstance: logger } : { logger: false });
  const total = new ByteRate(mbpsToBytesPerSecond(totalMbps));
  const metrics = { downloads: 0, rangeDownloads: 0, bytesServed: 0 };

  const send = (reply: FastifyReply, range: string | undefined, bytes: Buffer | undefined, what: string) => {
    if (!bytes) return reply.code(404).send(errorBody(ErrorCode.NotFound, `no ${what}`));
    metrics.downloads += 1;
    if (range) metrics.rangeDownloads += 1;
    const perConnection = new ByteRate(mbpsToBytesPerSecond(perConnectionMbps));
    return sendBytes(reply, range, bytes, { rates: [perConnection, total], onSent: (sent) => (metrics.bytesServed += sent) });
  };

  app.get(ARTIFACT_ROUTES.metadata, async (request, reply) => {
    const { version } = VersionParams.parse(request.params);
    const description = await source.describe(version);
    if (!description) return reply.code(404).send(errorBody(ErrorCode.NotFound, `no firmware ${version}`));
    const origin = `${request.protocol}://${request.host}`;
    const metadata: FirmwareMetadata = {
      ...description,
      url: origin + imagePath(version),
      chunkSizeBytes,
      deltas: description.deltas.map((delta) => ({ ...delta, url: origin + deltaPath(version, delta.fromVersion) })),
    };
    return metadata;
  });
  app.get(ARTIFACT_ROUTES.image, async (request, reply) => {
    const { version } = VersionParams.parse(request.params);
    return send(reply, request.headers.range, await source.image(version), `image of ${version}`);
  });
  app.get(ARTIFACT_ROUTES.delta, async (request, reply) => {
    const { version, fromVersion } = DeltaParams.parse(request.params);
    return send(reply, request.headers.range, await source.delta(version, fromVersion), `delta from ${fromVersion} to ${version}`);
  });
  app.get(ARTIFACT_ROUTES.metrics, async (): Promise<ArtifactMetrics> => {
    const cache = source.cacheMetrics?.();
    return { ...metrics, ...(cache ? { cache } : {}) };
  });
  return app;
}

export interface ServedArtifacts {
  url: string;
  close(): Promise<void>;
}

export async function serveArtifacts(app: FastifyInstance, { port = 0, host = '127.0.0.1' } = {}): Promise<ServedArtifacts> {
  await app.listen({ port, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`artifact server is not listening on TCP: ${address}`);
  return { url: `http://${host}:${address.port}`, close: () => app.close() };
}
