import { NotFoundError } from '../../functions/core/errors';
import { shardOf } from '../../functions/core/ids';
import type { Clock, Log, Page } from '../../functions/core/ports';
import { SCHEDULING, type Schedule } from '../../functions/core/schedule';
import type { DueSchedule, FiringTasks, ScheduleStore } from '../../functions/core/schedule-ports';
import type { Task } from '../../functions/core/task';
import type { FiringInput } from '../../functions/core/task-service';
import { taskItem } from './factories';

const copy = <T>(value: T): T => structuredClone(value);

/** The ScheduleStore port in memory, with the same rules as the DynamoDB store: cap, versions, sparse due index. */
export class InMemoryScheduleStore implements ScheduleStore {
  readonly schedules = new Map<string, Schedule>();

  async create(schedule: Schedule, maxPerTenant: number): Promise<boolean> {
    if ([...this.schedules.values()].filter((s) => s.tenant === schedule.tenant).length >= maxPerTenant) return false;
    this.schedules.set(key(schedule.tenant, schedule.id), copy(schedule));
    return true;
  }

  async get(tenant: string, id: string): Promise<Schedule | undefined> {
    const found = this.schedules.get(key(tenant, id));
    return found && copy(found);
  }

  async list(tenant: string, limit: number, cursor?: string): Promise<Page<Schedule>> {
    const all = [...this.schedules.values()].filter((s) => s.tenant === tenant).sort((a, b) => (a.id < b.id ? 1 : -1));
    const start = cursor ? all.findIndex((s) => s.id === cursor) + 1 : 0;
    const items = all.slice(start, start + limit);
    return { items: copy(items), nextCursor: start + limit < all.length ? items.at(-1)?.id : undefined };
  }

  async replace(schedule: Schedule, expectedVersion: number): Promise<boolean> {
    const current = this.schedules.get(key(schedule.tenant, schedule.id));
    if (!current || current.version !== expectedVersion) return false;
    this.schedules.set(key(schedule.tenant, schedule.id), copy(schedule));
    return true;
  }

  async remove(tenant: string, id: string): Promise<Schedule | undefined> {
    const found = this.schedules.get(key(tenant, id));
    this.schedules.delete(key(tenant, id));
    return found;
  }

  async listDue(shard: number, dueBy: string, limit: number, after?: DueSchedule): Promise<DueSchedule[]> {
    const due = [...this.schedules.values()]
      .filter((s) => s.enabled && s.next_run_at && s.next_run_at <= dueBy)
      .filter((s) => shardOf(s.id, SCHEDULING.shards) === shard)
      .map((s) => ({ tenant: s.tenant, id: s.id, next_run_at: s.next_run_at! }))
      .sort((a, b) => (a.next_run_at < b.next_run_at ? -1 : 1));
    const start = after ? due.findIndex((d) => d.id === after.id) + 1 : 0;
    return due.slice(start, start + limit);
  }
}

const key = (tenant: string, id: string) => `${tenant}#${id}`;

/** The task side of schedules in memory: firings created once per id, as TaskService does. */
export class FakeFiringTasks implements FiringTasks {
  readonly tasks = new Map<string, Task>();
  readonly firings: FiringInput[] = [];
  readonly canceled: string[] = [];
  /** Makes createFiring throw this (once per call) while set. */
  failWith?: Error;

  constructor(private readonly clock: Clock) {}

  async createFiring(input: FiringInput): Promise<{ task: Task; created: boolean }> {
    if (this.failWith) throw this.failWith;
    this.firings.push(input);
    const existing = this.tasks.get(input.id);
    if (existing) return { task: existing, created: false };
    const now = this.clock.now().toISOString();
    const task = taskItem({
      id: input.id,
      tenant: input.tenant,
      type: input.type,
      payload: input.payload,
      status: input.run_at > now ? 'scheduled' : 'pending',
      run_at: input.run_at,
      schedule_id: input.schedule_id,
      webhook_url: input.webhook_url,
      created_at: now,
      updated_at: now,
    });
    this.tasks.set(task.id, task);
    return { task, created: true };
  }

  async get(tenant: string, id: string): Promise<Task> {
    const task = this.tasks.get(id);
    if (!task || task.tenant !== tenant) throw new NotFoundError(`No task with id "${id}".`);
    return task;
  }

  async cancel(tenant: string, id: string) {
    const task = await this.get(tenant, id);
    task.status = 'canceled';
    this.canceled.push(id);
    return { task, outcome: 'canceled' as const };
  }
}

/** A clock the test moves. */
export function movableClock(start: string): Clock & { set(iso: string): void; advance(seconds: number): void } {
  let now = new Date(start);
  return {
    now: () => new Date(now),
    set: (iso) => {
      now = new Date(iso);
    },
    advance: (seconds) => {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };
}

export const silentLog: Log = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
