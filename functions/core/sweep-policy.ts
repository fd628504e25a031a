import { shardOf } from './ids';
import { queueSettings } from './queue-settings';
import type { TaskTypeDefinition } from './task-type';

/** Timing of the sweeper's safety net; the values are what "well after" means in practice. */
export const SWEEP = {
  /** A pending task not started this long after creation (or re-enqueue) gets a new message. */
  pendingGraceSeconds: 300,
  /** Slack after a message should have come back before its attempt is considered lost. */
  marginSeconds: 60,
  /** The sweep index is sharded so that no single index partition takes every active task's writes. */
  shards: 8,
} as const;

const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

/** For a new (or re-enqueued) pending task. */
export function sweepAtForPending(now: string): string {
  return plus(now, SWEEP.pendingGraceSeconds);
}

/**
 * For a running attempt started `now`: if its worker dies, SQS redelivers the message once the
 * visibility the worker set at the start (timeout + 30 s) ends, and the next attempt moves `sweep_at`
 * on. Still untouched a margin after that, the message is gone (the final attempt's message went to
 * the DLQ, or it was lost): start + timeout + 90 s.
 */
export function sweepAtForAttempt(now: string, type: TaskTypeDefinition): string {
  return plus(now, queueSettings(type).attemptVisibilitySeconds + SWEEP.marginSeconds);
}

/** For a task waiting for its next attempt: the delayed message should be back by then. */
export function sweepAtForRetry(nextAttemptAt: string): string {
  return plus(nextAttemptAt, SWEEP.pendingGraceSeconds);
}

/** For a finished task with a webhook: its message should have been delivered or retried by then. */
export function sweepAtForWebhook(now: string, delaySeconds = 0): string {
  return plus(now, delaySeconds + SWEEP.pendingGraceSeconds);
}

/** The sweep shard of a task id (stable, spread evenly). */
export function sweepShard(id: string): number {
  return shardOf(id, SWEEP.shards);
}
