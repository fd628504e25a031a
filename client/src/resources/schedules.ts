import { Paginated, type Page } from '../pages';
import type { AnyTaskTypes, CreateScheduleInput, TaskTypeMap } from '../payloads';
import type { CallOptions, Transport } from '../transport';
import type { Schedule } from '../types';

/** PATCH /schedules/{id}: the fields to change; `webhook_url: null` removes it. */
export interface ScheduleChange<Types extends TaskTypeMap = AnyTaskTypes> {
  enabled?: boolean;
  cron?: string;
  timezone?: string;
  /** Checked against the schedule's type; applies from the next firing created. */
  payload?: Types[keyof Types & string];
  webhook_url?: string | null;
}

/** Cron schedules of the key's tenant: each firing creates one task. */
export class Schedules<Types extends TaskTypeMap = AnyTaskTypes> {
  constructor(private readonly transport: Transport) {}

  /**
   * POST /schedules. Not retried after an unknown outcome (the route takes no Idempotency-Key, and a
   * repeat could make a second schedule); 429 and refused requests are retried as usual.
   */
  create(input: CreateScheduleInput<Types>, options?: CallOptions): Promise<Schedule> {
    return this.transport.json<Schedule>({ method: 'POST', path: 'schedules', body: input, retrySafe: false }, options);
  }

  /** GET /schedules: newest first; iterate it for every schedule, or call `.page()` for one page. */
  list(query: { limit?: number } = {}): Paginated<Schedule> {
    return new Paginated((cursor, options) =>
      this.transport.json<Page<Schedule>>(
        { method: 'GET', path: 'schedules', query: { ...query, cursor }, retrySafe: true },
        options,
      ),
    );
  }

  /** GET /schedules/{id}: with `next_run_at` and its last firings. */
  get(id: string, options?: CallOptions): Promise<Schedule> {
    return this.transport.json<Schedule>({ method: 'GET', path: schedulePath(id), retrySafe: true }, options);
  }

  /** PATCH /schedules/{id}. Setting fields to values is the same done twice, so it is retried. */
  update(id: string, change: ScheduleChange<Types>, options?: CallOptions): Promise<Schedule> {
    return this.transport.json<Schedule>(
      { method: 'PATCH', path: schedulePath(id), body: change, retrySafe: true },
      options,
    );
  }

  /** Pauses it (`next_run_at` becomes null); a firing already created for a time ahead is canceled. */
  pause(id: string, options?: CallOptions): Promise<Schedule> {
    return this.update(id, { enabled: false }, options);
  }

  /** Resumes it from its next time after now; times missed while paused are skipped. */
  resume(id: string, options?: CallOptions): Promise<Schedule> {
    return this.update(id, { enabled: true }, options);
  }

  /** DELETE /schedules/{id}. A retried delete whose first try did delete answers 404. */
  async delete(id: string, options?: CallOptions): Promise<void> {
    await this.transport.request<void>({ method: 'DELETE', path: schedulePath(id), retrySafe: true }, options);
  }
}

function schedulePath(id: string): string {
  return `schedules/${encodeURIComponent(id)}`;
}
