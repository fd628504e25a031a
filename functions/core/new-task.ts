import type { PayloadRef } from './result-store';
import { sweepAtForPending, sweepAtForScheduled, untilStartBy } from './sweep-policy';
import type { Task, TaskSource } from './task';
import type { TaskTypeSettings } from './task-type-settings';

/**
 * A task as it is first written: pending (or, with a future `run_at`, scheduled), no attempts yet,
 * watched by the sweeper until a worker takes it.
 */
export function newPendingTask(input: {
  id: string;
  tenant: string;
  type: { name: string; settings: Pick<TaskTypeSettings, 'maxAttempts'> };
  /** Already validated against the type's schema. */
  payload: unknown;
  /** A payload by reference (`payload` null). */
  payload_ref?: PayloadRef;
  now: string;
  webhook_url?: string;
  idempotency_key?: string;
  request_fingerprint?: string;
  source?: TaskSource;
  /** A future time the first attempt waits for: the task is `scheduled` until then. */
  run_at?: string;
  start_by?: string;
  schedule_id?: string;
  rerun_of?: string;
  concurrency_key?: string;
  parent_id?: string;
  parent_step?: string;
}): Task {
  const scheduled = input.run_at !== undefined && input.run_at > input.now;
  return {
    id: input.id,
    tenant: input.tenant,
    type: input.type.name,
    status: scheduled ? 'scheduled' : 'pending',
    progress: 0,
    payload: input.payload,
    ...(input.payload_ref ? { payload_ref: input.payload_ref } : {}),
    attempts: 0,
    max_attempts: input.type.settings.maxAttempts,
    created_at: input.now,
    updated_at: input.now,
    sweep_at: untilStartBy(
      scheduled ? sweepAtForScheduled(input.run_at!, input.now) : sweepAtForPending(input.now),
      input.start_by,
    ),
    run_at: input.run_at,
    start_by: input.start_by,
    schedule_id: input.schedule_id,
    rerun_of: input.rerun_of,
    concurrency_key: input.concurrency_key,
    webhook_url: input.webhook_url,
    ...(input.webhook_url ? { webhook: { status: 'pending' as const, attempts: 0 } } : {}),
    idempotency_key: input.idempotency_key,
    request_fingerprint: input.request_fingerprint,
    source: input.source,
    parent_id: input.parent_id,
    parent_step: input.parent_step,
  };
}
