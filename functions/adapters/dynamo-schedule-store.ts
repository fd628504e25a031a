import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { decodeTime } from 'ulid';
import { shardOf } from '../core/ids';
import type { Clock, Page } from '../core/ports';
import { SCHEDULING, type Schedule } from '../core/schedule';
import type { DueSchedule, ScheduleStore } from '../core/schedule-ports';
import { decodeCursor, encodeCursor } from './cursor-codec';
import { batchGetAll } from './dynamo-batch';
import {
  INDEXES,
  SORT_ATTRIBUTE,
  TABLE_KEY,
  listSortKey,
  scheduleDuePk,
  scheduleIdsKey,
  scheduleKey,
  schedulesPk,
} from './table-schema';

/** The set of a tenant's schedule ids on its cap item. */
const IDS = 'schedule_ids';
/**
 * An id on the cap item with no schedule behind it is freed only once it is older than this: a create
 * adds the id, then writes the schedule a moment later, and must not lose its place in between. A
 * create is over long before (the API's timeout is 29 s); only a crash between the two writes leaves it.
 */
const ORPHAN_AFTER_MS = 60_000;

const KEY_ATTRIBUTES = [TABLE_KEY, SORT_ATTRIBUTE, INDEXES.byTenant.partitionKey, INDEXES.schedulesDue.partitionKey];

/**
 * Schedules in the tasks table. The per-tenant cap is a set of schedule ids on one item per tenant: a
 * create adds its id only if the set is smaller than the cap (one conditional write decides, however
 * many creates race), then writes the schedule; a delete removes the schedule, then its id. DynamoDB
 * transactions would make the two writes one, but dynalite (the local stack) has none; an id a crash
 * left behind is freed the next time the tenant is at its cap.
 */
export class DynamoScheduleStore implements ScheduleStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async create(schedule: Schedule, maxPerTenant: number): Promise<boolean> {
    if (!(await this.takePlace(schedule, maxPerTenant))) {
      if ((await this.freeOrphans(schedule.tenant)) === 0 || !(await this.takePlace(schedule, maxPerTenant))) {
        return false;
      }
    }
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(schedule),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY },
        }),
      );
      return true;
    } catch (error) {
      await this.releasePlaces(schedule.tenant, [schedule.id]);
      throw error;
    }
  }

  async get(tenant: string, id: string): Promise<Schedule | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: scheduleKey(tenant, id) },
        ConsistentRead: true,
      }),
    );
    return Item ? fromItem(Item) : undefined;
  }

  async list(tenant: string, limit: number, cursor?: string): Promise<Page<Schedule>> {
    const index = INDEXES.byTenant;
    const partition = schedulesPk(tenant);
    const startKey = decodeCursor(cursor, {
      partitionKey: index.partitionKey,
      partitionValue: partition,
      tableKeyPrefix: scheduleKey(tenant, ''),
    });
    // The listing index holds keys only (tasks share it): read the page's keys, then the schedules.
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#ipk = :ipk',
        ExpressionAttributeNames: { '#ipk': index.partitionKey },
        ExpressionAttributeValues: { ':ipk': partition },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (out.Items ?? []).map((key) => String(key[TABLE_KEY]));
    const items = await batchGetAll(
      this.db,
      this.tableName,
      keys.map((pk) => ({ [TABLE_KEY]: pk })),
      false,
    );
    const byKey = new Map(items.map((item) => [String(item[TABLE_KEY]), item]));
    return {
      // A schedule deleted between the two reads is left out.
      items: keys.flatMap((pk) => {
        const item = byKey.get(pk);
        return item ? [fromItem(item)] : [];
      }),
      nextCursor: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey, index.partitionKey) : undefined,
    };
  }

  async replace(schedule: Schedule, expectedVersion: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(schedule),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async remove(tenant: string, id: string): Promise<Schedule | undefined> {
    let removed: Record<string, unknown> | undefined;
    try {
      const out = await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: scheduleKey(tenant, id) },
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY },
          ReturnValues: 'ALL_OLD',
        }),
      );
      removed = out.Attributes;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
    // After the schedule, so that a crash in between leaves a freeable id, never a schedule beyond the cap.
    await this.releasePlaces(tenant, [id]);
    return removed ? fromItem(removed) : undefined;
  }

  async listDue(shard: number, dueBy: string, limit: number, after?: DueSchedule): Promise<DueSchedule[]> {
    const index = INDEXES.schedulesDue;
    const partition = scheduleDuePk(shard);
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#pk = :pk AND #at <= :due',
        ExpressionAttributeNames: { '#pk': index.partitionKey, '#at': index.sortKey },
        ExpressionAttributeValues: { ':pk': partition, ':due': dueBy },
        Limit: limit,
        ExclusiveStartKey: after
          ? {
              [TABLE_KEY]: scheduleKey(after.tenant, after.id),
              [index.partitionKey]: partition,
              [index.sortKey]: after.next_run_at,
            }
          : undefined,
      }),
    );
    return (out.Items ?? []).map((item) => ({
      tenant: String(item.tenant),
      id: String(item.id),
      next_run_at: String(item[index.sortKey]),
    }));
  }

  /** Adds the schedule's id to the tenant's set if the set is below the cap. */
  private async takePlace(schedule: Schedule, maxPerTenant: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: scheduleIdsKey(schedule.tenant) },
          UpdateExpression: 'ADD #ids :id',
          ConditionExpression: 'attribute_not_exists(#ids) OR size(#ids) < :cap',
          ExpressionAttributeNames: { '#ids': IDS },
          ExpressionAttributeValues: { ':id': new Set([schedule.id]), ':cap': maxPerTenant },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  private async releasePlaces(tenant: string, ids: readonly string[]): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: scheduleIdsKey(tenant) },
        UpdateExpression: 'DELETE #ids :ids',
        ExpressionAttributeNames: { '#ids': IDS },
        ExpressionAttributeValues: { ':ids': new Set(ids) },
      }),
    );
  }

  /** Frees the ids on the tenant's cap item that no schedule has (a crash between two writes); returns how many. */
  private async freeOrphans(tenant: string): Promise<number> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: scheduleIdsKey(tenant) }, ConsistentRead: true }),
    );
    const settledBefore = this.clock.now().getTime() - ORPHAN_AFTER_MS;
    const ids = [...((Item?.[IDS] as Set<string> | undefined) ?? [])].filter((id) => decodeTime(id) < settledBefore);
    if (ids.length === 0) return 0;
    const found = await batchGetAll(
      this.db,
      this.tableName,
      ids.map((id) => ({ [TABLE_KEY]: scheduleKey(tenant, id) })),
      true,
    );
    const existing = new Set(found.map((item) => String(item.id)));
    const orphans = ids.filter((id) => !existing.has(id));
    if (orphans.length > 0) await this.releasePlaces(tenant, orphans);
    return orphans.length;
  }
}

function toItem(schedule: Schedule): Record<string, unknown> {
  const due = schedule.enabled && schedule.next_run_at !== undefined;
  return {
    ...schedule,
    [TABLE_KEY]: scheduleKey(schedule.tenant, schedule.id),
    [INDEXES.byTenant.partitionKey]: schedulesPk(schedule.tenant),
    [SORT_ATTRIBUTE]: listSortKey(schedule.created_at, schedule.id),
    // Only enabled schedules with a next run are in the due index (sparse).
    ...(due ? { [INDEXES.schedulesDue.partitionKey]: scheduleDuePk(shardOf(schedule.id, SCHEDULING.shards)) } : {}),
  };
}

function fromItem(item: Record<string, unknown>): Schedule {
  const schedule = { ...item };
  for (const key of KEY_ATTRIBUTES) delete schedule[key];
  return schedule as unknown as Schedule;
}
