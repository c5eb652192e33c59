import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { API_BASE_PATH, ErrorCode, errorBody } from '../../src/adapters/fleet/contract';
import { stream } from '../simulator/random';
import { CODE_BY_STATUS } from './faultInjector';

export const FaultRates = z.object({
  /** Share of management requests answered 500/502/503: half before the service sees them, half after it has acted. */
  serverErrorShare: z.number().min(0).max(1).default(0),
  /** Share of management requests held for `hangMs` before they go on to the service: a client that gives up meanwhile has still acted. */
  hangShare: z.number().min(0).max(1).default(0),
  hangMs: z.number().int().nonnegative().default(15_000),
  /** Every `every` ms, `lengthMs` of 429s with Retry-After for every management request. */
  throttleBursts: z.object({ everyMs: z.number().int().positive(), lengthMs: z.number().int().positive(), retryAfterSeconds: z.number().int().min(1) }).optional(),
  seed: z.number().int().nonnegative().default(1),
});
export type FaultRates = z.input<typeof FaultRates>;

/** What the proxy did, by kind, for the benchmark's table. */
export interface FaultCounts {
  forwarded: number;
  serverErrorsBefore: number;
  serverErrorsAfter: number;
  hangs: number;
  throttled: number;
}

export interface FaultProxy {
  url: string;
  counts: FaultCounts;
  close(): Promise<void>;
}

type Decision = 'forward' | 'errorBefore' | 'errorAfter' | 'hang' | 'throttle';
const SERVER_ERRORS = [500, 502, 503] as const;
/** Headers of the service's answer the client reads; the rest (length, encoding, connection) are the proxy's own. */
const PASSED_HEADERS = ['content-type', 'retry-after', 'x-service-load-percent'];

/**
 * A loopback HTTP proxy in front of a device-management service that injects faults into its
 * management API at the given rates (routes outside the API pass untouched): what a real network
 * and an unwell service do to a worker, from outside the worker and the service alike.
 */
export async function startFaultProxy(targetUrl: string, rates: FaultRates): Promise<FaultProxy> {
  const options = FaultRates.parse(rates);
  const random = stream(options.seed, 'fault-proxy');
  const startedAt = performance.now();
  const counts: FaultCounts = { forwarded: 0, serverErrorsBefore: 0, serverErrorsAfter: 0, hangs: 0, throttled: 0 };
  const decide = (path: string): Decision => {
    if (!path.startsWith(API_BASE_PATH)) return 'forward';
    const burst = options.throttleBursts;
    if (burst && (performance.now() - startedAt) % burst.everyMs < burst.lengthMs) return 'throttle';
    const draw = random();
    if (draw < options.serverErrorShare / 2) return 'errorBefore';
    if (draw < options.serverErrorShare) return 'errorAfter';
    return draw < options.serverErrorShare + options.hangShare ? 'hang' : 'forward';
  };
  const pickStatus = () => SERVER_ERRORS[Math.floor(random() * SERVER_ERRORS.length)]!;

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const decision = decide(request.url ?? '/');
    if (decision === 'throttle') {
      counts.throttled += 1;
      return void sendJson(response, 429, errorBody(ErrorCode.Overloaded, 'injected fault: 429'), { 'retry-after': String(options.throttleBursts!.retryAfterSeconds) });
    }
    if (decision === 'errorBefore') {
      counts.serverErrorsBefore += 1;
      const status = pickStatus();
      return void sendJson(response, status, errorBody(CODE_BY_STATUS[status], `injected fault: ${status}`));
    }
    if (decision === 'hang') {
      counts.hangs += 1;
      await sleep(options.hangMs);
    }
    const answer = await forward(targetUrl, request, body);
    if (decision === 'errorAfter') {
      counts.serverErrorsAfter += 1;
      const status = pickStatus();
      return void sendJson(response, status, errorBody(CODE_BY_STATUS[status], `injected fault after the service acted: ${status}`));
    }
    counts.forwarded += 1;
    if (!response.destroyed) response.writeHead(answer.status, answer.headers).end(answer.body);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => sendJson(response, 502, errorBody(ErrorCode.Unavailable, `proxy: ${(error as Error).message}`)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function forward(targetUrl: string, request: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const response = await fetch(targetUrl.replace(/\/$/, '') + (request.url ?? '/'), {
    method: request.method ?? 'GET',
    headers: request.headers['content-type'] ? { 'content-type': request.headers['content-type'] } : {},
    ...(body.length > 0 ? { body } : {}),
  });
  const headers = Object.fromEntries(PASSED_HEADERS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])));
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
