import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, ReadOptions, SweepStore, TaskLifecycle, WriteResult } from '../core/ports';
import { TASK_STATUSES, isTerminal, type Task } from '../core/task';
import { fromTaskItem } from './task-item';
import { ENDED, TaskTable, statusIn } from './task-table';
import { INDEXES, TABLE_KEY, sweepPk, taskKey, webhookSweepPk } from './table-schema';

/** Tasks the sweeper may still move on: any not yet terminal. */
const ACTIVE = statusIn(
  'active',
  TASK_STATUSES.filter((status) => !isTerminal(status)),
);

/**
 * The sweeper's view of the tasks table: the two sparse sweep indexes (active tasks by `sweep_at`,
 * unsettled webhooks of finished tasks by `webhook_sweep_at`) and the conditional claims that move
 * an entry on, so that concurrent sweepers act once.
 */
export class DynamoSweepStore implements SweepStore {
  private readonly table: TaskTable;

  constructor(
    db: DynamoDBDocumentClient,
    tableName: string,
    clock: Clock,
    /**
     * Fails a task whose final attempt was lost: the lifecycle's own transition, so a task the
     * sweeper ends has its webhook queued like any other (wire the notifying store here).
     */
    private readonly lifecycle: Pick<TaskLifecycle, 'fail' | 'expire'>,
  ) {
    this.table = new TaskTable(db, tableName, clock);
  }

  listDueForSweep(shard: number, now: string, limit: number, after?: Task): Promise<Task[]> {
    return this.queryDue(
      INDEXES.sweep,
      sweepPk(shard),
      now,
      limit,
      after && { tenant: after.tenant, id: after.id, at: after.sweep_at },
    );
  }

  claimSweep(tenant: string, id: string, expected: string, next: string, now: string): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: { sweep_at: next },
      condition: `sweep_at = :expected AND ${ACTIVE.condition}`,
      conditionValues: { ':expected': expected, ...ACTIVE.values },
    });
  }

  listWebhooksDue(shard: number, now: string, limit: number, after?: Task): Promise<Task[]> {
    return this.queryDue(
      INDEXES.webhookSweep,
      webhookSweepPk(shard),
      now,
      limit,
      after && { tenant: after.tenant, id: after.id, at: after.webhook_sweep_at },
    );
  }

  claimWebhookSweep(tenant: string, id: string, expected: string, next: string, now: string): Promise<WriteResult> {
    return this.table.update(tenant, id, now, {
      set: { [INDEXES.webhookSweep.sortKey]: next },
      condition: `#wsa = :expected AND webhook.#wst = :pending AND ${ENDED.condition}`,
      conditionValues: { ':expected': expected, ':pending': 'pending', ...ENDED.values },
      names: { '#wsa': INDEXES.webhookSweep.sortKey, '#wst': 'status' },
    });
  }

  fail(
    tenant: string,
    id: string,
    attempt: number | undefined,
    error: Task['error'],
    now: string,
  ): Promise<WriteResult> {
    return this.lifecycle.fail(tenant, id, attempt, error, now);
  }

  expire(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.lifecycle.expire(tenant, id, now);
  }

  /** The whole record (the index holds only what every sweep needs): read for the few delayed or expiring tasks. */
  get(tenant: string, id: string, options?: ReadOptions): Promise<Task | undefined> {
    return this.table.get(tenant, id, options);
  }

  /**
   * Items of one partition of a sweep index whose time has come, oldest first; after `after`, the
   * index position of the previous page's last item (its time as listed, even if it has moved since).
   */
  private async queryDue(
    index: { name: string; partitionKey: string; sortKey: string },
    partition: string,
    now: string,
    limit: number,
    after?: { tenant: string; id: string; at: string | undefined },
  ): Promise<Task[]> {
    const out = await this.table.db.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #at <= :now',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#at': index.sortKey },
        ExpressionAttributeValues: { ':pk': partition, ':now': now },
        Limit: limit,
        ExclusiveStartKey: after?.at
          ? { [TABLE_KEY]: taskKey(after.tenant, after.id), [index.partitionKey]: partition, [index.sortKey]: after.at }
          : undefined,
      }),
    );
    return (out.Items ?? []).map((item) => fromTaskItem(item));
  }
}
