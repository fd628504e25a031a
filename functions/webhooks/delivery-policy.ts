import { backoffSeconds, type BackoffSettings } from '../core/retry-policy';

/** What one delivery attempt's outcome means. */
export type DeliveryVerdict = 'delivered' | 'retry' | 'give_up';

/** Client errors a retry can fix (timeout, conflict, too early, too many requests). */
const RETRYABLE_4XX = new Set([408, 409, 425, 429]);

/**
 * 2xx delivered; 410 Gone stops at once; other 4xx give up, except 408/409/425/429; 3xx (not
 * followed), 5xx and network errors retry.
 */
export function classifyStatus(statusCode: number): DeliveryVerdict {
  if (statusCode >= 200 && statusCode < 300) return 'delivered';
  if (statusCode === 410) return 'give_up';
  if (statusCode >= 400 && statusCode < 500) return RETRYABLE_4XX.has(statusCode) ? 'retry' : 'give_up';
  return 'retry';
}

/** Delay before the next attempt: the receiver's Retry-After when it gives one (bounded), else backoff with jitter. */
export function deliveryDelaySeconds(
  attempt: number,
  backoff: BackoffSettings,
  retryAfterSeconds: number | undefined,
  maxRetryAfterSeconds: number,
  random?: () => number,
): number {
  if (retryAfterSeconds !== undefined && retryAfterSeconds <= maxRetryAfterSeconds)
    return Math.max(1, retryAfterSeconds);
  return backoffSeconds(attempt, backoff, random);
}
