import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoEventStore } from '../../functions/adapters/dynamo-event-store';
import { ValidationError } from '../../functions/core/errors';

const TABLE = 'tasklane-tasks';
const BATCH_ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoEventStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE);

const cursorOf = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** Every empty string among a query's key values: real DynamoDB refuses them in key conditions and start keys (dynalite does not). */
function emptyKeyValues(input: QueryCommandInput): string[] {
  const values = { ...input.ExpressionAttributeValues, ...input.ExclusiveStartKey };
  return Object.entries(values)
    .filter(([, value]) => value === '')
    .map(([name]) => name);
}

/** A batch as the batches-by-tenant index lists it. */
function batchItem(tenant = 'acme') {
  return {
    pk: `BATCH#${tenant}#${BATCH_ID}`,
    batch_tenant_pk: tenant,
    list_sk: `2025-03-04T05:00:00.000Z#${BATCH_ID}`,
    batch_id: BATCH_ID,
    tenant,
    size: 2,
    first_event_at: '2025-03-04T04:59:58.000Z',
    last_event_at: '2025-03-04T04:59:59.000Z',
    created_at: '2025-03-04T05:00:00.000Z',
    updated_at: '2025-03-04T05:00:01.000Z',
    status: 'done',
    event_ids: [],
    sinks: { s3: { status: 'written', bucket: 'tasklane-events', key: `events/2025/03/04/${BATCH_ID}.ndjson` } },
  };
}

beforeEach(() => {
  ddb.reset();
});

describe('DynamoEventStore', () => {
  describe('tenantsWithWaiting', () => {
    it('finds each tenant of a shard once, without an empty key value in any query', async () => {
      // Prepare: the index answers like DynamoDB, one sort key past the condition at a time.
      const sortKeys = [
        'acme#01JNK8Z6S4Y5Q3W2E1R0T9P8A1',
        'acme#01JNK8Z6S4Y5Q3W2E1R0T9P8A2',
        'globex#01JNK8Z6S4Y5Q3W2E1R0T9P8A3',
      ];
      ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
        const after = input.ExpressionAttributeValues?.[':after'] as string | undefined;
        const next = sortKeys.find((sk) => after === undefined || sk > after);
        return { Items: next ? [{ evt_wait_pk: 'EVTWAIT#2', evt_wait_sk: next, pk: `EVT#${next}` }] : [] };
      });

      // Act
      const tenants = await store.tenantsWithWaiting(2);

      // Assess
      expect(tenants).toEqual(['acme', 'globex']);
      const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
      expect(queries).toHaveLength(3);
      expect(queries.map(emptyKeyValues)).toEqual([[], [], []]);
      expect(
        queries.every((q) => q.IndexName === 'events-waiting' && q.ExpressionAttributeValues?.[':pk'] === 'EVTWAIT#2'),
      ).toBe(true);
    });
  });

  describe('listBatches', () => {
    const ownKey = {
      pk: `BATCH#acme#${BATCH_ID}`,
      batch_tenant_pk: 'acme',
      list_sk: `2025-03-04T05:00:00.000Z#${BATCH_ID}`,
    };

    it.each([
      { case: 'an empty table key', cursor: cursorOf({ ...ownKey, pk: '' }) },
      { case: 'an empty sort key', cursor: cursorOf({ ...ownKey, list_sk: '' }) },
      { case: 'an empty partition key', cursor: cursorOf({ ...ownKey, batch_tenant_pk: '' }) },
      { case: 'a missing sort key', cursor: cursorOf({ pk: ownKey.pk, batch_tenant_pk: 'acme' }) },
      { case: 'a missing table key', cursor: cursorOf({ batch_tenant_pk: 'acme', list_sk: ownKey.list_sk }) },
      { case: 'an extra attribute', cursor: cursorOf({ ...ownKey, status: 'done' }) },
      { case: 'a number for the table key', cursor: cursorOf({ ...ownKey, pk: 7 }) },
      {
        case: 'an attribute-value map for the sort key',
        cursor: cursorOf({ ...ownKey, list_sk: { S: ownKey.list_sk } }),
      },
      {
        case: "another tenant's partition",
        cursor: cursorOf({ ...ownKey, pk: `BATCH#globex#${BATCH_ID}`, batch_tenant_pk: 'globex' }),
      },
      {
        case: "another tenant's table key in the own partition",
        cursor: cursorOf({ ...ownKey, pk: `BATCH#globex#${BATCH_ID}` }),
      },
      { case: "a task's table key", cursor: cursorOf({ ...ownKey, pk: `TASK#acme#${BATCH_ID}` }) },
      {
        case: 'a sort key of another item',
        cursor: cursorOf({ ...ownKey, list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8ZZ' }),
      },
      { case: 'an over-long sort key', cursor: cursorOf({ ...ownKey, list_sk: `${'9'.repeat(1100)}#${BATCH_ID}` }) },
      { case: 'a JSON array', cursor: cursorOf([ownKey]) },
      { case: 'garbage base64', cursor: Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64url') },
      { case: 'not base64 at all', cursor: '%%%' },
    ])('rejects a cursor with $case with a ValidationError naming cursor, before querying', async ({ cursor }) => {
      // Act
      const error = await store.listBatches('acme', 20, cursor).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(400);
      expect((error as ValidationError).details).toEqual([expect.objectContaining({ field: 'cursor' })]);
      expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('accepts its own next_cursor and passes it on as the start key', async () => {
      // Prepare
      ddb
        .on(QueryCommand)
        .resolvesOnce({ Items: [batchItem()], LastEvaluatedKey: ownKey })
        .resolvesOnce({ Items: [] });
      const first = await store.listBatches('acme', 1);

      // Act
      const second = await store.listBatches('acme', 1, first.nextCursor);

      // Assess
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual(ownKey);
      expect(second).toEqual({ items: [], nextCursor: undefined });
    });
  });
});
