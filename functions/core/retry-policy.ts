/** Backoff settings of a task type. */
export interface BackoffSettings {
  /** Delay before the second attempt, in seconds. */
  baseSeconds: number;
  /** Upper bound of any delay, in seconds. */
  capSeconds: number;
}

/** SQS caps ChangeMessageVisibility at 12 hours: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

/**
 * Delay before the attempt after `failedAttempt`, in whole seconds: exponential (base × 2^(n-1)),
 * capped, with "equal jitter" (half fixed, half random) so that retries of a burst spread out
 * without ever collapsing to zero. `random` is injectable for tests.
 */
export function backoffSeconds(failedAttempt: number, settings: BackoffSettings, random: () => number = Math.random): number {
  const exponent = Math.max(0, failedAttempt - 1);
  const ceiling = Math.min(settings.capSeconds, settings.baseSeconds * 2 ** Math.min(exponent, 30));
  const half = ceiling / 2;
  const delay = half + random() * half;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.round(delay)));
}

/** What the worker does after an attempt failed. */
export type FailureDecision = { action: 'retry'; delaySeconds: number } | { action: 'fail' };

/** Decides between another attempt and giving up. Permanent errors and the last attempt give up. */
export function decideAfterFailure(
  attempt: number,
  maxAttempts: number,
  permanent: boolean,
  settings: BackoffSettings,
  random?: () => number,
): FailureDecision {
  if (permanent || attempt >= maxAttempts) return { action: 'fail' };
  return { action: 'retry', delaySeconds: backoffSeconds(attempt, settings, random) };
}
