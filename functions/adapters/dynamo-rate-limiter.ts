import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../core/ports';
import type { RateLimiter } from '../core/rate-limiter';
import { TABLE_KEY, TTL_ATTRIBUTE, rateWindowKey } from './table-schema';

/**
 * Per-tenant limit on task creation, shared by every API instance: a fixed window counter in
 * DynamoDB (one conditional UpdateItem per request), windows of `windowSeconds` holding at most
 * `limit` creations. Chosen over API Gateway usage plans so that the same limit applies to the
 * local stack and needs no API Gateway key per tenant.
 */
export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly limit: number,
    private readonly windowSeconds: number,
    private readonly clock: Clock,
  ) {}

  async take(tenant: string): Promise<number> {
    const nowSeconds = this.clock.now().getTime() / 1000;
    const window = Math.floor(nowSeconds / this.windowSeconds);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE_KEY]: rateWindowKey(tenant, window) },
          UpdateExpression: 'ADD used :one SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
          ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':one': 1, ':limit': this.limit, ':ttl': (window + 2) * this.windowSeconds },
        }),
      );
      return 0;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return Math.max(1, Math.ceil((window + 1) * this.windowSeconds - nowSeconds));
      }
      throw error;
    }
  }
}
