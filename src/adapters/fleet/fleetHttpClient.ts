import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ServiceSample } from '../../engine/model/concurrencyLimit';
import { ErrorResponse, SERVICE_LOAD_HEADER, describeIssue, type Route } from './contract';
import { FleetRequestFailed, FleetRequestRejected, FleetResponseInvalid } from './fleetHttpErrors';
import { RetryPolicy, TRANSIENT_STATUSES, backoffDelayMs, parseRetryAfterMs, servicePauseMs } from './retryPolicy';
import { serviceBucket, TokenBucket } from './tokenBucket';

export const FleetHttpClientOptions = z.object({
  /** Origin of the service, optionally with a path prefix (e.g. behind a gateway). */
  baseUrl: z.url(),
  /** Per attempt, covering the response body too. */
  timeoutMs: z.number().int().positive().default(10_000),
  retry: RetryPolicy.prefault({}),
  rateLimit: z
    .object({
      requestsPerSecond: z.number().positive().default(20),
      /** Defaults to one second's worth of requests. */
      burst: z.number().int().min(1).optional(),
    })
    .prefault({}),
});
export type FleetHttpClientOptions = z.infer<typeof FleetHttpClientOptions>;

export interface FleetHttpRequest {
  route: Route;
  /** The route's path with its parameters filled in; defaults to the route's path. */
  path?: string;
  query?: URLSearchParams;
  body?: unknown;
  /** Cuts each attempt sooner than the client's own `timeoutMs`, for a caller whose heartbeat would not wait that long. */
  timeoutMs?: number;
}

type Attempt =
  | { kind: 'response'; status: number; retryAfter: string | null; loadPercent: number | undefined; text: string }
  | { kind: 'transportError'; error: unknown };


/**
 * Sends one contract request: rate-limited, each attempt under a timeout, transient failures
 * retried with backoff, the answer validated against the contract. POSTs are retried like GETs
 * because every command carries an idempotency key the fleet dedupes by. The rate limit is the
 * service's, shared by every client of it in this process: a Retry-After (or a 429 without one)
 * pauses every caller's requests; a Retry-After longer than the retry cap ends this call with
 * `retryAfterMs` on its error, for the activity's retry to wait that long (see `retryAfter.ts`).
 */
export class FleetHttpClient {
  private readonly bucket: TokenBucket;

  constructor(
    private readonly options: FleetHttpClientOptions,
    private readonly logger: Logger,
    /**
     * Told of every request as it goes out; the function it returns hears the answer. What an
     * adaptive concurrency limit follows.
     */
    private readonly requestStarted: () => (sample: ServiceSample) => void = () => () => undefined,
  ) {
    const { requestsPerSecond, burst } = options.rateLimit;
    this.bucket = serviceBucket(options.baseUrl, () => new TokenBucket(requestsPerSecond, burst ?? Math.max(1, Math.floor(requestsPerSecond))));
  }

  async send<S extends z.ZodType>(request: FleetHttpRequest, responseSchema: S): Promise<z.output<S>> {
    const label = `${request.route.method} ${request.path ?? request.route.path}`;
    for (let attempt = 1; ; attempt += 1) {
      await this.bucket.take();
      const answered = this.requestStarted();
      const startedAt = performance.now();
      const result = await this.attempt(request);
      answered(sampleOf(result, performance.now() - startedAt));
      if (result.kind === 'response' && result.status < 300) return parseResponse(responseSchema, result.text, label);
      const pauseMs = result.kind === 'response' ? servicePauseMs(result, backoffDelayMs(this.options.retry, attempt)) : undefined;
      if (pauseMs !== undefined) this.bucket.pauseUntil(performance.now() + pauseMs);
      const delayMs = this.retryDelayMs(result, attempt);
      if (delayMs === undefined) throw failureOf(result, label);
      this.logger.warn({ request: label, attempt, delayMs, ...describeAttempt(result) }, 'fleet request failed, retrying');
      await sleep(delayMs);
    }
  }

  private async attempt({ route, path = route.path, query, body, timeoutMs = Infinity }: FleetHttpRequest): Promise<Attempt> {
    const url = new URL(this.options.baseUrl.replace(/\/$/, '') + path);
    if (query) url.search = query.toString();
    try {
      const response = await fetch(url, {
        method: route.method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(Math.min(this.options.timeoutMs, timeoutMs)),
      });
      const text = await response.text();
      return { kind: 'response', status: response.status, retryAfter: response.headers.get('retry-after'), loadPercent: loadPercentOf(response.headers), text };
    } catch (error) {
      return { kind: 'transportError', error };
    }
  }

  /** Undefined when the failure is final. A Retry-After within the cap is waited for by the service's bucket, paused until then. */
  private retryDelayMs(result: Attempt, attempt: number): number | undefined {
    if (result.kind === 'response' && !TRANSIENT_STATUSES.has(result.status)) return undefined;
    if (attempt >= this.options.retry.attempts) return undefined;
    const retryAfterMs = result.kind === 'response' ? parseRetryAfterMs(result.retryAfter) : undefined;
    if (retryAfterMs !== undefined && retryAfterMs > this.options.retry.maxDelayMs) return undefined;
    return backoffDelayMs(this.options.retry, attempt);
  }
}


function sampleOf(result: Attempt, latencyMs: number): ServiceSample {
  if (result.kind === 'transportError') return { latencyMs, overloaded: true };
  return { latencyMs, overloaded: result.status === 429 || result.status >= 500, loadPercent: result.loadPercent };
}

/** A header that is absent or not a percentage says nothing about the load. */
function loadPercentOf(headers: Headers): number | undefined {
  const parsed = z.coerce.number().min(0).safeParse(headers.get(SERVICE_LOAD_HEADER) ?? undefined);
  return parsed.success ? parsed.data : undefined;
}

function parseResponse<S extends z.ZodType>(schema: S, text: string, label: string): z.output<S> {
  const result = schema.safeParse(parseJson(text));
  if (result.success) return result.data;
  const { field, message } = describeIssue(result.error);
  throw new FleetResponseInvalid(`${label} answered outside the contract: ${message}`, field);
}

function failureOf(result: Attempt, label: string): Error {
  if (result.kind === 'transportError') {
    return new FleetRequestFailed(`${label} failed: ${errorMessage(result.error)}`, {}, { cause: result.error });
  }
  const { status } = result;
  const { code, message, field } = errorOf(result);
  if (status >= 400 && status < 500 && !TRANSIENT_STATUSES.has(status)) {
    return new FleetRequestRejected(`${label} rejected (${status} ${code}): ${message}`, status, code, field);
  }
  const retryAfterMs = parseRetryAfterMs(result.retryAfter);
  return new FleetRequestFailed(`${label} failed (${status} ${code}): ${message}`, {
    status,
    code,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

function errorOf({ status, text }: { status: number; text: string }): ErrorResponse['error'] {
  const parsed = ErrorResponse.safeParse(parseJson(text));
  return parsed.success ? parsed.data.error : { code: `HTTP_${status}`, message: text.slice(0, 200) };
}

function describeAttempt(result: Attempt): Record<string, unknown> {
  return result.kind === 'response' ? { status: result.status, retryAfter: result.retryAfter } : { err: result.error };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports network failures as "fetch failed" with the reason in `cause`.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}
