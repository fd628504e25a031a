import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ListQuery, Page, ReadOptions, StartAttempt, TaskStore, WriteResult } from '../core/ports';
import { TRANSITIONS, type TransitionName } from '../core/state-machine';
import type { Task, WebhookDeliveryState } from '../core/task';
import { sweepAtForWebhook, sweepShard } from '../core/sweep-policy';
import { decodeCursor, encodeCursor } from './cursor-codec';
import { batchGetAll } from './dynamo-batch';
import { isTerminal } from '../core/task';
import {
  INDEXES,
  SORT_ATTRIBUTE,
  TABLE_KEY,
  listSortKey,
  sweepPk,
  taskKey,
  tenantPk,
  tenantStatusPk,
  tenantTypePk,
  webhookSweepPk,
} from './table-schema';
import { FEED_ATTRIBUTES, HISTORY_LIMIT, feedUpdate, initialFeed, readFeed, type FeedChange } from './task-feed-attributes';

/** Attributes the store adds to a task item; never returned to callers. */
const KEY_ATTRIBUTES = [TABLE_KEY, SORT_ATTRIBUTE, ...Object.values(INDEXES).map((i) => i.partitionKey)];

/** DynamoDB Query pages read per list call at most, so a sparse filter cannot make one request unbounded. */
const MAX_QUERY_ROUNDS = 10;

interface UpdateSpec {
  set: Record<string, unknown>;
  remove?: string[];
  /** Extra condition ANDed with the transition's allowed source statuses. */
  condition?: string;
  conditionValues?: Record<string, unknown>;
  /** What the write adds to the task's change feed (status and progress writes only). */
  feed?: FeedChange;
  /** The attempt a status change belongs to, for its history entry; unknown (and so the task's) when unset. */
  attempt?: number;
  /** Extra attribute names the condition uses. */
  names?: Record<string, string>;
}

/** A finished task's webhook writes may only happen once it has ended. */
const ENDED = { condition: '#status IN (:ended0, :ended1, :ended2)', values: { ':ended0': 'completed', ':ended1': 'failed', ':ended2': 'canceled' } };

/** TaskStore on DynamoDB: every status change is an UpdateItem conditional on the allowed source statuses. */
export class DynamoTaskStore implements TaskStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlDays: number,
  ) {}

  async create(task: Task): Promise<WriteResult> {
    const item = this.toItem(task);
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY },
        }),
      );
      return { ok: true, task: this.fromItem(item) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { ok: false, current: await this.get(task.tenant, task.id) };
      }
      throw error;
    }
  }

  async get(tenant: string, id: string, options: ReadOptions = {}): Promise<Task | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: taskKey(tenant, id) }, ConsistentRead: options.consistent ?? true }),
    );
    if (!Item || this.isExpired(Item)) return undefined;
    return this.fromItem(Item);
  }

  async list(query: ListQuery): Promise<Page<Task>> {
    const { indexName, partitionKey, partitionValue } = this.indexFor(query);
    // The cursor must name a position in this partition: the tenant's and the filter's own.
    let startKey: Record<string, unknown> | undefined = decodeCursor(query.cursor, { partitionKey, partitionValue, tableKeyPrefix: taskKey(query.tenant, '') });
    const now = Math.floor(Date.now() / 1000);
    // The listing indexes hold keys only (so progress writes never touch them): read the page's
    // keys there, then the tasks themselves, and keep those that still match and have not expired.
    const found: { key: Record<string, unknown>; task: Task }[] = [];
    let exhausted = false;
    for (let round = 0; round < MAX_QUERY_ROUNDS && found.length < query.limit; round++) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#ipk = :ipk',
          ExpressionAttributeNames: { '#ipk': partitionKey },
          ExpressionAttributeValues: { ':ipk': partitionValue },
          ScanIndexForward: false,
          Limit: query.limit,
          ExclusiveStartKey: startKey,
        }),
      );
      const keys = out.Items ?? [];
      const items = await this.getItems(keys.map((key) => String(key[TABLE_KEY])));
      for (const key of keys) {
        const item = items.get(String(key[TABLE_KEY]));
        if (!item || this.isExpired(item, now)) continue;
        const task = this.fromItem(item);
        // The status index lags a moment behind a transition; the item has the truth.
        if ((query.status && task.status !== query.status) || (query.type && task.type !== query.type)) continue;
        found.push({ key, task });
      }
      startKey = out.LastEvaluatedKey;
      if (!startKey) {
        exhausted = true;
        break;
      }
    }
    const page = found.slice(0, query.limit);
    const last = page.at(-1);
    let nextCursor: string | undefined;
    if (found.length > query.limit && last) nextCursor = encodeCursor(last.key, partitionKey);
    else if (!exhausted && startKey) nextCursor = encodeCursor(startKey, partitionKey);
    return { items: page.map((f) => f.task), nextCursor };
  }

  /** Items by primary key (eventually consistent: a listing may lag a moment behind a write). */
  private async getItems(pks: string[]): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetAll(this.db, this.tableName, pks.map((pk) => ({ [TABLE_KEY]: pk })), false);
    return new Map(items.map((item) => [String(item[TABLE_KEY]), item]));
  }



  async deletePending(tenant: string, id: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: taskKey(tenant, id) },
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  startAttempt(tenant: string, id: string, start: StartAttempt): Promise<WriteResult> {
    return this.transition(tenant, id, 'start', start.now, {
      attempt: start.attempt,
      set: { attempts: start.attempt, progress: 0, started_at: start.now, sweep_at: start.sweepAt },
      remove: ['next_attempt_at', 'progress_message'],
      // Only a later delivery may start: from `running` that means the previous attempt died mid-run;
      // an older duplicate message (lower receive count) loses and is acknowledged. Nor may a delivery
      // numbered beyond the last attempt: a re-enqueued message can outlive a final attempt that died.
      condition: 'attempts < :attempt AND max_attempts >= :attempt',
      conditionValues: { ':attempt': start.attempt },
    });
  }

  async progress(tenant: string, id: string, attempt: number, progress: number, message: string | undefined, now: string): Promise<WriteResult> {
    return this.update(tenant, id, now, {
      set: { progress, progress_message: message },
      feed: { kind: 'progress' },
      condition: '#status = :running AND attempts = :attempt AND progress <= :progress',
      conditionValues: { ':running': 'running', ':attempt': attempt, ':progress': progress },
    });
  }

  complete(tenant: string, id: string, attempt: number, result: unknown, now: string): Promise<WriteResult> {
    return this.transition(tenant, id, 'complete', now, {
      attempt,
      set: { progress: 100, result: result ?? null, ended_at: now, expires_at: this.expiry(now) },
      remove: ['error', 'next_attempt_at', 'progress_message'],
      // A cancellation requested after the last checkpoint still wins: the caller asked for it.
      condition: 'attempts = :attempt AND (attribute_not_exists(cancel_requested) OR cancel_requested = :false)',
      conditionValues: { ':attempt': attempt, ':false': false },
    });
  }

  retry(tenant: string, id: string, attempt: number, error: Task['error'], nextAttemptAt: string, sweepAt: string, now: string): Promise<WriteResult> {
    return this.transition(tenant, id, 'retry', now, {
      attempt,
      set: { error, next_attempt_at: nextAttemptAt, sweep_at: sweepAt },
      condition: 'attempts = :attempt',
      conditionValues: { ':attempt': attempt },
    });
  }

  fail(tenant: string, id: string, attempt: number | undefined, error: Task['error'], now: string): Promise<WriteResult> {
    return this.transition(tenant, id, 'fail', now, {
      attempt,
      set: { error, ended_at: now, expires_at: this.expiry(now) },
      remove: ['next_attempt_at'],
      ...(attempt === undefined ? {} : { condition: 'attempts = :attempt', conditionValues: { ':attempt': attempt } }),
    });
  }

  cancelRunning(tenant: string, id: string, attempt: number, now: string): Promise<WriteResult> {
    return this.transition(tenant, id, 'cancelRunning', now, {
      attempt,
      set: { ended_at: now, expires_at: this.expiry(now) },
      condition: 'attempts = :attempt',
      conditionValues: { ':attempt': attempt },
    });
  }

  cancelWaiting(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.transition(tenant, id, 'cancelWaiting', now, {
      set: { ended_at: now, expires_at: this.expiry(now), cancel_requested: true },
      remove: ['next_attempt_at'],
    });
  }

  requestCancel(tenant: string, id: string, now: string): Promise<WriteResult> {
    return this.update(tenant, id, now, {
      set: { cancel_requested: true },
      condition: '#status = :running',
      conditionValues: { ':running': 'running' },
    });
  }

  listDueForSweep(shard: number, now: string, limit: number, after?: Task): Promise<Task[]> {
    return this.queryDue(INDEXES.sweep, sweepPk(shard), now, limit, after && { tenant: after.tenant, id: after.id, at: after.sweep_at });
  }

  recordWebhook(tenant: string, id: string, state: WebhookDeliveryState, nextSweepAt: string | undefined, now: string): Promise<WriteResult> {
    return this.update(tenant, id, now, {
      set: { webhook: state, [INDEXES.webhookSweep.sortKey]: nextSweepAt },
      // Settled: out of the webhook sweep.
      remove: nextSweepAt === undefined ? [INDEXES.webhookSweep.partitionKey] : undefined,
      condition: `webhook.#wst = :pending AND ${ENDED.condition}`,
      conditionValues: { ':pending': 'pending', ...ENDED.values },
      names: { '#wst': 'status' },
    });
  }

  reopenWebhook(tenant: string, id: string, sweepAt: string, now: string): Promise<WriteResult> {
    return this.update(tenant, id, now, {
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

  listWebhooksDue(shard: number, now: string, limit: number, after?: Task): Promise<Task[]> {
    return this.queryDue(INDEXES.webhookSweep, webhookSweepPk(shard), now, limit, after && { tenant: after.tenant, id: after.id, at: after.webhook_sweep_at });
  }

  claimWebhookSweep(tenant: string, id: string, expected: string, next: string, now: string): Promise<WriteResult> {
    return this.update(tenant, id, now, {
      set: { [INDEXES.webhookSweep.sortKey]: next },
      condition: `#wsa = :expected AND webhook.#wst = :pending AND ${ENDED.condition}`,
      conditionValues: { ':expected': expected, ':pending': 'pending', ...ENDED.values },
      names: { '#wsa': INDEXES.webhookSweep.sortKey, '#wst': 'status' },
    });
  }

  claimSweep(tenant: string, id: string, expected: string, next: string, now: string): Promise<WriteResult> {
    return this.update(tenant, id, now, {
      set: { sweep_at: next },
      condition: 'sweep_at = :expected AND #status IN (:p, :r, :rt)',
      conditionValues: { ':expected': expected, ':p': 'pending', ':r': 'running', ':rt': 'retrying' },
    });
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
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #at <= :now',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#at': index.sortKey },
        ExpressionAttributeValues: { ':pk': partition, ':now': now },
        Limit: limit,
        ExclusiveStartKey: after?.at ? { [TABLE_KEY]: taskKey(after.tenant, after.id), [index.partitionKey]: partition, [index.sortKey]: after.at } : undefined,
      }),
    );
    return (out.Items ?? []).map((item) => this.fromItem(item));
  }

  /**
   * Applies a named transition: sets the target status (and its index key) only from the allowed
   * sources, and records the change in the task's feed.
   */
  private async transition(tenant: string, id: string, name: TransitionName, now: string, spec: UpdateSpec): Promise<WriteResult> {
    const { from, to } = TRANSITIONS[name];
    const sources = from.map((_, i) => `:from${i}`);
    const sourceValues = Object.fromEntries(from.map((status, i) => [`:from${i}`, status]));
    const statusCondition = `#status IN (${sources.join(', ')})`;
    // A terminal task leaves the sparse sweep index; if it has a webhook (its wh_sweep_pk was set at
    // creation), the same write puts it in the webhook sweep, so the webhook cannot be forgotten.
    const terminal = isTerminal(to);
    const remove = terminal ? [...(spec.remove ?? []), INDEXES.sweep.partitionKey, INDEXES.sweep.sortKey] : spec.remove;
    const progress = typeof spec.set.progress === 'number' ? spec.set.progress : undefined;
    const written = await this.update(tenant, id, now, {
      set: {
        ...spec.set,
        status: to,
        [INDEXES.byTenantStatus.partitionKey]: tenantStatusPk(tenant, to),
        ...(terminal ? { [INDEXES.webhookSweep.sortKey]: sweepAtForWebhook(now) } : {}),
      },
      remove,
      condition: spec.condition ? `${statusCondition} AND ${spec.condition}` : statusCondition,
      conditionValues: { ...sourceValues, ...spec.conditionValues },
      feed: { kind: 'status', entry: { status: to, at: now, ...(spec.attempt === undefined ? {} : { attempt: spec.attempt }), ...(progress === undefined ? {} : { progress }) } },
    });
    const length = written.ok ? (written.task.status_history?.length ?? 0) : 0;
    if (length > HISTORY_LIMIT) await this.trimHistory(tenant, id, length - HISTORY_LIMIT);
    return written;
  }

  /** Drops the oldest status changes; a second write, since an update cannot know a list's length. */
  private async trimHistory(tenant: string, id: string, excess: number): Promise<void> {
    const paths = Array.from({ length: excess }, (_, i) => `#history[${i}]`);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
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

  private async update(tenant: string, id: string, now: string, spec: UpdateSpec): Promise<WriteResult> {
    const names: Record<string, string> = { '#status': 'status', '#pk': TABLE_KEY, ...spec.names };
    const values: Record<string, unknown> = { ...spec.conditionValues };
    const sets: string[] = [];
    const removes = [...(spec.remove ?? [])].map((attr, i) => {
      names[`#r${i}`] = attr;
      return `#r${i}`;
    });
    Object.entries({ ...spec.set, updated_at: now }).forEach(([attr, value], i) => {
      names[`#s${i}`] = attr;
      if (value === undefined) {
        removes.push(`#s${i}`);
        return;
      }
      values[`:s${i}`] = value;
      sets.push(`#s${i} = :s${i}`);
    });
    if (spec.feed) {
      const feed = feedUpdate(spec.feed);
      sets.push(...feed.sets);
      Object.assign(names, feed.names);
      Object.assign(values, feed.values);
    }
    const expression = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: taskKey(tenant, id) },
          UpdateExpression: expression,
          ConditionExpression: spec.condition ? `attribute_exists(#pk) AND ${spec.condition}` : 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, task: this.fromItem(out.Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { ok: false, current: await this.get(tenant, id) };
      throw error;
    }
  }

  private indexFor(query: ListQuery): { indexName: string; partitionKey: string; partitionValue: string } {
    if (query.status) {
      const index = INDEXES.byTenantStatus;
      return { indexName: index.name, partitionKey: index.partitionKey, partitionValue: tenantStatusPk(query.tenant, query.status) };
    }
    if (query.type) {
      const index = INDEXES.byTenantType;
      return { indexName: index.name, partitionKey: index.partitionKey, partitionValue: tenantTypePk(query.tenant, query.type) };
    }
    const index = INDEXES.byTenant;
    return { indexName: index.name, partitionKey: index.partitionKey, partitionValue: tenantPk(query.tenant) };
  }

  private toItem(task: Task): Record<string, unknown> {
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

  private fromItem(item: Record<string, unknown>): Task {
    const task = { ...item };
    for (const attr of [...KEY_ATTRIBUTES, ...Object.values(FEED_ATTRIBUTES)]) delete task[attr];
    return { ...task, ...readFeed(item) } as unknown as Task;
  }

  private isExpired(item: Record<string, unknown>, now = Math.floor(Date.now() / 1000)): boolean {
    return typeof item.expires_at === 'number' && item.expires_at <= now;
  }

  private expiry(now: string): number {
    return Math.floor(Date.parse(now) / 1000) + this.ttlDays * 86_400;
  }
}

