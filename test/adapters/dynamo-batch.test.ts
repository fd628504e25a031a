import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { batchGetAll, batchWriteAll } from '../../functions/adapters/dynamo-batch';

/** DynamoDB's per-call limits, which no emulator enforces as AWS does: 25 writes, 100 keys. */
describe('dynamo-batch', () => {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
  const ddb = mockClient(db);
  beforeEach(() => ddb.reset());

  const puts = (n: number) => Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: `E#${i}` } } }));
  const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `E#${i}` }));

  it('writes at most 25 requests a call', async () => {
    // Prepare
    ddb.on(BatchWriteCommand).resolves({});

    // Act
    await batchWriteAll(db, 't', puts(60));

    // Assess
    const sizes = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.t!.length);
    expect(sizes).toEqual([25, 25, 10]);
  });

  it('resends the items DynamoDB left unprocessed, and only those', async () => {
    // Prepare
    const all = puts(3);
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [all[2]!] } })
      .resolves({});

    // Act
    await batchWriteAll(db, 't', all);

    // Assess
    const sent = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.t);
    expect(sent).toEqual([all, [all[2]]]);
  });

  it('reads at most 100 keys a call and gathers every answer', async () => {
    // Prepare
    ddb.on(BatchGetCommand).callsFake((input) => ({ Responses: { t: input.RequestItems.t.Keys } }));

    // Act
    const items = await batchGetAll(db, 't', keys(250), true);

    // Assess
    const sizes = ddb.commandCalls(BatchGetCommand).map((c) => c.args[0].input.RequestItems!.t!.Keys!.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(items).toHaveLength(250);
  });
});
