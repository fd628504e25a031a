import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ConcurrencySlots } from '../core/concurrency';
import type { Clock } from '../core/ports';
import { slotKey, TABLE_KEY, TTL_ATTRIBUTE } from './table-schema';

/** Takes tried before giving up (the delivery is deferred then): each retry follows a change of the item. */
const MAX_ROUNDS = 4;
/** An idle slot item is deleted by TTL this long after the last lease taken on it ends. */
const IDLE_TTL_SECONDS = 86_400;

/**
 * Concurrency slots in one DynamoDB item per scope, whose `holders` map each holder to the end of
 * its lease (epoch ms). A take is one atomic UpdateItem, `SET holders.<holder>` on the condition
 * `size(holders) < limit`, so any number of workers may race for the last slot and one wins,
 * without reading first. Only a take refused as full reads the item, to drop leases that have
 * ended (each removal conditional on the lease it read), and tries again; a release removes its
 * holder.
 */
export class DynamoConcurrencySlots implements ConcurrencySlots {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async acquire(scope: string, holder: string, limit: number, leaseUntil: Date): Promise<boolean> {
    const key = { [TABLE_KEY]: slotKey(scope) };
    const lease = leaseUntil.getTime();
    const expiresAt = Math.ceil(lease / 1000) + IDLE_TTL_SECONDS;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET holders.#holder = :lease, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(holders) OR size(holders) < :limit',
            ExpressionAttributeNames: { '#holder': holder, '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':lease': lease, ':ttl': expiresAt, ':limit': limit },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          // Full, unless some holders' leases have ended: drop those and try again.
          if ((await this.dropEnded(scope)) === 0) return false;
        } else if (isMissingPath(error)) {
          // The scope's first take: no item (or no map) yet. Create it; a racing creator makes us try the update again.
          if (await this.create(key, holder, lease, expiresAt)) return true;
        } else throw error;
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
          UpdateExpression: 'REMOVE holders.#holder',
          ConditionExpression: 'attribute_exists(holders.#holder)',
          ExpressionAttributeNames: { '#holder': holder },
        }),
      );
    } catch (error) {
      // Not held (any more): its lease ended and a take dropped it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private async create(key: Record<string, string>, holder: string, lease: number, expiresAt: number) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, holders: { [holder]: lease }, [TTL_ATTRIBUTE]: expiresAt },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE_KEY },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Removes the holders whose lease has ended; returns how many this call removed. */
  private async dropEnded(scope: string): Promise<number> {
    const key = { [TABLE_KEY]: slotKey(scope) };
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
    const now = this.clock.now().getTime();
    const ended = Object.entries((Item?.holders ?? {}) as Record<string, number>).filter(([, until]) => until <= now);
    const removed = await Promise.all(
      ended.map(async ([name, until]) => {
        try {
          await this.db.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: key,
              UpdateExpression: 'REMOVE holders.#holder',
              ConditionExpression: 'holders.#holder = :until',
              ExpressionAttributeNames: { '#holder': name },
              ExpressionAttributeValues: { ':until': until },
            }),
          );
          return 1;
        } catch (error) {
          if (error instanceof ConditionalCheckFailedException) return 0;
          throw error;
        }
      }),
    );
    return removed.reduce((sum: number, n) => sum + n, 0);
  }
}

/** DynamoDB's answer to `SET holders.x` when the item or its `holders` map does not exist yet. */
function isMissingPath(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationException' &&
    /document path provided in the update expression is invalid/i.test(error.message)
  );
}
