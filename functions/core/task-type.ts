import type { z } from 'zod';
import type { DurableContext } from './task-steps';
import type { Log } from './ports';
import type { TaskServices } from './task-services';
import type { TaskTypeSettings } from './task-type-settings';

export type { TaskTypeSettings } from './task-type-settings';

/**
 * What task code sees while it runs. The durable methods (README: "Durable steps"):
 * - `step(name, fn)`: runs fn once per task; later runs get its stored JSON result;
 * - `sleep(name, seconds)`: suspends the task (`sleeping`) for 1 s to a year; run() then replays from the top;
 * - `createToken(name)` / `waitForToken(name, { timeoutSeconds })`: a token to hand out, and a wait
 *   (`waiting`) until POST /tokens/{token}/complete or /fail settles it.
 * Code between steps must be deterministic: it runs again on every resume and retry.
 */
export interface TaskContext<P> extends DurableContext {
  taskId: string;
  tenant: string;
  /** The validated payload. */
  payload: P;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /**
   * Reports progress (0–100) and is the task's cancellation checkpoint: it throws
   * TaskCanceledError once cancellation was requested. Writes are coalesced to about one a second.
   */
  progress(percent: number, message?: string): Promise<void>;
  /** Aborted when the task is canceled or the attempt's timeout elapses. */
  signal: AbortSignal;
  log: Log;
  /** E-mail, files, task records and task actions, behind small ports (core/task-services.ts). */
  services: TaskServices;
}

/**
 * Services a type's worker calls besides the task table and its own queue: the CDK stack grants
 * and configures exactly these for that worker, and nothing to the others.
 * - `email`: SES SendEmail from the configured sender;
 * - `files`: write and link objects under exports/;
 * - `uploads`: read objects under uploads/ (files clients PUT through POST /uploads);
 * - `create_tasks`: create tasks of any type (send to every type's queue);
 * - `manage_tasks`: cancel and rerun the tenant's tasks (send to every type's queue, its own too).
 */
export type TaskServiceUse = 'email' | 'files' | 'uploads' | 'create_tasks' | 'manage_tasks';

/**
 * The contract every task type fulfils. The types themselves (functions/task-types) and their
 * registry are outside the core: the composition roots hand them in as a TaskTypes lookup.
 */
export interface TaskTypeDefinition<S extends z.ZodType = z.ZodType> {
  /** Lower-case name used in the API (`type`) and in resource names. */
  name: string;
  description: string;
  payloadSchema: S;
  settings: TaskTypeSettings;
  /** What the worker needs access to (none when unset). */
  uses?: readonly TaskServiceUse[];
  run(ctx: TaskContext<z.output<S>>): Promise<unknown>;
}

/** Declares a task type with its payload type inferred from the schema. */
export function defineTaskType<S extends z.ZodType>(definition: TaskTypeDefinition<S>): TaskTypeDefinition<S> {
  return definition;
}
