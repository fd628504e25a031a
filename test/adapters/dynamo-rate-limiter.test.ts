import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRateLimiter } from '../../functions/adapters/dynamo-rate-limiter';

const ddb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));

/** A limiter of `limit` creations per 10-second window, its clock at `epochMs`. */
function limiterAt(epochMs: number, limit = 100) {
  return new DynamoRateLimiter(client, 'tasklane-tasks', limit, 10, { now: () => new Date(epochMs) });
}

beforeEach(() => {
  ddb.reset();
});

describe('DynamoRateLimiter', () => {
  it('allows a creation (0) and counts it in the tenant’s current window', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    const limiter = limiterAt(1_741_064_767_000);

    // Act
    const wait = await limiter.take('acme');

    // Assess
    expect(wait).toBe(0);
    const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(input.Key).toEqual({ pk: 'RATE#acme#174106476' });
    expect(input.ConditionExpression).toBe('attribute_not_exists(used) OR used < :limit');
    expect(input.ExpressionAttributeValues).toEqual({ ':one': 1, ':limit': 100, ':ttl': 174106478 * 10 });
  });

  it.each([
    { case: 'at the start of a window', epochMs: 1_741_064_760_000, expected: 10 },
    { case: 'mid-window', epochMs: 1_741_064_763_200, expected: 7 },
    { case: 'just before the next window', epochMs: 1_741_064_769_700, expected: 1 },
    { case: 'one millisecond before the next window', epochMs: 1_741_064_769_999, expected: 1 },
  ])(
    'returns the seconds until the next window when the window is full ($case → $expected)',
    async ({ epochMs, expected }) => {
      // Prepare
      ddb
        .on(UpdateCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

      // Act
      const wait = await limiterAt(epochMs).take('acme');

      // Assess
      expect(wait).toBe(expected);
      expect(wait).toBeGreaterThanOrEqual(1);
    },
  );

  it('rethrows any other DynamoDB error', async () => {
    // Prepare
    ddb
      .on(UpdateCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: {} }));

    // Act & Assess
    await expect(limiterAt(1_741_064_760_000).take('acme')).rejects.toBeInstanceOf(
      ProvisionedThroughputExceededException,
    );
  });
});
