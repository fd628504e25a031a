import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, ReadOptions, WriteResult } from '../core/ports';
import { TERMINAL_STATUSES, type Task, type TaskStatus } from '../core/task';
import { feedUpdate, type FeedChange } from './task-feed-attributes';
import { fromTaskItem, isExpiredItem } from './task-item';
import { TABLE_KEY, taskKey } from './table-schema';
import { buildUpdate, type RawSetClauses } from './update-expression';

/** A conditional UpdateItem of one task item. */
export interface TaskUpdate {
  set: Record<string, unknown>;
  remove?: string[];
  /** Condition ANDed with "the task exists". */
  condition?: string;
  conditionValues?: Record<string, unknown>;
  /** Extra attribute names the condition uses (`#status` and `#pk` are always there). */
  names?: Record<string, string>;
  /** What the write adds to the task's change feed (status, progress and step writes only). */
  feed?: FeedChange;
  /** SET clauses written out by the caller: nested paths (`steps.<name>`) and `if_not_exists`. */
  raw?: RawSetClauses;
}

/** A condition on the task's status, `#status IN (:<prefix>0, …)`, with its values. */
export function statusIn(
  prefix: string,
  statuses: Iterable<TaskStatus>,
): { condition: string; values: Record<string, TaskStatus> } {
  const values = Object.fromEntries([...statuses].map((status, i) => [`:${prefix}${i}`, status]));
  return { condition: `#status IN (${Object.keys(values).join(', ')})`, values };
}

/** A finished task's webhook writes may only happen once it has ended. */
export const ENDED = statusIn('ended', TERMINAL_STATUSES);

/**
 * The task items of the table, as every task store reads and writes them: one item by key, and one
 * conditional update that reports a lost race as `ok: false` with the task as it now is.
 */
export class TaskTable {
  constructor(
    readonly db: DynamoDBDocumentClient,
    readonly tableName: string,
    /** Where "now" comes from when a read hides tasks whose TTL has passed. */
    readonly clock: Clock,
  ) {}

  async get(tenant: string, id: string, options: ReadOptions = {}): Promise<Task | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: taskKey(tenant, id) },
        ConsistentRead: options.consistent ?? true,
      }),
    );
    if (!Item || isExpiredItem(Item, this.clock.now())) return undefined;
    return fromTaskItem(Item);
  }

  /** Applies `update` if the task exists and the condition holds; `updated_at` is set to `now`. */
  async update(tenant: string, id: string, now: string, update: TaskUpdate): Promise<WriteResult> {
    const parts = buildUpdate(
      { ...update.set, updated_at: now },
      update.remove,
      mergeRaw(update.feed && feedUpdate(update.feed), update.raw),
    );
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: taskKey(tenant, id) },
          UpdateExpression: parts.UpdateExpression,
          ConditionExpression: update.condition
            ? `attribute_exists(#pk) AND ${update.condition}`
            : 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#status': 'status',
            '#pk': TABLE_KEY,
            ...update.names,
            ...parts.ExpressionAttributeNames,
          },
          ExpressionAttributeValues: { ...update.conditionValues, ...parts.ExpressionAttributeValues },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, task: fromTaskItem(out.Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { ok: false, current: await this.get(tenant, id) };
      throw error;
    }
  }
}

function mergeRaw(a: RawSetClauses | undefined, b: RawSetClauses | undefined): RawSetClauses | undefined {
  if (!a || !b) return a ?? b;
  return { sets: [...a.sets, ...b.sets], names: { ...a.names, ...b.names }, values: { ...a.values, ...b.values } };
}
