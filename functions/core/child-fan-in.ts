import type { ChildEnd, ChildRecords, Log, TaskQueue } from './ports';
import { sweepAtForPending } from './sweep-policy';
import { isTerminal, type Task } from './task';
import { childEnded, type StepEntry } from './task-steps';
import { resumeMessage } from './task-resume';

/**
 * How often the sweeper looks at a parent waiting for children, in case a child's end was not
 * recorded on it (the child's worker died between its terminal write and the mark): 15 minutes.
 */
export const CHILD_CHECK_SECONDS = 900;

export interface FanInDeps {
  records: ChildRecords;
  queue: TaskQueue;
  log: Log;
}

/**
 * Fan-in, once. A child's end marks its spawn step on the parent (a conditional write: once per
 * child), and the write returns the parent as it is after it. Writes to one item are serialized, so
 * the mark that ends the last child is the only one that returns every child ended; if the parent
 * is already waiting, that caller wakes it (again conditional: `wake_at` not yet set) and sends
 * the resume message. If the parent suspends after the last mark, its own suspend write returns
 * every child ended and it wakes itself (core/child-steps.ts). Duplicates and the sweeper lose the
 * conditional wake; a resume is the conditional `waiting → running`, so the parent resumes once.
 */
export async function recordChildEnd(deps: FanInDeps, child: Task, now: string): Promise<void> {
  if (!child.parent_id || !child.parent_step || !isTerminal(child.status)) return;
  const marked = await deps.records.markChildEnded(
    child.tenant,
    child.parent_id,
    child.parent_step,
    child.id,
    childEndOf(child, now),
    now,
  );
  const parent = marked.ok ? marked.task : marked.current;
  if (parent) await wakeIfAllEnded(deps, parent, now);
}

/** Wakes a parent waiting for children that have all ended (conditionally) and sends its resume message. */
export async function wakeIfAllEnded(deps: FanInDeps, parent: Task, now: string): Promise<boolean> {
  const step = parent.suspended_step ?? '';
  const wait = parent.steps?.[step];
  if (parent.status !== 'waiting' || parent.wake_at || !allChildrenEnded(parent.steps, wait)) return false;
  const woken = await deps.records.wakeWaiting(parent.tenant, parent.id, step, sweepAtForPending(now), now);
  if (!woken.ok) return false;
  await deps.queue.send(parent.type, resumeMessage(woken.task));
  deps.log.info('waiting task woken by the end of its last child', { task_id: parent.id, step });
  return true;
}

/** Whether `wait` is a wait for children that have all ended, by the parent's spawn steps. */
export function allChildrenEnded(steps: Task['steps'], wait: StepEntry | undefined): boolean {
  return wait?.kind === 'children' && (wait.children ?? []).every((name) => childEnded(steps?.[name]));
}

/**
 * The sweeper's look at a parent waiting for children whose `sweep_at` came: children that ended
 * without their end marked are marked now (which may wake it); past its timeout, the wait is timed
 * out and the parent woken to see it. Otherwise the next look is claimed.
 */
export async function sweepChildrenWait(
  deps: FanInDeps & { claimSweep: (next: string) => Promise<boolean> },
  parent: Task,
  now: string,
): Promise<'reenqueued' | 'childWaitsTimedOut' | 'skipped'> {
  const step = parent.suspended_step ?? '';
  const wait = parent.steps?.[step];
  if (wait?.kind !== 'children') return 'skipped';
  let current = parent;
  for (const name of wait.children ?? []) {
    const entry = current.steps?.[name];
    if (!entry?.task_id || childEnded(entry)) continue;
    const child = await deps.records.get(parent.tenant, entry.task_id);
    if (!child || !isTerminal(child.status)) continue;
    const marked = await deps.records.markChildEnded(
      parent.tenant,
      parent.id,
      name,
      child.id,
      childEndOf(child, now),
      now,
    );
    current = (marked.ok ? marked.task : marked.current) ?? current;
  }
  if (await wakeIfAllEnded(deps, current, now)) {
    deps.log.warn('sweeper woke a parent whose last child’s end was not recorded', { task_id: parent.id, step });
    return 'reenqueued';
  }
  if (wait.timeout_at && wait.timeout_at <= now) {
    const timedOut = await deps.records.timeOutWait(parent.tenant, parent.id, step, sweepAtForPending(now), now);
    if (!timedOut.ok) return 'skipped';
    await deps.queue.send(parent.type, resumeMessage(timedOut.task));
    deps.log.info('wait for children timed out', { task_id: parent.id, step });
    return 'childWaitsTimedOut';
  }
  await deps.claimSweep(nextChildCheck(wait.timeout_at, now));
  return 'skipped';
}

/** The next look at a parent waiting for children: the check interval, or its timeout if sooner. */
export function nextChildCheck(timeoutAt: string | undefined, now: string): string {
  const check = new Date(Date.parse(now) + CHILD_CHECK_SECONDS * 1000).toISOString();
  return timeoutAt && timeoutAt < check ? timeoutAt : check;
}

function childEndOf(child: Task, now: string): ChildEnd {
  return {
    status: child.status as ChildEnd['status'],
    ended_at: child.ended_at ?? now,
    ...(child.error ? { error: child.error } : {}),
  };
}
