import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../functions/adapters/aws-clients';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { HISTORY_LIMIT, STATUS_STEP } from '../../functions/adapters/task-feed-attributes';
import { createTable } from '../../local/provision';
import { startTestDynamo, uniqueTableName, type TestDynamo } from '../helpers/dynamo-endpoint';
import { taskItem } from '../helpers/factories';

const TABLE = uniqueTableName('tasklane-feed-test');
const at = (second: number) => new Date(Date.UTC(2025, 2, 4, 5, 0, second)).toISOString();

/** The change feed's update expressions as DynamoDB evaluates them (dynalite, or DynamoDB Local in the fidelity tier), not as a mock accepts them. */
describe('DynamoTaskStore change feed (emulator)', () => {
  let dynamo: TestDynamo;
  let store: DynamoTaskStore;

  beforeAll(async () => {
    dynamo = await startTestDynamo();
    const clients = createAwsClients({ region: 'us-east-1', endpoints: { dynamodb: dynamo.endpoint } });
    await createTable(clients.dynamo, TABLE);
    store = new DynamoTaskStore(clients.dynamo, TABLE, 30);
  });
  afterAll(() => dynamo?.stop());

  it('numbers status changes and progress writes in one increasing sequence', async () => {
    // Prepare
    const id = '01JNK8Z6S4Y5Q3W2E1R0T9P8A1';
    await store.create(taskItem({ id }));

    // Act
    await store.startAttempt('acme', id, { attempt: 1, now: at(1), sweepAt: at(99) });
    await store.progress('acme', id, 1, 30, 'a', at(2));
    await store.progress('acme', id, 1, 60, 'b', at(3));
    await store.retry('acme', id, 1, { name: 'Error', message: 'boom' }, at(5), at(99), at(4));
    await store.startAttempt('acme', id, { attempt: 2, now: at(5), sweepAt: at(99) });
    await store.progress('acme', id, 2, 50, 'c', at(6));
    const task = await store.get('acme', id);

    // Assess
    expect(task!.seq).toBe(3 * STATUS_STEP + 1);
    expect(task!.status_history!.map((c) => [c.seq, c.status, c.attempt, c.progress])).toEqual([
      [0, 'pending', 0, 0],
      [STATUS_STEP, 'running', 1, 0],
      [2 * STATUS_STEP, 'retrying', 1, undefined],
      [3 * STATUS_STEP, 'running', 2, 0],
    ]);
  });

  it(`keeps the last ${HISTORY_LIMIT} status changes, their seqs intact`, async () => {
    // Prepare
    const id = '01JNK8Z6S4Y5Q3W2E1R0T9P8A2';
    await store.create(taskItem({ id, max_attempts: 100 }));

    // Act: 30 attempts that each start and fail: 60 changes after `pending`.
    for (let attempt = 1; attempt <= 30; attempt++) {
      await store.startAttempt('acme', id, { attempt, now: at(attempt), sweepAt: at(99) });
      await store.retry('acme', id, attempt, { name: 'Error', message: 'boom' }, at(attempt), at(99), at(attempt));
    }
    const task = await store.get('acme', id);

    // Assess
    const history = task!.status_history!;
    expect(history).toHaveLength(HISTORY_LIMIT);
    expect(history.at(-1)).toMatchObject({ seq: 60 * STATUS_STEP, status: 'retrying', attempt: 30 });
    expect(history[0]).toMatchObject({ seq: 11 * STATUS_STEP, status: 'running', attempt: 6 });
    expect(task!.seq).toBe(60 * STATUS_STEP);
  });
});
