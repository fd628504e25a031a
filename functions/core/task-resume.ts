import type { Log, SweepStore, TaskMessage, TaskQueue, TokenRecords } from './ports';
import { sweepAtForPending, sweepAtForScheduled } from './sweep-policy';
import type { Task } from './task';
import { queueDelay } from './task-timing';

/**
 * The message that resumes a suspended task: numbered as its suspended attempt (attempt_base + the
 * first receive), so the resume continues that attempt and a redelivery after a dead resume counts the next.
 */
export function resumeMessage(task: Pick<Task, 'tenant' | 'id' | 'attempts'>): TaskMessage {
  return { tenant: task.tenant, task_id: task.id, attempt_base: Math.max(0, task.attempts - 1) };
}

export interface WakeDeps {
  tokens: TokenRecords;
  queue: TaskQueue;
  log: Log;
}

/**
 * A waiting task whose token was just settled: due now, and its message sent. If the send fails,
 * `sweep_at` (a grace period ahead) brings the sweeper to send it again.
 */
export async function wakeWaiting(deps: WakeDeps, task: Task, step: string, now: string): Promise<boolean> {
  const woken = await deps.tokens.wakeWaiting(task.tenant, task.id, step, sweepAtForPending(now), now);
  if (!woken.ok) return false;
  await deps.queue.send(task.type, resumeMessage(woken.task));
  deps.log.info('waiting task woken by its token', { task_id: task.id, step });
  return true;
}

export interface SuspendedSweepDeps {
  store: SweepStore;
  queue: TaskQueue;
  log: Log;
  /** Times out tokens; without it waiting tasks are left to their token's settling. */
  tokens?: TokenRecords;
  /** Looks at a task waiting for children (core/child-fan-in.ts sweepChildrenWait); without it they are left to their children's ends. */
  childWait?: (task: Task, now: string) => Promise<'reenqueued' | 'childWaitsTimedOut' | 'skipped'>;
}

/**
 * The sweeper's part in sleeps and waits, for a sleeping or waiting task whose `sweep_at` came:
 * a sleep beyond a queue message's delay is handed to the queue when its wake time comes within it;
 * a token past its timeout is settled `timed_out` and the task woken; a task due to resume whose
 * message was lost gets a new one; a wait for children is looked at (ends not recorded, its timeout).
 */
export async function sweepSuspended(
  deps: SuspendedSweepDeps,
  listed: Task,
  now: string,
): Promise<'handedOff' | 'reenqueued' | 'tokensTimedOut' | 'childWaitsTimedOut' | 'skipped'> {
  const task = await deps.store.get(listed.tenant, listed.id);
  if (!task || task.status !== listed.status || task.sweep_at !== listed.sweep_at || !task.sweep_at) return 'skipped';
  const step = task.suspended_step ?? '';
  const entry = task.steps?.[step];
  if (task.status === 'waiting' && !task.wake_at && entry?.kind === 'children') {
    return deps.childWait ? deps.childWait(task, now) : 'skipped';
  }
  if (task.status === 'waiting' && !task.wake_at) {
    if (!deps.tokens || !entry?.token || !entry.timeout_at || entry.timeout_at > now) return 'skipped';
    const timedOut = await deps.tokens.settleToken(
      task.tenant,
      task.id,
      step,
      entry.token,
      { status: 'timed_out' },
      now,
    );
    if (!timedOut.ok) return 'skipped';
    deps.log.info('token timed out', { task_id: task.id, step });
    return (await wakeWaiting({ tokens: deps.tokens, queue: deps.queue, log: deps.log }, timedOut.task, step, now))
      ? 'tokensTimedOut'
      : 'skipped';
  }
  if (!task.wake_at) return 'skipped';
  const wakeAt = task.wake_at;
  const delay = queueDelay(wakeAt, new Date(now));
  // Further ahead than a message can wait: only a sweep that takes everything due lists it this early.
  if (!delay) return 'skipped';
  const next = wakeAt > now ? sweepAtForScheduled(wakeAt, now) : sweepAtForPending(now);
  const claimed = await deps.store.claimSweep(task.tenant, task.id, task.sweep_at, next, now);
  if (!claimed.ok) return 'skipped';
  await deps.queue.send(task.type, resumeMessage(task), delay);
  deps.log.info(wakeAt > now ? 'sleeping task handed to its queue' : 'sweeper re-sent a lost resume message', {
    task_id: task.id,
    wake_at: wakeAt,
    delay_seconds: delay.delaySeconds,
  });
  return wakeAt > now ? 'handedOff' : 'reenqueued';
}
