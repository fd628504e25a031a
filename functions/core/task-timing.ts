import { ValidationError } from './errors';
import type { FieldDetail } from './validation';

/** Time rules of delayed and expiring tasks, in one place (README: "Delayed runs and expiry"). */
export const TIMING = {
  /** The furthest ahead a task may be scheduled (`run_at`, `delay_seconds`): one year. */
  maxDelaySeconds: 31_536_000,
  /** The longest `ttl_seconds`, and the furthest `start_by` may lie beyond the task's run time: one year. */
  maxTtlSeconds: 31_536_000,
  /**
   * The longest delay a queue message can carry (SQS DelaySeconds). A task due within it is sent at
   * once with the remaining delay; a later one is handed to the queue by the sweeper when it comes within it.
   * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html
   */
  maxQueueDelaySeconds: 900,
  /** A delivery this early (clocks of sender and worker differ a little) still starts the task. */
  startToleranceSeconds: 1,
} as const;

/** The timing fields of a create request, as the API's schema let them through (types and ranges checked). */
export interface TimingInput {
  run_at?: string;
  delay_seconds?: number;
  start_by?: string;
  ttl_seconds?: number;
}

export interface TaskTiming {
  /** When the first attempt may start; undefined: at once. */
  runAt?: string;
  /** Expiry of the first attempt's start; undefined: never. */
  startBy?: string;
}

const plus = (ms: number, seconds: number) => new Date(ms + seconds * 1000).toISOString();

/**
 * Resolves `run_at`/`delay_seconds` and `start_by`/`ttl_seconds` against the creation time, or throws a
 * 400 naming every field at fault: both of a pair, a time in the past or beyond a year, a start_by
 * before the run time. A run time that is now or past (delay 0) is "at once".
 */
export function resolveTiming(input: TimingInput, now: Date): TaskTiming {
  const details: FieldDetail[] = [];
  const nowMs = now.getTime();
  const maxRunMs = nowMs + TIMING.maxDelaySeconds * 1000;
  if (input.run_at !== undefined && input.delay_seconds !== undefined) {
    details.push(
      { field: 'run_at', rule: 'give run_at or delay_seconds, not both' },
      { field: 'delay_seconds', rule: 'give run_at or delay_seconds, not both' },
    );
  }
  if (input.start_by !== undefined && input.ttl_seconds !== undefined) {
    details.push(
      { field: 'start_by', rule: 'give start_by or ttl_seconds, not both' },
      { field: 'ttl_seconds', rule: 'give start_by or ttl_seconds, not both' },
    );
  }
  let runMs = nowMs;
  if (input.run_at !== undefined && input.delay_seconds !== undefined) {
    // Named above; which one would apply is unknown, so neither is checked further.
  } else if (input.run_at !== undefined) {
    runMs = Date.parse(input.run_at);
    if (runMs <= nowMs) details.push({ field: 'run_at', rule: `must be in the future (now is ${now.toISOString()})` });
    else if (runMs > maxRunMs)
      details.push({ field: 'run_at', rule: `at most ${TIMING.maxDelaySeconds} s (one year) ahead` });
  } else if (input.delay_seconds !== undefined) {
    runMs = nowMs + input.delay_seconds * 1000;
  }
  let startBy: string | undefined;
  if (input.start_by !== undefined && input.ttl_seconds !== undefined) {
    // Named above.
  } else if (input.start_by !== undefined) {
    const startByMs = Date.parse(input.start_by);
    if (startByMs <= nowMs)
      details.push({ field: 'start_by', rule: `must be in the future (now is ${now.toISOString()})` });
    else if (startByMs < runMs)
      details.push({ field: 'start_by', rule: 'must not be earlier than the task runs (run_at)' });
    else if (startByMs > runMs + TIMING.maxTtlSeconds * 1000)
      details.push({ field: 'start_by', rule: `at most ${TIMING.maxTtlSeconds} s (one year) after the task runs` });
    startBy = new Date(startByMs).toISOString();
  } else if (input.ttl_seconds !== undefined) {
    // Counts from creation: a ttl shorter than the delay could never be met.
    if (nowMs + input.ttl_seconds * 1000 < runMs) {
      details.push({ field: 'ttl_seconds', rule: 'must not end before the task runs (run_at or delay_seconds)' });
    }
    startBy = plus(nowMs, input.ttl_seconds);
  }
  if (details.length > 0) throw new ValidationError('The task timing is not valid.', details);
  return { runAt: runMs > nowMs ? new Date(runMs).toISOString() : undefined, startBy };
}

/**
 * How a task due at `runAt` reaches its queue, seen at `now`: at once with the remaining delay (whole
 * seconds, rounded up so it never starts early) when that fits a queue message, else not yet.
 */
export function queueDelay(runAt: string | undefined, now: Date): { delaySeconds: number } | undefined {
  if (runAt === undefined) return { delaySeconds: 0 };
  const seconds = Math.max(0, Math.ceil((Date.parse(runAt) - now.getTime()) / 1000));
  return seconds <= TIMING.maxQueueDelaySeconds ? { delaySeconds: seconds } : undefined;
}

/** The latest run_at a start at `now` accepts. */
export function runAtUpTo(now: string): string {
  return plus(Date.parse(now), TIMING.startToleranceSeconds);
}

/** Whether a task that has not started yet is past its start_by at `now`. */
export function isPastStartBy(task: { start_by?: string; attempts: number }, now: string): boolean {
  return task.attempts === 0 && task.start_by !== undefined && task.start_by < now;
}
