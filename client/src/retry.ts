/** How the client repeats a request that failed in a way another try may fix. */
export interface RetryPolicy {
  /** Retries after the first try; 0 turns retrying off. */
  maxRetries: number;
  /** The backoff cap of the first retry; it doubles with each retry. */
  baseDelayMs: number;
  /** No backoff waits longer than this. */
  maxDelayMs: number;
  /** A 429 asking to wait longer than this is not waited out: its RateLimitedError is thrown at once. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  // Four tries in all: enough to ride out a Lambda cold start or a throttled burst, short enough to fail visibly.
  maxRetries: 3,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  // The API's rate limit refills within seconds (README "Errors and limits"); a minute is an outage, not a limit.
  maxRetryAfterMs: 60_000,
};

/**
 * The wait before retry number `retry` (0 for the first): "full jitter", a random time up to an
 * exponentially growing cap, so that clients that failed together do not retry together
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffDelayMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * cap);
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
