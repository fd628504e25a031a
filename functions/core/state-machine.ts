import type { TaskStatus } from './task';

/**
 * Every status change, with the statuses it may start from. The store turns each entry into a
 * DynamoDB ConditionExpression, so a lost race is a failed condition, never a silent overwrite.
 * Terminal statuses appear in no `from` list: they are final.
 */
export const TRANSITIONS = {
  /** A worker starts an attempt. `running` is allowed only for a later attempt (the previous one died). */
  start: { from: ['scheduled', 'pending', 'retrying', 'running'], to: 'running' },
  /** An attempt failed and another is scheduled. */
  retry: { from: ['running'], to: 'retrying' },
  complete: { from: ['running'], to: 'completed' },
  /** The last attempt failed; or (`retrying`) the sweeper fails a task whose worker died on its final attempt. */
  fail: { from: ['running', 'retrying'], to: 'failed' },
  /** The worker stopped a running task at a checkpoint after cancellation was requested. */
  cancelRunning: { from: ['running'], to: 'canceled' },
  /** The API cancels a task that is not running: it never runs (again). */
  cancelWaiting: { from: ['scheduled', 'pending', 'retrying', 'sleeping', 'waiting'], to: 'canceled' },
  /** Task code called ctx.sleep: the invocation ends; the same attempt resumes at `wake_at`. */
  sleep: { from: ['running'], to: 'sleeping' },
  /** Task code waits for a token: the invocation ends; the same attempt resumes once the token is settled. */
  wait: { from: ['running'], to: 'waiting' },
  /** A suspended task's wake time came: run() replays from the top with the stored steps. */
  resume: { from: ['sleeping', 'waiting'], to: 'running' },
  /** A task whose first attempt did not start by its `start_by`: it never runs. */
  expire: { from: ['scheduled', 'pending'], to: 'expired' },
} as const satisfies Record<string, { from: readonly TaskStatus[]; to: TaskStatus }>;

export type TransitionName = keyof typeof TRANSITIONS;

/** Whether `transition` may be applied to a task in `status` (the store enforces the same rule atomically). */
export function canTransition(transition: TransitionName, status: TaskStatus): boolean {
  return (TRANSITIONS[transition].from as readonly TaskStatus[]).includes(status);
}
