import { shardOf } from './ids';
import { TIMING } from './task-timing';
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
 * For a delayed task seen at `now`: due within a queue message's delay, its message is on the queue
 * and should start it at `runAt`, so look again a grace period after that; further ahead, no message
 * exists yet, and the sweeper hands one to the queue when `runAt` comes within that delay.
 */
export function sweepAtForScheduled(runAt: string, now: string): string {
  const handOffAt = plus(runAt, -TIMING.maxQueueDelaySeconds);
  return handOffAt <= now ? plus(runAt, SWEEP.pendingGraceSeconds) : handOffAt;
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

/**
 * A watch time for a task not yet started, brought forward to just after its start_by if that comes
 * first: the sweeper then expires it even if no worker ever receives its message.
 */
export function untilStartBy(sweepAt: string, startBy: string | undefined): string {
  if (startBy === undefined) return sweepAt;
  const justAfter = plus(startBy, 1);
  return justAfter < sweepAt ? justAfter : sweepAt;
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
