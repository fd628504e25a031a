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

  it('gives each step change the next seq, one past the status change that made it', async () => {
    // Prepare
    const id = '01JNK8Z6S4Y5Q3W2E1R0T9P8A3';
    await store.create(taskItem({ id }));
    const prepare = {
      kind: 'step',
      index: 0,
      status: 'completed',
      attempts: 1,
      started_at: at(2),
      ended_at: at(3),
    } as const;
    const coolDown = {
      kind: 'sleep',
      index: 1,
      status: 'sleeping',
      attempts: 1,
      started_at: at(4),
      wake_at: at(5),
    } as const;

    // Act
    await store.startAttempt('acme', id, { attempt: 1, now: at(1), sweepAt: at(99) });
    await store.progress('acme', id, 1, 30, 'a', at(2));
    await store.saveStep('acme', id, 1, 'prepare', prepare, at(3));
    await store.suspend(
      'acme',
      id,
      1,
      { kind: 'sleep', step: 'cool-down', entry: coolDown, wakeAt: at(5), sweepAt: at(99) },
      at(4),
    );
    const sleeping = await store.get('acme', id);
    await store.resume('acme', id, {
      attempt: 1,
      now: at(5),
      sweepAt: at(99),
      wakeUpTo: at(6),
      endsSleep: 'cool-down',
    });
    await store.progress('acme', id, 1, 60, 'b', at(6));
    const task = await store.get('acme', id);

    // Assess
    expect(sleeping!.step_seqs).toEqual({ prepare: STATUS_STEP + 2, 'cool-down': 2 * STATUS_STEP + 1 });
    expect(sleeping!.seq).toBe(2 * STATUS_STEP + 1);
    expect(task!.status_history!.map((c) => [c.seq, c.status])).toEqual([
      [0, 'pending'],
      [STATUS_STEP, 'running'],
      [2 * STATUS_STEP, 'sleeping'],
      [3 * STATUS_STEP, 'running'],
    ]);
    expect(task!.step_seqs).toEqual({ prepare: STATUS_STEP + 2, 'cool-down': 3 * STATUS_STEP + 1 });
    expect(task!.steps!['cool-down']).toMatchObject({ status: 'completed', ended_at: at(5) });
    expect([task!.progress_seq, task!.seq]).toEqual([3 * STATUS_STEP + 2, 3 * STATUS_STEP + 2]);
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
