import { lagRatio, queueWait, type StartedTask } from './start-lag';
import { round, type Summary } from './stats';

/** A task's timestamps (RFC 3339, as GET /tasks answers); ended_at once it has ended. */
export interface FinishedTask extends StartedTask {
  ended_at?: string;
}

const ms = (iso: string | undefined, field: string): number => {
  const value = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(value)) throw new Error(`a completed task has no valid ${field}: ${iso}`);
  return value;
};

export interface WaitVerdict {
  /** started_at − created_at of the tenant's tasks alone on the stack, and behind the other tenant's burst. */
  idleMs: Summary;
  loadedMs: Summary;
  /** Loaded ÷ idle at p50 and p99; null where the idle wait is 0 ms. */
  ratio: { p50: number | null; p99: number | null };
  /** Both ratios known and within the target. */
  met: boolean;
}

/** How much longer a tenant's tasks waited behind another tenant's burst than alone, against a target multiple. */
export function waitVerdict(idle: readonly StartedTask[], loaded: readonly StartedTask[], target: number): WaitVerdict {
  const idleMs = queueWait(idle);
  const loadedMs = queueWait(loaded);
  // The same division as the delayed tasks' lag against the immediate ones' wait.
  const ratio = lagRatio(loadedMs, idleMs);
  const met = ratio.p50 !== null && ratio.p99 !== null && ratio.p50 <= target && ratio.p99 <= target;
  return { idleMs, loadedMs, ratio, met };
}

/** A burst's drain: complete, or as far as it got when the bench stopped waiting. */
export interface Drain {
  /** Every task ended. */
  drained: boolean;
  ended: number;
  /** First task created → last one ended; when not drained, → `stoppedAt` (a lower bound). */
  seconds: number;
}

/** How long a burst took to drain, from its first task's creation to its last one's end (or to `stoppedAt`, if some never ended). */
export function drain(tasks: readonly FinishedTask[], stoppedAt: Date): Drain {
  const first = Math.min(...tasks.map((t) => ms(t.created_at, 'created_at')));
  const ended = tasks.filter((t) => t.ended_at !== undefined);
  const drained = ended.length === tasks.length;
  const last = drained ? Math.max(...ended.map((t) => ms(t.ended_at, 'ended_at'))) : stoppedAt.getTime();
  return { drained, ended: ended.length, seconds: tasks.length ? round((last - first) / 1000, 2) : 0 };
}

/** The most tasks that ran at the same time (started_at to ended_at; tasks not ended are left out): what a per-tenant cap bounds. */
export function peakRunning(tasks: readonly FinishedTask[]): number {
  // Ends sort before starts at the same instant: a task that ended as another started did not overlap it.
  const edges = tasks
    .filter((t) => t.ended_at !== undefined)
    .flatMap((t) => [
      { at: ms(t.started_at, 'started_at'), step: 1 },
      { at: ms(t.ended_at, 'ended_at'), step: -1 },
    ])
    .sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let peak = 0;
  for (const { step } of edges) {
    running += step;
    peak = Math.max(peak, running);
  }
  return peak;
}

/** How many of `tasks` had not started at `iso` (or never did): the backlog another tenant's task found when it was created. */
export function notStartedAt(tasks: readonly StartedTask[], iso: string): number {
  const at = ms(iso, 'created_at');
  return tasks.filter((t) => t.started_at === undefined || ms(t.started_at, 'started_at') > at).length;
}
