import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ConcurrencySlots } from '../core/concurrency';
import type { Clock } from '../core/ports';
import { slotKey, TABLE_KEY, TTL_ATTRIBUTE } from './table-schema';

/** Conditional writes lost to other workers before a take gives up (the delivery is deferred then). */
const MAX_RACES = 8;
/** An idle slot item is deleted by TTL this long after its last lease ends. */
const IDLE_TTL_SECONDS = 86_400;

/**
 * Concurrency slots in one DynamoDB item per scope: `holders` maps each holder to the end of its
 * lease (epoch ms), and `version` orders the writes. A take reads the item, drops the leases that
 * ended, and writes it back conditional on the version it read, so two workers never both take
 * the last slot; a release removes its holder and moves the version on.
 */
export class DynamoConcurrencySlots implements ConcurrencySlots {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async acquire(scope: string, holder: string, limit: number, leaseUntil: Date): Promise<boolean> {
    const key = { [TABLE_KEY]: slotKey(scope) };
    for (let race = 0; race < MAX_RACES; race++) {
      const { Item } = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const now = this.clock.now().getTime();
      const live = Object.entries((Item?.holders ?? {}) as Record<string, number>).filter(
        ([name, until]) => until > now && name !== holder,
      );
      if (live.length >= limit) return false;
      const holders = Object.fromEntries([...live, [holder, leaseUntil.getTime()]]);
      const lastLease = Math.max(...Object.values(holders));
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...key,
              holders,
              version: ((Item?.version as number | undefined) ?? 0) + 1,
              [TTL_ATTRIBUTE]: Math.ceil(lastLease / 1000) + IDLE_TTL_SECONDS,
            },
            ...(Item
              ? { ConditionExpression: 'version = :version', ExpressionAttributeValues: { ':version': Item.version } }
              : { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': TABLE_KEY } }),
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return false;
  }

  async release(scope: string, holder: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: slotKey(scope) },
          UpdateExpression: 'REMOVE holders.#holder ADD version :one',
          ConditionExpression: 'attribute_exists(holders.#holder)',
          ExpressionAttributeNames: { '#holder': holder },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    } catch (error) {
      // Not held (any more): its lease ended and another take dropped it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
