import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { setTimeout as sleep } from 'node:timers/promises';

/** DynamoDB's per-call limits: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html */
const READ_CHUNK = 100;
const WRITE_CHUNK = 25;
/** Unprocessed items mean throttling: back off and resend, a bounded number of times. */
const MAX_UNPROCESSED_ROUNDS = 8;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Reads items by key with BatchGetItem (100 a call), resending unprocessed keys with backoff. */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  consistent: boolean,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const part of chunks(keys, READ_CHUNK)) {
    let pending: Record<string, unknown>[] | undefined = part;
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error('BatchGetItem kept returning unprocessed keys');
      if (round > 0) await sleep(50 * 2 ** round);
      const out = await db.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } } }),
      );
      items.push(...(out.Responses?.[tableName] ?? []));
      pending = out.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  return items;
}

/** Writes put/delete requests with BatchWriteItem (25 a call), resending unprocessed items with backoff. */
export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly Record<string, unknown>[],
): Promise<void> {
  for (const part of chunks(requests, WRITE_CHUNK)) {
    let pending: Record<string, unknown>[] | undefined = part;
    for (let round = 0; pending && pending.length > 0; round++) {
      if (round >= MAX_UNPROCESSED_ROUNDS) throw new Error('BatchWriteItem kept returning unprocessed items');
      if (round > 0) await sleep(50 * 2 ** round);
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending as never } }));
      pending = out.UnprocessedItems?.[tableName] as Record<string, unknown>[] | undefined;
    }
  }
}
