import { cancelChildren } from './child-tasks';
import { ConflictError, NotFoundError, RateLimitedError, ServiceUnavailableError, ValidationError } from './errors';
import { TASK_ID_PATTERN, idempotentTaskId, newSortableId, requestFingerprint } from './ids';
import { noMetrics, type TaskMetrics } from './metrics';
import { newPendingTask } from './new-task';
import type { Clock, ListQuery, Log, Page, TaskCatalog, TaskQueue } from './ports';
import type { RateLimiter } from './rate-limiter';
import { checkedPayload } from './payload-check';
import type { PayloadRef } from './result-store';
import { isTerminal, type Task } from './task';
import type { TaskTypes } from './task-types';
import { queueDelay, resolveTiming, type TimingInput } from './task-timing';
import { issuesToDetails } from './validation';

/** A create request: `run_at`/`delay_seconds` delay the first attempt, `start_by`/`ttl_seconds` expire it (core/task-timing.ts). */
export interface CreateTaskInput extends TimingInput {
  tenant: string;
  type: string;
  payload?: unknown;
  webhook_url?: string;
  idempotencyKey?: string;
  /** Set by rerun: the finished task this one repeats. */
  rerun_of?: string;
  /** Only for a type with concurrencyPerKey: tasks sharing it run at most that many at once. */
  concurrency_key?: string;
  /** A payload by reference, checked and copied already (core/payload-upload.ts), in place of `payload`. */
  payload_ref?: PayloadRef;
  /** The id to use, for a caller that needed it first (the copy of a payload by reference is under it). */
  id?: string;
}

export interface RerunInput {
  tenant: string;
  id: string;
  /** Replaces the original payload (validated like a new task's). */
  payload?: unknown;
  idempotencyKey?: string;
}

export interface CreateTaskOutcome {
  task: Task;
  /** True when an earlier request with the same Idempotency-Key created the task. */
  replayed: boolean;
}

/** One firing of a schedule: the caller derives the id from schedule and fire time, so a repeat finds the same task. */
export interface FiringInput {
  tenant: string;
  type: string;
  payload: unknown;
  webhook_url?: string;
  id: string;
  /** The fire time: the task is `scheduled` until then (`pending` if it has passed). */
  run_at: string;
  schedule_id: string;
}

export interface CancelOutcome {
  task: Task;
  /** `canceled`: it will never run; `requested`: running, it stops at its next checkpoint. */
  outcome: 'canceled' | 'requested';
}

/** Throws a ValidationError (field `webhook_url`) for a target webhooks may not be sent to. */
export type WebhookUrlCheck = (url: string) => void;

export interface TaskServiceDeps {
  store: TaskCatalog;
  /** The registry, handed in by the composition root. */
  types: TaskTypes;
  queue: TaskQueue;
  clock: Clock;
  log: Log;
  metrics?: TaskMetrics;
  /** Per-tenant creation limit, taken after validation so rejected requests cost nothing. */
  rateLimiter?: RateLimiter;
  /** Which webhook targets are accepted (checked again, with DNS, at delivery: webhooks/target-guard.ts). */
  checkWebhookUrl: WebhookUrlCheck;
}

/** Conditional writes lose races by design; a few re-reads settle them. */
const MAX_RACE_RETRIES = 5;

/** The API's use cases on tasks: create, read, list and cancel, all scoped to one tenant. */
export class TaskService {
  constructor(private readonly deps: TaskServiceDeps) {}

  async create(input: CreateTaskInput): Promise<CreateTaskOutcome> {
    const type = this.deps.types.require(input.type);
    // A payload by reference was checked before its copy was written (core/payload-upload.ts).
    const payload = input.payload_ref ? null : checkedPayload(type, input.payload);
    if (input.webhook_url) this.deps.checkWebhookUrl(input.webhook_url);
    if (input.concurrency_key !== undefined && type.settings.concurrencyPerKey === undefined) {
      throw new ValidationError(`Task type "${type.name}" has no per-key concurrency limit.`, [
        { field: 'concurrency_key', rule: `not accepted by task type "${type.name}" (it sets no concurrencyPerKey)` },
      ]);
    }
    const clockNow = this.deps.clock.now();
    const timing = resolveTiming(input, clockNow);
    const wait = (await this.deps.rateLimiter?.take(input.tenant)) ?? 0;
    if (wait > 0) throw new RateLimitedError(wait);
    const now = clockNow.toISOString();
    const fingerprint = input.idempotencyKey
      ? requestFingerprint({
          type: input.type,
          payload: input.payload_ref ? { upload_id: input.payload_ref.upload_id } : (input.payload ?? {}),
          webhook_url: input.webhook_url,
          run_at: input.run_at,
          delay_seconds: input.delay_seconds,
          start_by: input.start_by,
          ttl_seconds: input.ttl_seconds,
          rerun_of: input.rerun_of,
          concurrency_key: input.concurrency_key,
        })
      : undefined;
    const task = newPendingTask({
      id: input.id ?? (input.idempotencyKey ? idempotentTaskId(input.tenant, input.idempotencyKey) : newSortableId()),
      tenant: input.tenant,
      type,
      payload,
      payload_ref: input.payload_ref,
      now,
      webhook_url: input.webhook_url,
      idempotency_key: input.idempotencyKey,
      request_fingerprint: fingerprint,
      run_at: timing.runAt,
      start_by: timing.startBy,
      rerun_of: input.rerun_of,
      concurrency_key: input.concurrency_key,
    });
    const written = await this.deps.store.create(task);
    if (!written.ok) return this.replay(written.current, fingerprint, input.idempotencyKey);
    await this.enqueue(task);
    (this.deps.metrics ?? noMetrics).count('created', type.name);
    return { task, replayed: false };
  }

  /**
   * A new task of a finished task's type, payload (or the one given) and webhook_url, carrying
   * `rerun_of`; the original is untouched. Only terminal tasks: a running one would run twice.
   */
  async rerun(input: RerunInput): Promise<CreateTaskOutcome> {
    const original = await this.get(input.tenant, input.id);
    if (!isTerminal(original.status)) {
      throw new ConflictError(
        'task_not_finished',
        `Task "${input.id}" is ${original.status}; only a finished task (completed, failed, canceled, expired) can be rerun.`,
        { status: original.status },
      );
    }
    return this.create({
      tenant: input.tenant,
      type: original.type,
      payload: input.payload === undefined ? original.payload : input.payload,
      // The original's copy of a payload by reference is shared: it is never written again.
      payload_ref: input.payload === undefined ? original.payload_ref : undefined,
      webhook_url: original.webhook_url,
      idempotencyKey: input.idempotencyKey,
      rerun_of: original.id,
      concurrency_key: original.concurrency_key,
    });
  }

  /**
   * Creates the task of one schedule firing, to run at the fire time, unless it exists already (a
   * firing processed twice makes one task). A task found still waiting gets its message again: the
   * earlier call may have died between its write and its send; a duplicate message is acknowledged.
   */
  async createFiring(input: FiringInput): Promise<{ task: Task; created: boolean }> {
    const type = this.deps.types.require(input.type);
    const parsed = type.payloadSchema.safeParse(input.payload ?? {});
    if (!parsed.success) {
      throw new ValidationError(
        `The schedule's payload is no longer valid for task type "${type.name}".`,
        issuesToDetails(parsed.error.issues, 'payload'),
      );
    }
    const now = this.deps.clock.now().toISOString();
    const task = newPendingTask({
      id: input.id,
      tenant: input.tenant,
      type,
      payload: parsed.data,
      now,
      webhook_url: input.webhook_url,
      run_at: input.run_at,
      schedule_id: input.schedule_id,
    });
    const written = await this.deps.store.create(task);
    if (written.ok) {
      await this.send(task);
      (this.deps.metrics ?? noMetrics).count('created', type.name);
      return { task, created: true };
    }
    const current = written.current;
    if (!current) throw new ServiceUnavailableError(`Task "${input.id}" is being replaced; retry.`);
    if (current.status === 'scheduled' || current.status === 'pending') await this.send(current);
    return { task: current, created: false };
  }

  /** Sends a waiting task's message: with the remaining delay if it is delayed, none yet if further ahead than a message waits. */
  private async send(task: Task): Promise<void> {
    const delay = queueDelay(task.run_at, this.deps.clock.now());
    // Beyond a message's delay: the sweeper hands it to the queue when its run time comes near.
    if (!delay) return;
    await this.deps.queue.send(
      task.type,
      { tenant: task.tenant, task_id: task.id },
      delay.delaySeconds > 0 ? delay : undefined,
    );
  }

  private async enqueue(task: Task): Promise<void> {
    try {
      await this.send(task);
    } catch (error) {
      // Nothing half-written: remove the record so the client can simply retry the request.
      this.deps.log.error('enqueue failed; removing the pending task', { task_id: task.id, error: String(error) });
      try {
        await this.deps.store.deletePending(task.tenant, task.id);
      } catch (deleteError) {
        // Still a 503. The record stays pending without a message; the sweeper re-enqueues such tasks.
        this.deps.log.error('removing the pending task failed too', { task_id: task.id, error: String(deleteError) });
      }
      throw new ServiceUnavailableError('The task could not be queued; nothing was started. Retry the request.');
    }
  }

  async get(tenant: string, id: string): Promise<Task> {
    const task = TASK_ID_PATTERN.test(id) ? await this.deps.store.get(tenant, id) : undefined;
    if (!task) throw new NotFoundError(`No task with id "${id}".`);
    return task;
  }

  list(query: ListQuery): Promise<Page<Task>> {
    if (query.type) this.deps.types.require(query.type);
    return this.deps.store.list(query);
  }

  async cancel(tenant: string, id: string): Promise<CancelOutcome> {
    for (let round = 0; round < MAX_RACE_RETRIES; round++) {
      const task = await this.get(tenant, id);
      if (isTerminal(task.status)) {
        throw new ConflictError(
          'task_finished',
          `Task "${id}" already ended with status "${task.status}"; it cannot be canceled.`,
          {
            status: task.status,
          },
        );
      }
      const now = this.deps.clock.now().toISOString();
      if (task.status === 'running') {
        const requested = await this.deps.store.requestCancel(tenant, id, now);
        if (requested.ok) {
          await cancelChildren((t, child) => this.cancel(t, child), requested.task);
          return { task: requested.task, outcome: 'requested' };
        }
      } else {
        const canceled = await this.deps.store.cancelWaiting(tenant, id, now);
        if (canceled.ok) {
          (this.deps.metrics ?? noMetrics).count('canceled', task.type);
          await cancelChildren((t, child) => this.cancel(t, child), canceled.task);
          return { task: canceled.task, outcome: 'canceled' };
        }
      }
      // The status changed under us (a worker started or finished the task): look again.
    }
    throw new ServiceUnavailableError(`Task "${id}" kept changing while canceling; retry the request.`);
  }

  private replay(
    current: Task | undefined,
    fingerprint: string | undefined,
    key: string | undefined,
  ): CreateTaskOutcome {
    if (!current || !key) {
      // A ULID collision is not a realistic case; an expired idempotent task being deleted is.
      throw new ServiceUnavailableError('The task id is being reused; retry the request.');
    }
    if (current.request_fingerprint !== fingerprint) {
      throw new ConflictError(
        'idempotency_key_reused',
        `Idempotency-Key "${key}" was already used with a different request body (task "${current.id}").`,
        { task_id: current.id },
      );
    }
    return { task: current, replayed: true };
  }
}
