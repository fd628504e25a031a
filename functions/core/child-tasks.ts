import { ConflictError, NotFoundError, PermanentTaskError } from './errors';
import { noMetrics, type TaskMetrics } from './metrics';
import { newPendingTask } from './new-task';
import type { ChildRecords, Clock, TaskCatalog, TaskQueue, WriteResult } from './ports';
import { assertStorable } from './storable-json';
import type { Task } from './task';
import type { ChildInput, ChildTasks } from './task-services';
import type { TaskTypeDefinition } from './task-type';
import type { TaskTypes } from './task-types';
import { TASK_STORAGE } from './task-storage';
import { issuesToDetails } from './validation';

export interface ChildTaskDeps {
  store: Pick<TaskCatalog, 'create' | 'get'>;
  records: Pick<ChildRecords, 'wakeWaiting'>;
  /** The registry, handed in by the composition root: a child may be of any type. */
  types: TaskTypes;
  queue: TaskQueue;
  clock: Clock;
  metrics?: TaskMetrics;
  /** Throws for a webhook target the API would refuse (webhooks/target-guard.ts). */
  checkWebhookUrl: (url: string) => void;
}

/**
 * The children of ctx.spawn, created with the API's rules for POST /tasks (payload schema and size,
 * webhook target, concurrency key) but no creation rate limit: the request that created the parent
 * was counted. The creation is a conditional put of a derived id, so a replayed spawn creates nothing.
 */
export class ChildTaskCreator implements ChildTasks {
  constructor(private readonly deps: ChildTaskDeps) {}

  check(input: ChildInput): void {
    this.parse(input);
  }

  async create(input: ChildInput): Promise<void> {
    const { type, payload } = this.parse(input);
    const now = this.deps.clock.now().toISOString();
    const written = await this.deps.store.create(
      newPendingTask({
        id: input.id,
        tenant: input.tenant,
        type,
        payload,
        now,
        webhook_url: input.options?.webhook_url,
        concurrency_key: input.options?.concurrency_key,
        parent_id: input.parent_id,
        parent_step: input.step,
      }),
    );
    if (written.ok) (this.deps.metrics ?? noMetrics).count('created', type.name);
    // Found still pending: the earlier spawn may have died between its put and its send (a duplicate is acknowledged).
    const current = written.ok ? written.task : written.current;
    if (current?.status === 'pending')
      await this.deps.queue.send(type.name, { tenant: input.tenant, task_id: input.id });
  }

  get(tenant: string, id: string): Promise<Task | undefined> {
    return this.deps.store.get(tenant, id);
  }

  wakeWaiting(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult> {
    return this.deps.records.wakeWaiting(tenant, id, step, sweepAt, now);
  }

  private parse(input: ChildInput): { type: TaskTypeDefinition; payload: unknown } {
    const where = `ctx.spawn("${input.step}")`;
    try {
      const type = this.deps.types.require(input.type);
      assertStorable(input.payload, 'payload', TASK_STORAGE.payloadBytes);
      const parsed = type.payloadSchema.safeParse(input.payload ?? {});
      if (!parsed.success) {
        const details = issuesToDetails(parsed.error.issues, 'payload').map((d) => `${d.field}: ${d.rule}`);
        throw new PermanentTaskError(`${where}: the payload is not valid for "${type.name}" (${details.join('; ')}).`);
      }
      if (input.options?.webhook_url) this.deps.checkWebhookUrl(input.options.webhook_url);
      if (input.options?.concurrency_key !== undefined && type.settings.concurrencyPerKey === undefined) {
        throw new PermanentTaskError(`${where}: task type "${type.name}" has no per-key concurrency limit.`);
      }
      return { type, payload: parsed.data };
    } catch (error) {
      if (error instanceof PermanentTaskError) throw error;
      throw new PermanentTaskError(`${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/**
 * DELETE of a parent cancels its children that have not ended, with the same rules (waiting ones at
 * once, running ones at their next checkpoint; their own children in turn). One already ended is skipped.
 */
export async function cancelChildren(
  cancel: (tenant: string, id: string) => Promise<unknown>,
  parent: Pick<Task, 'tenant' | 'steps'>,
): Promise<void> {
  const running = Object.values(parent.steps ?? {}).filter((e) => e.kind === 'child' && e.status === 'running');
  await Promise.all(
    running.map((entry) =>
      cancel(parent.tenant, entry.task_id!).catch((error: unknown) => {
        // Ended meanwhile, or never created (the spawn died between its step and its put).
        if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
      }),
    ),
  );
}
