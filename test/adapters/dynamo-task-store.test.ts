import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { ValidationError } from '../../functions/core/errors';
import type { WriteResult } from '../../functions/core/ports';
import { FIXED_NOW, taskItem } from '../helpers/factories';

const TABLE = 'tasklane-tasks';
const NOW = FIXED_NOW.toISOString();
const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoTaskStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE, 30);

const conditionFailed = () =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
  });
const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded.',
    $metadata: { httpStatusCode: 400 },
  });

/** A stored item: the task plus the key attributes the store adds and strips. */
function storedItem(overrides: Parameters<typeof taskItem>[0] = {}) {
  const task = taskItem(overrides);
  return {
    ...task,
    pk: `TASK#${task.tenant}#${task.id}`,
    list_sk: `${task.created_at}#${task.id}`,
    tenant_pk: task.tenant,
    tenant_status_pk: `${task.tenant}#${task.status}`,
    tenant_type_pk: `${task.tenant}#${task.type}`,
  };
}

const cursorOf = (key: Record<string, unknown>) => Buffer.from(JSON.stringify(key)).toString('base64url');

beforeEach(() => {
  ddb.reset();
});

describe('DynamoTaskStore', () => {
  describe('conditional transitions', () => {
    const transitions: { name: string; write: () => Promise<WriteResult> }[] = [
      { name: 'startAttempt', write: () => store.startAttempt('acme', ID, { attempt: 2, now: NOW, sweepAt: NOW }) },
      { name: 'complete', write: () => store.complete('acme', ID, 2, { ok: 1 }, NOW) },
      { name: 'retry', write: () => store.retry('acme', ID, 2, { name: 'Error', message: 'boom' }, NOW, NOW, NOW) },
      { name: 'fail', write: () => store.fail('acme', ID, 2, { name: 'Error', message: 'boom' }, NOW) },
      { name: 'cancelWaiting', write: () => store.cancelWaiting('acme', ID, NOW) },
      { name: 'requestCancel', write: () => store.requestCancel('acme', ID, NOW) },
      { name: 'progress', write: () => store.progress('acme', ID, 2, 50, 'half', NOW) },
    ];

    it.each(transitions)(
      '$name returns ok: false with the current task when the condition fails',
      async ({ write }) => {
        // Prepare
        ddb.on(UpdateCommand).rejects(conditionFailed());
        ddb.on(GetCommand).resolves({ Item: storedItem({ status: 'completed', attempts: 2, result: { done: true } }) });

        // Act
        const result = await write();

        // Assess
        expect(result).toEqual({
          ok: false,
          current: taskItem({ status: 'completed', attempts: 2, result: { done: true } }),
        });
        const get = ddb.commandCalls(GetCommand);
        expect(get).toHaveLength(1);
        expect(get[0]!.args[0].input).toEqual({
          TableName: TABLE,
          Key: { pk: `TASK#acme#${ID}` },
          ConsistentRead: true,
        });
      },
    );

    it('returns ok: false without a task when the condition failed because the task is gone', async () => {
      // Prepare
      ddb.on(UpdateCommand).rejects(conditionFailed());
      ddb.on(GetCommand).resolves({});

      // Act
      const result = await store.complete('acme', ID, 1, null, NOW);

      // Assess
      expect(result).toEqual({ ok: false, current: undefined });
    });

    it.each(transitions)('$name rethrows a throttling error instead of reporting a lost race', async ({ write }) => {
      // Prepare
      ddb.on(UpdateCommand).rejects(throttled());

      // Act & Assess
      await expect(write()).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
      expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    });

    it('conditions complete on the running status and the attempt, and strips key attributes from the result', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({ Attributes: storedItem({ status: 'completed', attempts: 2, progress: 100 }) });

      // Act
      const result = await store.complete('acme', ID, 2, { ok: 1 }, NOW);

      // Assess
      expect(result).toEqual({ ok: true, task: taskItem({ status: 'completed', attempts: 2, progress: 100 }) });
      const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.ConditionExpression).toContain('#status IN (:from0)');
      expect(input.ConditionExpression).toContain('attempts = :attempt');
      expect(input.ExpressionAttributeValues).toMatchObject({ ':from0': 'running', ':attempt': 2 });
    });
  });

  describe('create', () => {
    it('returns the existing task when the id is taken', async () => {
      // Prepare
      ddb.on(PutCommand).rejects(conditionFailed());
      ddb.on(GetCommand).resolves({ Item: storedItem({ idempotency_key: 'order-4711' }) });

      // Act
      const result = await store.create(taskItem({ idempotency_key: 'order-4711' }));

      // Assess
      expect(result).toEqual({ ok: false, current: taskItem({ idempotency_key: 'order-4711' }) });
    });

    it('rethrows a throttling error', async () => {
      // Prepare
      ddb.on(PutCommand).rejects(throttled());

      // Act & Assess
      await expect(store.create(taskItem())).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    });
  });

  describe('get', () => {
    it('hides a finished task whose TTL passed but that DynamoDB has not deleted yet', async () => {
      // Prepare
      ddb
        .on(GetCommand)
        .resolves({ Item: storedItem({ status: 'completed', expires_at: Math.floor(Date.now() / 1000) - 60 }) });

      // Act & Assess
      await expect(store.get('acme', ID)).resolves.toBeUndefined();
    });
  });

  describe('deletePending', () => {
    it('ignores a task that is no longer pending', async () => {
      // Prepare
      ddb.on(DeleteCommand).rejects(conditionFailed());

      // Act & Assess
      await expect(store.deletePending('acme', ID)).resolves.toBeUndefined();
    });

    it('rethrows a throttling error', async () => {
      // Prepare
      ddb.on(DeleteCommand).rejects(throttled());

      // Act & Assess
      await expect(store.deletePending('acme', ID)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    });
  });

  describe('list', () => {
    const ownKey = { pk: `TASK#acme#${ID}`, list_sk: `2025-03-04T05:00:00.000Z#${ID}`, tenant_pk: 'acme' };

    it.each([
      {
        case: 'another tenant',
        query: {},
        cursor: cursorOf({ ...ownKey, pk: `TASK#globex#${ID}`, tenant_pk: 'globex' }),
      },
      {
        case: 'another status filter',
        query: { status: 'running' as const },
        cursor: cursorOf({ ...ownKey, tenant_pk: undefined, tenant_status_pk: 'acme#pending' }),
      },
      {
        case: 'an unfiltered query, used with a status filter',
        query: { status: 'running' as const },
        cursor: cursorOf(ownKey),
      },
      { case: 'extra attributes', query: {}, cursor: cursorOf({ ...ownKey, status: 'pending' }) },
      { case: 'not base64 JSON', query: {}, cursor: 'not-a-cursor' },
      { case: 'JSON null', query: {}, cursor: cursorOf(null as unknown as Record<string, unknown>) },
      { case: 'an empty table key', query: {}, cursor: cursorOf({ ...ownKey, pk: '' }) },
      { case: 'an empty sort key', query: {}, cursor: cursorOf({ ...ownKey, list_sk: '' }) },
      {
        case: 'an empty partition key of an empty tenant',
        query: {},
        cursor: cursorOf({ pk: '', list_sk: '', tenant_pk: '' }),
      },
      { case: 'a missing sort key', query: {}, cursor: cursorOf({ pk: ownKey.pk, tenant_pk: 'acme' }) },
      { case: 'a missing table key', query: {}, cursor: cursorOf({ list_sk: ownKey.list_sk, tenant_pk: 'acme' }) },
      {
        case: 'a missing key replaced by another',
        query: {},
        cursor: cursorOf({ pk: ownKey.pk, tenant_pk: 'acme', sk: ownKey.list_sk }),
      },
      { case: 'a number for the table key', query: {}, cursor: cursorOf({ ...ownKey, pk: 7 }) },
      {
        case: 'an attribute-value map for the sort key',
        query: {},
        cursor: cursorOf({ ...ownKey, list_sk: { S: ownKey.list_sk } }),
      },
      {
        case: "another tenant's table key in the own partition",
        query: {},
        cursor: cursorOf({ ...ownKey, pk: `TASK#globex#${ID}` }),
      },
      { case: "a batch's table key", query: {}, cursor: cursorOf({ ...ownKey, pk: `BATCH#acme#${ID}` }) },
      { case: 'a table key without an id', query: {}, cursor: cursorOf({ ...ownKey, pk: 'TASK#acme#' }) },
      {
        case: 'a sort key of another task',
        query: {},
        cursor: cursorOf({ ...ownKey, list_sk: '2025-03-04T05:00:00.000Z#01JNK8Z6S4Y5Q3W2E1R0T9P8ZZ' }),
      },
      {
        case: 'an over-long sort key',
        query: {},
        cursor: cursorOf({ ...ownKey, list_sk: `${'9'.repeat(1100)}#${ID}` }),
      },
      { case: 'a JSON array', query: {}, cursor: cursorOf([ownKey] as unknown as Record<string, unknown>) },
      { case: 'garbage base64', query: {}, cursor: Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString('base64url') },
    ])(
      'rejects a cursor from $case with a ValidationError naming cursor, before querying',
      async ({ query, cursor }) => {
        // Act
        const error = await store.list({ tenant: 'acme', limit: 20, cursor, ...query }).catch((e: unknown) => e);

        // Assess
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).status).toBe(400);
        expect((error as ValidationError).details).toEqual([expect.objectContaining({ field: 'cursor' })]);
        expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
      },
    );

    it('accepts its own next_cursor and passes it on as the start key', async () => {
      // Prepare
      ddb
        .on(QueryCommand)
        .resolvesOnce({ Items: [storedItem()], LastEvaluatedKey: ownKey })
        .resolvesOnce({ Items: [] });
      // The listing index holds keys only; the page's tasks are read by key.
      ddb.on(BatchGetCommand).resolves({ Responses: { [TABLE]: [storedItem()] } });
      const first = await store.list({ tenant: 'acme', limit: 1 });

      // Act
      const second = await store.list({ tenant: 'acme', limit: 1, cursor: first.nextCursor });

      // Assess
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(ddb.commandCalls(QueryCommand)[1]!.args[0].input.ExclusiveStartKey).toEqual(ownKey);
      expect(second).toEqual({ items: [], nextCursor: undefined });
    });
  });

  describe('change feed', () => {
    const M = 1_000_000;

    it('creates a task at seq 0 with its pending status as the first history entry', async () => {
      // Prepare
      ddb.on(PutCommand).resolves({});

      // Act
      const result = await store.create(taskItem());

      // Assess
      expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
        seq: 0,
        status_seq: 0,
        status_history: [{ status: 'pending', attempt: 0, at: '2025-03-04T05:00:00.000Z', progress: 0 }],
      });
      expect(result).toEqual({
        ok: true,
        task: {
          ...taskItem(),
          seq: 0,
          status_history: [{ seq: 0, status: 'pending', attempt: 0, at: '2025-03-04T05:00:00.000Z', progress: 0 }],
        },
      });
    });

    it('adds 1 to seq on a progress write, and touches no history', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({ Attributes: storedItem({ status: 'running', attempts: 1 }) });

      // Act
      await store.progress('acme', ID, 1, 40, 'step 2/5', NOW);

      // Assess
      const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.UpdateExpression).toContain('#feedSeq = if_not_exists(#feedSeq, :feedZero) + :feedOne');
      expect(input.UpdateExpression).not.toContain('#feedHistory');
      expect(input.ExpressionAttributeNames).toMatchObject({ '#feedSeq': 'seq' });
    });

    it('moves seq to the next status step and appends the change, with its attempt and progress, on a transition', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({ Attributes: storedItem({ status: 'running', attempts: 2 }) });

      // Act
      await store.startAttempt('acme', ID, { attempt: 2, now: NOW, sweepAt: NOW });

      // Assess
      const input = ddb.commandCalls(UpdateCommand)[0]!.args[0].input;
      expect(input.UpdateExpression).toContain('#feedSeq = if_not_exists(#feedStatusSeq, :feedZero) + :feedStep');
      expect(input.UpdateExpression).toContain('#feedStatusSeq = if_not_exists(#feedStatusSeq, :feedZero) + :feedStep');
      expect(input.UpdateExpression).toContain(
        '#feedHistory = list_append(if_not_exists(#feedHistory, :feedEmpty), :feedEntry)',
      );
      expect(input.ExpressionAttributeValues).toMatchObject({
        ':feedStep': M,
        ':feedEntry': [{ status: 'running', attempt: 2, at: NOW, progress: 0 }],
      });
    });

    it('leaves attempt and progress out of a change whose writer knows neither', async () => {
      // Prepare
      ddb.on(UpdateCommand).resolves({ Attributes: storedItem({ status: 'canceled', attempts: 1 }) });

      // Act
      await store.cancelWaiting('acme', ID, NOW);

      // Assess
      expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues![':feedEntry']).toEqual([
        { status: 'canceled', at: NOW },
      ]);
    });

    it('derives each history entry its seq from status_seq and its place, and keeps status_seq to itself', async () => {
      // Prepare
      const history = [
        { status: 'running', attempt: 1, at: NOW, progress: 0 },
        { status: 'retrying', attempt: 1, at: NOW },
        { status: 'running', attempt: 2, at: NOW, progress: 0 },
        { status: 'canceled', at: NOW },
      ];
      ddb.on(GetCommand).resolves({
        Item: {
          ...storedItem({ status: 'canceled', attempts: 2 }),
          seq: 7 * M,
          status_seq: 7 * M,
          status_history: history,
        },
      });

      // Act
      const task = await store.get('acme', ID);

      // Assess
      expect(task).not.toHaveProperty('status_seq');
      expect(task!.seq).toBe(7 * M);
      expect(task!.status_history!.map((c) => [c.seq, c.status, c.attempt])).toEqual([
        [4 * M, 'running', 1],
        [5 * M, 'retrying', 1],
        [6 * M, 'running', 2],
        [7 * M, 'canceled', 2],
      ]);
    });

    it('reads eventually consistent when asked, strongly consistent by default', async () => {
      // Prepare
      ddb.on(GetCommand).resolves({ Item: storedItem() });

      // Act
      await store.get('acme', ID, { consistent: false });
      await store.get('acme', ID);

      // Assess
      expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input.ConsistentRead)).toEqual([false, true]);
    });

    it('drops the oldest changes beyond the history limit with a second, conditional write', async () => {
      // Prepare
      const long = Array.from({ length: 52 }, () => ({ status: 'running', attempt: 1, at: NOW }));
      ddb
        .on(UpdateCommand)
        .resolvesOnce({
          Attributes: {
            ...storedItem({ status: 'running', attempts: 26 }),
            seq: 52 * M,
            status_seq: 52 * M,
            status_history: long,
          },
        })
        .resolvesOnce({});

      // Act
      const result = await store.startAttempt('acme', ID, { attempt: 26, now: NOW, sweepAt: NOW });

      // Assess
      expect(result.ok).toBe(true);
      const trim = ddb.commandCalls(UpdateCommand)[1]!.args[0].input;
      expect(trim.UpdateExpression).toBe('REMOVE #history[0], #history[1]');
      expect(trim.ConditionExpression).toBe('size(#history) >= :length');
      expect(trim.ExpressionAttributeValues).toEqual({ ':length': 52 });
    });
  });
});
