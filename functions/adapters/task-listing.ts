import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ListQuery, Page } from '../core/ports';
import type { Task } from '../core/task';
import { decodeCursor, encodeCursor } from './cursor-codec';
import { batchGetAll } from './dynamo-batch';
import { fromTaskItem, isExpiredItem } from './task-item';
import type { TaskTable } from './task-table';
import { INDEXES, TABLE_KEY, taskKey, tenantPk, tenantStatusPk, tenantTypePk } from './table-schema';

/** DynamoDB Query pages read per list call at most, so a sparse filter cannot make one request unbounded. */
const MAX_QUERY_ROUNDS = 10;

/** A page of a tenant's tasks, newest first, through the listing index that matches the filter. */
export async function listTasks(table: TaskTable, query: ListQuery): Promise<Page<Task>> {
  const { indexName, partitionKey, partitionValue } = indexFor(query);
  // The cursor must name a position in this partition: the tenant's and the filter's own.
  let startKey: Record<string, unknown> | undefined = decodeCursor(query.cursor, {
    partitionKey,
    partitionValue,
    tableKeyPrefix: taskKey(query.tenant, ''),
  });
  const now = table.clock.now();
  // The listing indexes hold keys only (so progress writes never touch them): read the page's
  // keys there, then the tasks themselves, and keep those that still match and have not expired.
  const found: { key: Record<string, unknown>; task: Task }[] = [];
  let exhausted = false;
  for (let round = 0; round < MAX_QUERY_ROUNDS && found.length < query.limit; round++) {
    const out = await table.db.send(
      new QueryCommand({
        TableName: table.tableName,
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
    const items = await getItems(
      table,
      keys.map((key) => String(key[TABLE_KEY])),
    );
    for (const key of keys) {
      const item = items.get(String(key[TABLE_KEY]));
      if (!item || isExpiredItem(item, now)) continue;
      const task = fromTaskItem(item);
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
async function getItems(table: TaskTable, pks: string[]): Promise<Map<string, Record<string, unknown>>> {
  const items = await batchGetAll(
    table.db,
    table.tableName,
    pks.map((pk) => ({ [TABLE_KEY]: pk })),
    false,
  );
  return new Map(items.map((item) => [String(item[TABLE_KEY]), item]));
}

function indexFor(query: ListQuery): { indexName: string; partitionKey: string; partitionValue: string } {
  if (query.status) {
    const index = INDEXES.byTenantStatus;
    return {
      indexName: index.name,
      partitionKey: index.partitionKey,
      partitionValue: tenantStatusPk(query.tenant, query.status),
    };
  }
  if (query.type) {
    const index = INDEXES.byTenantType;
    return {
      indexName: index.name,
      partitionKey: index.partitionKey,
      partitionValue: tenantTypePk(query.tenant, query.type),
    };
  }
  const index = INDEXES.byTenant;
  return { indexName: index.name, partitionKey: index.partitionKey, partitionValue: tenantPk(query.tenant) };
}
