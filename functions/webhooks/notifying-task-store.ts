import type { ResultRef } from '../core/result-store';
import type {
  ListQuery,
  Log,
  Page,
  ReadOptions,
  ResumeAttempt,
  StartAttempt,
  Suspension,
  TaskCatalog,
  TaskLifecycle,
  WriteResult,
} from '../core/ports';
import type { Task } from '../core/task';
import type { StepEntry } from '../core/task-steps';
import { webhookEventOf } from '../core/webhook-message';
import type { WebhookSender } from './webhook-sender';

/**
 * The task store with the webhook step: after each write that may end a task (complete, fail,
 * cancelRunning, cancelWaiting, expire) and did, a task with a webhook_url has its webhook sent on
 * its way by `webhooks` (a task worker tries it at once and queues it only if that fails; the API and
 * the sweeper queue it: direct-delivery.ts), and a child task (ctx.spawn) has its end recorded on its
 * parent (`childEnded`, core/child-fan-in.ts, whose lost calls the sweeper's look at the waiting
 * parent makes up for). Whoever wins the conditional terminal write sends it, so one delivery is owed
 * per task. Should the send fail or the process die first, nothing is lost: the same write put the
 * task in the webhook sweep (`webhook_sweep_at`, a grace period ahead), and the sweeper sends it.
 * Every other write is the wrapped store's own.
 */
export class NotifyingTaskStore implements TaskCatalog, TaskLifecycle {
  constructor(
    private readonly store: TaskCatalog & TaskLifecycle,
    private readonly webhooks: WebhookSender,
    private readonly log: Log,
    private readonly childEnded?: (child: Task, now: string) => Promise<void>,
  ) {}

  async complete(
    tenant: string,
    id: string,
    attempt: number,
    result: unknown,
    now: string,
    resultRef?: ResultRef,
  ): Promise<WriteResult> {
    return this.ended(await this.store.complete(tenant, id, attempt, result, now, resultRef), now);
  }

  async fail(
    tenant: string,
    id: string,
    attempt: number | undefined,
    error: Task['error'],
    now: string,
  ): Promise<WriteResult> {
    return this.ended(await this.store.fail(tenant, id, attempt, error, now), now);
  }

  async cancelRunning(tenant: string, id: string, attempt: number, now: string): Promise<WriteResult> {
    return this.ended(await this.store.cancelRunning(tenant, id, attempt, now), now);
  }

  async expire(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.ended(await this.store.expire(tenant, id, now), now);
  }

  async cancelWaiting(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.ended(await this.store.cancelWaiting(tenant, id, now), now);
  }

  create(task: Task): Promise<WriteResult> {
    return this.store.create(task);
  }

  get(tenant: string, id: string, options?: ReadOptions): Promise<Task | undefined> {
    return this.store.get(tenant, id, options);
  }

  list(query: ListQuery): Promise<Page<Task>> {
    return this.store.list(query);
  }

  deletePending(tenant: string, id: string): Promise<void> {
    return this.store.deletePending(tenant, id);
  }

  requestCancel(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.store.requestCancel(tenant, id, now);
  }

  startAttempt(tenant: string, id: string, start: StartAttempt): Promise<WriteResult> {
    return this.store.startAttempt(tenant, id, start);
  }

  progress(
    tenant: string,
    id: string,
    attempt: number,
    progress: number,
    message: string | undefined,
    now: string,
  ): Promise<WriteResult> {
    return this.store.progress(tenant, id, attempt, progress, message, now);
  }

  retry(
    tenant: string,
    id: string,
    attempt: number,
    error: Task['error'],
    nextAttemptAt: string,
    sweepAt: string,
    now: string,
  ): Promise<WriteResult> {
    return this.store.retry(tenant, id, attempt, error, nextAttemptAt, sweepAt, now);
  }

  saveStep(
    tenant: string,
    id: string,
    attempt: number,
    name: string,
    entry: StepEntry,
    now: string,
  ): Promise<WriteResult> {
    return this.store.saveStep(tenant, id, attempt, name, entry, now);
  }

  suspend(tenant: string, id: string, attempt: number, suspension: Suspension, now: string): Promise<WriteResult> {
    return this.store.suspend(tenant, id, attempt, suspension, now);
  }

  resume(tenant: string, id: string, resume: ResumeAttempt): Promise<WriteResult> {
    return this.store.resume(tenant, id, resume);
  }

  /**
   * What follows a write that may have ended a task: its parent's record of it, then its webhook. The
   * parent first: one DynamoDB write that may resume it, which should not wait on a receiver's answer
   * (the first delivery attempt can take seconds).
   */
  private async ended(result: WriteResult, now: string): Promise<WriteResult> {
    if (result.ok && result.task.parent_id && this.childEnded) {
      await this.childEnded(result.task, now).catch((error: unknown) =>
        this.log.warn('recording the end on the parent failed; the sweeper will', {
          task_id: result.task.id,
          parent_id: result.task.parent_id,
          error: String(error),
        }),
      );
    }
    await this.sendWebhook(result);
    return result;
  }

  /** Sends the webhook of a task this write ended; one that could not even be queued is left to the sweeper. */
  private async sendWebhook(result: WriteResult): Promise<WriteResult> {
    const event = result.ok ? webhookEventOf(result.task) : undefined;
    if (result.ok && event && result.task.webhook_url) {
      await this.webhooks.send(result.task, event).catch((error: unknown) =>
        this.log.warn('queueing the webhook failed; the sweeper will send it', {
          task_id: result.task.id,
          error: String(error),
        }),
      );
    }
    return result;
  }
}
