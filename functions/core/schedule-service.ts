import { checkedPayload } from './payload-check';
import { ConflictError, NotFoundError, ServiceUnavailableError } from './errors';
import { newSortableId } from './ids';
import type { Clock, Log, Page } from './ports';
import { SCHEDULE_ID_PATTERN, type Schedule } from './schedule';
import { type CronSpec, isFireTime, nextFireAfter, parseCronSpec } from './schedule-cron';
import type { FiringTasks, ScheduleStore } from './schedule-ports';
import type { WebhookUrlCheck } from './task-service';
import type { TaskTypes } from './task-types';

export interface CreateScheduleInput {
  tenant: string;
  type: string;
  payload?: unknown;
  cron: string;
  timezone?: string;
  webhook_url?: string;
  /** Default true. */
  enabled?: boolean;
}

/** A change to a schedule: absent fields stay as they are; `webhook_url: null` removes it. */
export interface UpdateScheduleInput {
  enabled?: boolean;
  cron?: string;
  timezone?: string;
  payload?: unknown;
  webhook_url?: string | null;
}

export interface ScheduleServiceDeps {
  store: ScheduleStore;
  /** The registry, handed in by the composition root. */
  types: TaskTypes;
  /** Cancels a firing created ahead of its time when the schedule is paused, deleted or moved off that time. */
  tasks: Pick<FiringTasks, 'get' | 'cancel'>;
  clock: Clock;
  log: Log;
  /** The same check tasks get (webhooks/target-guard.ts). */
  checkWebhookUrl: WebhookUrlCheck;
  /** Schedules one tenant may hold; beyond it, 409 `schedule_limit`. */
  maxPerTenant: number;
}

/** Conditional writes lose races (the scheduler advances schedules concurrently); a few re-reads settle them. */
const MAX_RACE_RETRIES = 5;

/** The API's use cases on schedules: create, read, list, change (pause, resume) and delete, all scoped to one tenant. */
export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  async create(input: CreateScheduleInput): Promise<Schedule> {
    const now = this.deps.clock.now();
    const payload = this.validPayload(input.type, input.payload);
    const spec = parseCronSpec(input.cron, input.timezone, now);
    if (input.webhook_url) this.deps.checkWebhookUrl(input.webhook_url);
    const enabled = input.enabled ?? true;
    const schedule: Schedule = {
      id: newSortableId(),
      tenant: input.tenant,
      type: input.type,
      payload,
      ...spec,
      ...(input.webhook_url ? { webhook_url: input.webhook_url } : {}),
      enabled,
      next_run_at: enabled ? nextRunAfter(spec, now) : undefined,
      last_runs: [],
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      version: 1,
    };
    if (!(await this.deps.store.create(schedule, this.deps.maxPerTenant))) {
      throw new ConflictError(
        'schedule_limit',
        `A tenant may hold at most ${this.deps.maxPerTenant} schedules; delete one before creating another.`,
        { limit: this.deps.maxPerTenant },
      );
    }
    return schedule;
  }

  async get(tenant: string, id: string): Promise<Schedule> {
    const schedule = SCHEDULE_ID_PATTERN.test(id) ? await this.deps.store.get(tenant, id) : undefined;
    if (!schedule) throw new NotFoundError(`No schedule with id "${id}".`);
    return schedule;
  }

  list(tenant: string, limit: number, cursor?: string): Promise<Page<Schedule>> {
    return this.deps.store.list(tenant, limit, cursor);
  }

  /**
   * Applies a change. Resuming, or changing the cron expression or time zone, sets the next run from
   * now: times missed while paused are skipped. Pausing cancels a firing already created for a time
   * still ahead (the scheduler creates them up to SCHEDULING.lookaheadSeconds early), and so does a new
   * cron or zone that no longer fires at that time; a new payload or webhook_url applies from the next
   * firing created.
   */
  async update(tenant: string, id: string, change: UpdateScheduleInput): Promise<Schedule> {
    for (let round = 0; round < MAX_RACE_RETRIES; round++) {
      const current = await this.get(tenant, id);
      const now = this.deps.clock.now();
      const next = this.changed(current, change, now);
      if (await this.deps.store.replace(next, current.version)) {
        await this.cancelAheadFiring(current, now, next.enabled ? next : undefined);
        return next;
      }
      // The scheduler fired it, or another change landed first: apply this change to what is there now.
    }
    throw new ServiceUnavailableError(`Schedule "${id}" kept changing while being updated; retry the request.`);
  }

  /** Deletes a schedule; a firing already created for a time still ahead is canceled. */
  async delete(tenant: string, id: string): Promise<void> {
    const removed = SCHEDULE_ID_PATTERN.test(id) ? await this.deps.store.remove(tenant, id) : undefined;
    if (!removed) throw new NotFoundError(`No schedule with id "${id}".`);
    await this.cancelAheadFiring(removed, this.deps.clock.now(), undefined);
  }

  private changed(current: Schedule, change: UpdateScheduleInput, now: Date): Schedule {
    const payload = change.payload === undefined ? current.payload : this.validPayload(current.type, change.payload);
    const spec =
      change.cron === undefined && change.timezone === undefined
        ? { cron: current.cron, timezone: current.timezone }
        : parseCronSpec(change.cron ?? current.cron, change.timezone ?? current.timezone, now);
    if (change.webhook_url) this.deps.checkWebhookUrl(change.webhook_url);
    const webhookUrl = change.webhook_url === undefined ? current.webhook_url : (change.webhook_url ?? undefined);
    const enabled = change.enabled ?? current.enabled;
    const respec = spec.cron !== current.cron || spec.timezone !== current.timezone;
    let nextRunAt: string | undefined;
    if (enabled) nextRunAt = current.enabled && !respec ? current.next_run_at : nextRunAfter(spec, now);
    return {
      id: current.id,
      tenant: current.tenant,
      type: current.type,
      payload,
      ...spec,
      ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
      enabled,
      ...(nextRunAt ? { next_run_at: nextRunAt } : {}),
      last_runs: current.last_runs,
      created_at: current.created_at,
      updated_at: now.toISOString(),
      version: current.version + 1,
    };
  }

  /** The payload as the type's schema accepts it, or a 400 naming the field (400 `type` for an unknown type). */
  private validPayload(typeName: string, payload: unknown): unknown {
    return checkedPayload(this.deps.types.require(typeName), payload);
  }

  /**
   * The newest firing, if its time is still ahead, was created early by the scheduler. It is canceled
   * while it waits (`scheduled`), unless `kept` (the schedule as it now is) still fires at that time.
   * Best effort: the change itself has been written, and a firing that could not be canceled simply runs.
   */
  private async cancelAheadFiring(schedule: Schedule, now: Date, kept: Schedule | undefined): Promise<void> {
    const newest = schedule.last_runs[0];
    if (!newest || !('task_id' in newest) || Date.parse(newest.fire_at) <= now.getTime()) return;
    if (kept && isFireTime(kept, new Date(newest.fire_at))) return;
    try {
      const task = await this.deps.tasks.get(schedule.tenant, newest.task_id);
      if (task.status === 'scheduled') await this.deps.tasks.cancel(schedule.tenant, newest.task_id);
    } catch (error) {
      this.deps.log.warn('could not cancel a firing created ahead of its time', {
        schedule_id: schedule.id,
        task_id: newest.task_id,
        error: String(error),
      });
    }
  }
}

/** The next fire time after `now`, as stored; undefined if the expression fires no more. */
export function nextRunAfter(spec: CronSpec, now: Date): string | undefined {
  return nextFireAfter(spec, now)?.toISOString();
}
