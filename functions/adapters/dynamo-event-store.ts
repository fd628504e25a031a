import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Page } from '../core/ports';
import type { Batch, BatchStatus, StoredEvent } from '../batching/model';
import type { EventStore } from '../batching/ports';
import { decodeCursor, encodeCursor } from './cursor-codec';
import { batchGetAll, batchWriteAll } from './dynamo-batch';
import { eventShard } from '../batching/settings';
import {
  INDEXES,
  SORT_ATTRIBUTE,
  TABLE_KEY,
  TTL_ATTRIBUTE,
  batchKey,
  eventKey,
  eventWaitPk,
  eventWaitSk,
  flushLockKey,
  listSortKey,
} from './table-schema';

/** The event buffer and batch records in the tasks table, with batch APIs wherever DynamoDB has them. */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(events: StoredEvent[]): Promise<void> {
    const requests = events.map((event) => ({
      PutRequest: {
        Item: {
          ...event,
          [TABLE_KEY]: eventKey(event.tenant, event.event_id),
          [INDEXES.eventsWaiting.partitionKey]: eventWaitPk(eventShard(event.tenant)),
          [INDEXES.eventsWaiting.sortKey]: eventWaitSk(event.tenant, event.event_id),
        },
      },
    }));
    await batchWriteAll(this.db, this.tableName, requests);
  }

  async countWaiting(tenant: string, upTo = Number.POSITIVE_INFINITY): Promise<number> {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          ...this.waitingQuery(tenant),
          Select: 'COUNT',
          Limit: Number.isFinite(upTo) ? upTo - count : undefined,
          ExclusiveStartKey: start,
        }),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start && count < upTo);
    return count;
  }

  async tenantsWithWaiting(shard: number): Promise<string[]> {
    const index = INDEXES.eventsWaiting;
    const tenants: string[] = [];
    // No sort-key condition on the first query: DynamoDB refuses an empty string as a key value.
    let after: string | undefined;
    for (;;) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: after === undefined ? '#pk = :pk' : '#pk = :pk AND #sk > :after',
          ExpressionAttributeNames: {
            '#pk': index.partitionKey,
            ...(after === undefined ? {} : { '#sk': index.sortKey }),
          },
          ExpressionAttributeValues: { ':pk': eventWaitPk(shard), ...(after === undefined ? {} : { ':after': after }) },
          Limit: 1,
        }),
      );
      const sortKey = out.Items?.[0]?.[index.sortKey];
      if (typeof sortKey !== 'string') return tenants;
      const tenant = sortKey.slice(0, sortKey.indexOf('#'));
      tenants.push(tenant);
      // '~' sorts after every ULID character, so this skips the rest of this tenant's events.
      after = `${tenant}#~`;
    }
  }

  async oldestWaiting(tenant: string, limit: number): Promise<StoredEvent[]> {
    const out = await this.db.send(new QueryCommand({ ...this.waitingQuery(tenant), Limit: limit }));
    const ids = (out.Items ?? []).map((item) => String(item[INDEXES.eventsWaiting.sortKey]).slice(tenant.length + 1));
    // The index is eventually consistent: read the events themselves, so one removed a moment ago
    // (its batch done) is not taken again.
    return this.getEvents(tenant, ids);
  }

  async getEvents(tenant: string, ids: readonly string[]): Promise<StoredEvent[]> {
    const items = await batchGetAll(
      this.db,
      this.tableName,
      ids.map((id) => ({ [TABLE_KEY]: eventKey(tenant, id) })),
      true,
    );
    const found = new Map(
      items.map((item) => [
        String(item.event_id),
        { tenant, event_id: String(item.event_id), received_at: String(item.received_at), body: item.body },
      ]),
    );
    return ids.map((id) => found.get(id)).filter((e): e is StoredEvent => e !== undefined);
  }

  async deleteEvents(tenant: string, ids: readonly string[]): Promise<void> {
    await batchWriteAll(
      this.db,
      this.tableName,
      ids.map((id) => ({ DeleteRequest: { Key: { [TABLE_KEY]: eventKey(tenant, id) } } })),
    );
  }

  async acquireLock(tenant: string, owner: string, now: Date, leaseSeconds: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [TABLE_KEY]: flushLockKey(tenant),
            owner,
            lease_until: now.getTime() + leaseSeconds * 1000,
            // Removed by TTL a day after its last use.
            [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + 86_400,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR lease_until < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#pk': TABLE_KEY, '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': now.getTime(), ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLock(tenant: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: flushLockKey(tenant) },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      // Another flusher took the expired lease over: it is theirs now.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async putBatch(batch: Batch): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...batch,
          [TABLE_KEY]: batchKey(batch.tenant, batch.batch_id),
          [INDEXES.batchesByTenant.partitionKey]: batch.tenant,
          [SORT_ATTRIBUTE]: listSortKey(batch.created_at, batch.batch_id),
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE_KEY },
      }),
    );
  }

  async advanceBatch(
    tenant: string,
    batchId: string,
    from: BatchStatus,
    to: BatchStatus,
    set: Partial<Batch>,
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status', '#pk': TABLE_KEY };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    const assignments = ['#status = :to'];
    Object.entries(set).forEach(([key, value], i) => {
      names[`#a${i}`] = key;
      values[`:a${i}`] = value;
      assignments.push(`#a${i} = :a${i}`);
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: batchKey(tenant, batchId) },
          UpdateExpression: `SET ${assignments.join(', ')}`,
          ConditionExpression: 'attribute_exists(#pk) AND #status = :from',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async latestBatch(tenant: string): Promise<Batch | undefined> {
    const page = await this.listBatches(tenant, 1);
    const newest = page.items[0];
    // Index reads may lag: take the status from the item itself.
    return newest ? this.getBatch(tenant, newest.batch_id) : undefined;
  }

  async getBatch(tenant: string, batchId: string): Promise<Batch | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: batchKey(tenant, batchId) },
        ConsistentRead: true,
      }),
    );
    return Item ? toBatch(Item) : undefined;
  }

  async listBatches(tenant: string, limit: number, cursor?: string): Promise<Page<Batch>> {
    const index = INDEXES.batchesByTenant;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#t = :t',
        ExpressionAttributeNames: { '#t': index.partitionKey },
        ExpressionAttributeValues: { ':t': tenant },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: decodeCursor(cursor, {
          partitionKey: index.partitionKey,
          partitionValue: tenant,
          tableKeyPrefix: batchKey(tenant, ''),
        }),
      }),
    );
    const nextCursor = out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey, index.partitionKey) : undefined;
    return { items: (out.Items ?? []).map(toBatch), nextCursor };
  }

  private waitingQuery(tenant: string) {
    return {
      TableName: this.tableName,
      IndexName: INDEXES.eventsWaiting.name,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': INDEXES.eventsWaiting.partitionKey, '#sk': INDEXES.eventsWaiting.sortKey },
      ExpressionAttributeValues: { ':pk': eventWaitPk(eventShard(tenant)), ':prefix': `${tenant}#` },
    };
  }
}

function toBatch(item: Record<string, unknown>): Batch {
  return {
    batch_id: String(item.batch_id),
    tenant: String(item.tenant),
    size: Number(item.size),
    first_event_at: String(item.first_event_at),
    last_event_at: String(item.last_event_at),
    created_at: String(item.created_at),
    updated_at: String(item.updated_at),
    status: item.status as BatchStatus,
    event_ids: (item.event_ids as string[] | undefined) ?? [],
    sinks: item.sinks as Batch['sinks'],
  };
}
