/** The schedule model: a task type, a payload and a cron expression that creates one task per firing. */

/** How schedules fire, in one place (README: "Schedules"). */
export const SCHEDULING = {
  /**
   * The scheduler runs every minute and creates each firing that is due within this much, as a task
   * delayed to the fire time: more than one period, so every firing is created ahead of its time even
   * when a run starts some seconds late, and the task starts on time through SQS DelaySeconds.
   */
  lookaheadSeconds: 90,
  /**
   * A next run further in the past than this was missed (the stack was down, or the scheduler failed
   * for a while): the schedule fires once, for the latest missed time, and skips the rest. Within it a
   * firing is merely late (a run that started late) and fires as usual.
   */
  missedAfterSeconds: 60,
  /** The due index is sharded so that no single index partition takes every schedule's writes. */
  shards: 4,
  /** Firings kept on the schedule record (`last_runs`), newest first. */
  lastRunsKept: 10,
  /** Schedules one tenant may hold unless configured otherwise (TASKLANE_MAX_SCHEDULES_PER_TENANT). */
  defaultMaxPerTenant: 100,
  /**
   * The highest configurable cap: the tenant's schedule ids are kept in one item (the cap's counter),
   * and 10,000 ids of 26 characters stay well below DynamoDB's 400 KB per item.
   */
  maxPerTenantLimit: 10_000,
} as const;

/** One firing of a schedule: the task it created, or why it created none. */
export type ScheduleRun =
  | { fire_at: string; task_id: string }
  /** The firing was refused (the payload no longer fits the type's schema, or the type is gone). */
  | { fire_at: string; error: { code: string; message: string } };

export interface Schedule {
  id: string;
  tenant: string;
  type: string;
  /** Validated against the type's schema when it was set; checked again at each firing. */
  payload: unknown;
  /** Five fields, separated by single spaces. */
  cron: string;
  /** IANA time zone the cron expression is read in. */
  timezone: string;
  webhook_url?: string;
  enabled: boolean;
  /** The next fire time; unset while paused. */
  next_run_at?: string;
  /** The latest firings, newest first (at most SCHEDULING.lastRunsKept). */
  last_runs: ScheduleRun[];
  created_at: string;
  updated_at: string;
  /** Grows with every write: each write is conditional on the version it read. */
  version: number;
}

/** The public JSON shape of a schedule. */
export interface ScheduleView {
  schedule_id: string;
  type: string;
  payload: unknown;
  cron: string;
  timezone: string;
  webhook_url?: string;
  enabled: boolean;
  /** null while paused. */
  next_run_at: string | null;
  last_runs: ScheduleRun[];
  created_at: string;
  updated_at: string;
}

export function toScheduleView(schedule: Schedule): ScheduleView {
  return {
    schedule_id: schedule.id,
    type: schedule.type,
    payload: schedule.payload,
    cron: schedule.cron,
    timezone: schedule.timezone,
    ...(schedule.webhook_url ? { webhook_url: schedule.webhook_url } : {}),
    enabled: schedule.enabled,
    next_run_at: schedule.next_run_at ?? null,
    last_runs: schedule.last_runs,
    created_at: schedule.created_at,
    updated_at: schedule.updated_at,
  };
}

/** Schedule ids are ULIDs; anything else cannot exist, and is not worth a read. */
export const SCHEDULE_ID_PATTERN = /^[0-9A-Z]{26}$/;

/** The runs list after one more firing: newest first, bounded. */
export function withRun(runs: readonly ScheduleRun[], run: ScheduleRun): ScheduleRun[] {
  return [run, ...runs].slice(0, SCHEDULING.lastRunsKept);
}
