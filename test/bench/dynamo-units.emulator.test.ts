import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GSI_DEFINITIONS, INDEXES, SORT_ATTRIBUTE, TABLE_KEY } from '../../functions/adapters/table-schema';
import { createTable, deleteTable } from '../../local/provision';
import { SdkCallLog } from '../../bench/instrument';
import { compareUnits } from '../../bench/units-compare';
import { startTestDynamo, uniqueTableName, type TestDynamo } from '../helpers/dynamo-endpoint';

type Item = Record<string, AttributeValue>;

const PK = 'TASK#acme#01J';
const s = (value: string): AttributeValue => ({ S: value });

/** A queued task as the store writes it: in the listing indexes and the sparse sweep index. */
const queuedTask = (overrides: Item = {}): Item => ({
  [TABLE_KEY]: s(PK),
  id: s('01J'),
  tenant: s('acme'),
  type: s('generic'),
  status: s('queued'),
  attempts: { N: '0' },
  payload: s('{"steps":10,"step_ms":0}'),
  [SORT_ATTRIBUTE]: s('2025-03-04T05:06:07Z#01J'),
  [INDEXES.byTenant.partitionKey]: s('acme'),
  [INDEXES.byTenantStatus.partitionKey]: s('acme#queued'),
  [INDEXES.byTenantType.partitionKey]: s('acme#generic'),
  [INDEXES.sweep.partitionKey]: s('SWEEP#3'),
  [INDEXES.sweep.sortKey]: s('2025-03-04T05:11:07Z'),
  [INDEXES.webhookSweep.partitionKey]: s('WHSWEEP#3'),
  ...overrides,
});

const update =
  (expression: string, values: Item = {}, names: Record<string, string> = {}) =>
  (table: string) =>
    new UpdateItemCommand({
      TableName: table,
      Key: { [TABLE_KEY]: s(PK) },
      UpdateExpression: expression,
      ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
    });
const put = (item: Item, condition?: string) => (table: string) =>
  new PutItemCommand({ TableName: table, Item: item, ConditionExpression: condition });
const remove = (table: string) => new DeleteItemCommand({ TableName: table, Key: { [TABLE_KEY]: s(PK) } });
/** Sends whichever write a case holds (the client's `send` is overloaded per command). */
const send = (client: DynamoDBClient, command: PutItemCommand | UpdateItemCommand | DeleteItemCommand) =>
  client.send(command as PutItemCommand);

/**
 * The bench's write-unit model (bench/dynamo-units.ts, through the call log) against the units the
 * engine reports. On dynalite, which reports a write's table units only, the indexes go unchecked; the
 * fidelity tier (`npm run test:fidelity`) runs this file against DynamoDB Local, index by index.
 */
describe('the write-unit model against the engine', () => {
  let dynamo: TestDynamo;
  let reader: DynamoDBClient;
  let client: DynamoDBClient;
  let log: SdkCallLog;
  const tableName = uniqueTableName('bench-units');

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    const config = {
      region: 'us-east-1',
      endpoint: dynamo.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    reader = new DynamoDBClient(config);
    client = new DynamoDBClient(config);
    await createTable(reader, tableName);
    log = new SdkCallLog().install();
    log.measureCapacity({ reader, tableName, layouts: { current: GSI_DEFINITIONS } });
  });

  afterAll(async () => {
    log.uninstall();
    await deleteTable(reader, tableName);
    reader.destroy();
    client.destroy();
    await dynamo.stop();
  });

  beforeEach(async () => {
    await reader.send(new DeleteItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: s(PK) } }));
    log.reset();
  });

  it.each([
    { case: 'a task created', before: undefined, write: put(queuedTask()) },
    { case: 'a progress update', before: queuedTask(), write: update('SET progress = :p', { ':p': { N: '40' } }) },
    {
      case: 'a task started (status and sweep time change)',
      before: queuedTask(),
      write: update(
        'SET #status = :s, tenant_status_pk = :ts, sweep_at = :at, attempts = :a',
        { ':s': s('running'), ':ts': s('acme#running'), ':at': s('2025-03-04T05:21:07Z'), ':a': { N: '1' } },
        { '#status': 'status' },
      ),
    },
    {
      case: 'a task completed with a 3 KB result (leaves the sweep index, enters the webhook sweep)',
      before: queuedTask({ status: s('running') }),
      write: update(
        'SET #status = :s, tenant_status_pk = :ts, #result = :r, webhook_sweep_at = :at REMOVE sweep_pk, sweep_at',
        {
          ':s': s('completed'),
          ':ts': s('acme#completed'),
          ':r': s('r'.repeat(3_000)),
          ':at': s('2025-03-04T05:06:09Z'),
        },
        { '#status': 'status', '#result': 'result' },
      ),
    },
    // 957 bytes grown to 1,062: one unit before, two after.
    {
      case: 'an item grown past 1 KB',
      before: queuedTask({ note: s('n'.repeat(700)) }),
      write: update('SET note2 = :n', { ':n': s('n'.repeat(100)) }),
    },
    { case: 'a task replaced by the same item', before: queuedTask(), write: put(queuedTask()) },
    { case: 'a task deleted', before: queuedTask(), write: remove },
    { case: 'a missing item deleted', before: undefined, write: remove },
  ])('agrees on $case', async ({ before, write }) => {
    // Prepare
    if (before) await reader.send(new PutItemCommand({ TableName: tableName, Item: before }));

    // Act
    await send(client, write(tableName));

    // Assess
    const { total } = compareUnits(log.records);
    const byIndex = (side: 'model' | 'engine') =>
      Object.fromEntries(Object.entries(total.byIndex).map(([name, units]) => [name, units[side]]));
    expect(total.calls).toBe(1);
    expect(total.engine.table).toBe(total.model.table);
    // dynalite puts only Table in a write's ConsumedCapacity, never GlobalSecondaryIndexes.
    if (dynamo.engine === 'dynalite') expect(log.records[0]!.reported?.indexes).toEqual({});
    else expect(byIndex('engine')).toEqual(byIndex('model'));
  });

  it('records a failed conditional write as failed, with no units from the engine', async () => {
    // Prepare
    await reader.send(new PutItemCommand({ TableName: tableName, Item: queuedTask() }));

    // Act
    const attempt = client.send(put(queuedTask(), 'attribute_not_exists(pk)')(tableName));

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConditionalCheckFailedException);
    expect(log.records[0]).toMatchObject({ ok: false, error: 'ConditionalCheckFailedException' });
    expect(log.records[0]!.reported).toBeUndefined();
    expect(compareUnits(log.records).total).toMatchObject({
      calls: 0,
      failed: 1,
      failedModel: { table: 1, indexes: 0 },
    });
  });
});
