import type { Page } from './ports';
import type { Schedule } from './schedule';
import type { TaskService } from './task-service';

/** An entry of the due index: an enabled schedule and the fire time it was listed with. */
export interface DueSchedule {
  tenant: string;
  id: string;
  next_run_at: string;
}

/** Where schedules live: the records, the tenant's cap, and the index of enabled schedules by next fire time. */
export interface ScheduleStore {
  /**
   * Inserts a new schedule unless the tenant already holds `maxPerTenant`; false means the cap is
   * reached and nothing was written. The count and the insert are one decision: concurrent creates
   * never pass the cap together.
   */
  create(schedule: Schedule, maxPerTenant: number): Promise<boolean>;
  /** One schedule, strongly consistent. */
  get(tenant: string, id: string): Promise<Schedule | undefined>;
  /** The tenant's schedules, newest first; `cursor` is a page's `nextCursor`, checked by the store. */
  list(tenant: string, limit: number, cursor?: string): Promise<Page<Schedule>>;
  /** Writes a changed schedule only if its stored version is still `expectedVersion` (false: changed or deleted since). */
  replace(schedule: Schedule, expectedVersion: number): Promise<boolean>;
  /** Deletes a schedule and frees its place under the cap; returns what was deleted, undefined if nothing was. */
  remove(tenant: string, id: string): Promise<Schedule | undefined>;
  /**
   * Enabled schedules of one shard whose next fire time is at most `dueBy`, earliest first; `after`, the
   * last entry of the previous page as it was listed, continues behind it.
   */
  listDue(shard: number, dueBy: string, limit: number, after?: DueSchedule): Promise<DueSchedule[]>;
}

/**
 * What schedules need of tasks: create a firing's task (delayed to its fire time, once per id), and
 * cancel one created ahead of a time that should no longer fire. TaskService provides them.
 */
export type FiringTasks = Pick<TaskService, 'createFiring' | 'get' | 'cancel'>;
