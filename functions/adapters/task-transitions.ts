import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { WriteResult } from '../core/ports';
import { TRANSITIONS, type TransitionName } from '../core/state-machine';
import { isTerminal } from '../core/task';
import { sweepAtForWebhook } from '../core/sweep-policy';
import { FEED_ATTRIBUTES, HISTORY_LIMIT } from './task-feed-attributes';
import { statusIn, type TaskTable, type TaskUpdate } from './task-table';
import { INDEXES, TABLE_KEY, taskKey, tenantStatusPk } from './table-schema';

/** A status change's own writes and conditions, beside the ones every transition makes. */
export interface TransitionSpec extends Omit<TaskUpdate, 'feed'> {
  /** The attempt a status change belongs to, for its history entry; unknown (and so the task's) when unset. */
  attempt?: number;
  /** The durable step the same write changes (`steps.<name>`), for the task's feed. */
  step?: string;
}

/**
 * Applies a named transition (core/state-machine.ts) to a task item: sets the target status (and its
 * index key) only from the allowed sources, and records the change in the task's feed.
 */
export async function transition(
  table: TaskTable,
  tenant: string,
  id: string,
  name: TransitionName,
  now: string,
  spec: TransitionSpec,
): Promise<WriteResult> {
  const { from, to } = TRANSITIONS[name];
  const sources = statusIn('from', from);
  // A terminal task leaves the sparse sweep index; if it has a webhook (its wh_sweep_pk was set at creation),
  // the same write puts it in the webhook sweep, so the webhook cannot be forgotten.
  const terminal = isTerminal(to);
  const remove = terminal ? [...(spec.remove ?? []), INDEXES.sweep.partitionKey, INDEXES.sweep.sortKey] : spec.remove;
  const progress = typeof spec.set.progress === 'number' ? spec.set.progress : undefined;
  const written = await table.update(tenant, id, now, {
    set: {
      ...spec.set,
      status: to,
      [INDEXES.byTenantStatus.partitionKey]: tenantStatusPk(tenant, to),
      ...(terminal ? { [INDEXES.webhookSweep.sortKey]: sweepAtForWebhook(now) } : {}),
    },
    remove,
    condition: spec.condition ? `${sources.condition} AND ${spec.condition}` : sources.condition,
    conditionValues: { ...sources.values, ...spec.conditionValues },
    names: spec.names,
    raw: spec.raw,
    feed: {
      kind: 'status',
      step: spec.step,
      entry: {
        status: to,
        at: now,
        ...(spec.attempt === undefined ? {} : { attempt: spec.attempt }),
        ...(progress === undefined ? {} : { progress }),
      },
    },
  });
  const length = written.ok ? (written.task.status_history?.length ?? 0) : 0;
  if (length > HISTORY_LIMIT) await trimHistory(table, tenant, id, length - HISTORY_LIMIT);
  return written;
}

/** Drops the oldest status changes; a second write, since an update cannot know a list's length. */
async function trimHistory(table: TaskTable, tenant: string, id: string, excess: number): Promise<void> {
  const paths = Array.from({ length: excess }, (_, i) => `#history[${i}]`);
  try {
    await table.db.send(
      new UpdateCommand({
        TableName: table.tableName,
        Key: { [TABLE_KEY]: taskKey(tenant, id) },
        UpdateExpression: `REMOVE ${paths.join(', ')}`,
        // Another transition may have trimmed already; never cut below the limit.
        ConditionExpression: 'size(#history) >= :length',
        ExpressionAttributeNames: { '#history': FEED_ATTRIBUTES.history },
        ExpressionAttributeValues: { ':length': HISTORY_LIMIT + excess },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
