import { sweepShard } from '../core/sweep-policy';
import type { Task } from '../core/task';
import { FEED_ATTRIBUTES, initialFeed, readFeed } from './task-feed-attributes';
import {
  INDEXES,
  SORT_ATTRIBUTE,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  listSortKey,
  sweepPk,
  taskKey,
  tenantPk,
  tenantStatusPk,
  tenantTypePk,
  webhookSweepPk,
} from './table-schema';

/** Attributes the store adds to a task item; never returned to callers. */
const KEY_ATTRIBUTES = [TABLE_KEY, SORT_ATTRIBUTE, ...Object.values(INDEXES).map((i) => i.partitionKey)];

/** A new task as stored: its keys, the index keys that list and sweep it, and its change feed. */
export function toTaskItem(task: Task): Record<string, unknown> {
  return {
    ...task,
    [TABLE_KEY]: taskKey(task.tenant, task.id),
    [SORT_ATTRIBUTE]: listSortKey(task.created_at, task.id),
    [INDEXES.byTenant.partitionKey]: tenantPk(task.tenant),
    [INDEXES.byTenantStatus.partitionKey]: tenantStatusPk(task.tenant, task.status),
    [INDEXES.byTenantType.partitionKey]: tenantTypePk(task.tenant, task.type),
    ...(task.sweep_at ? { [INDEXES.sweep.partitionKey]: sweepPk(sweepShard(task.id)) } : {}),
    ...(task.webhook_url ? { [INDEXES.webhookSweep.partitionKey]: webhookSweepPk(sweepShard(task.id)) } : {}),
    ...initialFeed(task),
  };
}

/** The task of a stored item, without the key attributes and with its feed as callers see it. */
export function fromTaskItem(item: Record<string, unknown>): Task {
  const task = { ...item };
  for (const attr of [...KEY_ATTRIBUTES, ...Object.values(FEED_ATTRIBUTES)]) delete task[attr];
  return { ...task, ...readFeed(item) } as unknown as Task;
}

/**
 * Whether a finished task's TTL has passed: DynamoDB deletes expired items within a few days, not at
 * once, so reads hide them. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
 */
export function isExpiredItem(item: Record<string, unknown>, now: Date): boolean {
  const expiresAt = item[TTL_ATTRIBUTE];
  return typeof expiresAt === 'number' && expiresAt <= Math.floor(now.getTime() / 1000);
}
