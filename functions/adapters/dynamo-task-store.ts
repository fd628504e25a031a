import type { ResultRef } from '../core/result-store';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  systemClock,
  type Clock,
  type ListQuery,
  type Page,
  type ReadOptions,
  type ResumeAttempt,
  type StartAttempt,
  type Suspension,
  type TaskCatalog,
  type TaskLifecycle,
  type WebhookRecords,
  type WriteResult,
} from '../core/ports';
import type { Task, WebhookDeliveryState } from '../core/task';
import type { StepEntry } from '../core/task-steps';
import { sweepShard } from '../core/sweep-policy';
import { fromTaskItem, toTaskItem } from './task-item';
import { listTasks } from './task-listing';
import { STEPS_MAP, TaskStepWrites } from './task-step-writes';
import { ENDED, TaskTable } from './task-table';
import { transition } from './task-transitions';
import { INDEXES, TABLE_KEY, taskKey, webhookSweepPk } from './table-schema';

/**
 * Tasks on DynamoDB as the API creates, reads and lists them, as their attempts move them on, and as
 * their webhook delivery is recorded: every status change is an UpdateItem conditional on the
 * allowed source statuses (task-transitions.ts). The durable-step writes are TaskStepWrites'; the
 * sweep indexes are DynamoSweepStore's.
 */
export class DynamoTaskStore implements TaskCatalog, TaskLifecycle, WebhookRecords {
  private readonly table: TaskTable;
  private readonly steps: TaskStepWrites;

  constructor(
    db: DynamoDBDocumentClient,
    tableName: string,
    private readonly ttlDays: number,
    clock: Clock = systemClock,
  ) {
    this.table = new TaskTable(db, tableName, clock);
    this.steps = new TaskStepWrites(this.table);
  }

  async create(task: Task): Promise<WriteResult> {
    const item = toTaskItem(task);
    try {
      await this.table.db.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY },
        }),
      );
      return { ok: true, task: fromTaskItem(item) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { ok: false, current: await this.get(task.tenant, task.id) };
      }
      throw error;
    }
  }

  get(tenant: string, id: string, options: ReadOptions = {}): Promise<Task | undefined> {
    return this.table.get(tenant, id, options);
  }

  list(query: ListQuery): Promise<Page<Task>> {
    return listTasks(this.table, query);
  }

  async deletePending(tenant: string, id: string): Promise<void> {
    try {
      await this.table.db.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: { [TABLE_KEY]: taskKey(tenant, id) },
          ConditionExpression: '#status IN (:pending, :scheduled)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':scheduled': 'scheduled' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  startAttempt(tenant: string, id: string, start: StartAttempt): Promise<WriteResult> {
    return transition(this.table, tenant, id, 'start', start.now, {
      attempt: start.attempt,
      set: { attempts: start.attempt, progress: 0, started_at: start.now, sweep_at: start.sweepAt },
      remove: ['next_attempt_at', 'progress_message'],
      // Only a later delivery may start (from `running`: the previous attempt died); an older duplicate loses.
      // Nor may a delivery numbered beyond the last attempt (a re-enqueued message can outlive a dead final one).
      // A delayed task starts once its run_at has come; a first attempt only before its start_by.
      condition:
        'attempts < :attempt AND max_attempts >= :attempt' +
        ' AND (attribute_not_exists(run_at) OR run_at <= :runAtUpTo)' +
        ' AND (attribute_not_exists(start_by) OR start_by >= :now OR attempts > :zero)',
      conditionValues: {
        ':attempt': start.attempt,
        ':runAtUpTo': start.runAtUpTo ?? start.now,
        ':now': start.now,
        ':zero': 0,
      },
      raw: STEPS_MAP,
    });
  }

  // The durable-step writes: one conditional write of `steps.<name>` each (task-step-writes.ts).
  saveStep(
    tenant: string,
    id: string,
    attempt: number,
    name: string,
    entry: StepEntry,
    now: string,
  ): Promise<WriteResult> {
    return this.steps.saveStep(tenant, id, attempt, name, entry, now);
  }

  suspend(tenant: string, id: string, attempt: number, suspension: Suspension, now: string): Promise<WriteResult> {
    return this.steps.suspend(tenant, id, attempt, suspension, now);
  }

  resume(tenant: string, id: string, resume: ResumeAttempt): Promise<WriteResult> {
    return this.steps.resume(tenant, id, resume);
  }

  progress(
    tenant: string,
    id: string,
    attempt: number,
    progress: number,
    message: string | undefined,
    now: string,
  ): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: { progress, progress_message: message },
      feed: { kind: 'progress' },
      condition: '#status = :running AND attempts = :attempt AND progress <= :progress',
      conditionValues: { ':running': 'running', ':attempt': attempt, ':progress': progress },
    });
  }

  complete(
    tenant: string,
    id: string,
    attempt: number,
    result: unknown,
    now: string,
    resultRef?: ResultRef,
  ): Promise<WriteResult> {
    return transition(this.table, tenant, id, 'complete', now, {
      attempt,
      set: {
        progress: 100,
        // A result in the result store: the record keeps its key and size only.
        ...(resultRef ? { result_ref: resultRef } : { result: result ?? null }),
        ended_at: now,
        expires_at: this.expiry(now),
      },
      remove: ['error', 'next_attempt_at', 'progress_message'],
      // A cancellation requested after the last checkpoint still wins: the caller asked for it.
      condition: 'attempts = :attempt AND (attribute_not_exists(cancel_requested) OR cancel_requested = :false)',
      conditionValues: { ':attempt': attempt, ':false': false },
    });
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
    return transition(this.table, tenant, id, 'retry', now, {
      attempt,
      set: { error, next_attempt_at: nextAttemptAt, sweep_at: sweepAt },
      condition: 'attempts = :attempt',
      conditionValues: { ':attempt': attempt },
    });
  }

  fail(
    tenant: string,
    id: string,
    attempt: number | undefined,
    error: Task['error'],
    now: string,
  ): Promise<WriteResult> {
    return transition(this.table, tenant, id, 'fail', now, {
      attempt,
      set: { error, ended_at: now, expires_at: this.expiry(now) },
      remove: ['next_attempt_at'],
      ...(attempt === undefined ? {} : { condition: 'attempts = :attempt', conditionValues: { ':attempt': attempt } }),
    });
  }

  cancelRunning(tenant: string, id: string, attempt: number, now: string): Promise<WriteResult> {
    return transition(this.table, tenant, id, 'cancelRunning', now, {
      attempt,
      set: { ended_at: now, expires_at: this.expiry(now) },
      condition: 'attempts = :attempt',
      conditionValues: { ':attempt': attempt },
    });
  }

  cancelWaiting(tenant: string, id: string, now: string): Promise<WriteResult> {
    return transition(this.table, tenant, id, 'cancelWaiting', now, {
      set: { ended_at: now, expires_at: this.expiry(now), cancel_requested: true },
      remove: ['next_attempt_at'],
    });
  }

  expire(tenant: string, id: string, now: string): Promise<WriteResult> {
    return transition(this.table, tenant, id, 'expire', now, {
      set: { ended_at: now, expires_at: this.expiry(now) },
      condition: 'attempts = :zero AND start_by < :now',
      conditionValues: { ':zero': 0, ':now': now },
    });
  }

  requestCancel(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: { cancel_requested: true },
      condition: '#status = :running',
      conditionValues: { ':running': 'running' },
    });
  }

  recordWebhook(
    tenant: string,
    id: string,
    state: WebhookDeliveryState,
    nextSweepAt: string | undefined,
    now: string,
  ): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: { webhook: state, [INDEXES.webhookSweep.sortKey]: nextSweepAt },
      // Settled: out of the webhook sweep.
      remove: nextSweepAt === undefined ? [INDEXES.webhookSweep.partitionKey] : undefined,
      condition: `webhook.#wst = :pending AND ${ENDED.condition}`,
      conditionValues: { ':pending': 'pending', ...ENDED.values },
      names: { '#wst': 'status' },
    });
  }

  reopenWebhook(tenant: string, id: string, sweepAt: string, now: string): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      // A new delivery sequence: the redriven message gets a full set of attempts again.
      set: {
        webhook: { status: 'pending', attempts: 0 },
        [INDEXES.webhookSweep.partitionKey]: webhookSweepPk(sweepShard(id)),
        [INDEXES.webhookSweep.sortKey]: sweepAt,
      },
      condition: `webhook.#wst = :failed AND ${ENDED.condition}`,
      conditionValues: { ':failed': 'failed', ...ENDED.values },
      names: { '#wst': 'status' },
    });
  }

  /** The TTL of a task that ended at `now`, in epoch seconds. */
  private expiry(now: string): number {
    return Math.floor(Date.parse(now) / 1000) + this.ttlDays * 86_400;
  }
}
