import { sweepAtForPending } from './sweep-policy';
import type { Task, TaskSource } from './task';
import type { TaskTypeSettings } from './task-type-settings';

/** A task as it is first written: pending, no attempts yet, watched by the sweeper until a worker takes it. */
export function newPendingTask(input: {
  id: string;
  tenant: string;
  type: { name: string; settings: Pick<TaskTypeSettings, 'maxAttempts'> };
  /** Already validated against the type's schema. */
  payload: unknown;
  now: string;
  webhook_url?: string;
  idempotency_key?: string;
  request_fingerprint?: string;
  source?: TaskSource;
}): Task {
  return {
    id: input.id,
    tenant: input.tenant,
    type: input.type.name,
    status: 'pending',
    progress: 0,
    payload: input.payload,
    attempts: 0,
    max_attempts: input.type.settings.maxAttempts,
    created_at: input.now,
    updated_at: input.now,
    sweep_at: sweepAtForPending(input.now),
    webhook_url: input.webhook_url,
    ...(input.webhook_url ? { webhook: { status: 'pending' as const, attempts: 0 } } : {}),
    idempotency_key: input.idempotency_key,
    request_fingerprint: input.request_fingerprint,
    source: input.source,
  };
}
