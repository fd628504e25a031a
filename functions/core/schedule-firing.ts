import { ValidationError } from './errors';
import { scheduledTaskId } from './ids';
import type { Clock, Log } from './ports';
import { SCHEDULING, type Schedule, type ScheduleRun, withRun } from './schedule';
import { latestFireAtOrBefore, nextFireAfter } from './schedule-cron';
import type { DueSchedule, FiringTasks, ScheduleStore } from './schedule-ports';

export interface SchedulerDeps {
  store: ScheduleStore;
  tasks: Pick<FiringTasks, 'createFiring'>;
  clock: Clock;
  log: Log;
}

export interface SchedulerReport {
  /** Due entries looked at. */
  due: number;
  /** Firings that created their task (or found it created by an earlier run). */
  fired: number;
  /** Of those, catch-up firings of a schedule that had missed its times. */
  caughtUp: number;
  /** Firings refused (the payload no longer fits the type, or the type is gone): recorded in last_runs. */
  refused: number;
  /** Lost a race to another run or to a change, or no longer due: nothing to do. */
  skipped: number;
  /** Firings that could not be made (queue or table unavailable): the next run tries again. */
  failed: number;
}

/** Due entries read per shard and page; a page shorter than this is the shard's last. */
const PAGE_SIZE = 100;
/** Pages per shard and run: a run ends well within its minute, and whatever is left waits for the next. */
const MAX_PAGES = 10;
/** Schedules fired side by side: each firing is a few sequential requests. */
const PARALLEL = 10;

/** A run that could not fire some due schedule: thrown after the others were fired, so the run counts as failed (alarm). */
export class SchedulerRunError extends Error {
  constructor(readonly report: SchedulerReport) {
    super(`${report.failed} firing(s) could not be created; the next run tries them again.`);
    this.name = 'SchedulerRunError';
  }
}

/**
 * Fires every enabled schedule whose next fire time is due within SCHEDULING.lookaheadSeconds: each
 * firing is a task delayed to its fire time, with an id derived from schedule and fire time (a firing
 * made twice is one task), then the schedule moves on to its next time, conditional on the version
 * read (so concurrent runs and API changes act once). A next time more than
 * SCHEDULING.missedAfterSeconds in the past was missed: the schedule fires once, for the latest
 * missed time (its task runs at once), and skips to its first time after now.
 */
export async function fireDueSchedules(deps: SchedulerDeps): Promise<SchedulerReport> {
  const now = deps.clock.now();
  const dueBy = new Date(now.getTime() + SCHEDULING.lookaheadSeconds * 1000).toISOString();
  const report: SchedulerReport = { due: 0, fired: 0, caughtUp: 0, refused: 0, skipped: 0, failed: 0 };
  for (let shard = 0; shard < SCHEDULING.shards; shard++) {
    let after: DueSchedule | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const entries = await deps.store.listDue(shard, dueBy, PAGE_SIZE, after);
      report.due += entries.length;
      for (let i = 0; i < entries.length; i += PARALLEL) {
        await Promise.all(entries.slice(i, i + PARALLEL).map((entry) => fireEntry(deps, entry, now, report)));
      }
      if (entries.length < PAGE_SIZE) break;
      after = entries.at(-1);
    }
  }
  if (report.due > 0) deps.log.info('scheduler run finished', { ...report });
  if (report.failed > 0) throw new SchedulerRunError(report);
  return report;
}

async function fireEntry(deps: SchedulerDeps, entry: DueSchedule, now: Date, report: SchedulerReport): Promise<void> {
  try {
    // The index lags behind writes and holds no cron: the record, read consistently, decides.
    const schedule = await deps.store.get(entry.tenant, entry.id);
    const outcome = schedule ? await fireSchedule(deps, schedule, now) : { fired: 0, caughtUp: 0, refused: 0 };
    if (outcome.fired + outcome.refused === 0) report.skipped++;
    report.fired += outcome.fired;
    report.caughtUp += outcome.caughtUp;
    report.refused += outcome.refused;
  } catch (error) {
    report.failed++;
    deps.log.error('a schedule could not fire; the next run tries again', {
      tenant: entry.tenant,
      schedule_id: entry.id,
      next_run_at: entry.next_run_at,
      error: String(error),
    });
  }
}

/**
 * Every firing of one schedule due by now + lookahead: usually one, two or three when an every-minute
 * schedule's run came late; a catch-up firing first if its next time was missed.
 */
export async function fireSchedule(
  deps: SchedulerDeps,
  schedule: Schedule,
  now: Date,
): Promise<{ fired: number; caughtUp: number; refused: number }> {
  const counts = { fired: 0, caughtUp: 0, refused: 0 };
  const dueBy = now.getTime() + SCHEDULING.lookaheadSeconds * 1000;
  const missedBefore = now.getTime() - SCHEDULING.missedAfterSeconds * 1000;
  let current = schedule;
  while (current.enabled && current.next_run_at && Date.parse(current.next_run_at) <= dueBy) {
    const missed = Date.parse(current.next_run_at) < missedBefore;
    // A missed schedule fires for its latest missed time (at or before now, so never before next_run_at).
    const fireAt = missed ? latestFireAtOrBefore(current, now) : new Date(current.next_run_at);
    if (!fireAt) break;
    const run = await fire(deps, current, fireAt.toISOString());
    const next: Schedule = {
      ...current,
      next_run_at: nextFireAfter(current, missed ? now : fireAt)?.toISOString(),
      last_runs: withRun(current.last_runs, run),
      updated_at: now.toISOString(),
      version: current.version + 1,
    };
    if (!(await deps.store.replace(next, current.version))) break;
    if ('error' in run) counts.refused++;
    else {
      counts.fired++;
      if (missed) counts.caughtUp++;
    }
    current = next;
  }
  return counts;
}

/** Creates the firing's task, delayed to its time; a firing the task service refuses is recorded, not retried. */
async function fire(deps: SchedulerDeps, schedule: Schedule, fireAt: string): Promise<ScheduleRun> {
  try {
    const { task } = await deps.tasks.createFiring({
      tenant: schedule.tenant,
      type: schedule.type,
      payload: schedule.payload,
      ...(schedule.webhook_url ? { webhook_url: schedule.webhook_url } : {}),
      id: scheduledTaskId(schedule.tenant, schedule.id, fireAt),
      run_at: fireAt,
      schedule_id: schedule.id,
    });
    return { fire_at: fireAt, task_id: task.id };
  } catch (error) {
    // The schedule can never make this task (its type changed under it): record why and move on.
    if (!(error instanceof ValidationError)) throw error;
    deps.log.warn('a schedule firing was refused', {
      schedule_id: schedule.id,
      tenant: schedule.tenant,
      fire_at: fireAt,
    });
    return { fire_at: fireAt, error: { code: error.code, message: error.message } };
  }
}
