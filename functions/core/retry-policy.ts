/** Backoff settings of a task type. */
export interface BackoffSettings {
  /** Delay before the second attempt, in seconds. */
  baseSeconds: number;
  /** Upper bound of any delay, in seconds. */
  capSeconds: number;
}

/**
 * SQS keeps a message invisible at most 12 hours counted from its receive, and refuses a
 * ChangeMessageVisibility that would end later than that:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html
 */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/**
 * Kept back from that limit for the time between SQS's receive and the handler's start (Lambda's
 * poller invokes at once: no batching window is configured; a cold start takes seconds) and for
 * clock drift.
 */
export const RECEIVE_MARGIN_SECONDS = 60;

/**
 * The longest delay a worker with this timeout can ask of SQS after an attempt: the attempt may
 * have run the whole timeout since the receive.
 */
export function maxRetryDelaySeconds(timeoutSeconds: number): number {
  return MAX_VISIBILITY_SECONDS - timeoutSeconds - RECEIVE_MARGIN_SECONDS;
}

/** What decides a task type's retry delays: its backoff, and how long an attempt may run. */
export interface RetrySettings {
  backoff: BackoffSettings;
  timeoutSeconds: number;
}

/**
 * Delay before the attempt after `failedAttempt`, in whole seconds: exponential (base × 2^(n-1)),
 * capped, with "equal jitter" (half fixed, half random) so that retries of a burst spread out
 * without ever collapsing to zero. `random` is injectable for tests.
 */
export function backoffSeconds(
  failedAttempt: number,
  settings: BackoffSettings,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, failedAttempt - 1);
  const ceiling = Math.min(settings.capSeconds, settings.baseSeconds * 2 ** Math.min(exponent, 30));
  const half = ceiling / 2;
  const delay = half + random() * half;
  return Math.max(1, Math.round(delay));
}

/** What the worker does after an attempt failed. */
export type FailureDecision = { action: 'retry'; delaySeconds: number } | { action: 'fail' };

/**
 * Decides between another attempt and giving up. Permanent errors and the last attempt give up; a
 * retry waits the backoff, at most what SQS can still hold the message for after this attempt.
 */
export function decideAfterFailure(
  attempt: number,
  maxAttempts: number,
  permanent: boolean,
  settings: RetrySettings,
  random?: () => number,
): FailureDecision {
  if (permanent || attempt >= maxAttempts) return { action: 'fail' };
  const delaySeconds = Math.min(
    backoffSeconds(attempt, settings.backoff, random),
    maxRetryDelaySeconds(settings.timeoutSeconds),
  );
  return { action: 'retry', delaySeconds };
}
