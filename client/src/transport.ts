import {
  apiErrorFrom,
  RateLimitedError,
  ServerError,
  TasklaneApiError,
  TasklaneConnectionError,
  TasklaneError,
  TasklaneTimeoutError,
} from './errors';
import { backoffDelayMs, sleep, type RetryPolicy } from './retry';

/** The WHATWG fetch signature: the global `fetch` of Node 20+ and browsers, or any stand-in. */
export type FetchLike = (input: string | URL, init: RequestInit) => Promise<Response>;

/** Options every call of the client takes. */
export interface CallOptions {
  /** Aborts the call, its retries and the waits between them; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Time each try of this call may take (the client's `timeoutMs` otherwise). */
  timeoutMs?: number;
}

/** One call of the API, as the resources describe it. */
export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the base URL, its segments already encoded: `tasks/01M8…/rerun`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether repeating the request after an unknown outcome (a 5xx, a broken connection, a timeout)
   * cannot do its work twice: reads, and writes that carry an Idempotency-Key. A 429 is retried
   * whatever this says: the API refuses it before doing anything.
   */
  retrySafe: boolean;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TransportSettings {
  baseUrl: URL;
  /** Where `open` (the task stream) goes: in AWS a REST API of its own (StreamUrl), locally `baseUrl`. */
  streamBaseUrl: URL;
  apiKey: string;
  fetch: FetchLike;
  timeoutMs: number;
  retry: RetryPolicy;
}

/** A response whose body is still to be read (a stream), and the deadline that can still end its connection. */
export interface OpenResponse {
  response: Response;
  deadline: Deadline;
}

/** Sends requests to the API: authentication, timeouts, retries with backoff, and errors by class. */
export class Transport {
  constructor(readonly settings: TransportSettings) {}

  /** The request, tried again while its failures allow (see retryDelayMs); resolves with the parsed JSON body. */
  async request<T>(request: ApiRequest, options: CallOptions = {}): Promise<ApiResponse<T>> {
    for (let retry = 0; ; retry++) {
      try {
        return await this.tryOnce<T>(request, options);
      } catch (error) {
        const delay = retryDelayMs(this.settings.retry, error, retry, request.retrySafe);
        if (delay === undefined || options.signal?.aborted) throw error;
        await sleep(delay, options.signal);
      }
    }
  }

  /** The request's parsed JSON body (see request). */
  async json<T>(request: ApiRequest, options: CallOptions = {}): Promise<T> {
    return (await this.request<T>(request, options)).body;
  }

  /**
   * One try that resolves as soon as a 2xx answer's headers are in, for a body read as it comes
   * (Server-Sent Events), at the stream base URL. The timeout covers the wait for the headers; the caller disposes the deadline.
   */
  async open(request: ApiRequest, options: CallOptions = {}): Promise<OpenResponse> {
    const url = this.url(request, this.settings.streamBaseUrl);
    const deadline = new Deadline(options.signal);
    deadline.arm(options.timeoutMs ?? this.settings.timeoutMs);
    try {
      const response = await this.settings.fetch(url, this.init(request, deadline.signal));
      if (!response.ok) throw apiErrorFrom(response, await response.text(), url.href);
      deadline.disarm();
      return { response, deadline };
    } catch (error) {
      deadline.dispose();
      throw classify(error, deadline, options.signal, url);
    }
  }

  private async tryOnce<T>(request: ApiRequest, options: CallOptions): Promise<ApiResponse<T>> {
    const url = this.url(request);
    const deadline = new Deadline(options.signal);
    deadline.arm(options.timeoutMs ?? this.settings.timeoutMs);
    try {
      const response = await this.settings.fetch(url, this.init(request, deadline.signal));
      const text = await response.text();
      if (!response.ok) throw apiErrorFrom(response, text, url.href);
      return { status: response.status, headers: response.headers, body: parseBody<T>(response, text, url) };
    } catch (error) {
      throw classify(error, deadline, options.signal, url);
    } finally {
      deadline.dispose();
    }
  }

  private url(request: ApiRequest, base = this.settings.baseUrl): URL {
    const url = new URL(request.path, base);
    for (const [name, value] of Object.entries(request.query ?? {}))
      if (value !== undefined) url.searchParams.set(name, String(value));
    return url;
  }

  private init(request: ApiRequest, signal: AbortSignal): RequestInit {
    const hasBody = request.body !== undefined;
    return {
      method: request.method,
      headers: {
        authorization: `Bearer ${this.settings.apiKey}`,
        accept: 'application/json',
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      body: hasBody ? JSON.stringify(request.body) : undefined,
      signal,
    };
  }
}

/**
 * The wait before retry number `retry` (0 for the first) after `error`, or undefined when the
 * error is final: 429 waits its Retry-After (or the backoff when it names none) unless that is
 * longer than the policy allows; 5xx, broken connections and timeouts wait the backoff, but only
 * for a request that is safe to repeat; everything else (4xx, the caller's abort) is final.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  error: unknown,
  retry: number,
  retrySafe: boolean,
  random: () => number = Math.random,
): number | undefined {
  if (retry >= policy.maxRetries) return undefined;
  if (error instanceof RateLimitedError) {
    if (error.retryAfterSeconds === undefined) return backoffDelayMs(policy, retry, random);
    const wait = error.retryAfterSeconds * 1000;
    return wait <= policy.maxRetryAfterMs ? wait : undefined;
  }
  const unknownOutcome = error instanceof ServerError || error instanceof TasklaneConnectionError;
  return unknownOutcome && retrySafe ? backoffDelayMs(policy, retry, random) : undefined;
}

/**
 * One try's signal: aborted by the caller's signal, by the try's timeout, or when the try is over
 * (which closes a connection still open).
 */
export class Deadline {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expiredAfterMs: number | undefined;
  private readonly onParentAbort = () => this.controller.abort(this.parent?.reason);

  constructor(private readonly parent: AbortSignal | undefined) {
    if (parent?.aborted) this.onParentAbort();
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The timeout that fired, if one did. */
  get expiredAfter(): number | undefined {
    return this.expiredAfterMs;
  }

  /** (Re)starts the timeout: the try is aborted if it is not disarmed or re-armed within `ms`. */
  arm(ms: number): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.expiredAfterMs = ms;
      this.controller.abort(new TasklaneTimeoutError(`No answer within ${ms} ms.`));
    }, ms);
  }

  disarm(): void {
    clearTimeout(this.timer);
  }

  /** Ends the try: stops the timer, forgets the caller's signal and closes the connection if it is still open. */
  dispose(): void {
    this.disarm();
    this.parent?.removeEventListener('abort', this.onParentAbort);
    this.controller.abort();
  }
}

/** What a failed try threw, as the caller should see it. */
export function classify(error: unknown, deadline: Deadline, callerSignal: AbortSignal | undefined, url: URL): unknown {
  // The caller's own abort is theirs to recognise: pass its reason through untouched.
  if (callerSignal?.aborted) return callerSignal.reason;
  const timeout = deadline.expiredAfter;
  if (timeout !== undefined)
    return new TasklaneTimeoutError(`${url.origin}${url.pathname} gave no complete answer within ${timeout} ms.`, {
      cause: error,
    });
  if (error instanceof TasklaneError) return error;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return new TasklaneConnectionError(`Cannot reach ${url.origin}${url.pathname} (${reason}).`, { cause: error });
}

function parseBody<T>(response: Response, text: string, url: URL): T {
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new TasklaneApiError(
      response.status,
      'unexpected_response',
      `${url.href} answered ${response.status} with a body that is not JSON.`,
      undefined,
      response.headers,
      url.href,
    );
  }
}
