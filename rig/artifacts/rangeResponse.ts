import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { ByteRate } from './byteRate';

/** Inclusive, as in `Content-Range: bytes 0-99/1000`. */
export interface ByteRange {
  start: number;
  end: number;
}

export type RangeAnswer = { kind: 'full' } | { kind: 'partial'; range: ByteRange } | { kind: 'unsatisfiable' };

/** How much the server writes between two rate-limit checks. */
const WRITE_BYTES = 64 * 1024;

/**
 * One `bytes=` range (`a-b`, `a-`, `-n`). A header this server does not understand (several
 * ranges, other units) is ignored and the whole object served, as RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
  if (!match || (match[1] === '' && match[2] === '')) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  const range =
    first === ''
      ? { start: Math.max(0, size - Number(last)), end: size - 1 }
      : { start: Number(first), end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
  if (range.start >= size || range.start > range.end || size === 0) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range };
}

export interface Pacing {
  rates: readonly ByteRate[];
  /** Told about every slice as it leaves. */
  onSent: (bytes: number) => void;
}

/** Sends `bytes` (or the requested range of them) paced by every rate limit given. */
export function sendBytes(reply: FastifyReply, rangeHeader: string | undefined, bytes: Buffer, pacing: Pacing): FastifyReply {
  const answer = parseRange(rangeHeader, bytes.length);
  reply.header('accept-ranges', 'bytes').header('content-type', 'application/octet-stream');
  if (answer.kind === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${bytes.length}`).send();
  const { start, end } = answer.kind === 'partial' ? answer.range : { start: 0, end: bytes.length - 1 };
  if (answer.kind === 'partial') reply.code(206).header('content-range', `bytes ${start}-${end}/${bytes.length}`);
  reply.header('content-length', String(end - start + 1));
  return reply.send(Readable.from(paced(bytes.subarray(start, end + 1), pacing)));
}

async function* paced(bytes: Buffer, { rates, onSent }: Pacing): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += WRITE_BYTES) {
    const slice = bytes.subarray(offset, offset + WRITE_BYTES);
    await Promise.all(rates.map((rate) => rate.take(slice.length)));
    onSent(slice.length);
    yield slice;
  }
}
