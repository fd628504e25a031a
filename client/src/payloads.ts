/**
 * Payload types of the registered task types (functions/task-types/registry.ts), derived from each
 * type's zod schema: the input side, so fields with defaults are optional, as the API accepts them.
 * Type-only imports: the schemas stay on the server, and the client's bundle holds no zod.
 */
import type * as z from 'zod';
import type { bulkPayloadSchema } from '../../functions/task-types/bulk';
import type { emailPayload } from '../../functions/task-types/email';
import type { exportPayload } from '../../functions/task-types/export';
import type { generic } from '../../functions/task-types/generic';
import type { defineImportType } from '../../functions/task-types/import';
import type { workflow } from '../../functions/task-types/workflow';
import type { TaskTiming } from './types';

/** Task type name → payload, for `new Tasklane<TaskTypes>(…)`: one entry per type of the registry. */
export interface TaskTypes {
  generic: z.input<typeof generic.payloadSchema>;
  email: z.input<typeof emailPayload>;
  export: z.input<typeof exportPayload>;
  import: z.input<ReturnType<typeof defineImportType>['payloadSchema']>;
  bulk: z.input<ReturnType<typeof bulkPayloadSchema>>;
  workflow: z.input<typeof workflow.payloadSchema>;
}

/** Task type name → payload: an interface such as TaskTypes, or a type literal. */
export type TaskTypeMap = object;

/** The map of a client given none: any type name, any payload. */
export type AnyTaskTypes = Record<string, unknown>;

/** `payload` may be left out when an empty object is a valid payload (the API then uses `{}`). */
type PayloadField<P> = Record<string, never> extends P ? { payload?: P } : { payload: P };

/** The body of POST /tasks for one type of the map, its payload typed by the type's name. */
export type CreateTaskInput<Types extends TaskTypeMap = AnyTaskTypes> = {
  [Type in keyof Types & string]: {
    type: Type;
    /** An http(s) URL that gets the task's terminal webhook, signed with the tenant's secret. */
    webhook_url?: string;
    /** Tasks sharing it run at most the type's `concurrencyPerKey` at once. */
    concurrency_key?: string;
  } & PayloadField<Types[Type]> &
    TaskTiming;
}[keyof Types & string];

/** The body of POST /schedules for one type of the map. */
export type CreateScheduleInput<Types extends TaskTypeMap = AnyTaskTypes> = {
  [Type in keyof Types & string]: {
    type: Type;
    /** The standard 5 fields, e.g. `0 9 * * 1-5`. */
    cron: string;
    /** An IANA zone name; UTC when unset. */
    timezone?: string;
    webhook_url?: string;
    /** false creates it paused. */
    enabled?: boolean;
  } & PayloadField<Types[Type]>;
}[keyof Types & string];
