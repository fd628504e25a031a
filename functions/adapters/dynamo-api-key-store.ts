import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, ApiKeyStore } from '../core/api-keys';
import { INDEXES, SORT_ATTRIBUTE, TABLE_KEY, apiKeyIdKey, apiKeyKey } from './table-schema';

/**
 * API keys in the tasks table: `KEY#<hash>` holds the record (the authorizer's single GetItem),
 * `KEYID#<id>` points from the public id to the hash so a key can be revoked by id.
 */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: ApiKeyRecord): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...record,
          [TABLE_KEY]: apiKeyKey(record.hash),
          [INDEXES.keysByTenant.partitionKey]: record.tenant,
          [SORT_ATTRIBUTE]: `${record.created_at}#${record.key_id}`,
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE_KEY },
      }),
    );
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { [TABLE_KEY]: apiKeyIdKey(record.key_id), hash: record.hash, tenant: record.tenant },
      }),
    );
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: apiKeyKey(hash) } }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  async list(tenant?: string): Promise<ApiKeyRecord[]> {
    if (tenant) {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: INDEXES.keysByTenant.name,
          KeyConditionExpression: '#t = :t',
          ExpressionAttributeNames: { '#t': INDEXES.keysByTenant.partitionKey },
          ExpressionAttributeValues: { ':t': tenant },
        }),
      );
      return (out.Items ?? []).map(toRecord);
    }
    // All tenants: an operator's listing, read from the sparse keys index rather than the whole table.
    const records: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new ScanCommand({ TableName: this.tableName, IndexName: INDEXES.keysByTenant.name, ExclusiveStartKey: start }),
      );
      records.push(...(out.Items ?? []).map(toRecord));
      start = out.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  async revoke(keyId: string, now: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { [TABLE_KEY]: apiKeyIdKey(keyId) } }),
    );
    if (!Item) return undefined;
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [TABLE_KEY]: apiKeyKey(String(Item.hash)) },
        UpdateExpression: 'SET revoked_at = if_not_exists(revoked_at, :now)',
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE_KEY },
        ExpressionAttributeValues: { ':now': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes ? toRecord(out.Attributes) : undefined;
  }
}

function toRecord(item: Record<string, unknown>): ApiKeyRecord {
  return {
    key_id: String(item.key_id),
    tenant: String(item.tenant),
    hash: String(item.hash),
    created_at: String(item.created_at),
    revoked_at: typeof item.revoked_at === 'string' ? item.revoked_at : undefined,
    description: typeof item.description === 'string' ? item.description : undefined,
  };
}
