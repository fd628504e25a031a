import type { AttemptOutcome } from './attempt-outcome';
import type { Clock, Log, TaskLifecycle, TaskMessage } from './ports';
import { sweepAtForAttempt } from './sweep-policy';
import type { Task } from './task';
import { TIMING, isPastStartBy, queueDelay, runAtUpTo } from './task-timing';
import type { TaskTypeDefinition } from './task-type';

export interface AttemptStartDeps {
  store: TaskLifecycle;
  clock: Clock;
  log: Log;
}

/**
 * Starts the attempt a delivery is numbered as (conditionally), or resumes the suspended attempt it
 * comes back for: the running task, or what to do with the message instead (expired, early, duplicate).
 */
export async function startOrResume(
  deps: AttemptStartDeps,
  type: TaskTypeDefinition,
  message: TaskMessage,
  attempt: number,
): Promise<{ task: Task } | AttemptOutcome> {
  const now = deps.clock.now().toISOString();
  const started = await deps.store.startAttempt(message.tenant, message.task_id, {
    attempt,
    now,
    sweepAt: sweepAtForAttempt(now, type),
    runAtUpTo: runAtUpTo(now),
  });
  if (started.ok) return { task: started.task };
  return (await resumeSuspended(deps, type, attempt, started.current, now)) ?? notStarted(deps, started.current, now);
}

/** Why a delivery started nothing: expired, early for its run_at, or a duplicate. */
async function notStarted(
  deps: AttemptStartDeps,
  current: Task | undefined,
  startedAtIso: string,
): Promise<AttemptOutcome> {
  if (!current) return { kind: 'ack', reason: 'not_found' };
  if (isPastStartBy(current, startedAtIso) && (current.status === 'scheduled' || current.status === 'pending')) {
    return expire(deps, current, startedAtIso);
  }
  if (current.status === 'scheduled' && current.run_at && current.run_at > runAtUpTo(startedAtIso)) {
    const delay = queueDelay(current.run_at, deps.clock.now());
    return { kind: 'defer', delaySeconds: delay?.delaySeconds ?? TIMING.maxQueueDelaySeconds };
  }
  // Terminal; another delivery of this task already owns this or a later attempt; or this delivery is
  // numbered beyond the last attempt (a re-enqueued message outliving a final attempt that died: the
  // sweeper fails that task once the attempt's bound passes).
  deps.log.info('delivery ignored', {
    status: current.status,
    attempts: current.attempts,
    max_attempts: current.max_attempts,
  });
  return { kind: 'ack', reason: 'duplicate' };
}

/**
 * A delivery for a sleeping or waiting task: once its wake time has come, the suspended attempt goes
 * on (no attempt is counted: its message carries the same attempt number); early, it is deferred;
 * a waiting task whose token is not settled yet ignores it. Undefined: the task is not suspended.
 */
async function resumeSuspended(
  deps: AttemptStartDeps,
  type: TaskTypeDefinition,
  attempt: number,
  current: Task | undefined,
  now: string,
): Promise<{ task: Task } | AttemptOutcome | undefined> {
  if (!current || (current.status !== 'sleeping' && current.status !== 'waiting')) return undefined;
  if (!current.wake_at) return notStarted(deps, current, now);
  if (current.wake_at > runAtUpTo(now)) {
    const delay = queueDelay(current.wake_at, deps.clock.now());
    return { kind: 'defer', delaySeconds: delay?.delaySeconds ?? TIMING.maxQueueDelaySeconds };
  }
  const resumed = await deps.store.resume(current.tenant, current.id, {
    attempt,
    now,
    sweepAt: sweepAtForAttempt(now, type),
    wakeUpTo: runAtUpTo(now),
    endsSleep: current.status === 'sleeping' ? current.suspended_step : undefined,
  });
  if (!resumed.ok) return notStarted(deps, resumed.current, now);
  deps.log.info('suspended task resumed', { suspended_step: current.suspended_step, status: current.status });
  return { task: resumed.task };
}

/** Ends a task that was not started by its start_by; its message is deleted without running it. */
async function expire(deps: AttemptStartDeps, task: Task, now: string): Promise<AttemptOutcome> {
  const expired = await deps.store.expire(task.tenant, task.id, now);
  deps.log.info(expired.ok ? 'task expired before it started' : 'expiry lost a race; record already moved on', {
    start_by: task.start_by,
  });
  return { kind: 'ack', reason: expired.ok ? 'expired' : 'duplicate' };
}
