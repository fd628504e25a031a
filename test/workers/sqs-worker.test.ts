import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { RetryableTaskError } from '../../functions/core/errors';
import { noMetrics, type TaskMetrics } from '../../functions/core/metrics';
import type { Task } from '../../functions/core/task';
import { createLogger } from '../../functions/shared/logger';
import { defineTaskType, type TaskTypeSettings } from '../../functions/core/task-type';
import { MAX_VISIBILITY_SECONDS } from '../../functions/core/retry-policy';
import { createSqsWorker } from '../../functions/workers/sqs-worker';
import {
  FIXED_NOW,
  QUEUE_URL,
  lambdaContext,
  sqsEvent,
  sqsRecord,
  taskItem,
  taskMessageBody,
  taskServices,
} from '../helpers/factories';

const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const ID = '01JNK8Z6S4Y5Q3W2E1R0T9P8N7';
const body = taskMessageBody({ tenant: 'acme', task_id: ID });

/** A stored item as GetItem / UpdateItem return it: the task plus its key attributes. */
function stored(overrides: Partial<Task>) {
  const task = taskItem({ payload: { n: 1 }, max_attempts: 3, ...overrides });
  return {
    ...task,
    pk: `TASK#${task.tenant}#${task.id}`,
    list_sk: `${task.created_at}#${task.id}`,
    tenant_pk: task.tenant,
  };
}

function setup(
  run: () => Promise<unknown>,
  settings: Partial<TaskTypeSettings> = {},
  concurrency?: Parameters<typeof createSqsWorker>[0]['concurrency'],
) {
  const spy = vi.fn(run);
  const queueWaits: number[] = [];
  const metrics: TaskMetrics = { ...noMetrics, queueWait: (_type, ms) => queueWaits.push(ms) };
  const type = defineTaskType({
    name: 'generic',
    description: 'test double',
    payloadSchema: z.object({ n: z.number() }),
    settings: {
      timeoutSeconds: 60,
      maxAttempts: 3,
      backoff: { baseSeconds: 20, capSeconds: 20 },
      batchSize: 10,
      maxConcurrency: 2,
      memoryMb: 256,
      ...settings,
    },
    run: spy,
  });
  const worker = createSqsWorker({
    type,
    store: new DynamoTaskStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      'tasklane-tasks',
      30,
    ),
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE_URL,
    clock: { now: () => FIXED_NOW },
    logger: createLogger('tasklane-worker-test'),
    metrics,
    services: taskServices(),
    concurrency,
  });
  return { worker, run: spy, queueWaits };
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
});

describe('createSqsWorker', () => {
  it('defers a delivery over its concurrency limit without starting an attempt, keeping its attempt number', async () => {
    // Prepare: every slot of the tenant is taken.
    const { worker, run } = setup(
      async () => ({ done: true }),
      { concurrencyPerTenant: 2 },
      {
        slots: { acquire: async () => false, release: async () => undefined },
        reader: { get: async () => undefined },
      },
    );
    sqs.on(SendMessageCommand).resolves({});
    const record = sqsRecord({
      body: taskMessageBody({ tenant: 'acme', task_id: ID, attempt_base: 1 }),
      receiveCount: 2,
    });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(run).not.toHaveBeenCalled();
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
    const sent = sqs.commandCalls(SendMessageCommand)[0]!.args[0].input;
    expect(JSON.parse(sent.MessageBody!)).toEqual({ tenant: 'acme', task_id: ID, attempt_base: 2, deferrals: 1 });
    expect(sent.DelaySeconds).toBeGreaterThanOrEqual(1);
    expect(sent.DelaySeconds).toBeLessThanOrEqual(2);
  });

  it('runs a capped task once it has its slot, and gives the slot back when the attempt ends', async () => {
    // Prepare
    const held: string[] = [];
    const taken: string[] = [];
    const { worker, run } = setup(
      async () => ({ done: true }),
      { concurrencyPerTenant: 2 },
      {
        slots: {
          acquire: async (scope) => {
            held.push(scope);
            taken.push(scope);
            return true;
          },
          release: async (scope) => {
            held.splice(held.indexOf(scope), 1);
          },
        },
        reader: { get: async () => undefined },
      },
    );
    ddb.on(UpdateCommand).resolves({ Attributes: stored({ status: 'running', attempts: 1 }) });

    // Act
    const response = await worker(sqsEvent([sqsRecord({ body, receiveCount: 1 })]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(run).toHaveBeenCalledOnce();
    expect(taken).toEqual(['tenant#acme#generic']);
    expect(held).toEqual([]);
  });

  it('acknowledges a duplicate delivery of a completed task without running the task code', async () => {
    // Prepare
    const { worker, run } = setup(async () => ({ done: true }));
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb
      .on(GetCommand)
      .resolves({ Item: stored({ status: 'completed', attempts: 1, progress: 100, result: { done: true } }) });
    const record = sqsRecord({ body, receiveCount: 2 });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(run).not.toHaveBeenCalled();
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(ddb.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':attempt': 2,
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it.each([
    { case: 'a body that is not JSON', bad: 'tenant=acme&task_id=1' },
    { case: 'JSON that is not a task message', bad: JSON.stringify({ tenant: 'acme' }) },
    { case: 'a task id that is not a string', bad: JSON.stringify({ tenant: 'acme', task_id: 42 }) },
  ])('reports $case in batchItemFailures and acknowledges the rest of the batch', async ({ bad }) => {
    // Prepare
    const { worker, run } = setup(async () => ({ done: true }));
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({ Item: stored({ status: 'completed', attempts: 1 }) });
    const malformed = sqsRecord({ body: bad });
    const duplicate = sqsRecord({ body, receiveCount: 2 });

    // Act
    const response = await worker(sqsEvent([malformed, duplicate]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: malformed.messageId }] });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
    expect(run).not.toHaveBeenCalled();
  });

  it('runs a pending task and acknowledges it once completed', async () => {
    // Prepare
    const { worker, run, queueWaits } = setup(async () => ({ done: true }));
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ status: 'running', attempts: 1 }) })
      .resolvesOnce({ Attributes: stored({ status: 'completed', attempts: 1, progress: 100 }) });
    const record = sqsRecord({ body, receiveCount: 1, sentAt: FIXED_NOW.getTime() - 2_500 });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0]).toEqual([
      expect.objectContaining({ taskId: ID, tenant: 'acme', payload: { n: 1 }, attempt: 1, maxAttempts: 3 }),
    ]);
    expect(ddb.commandCalls(UpdateCommand)[1]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':from0': 'running',
      ':attempt': 1,
    });
    expect(queueWaits).toEqual([2_500]);
  });

  it('keeps a retryable failure on the queue, delayed by the backoff', async () => {
    // Prepare
    const { worker } = setup(async () => {
      throw new RetryableTaskError('upstream returned 503');
    });
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ status: 'running', attempts: 1 }) })
      .resolvesOnce({ Attributes: stored({ status: 'retrying', attempts: 1 }) });
    const record = sqsRecord({ body, receiveCount: 1 });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess: the hold at the start, then the backoff.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    const visibility = sqs.commandCalls(ChangeMessageVisibilityCommand);
    expect(visibility).toHaveLength(2);
    const input = visibility[1]!.args[0].input;
    expect(input).toMatchObject({ QueueUrl: QUEUE_URL, ReceiptHandle: record.receiptHandle });
    expect(input.VisibilityTimeout).toBeGreaterThanOrEqual(10);
    expect(input.VisibilityTimeout).toBeLessThanOrEqual(20);
  });

  it('delays a retry of a type whose backoff reaches a day by no more than SQS holds after a full-length attempt', async () => {
    // Prepare: a type that allows a day between attempts, on its eighth of ten.
    const { worker } = setup(
      async () => {
        throw new RetryableTaskError('upstream returned 503');
      },
      { timeoutSeconds: 900, maxAttempts: 10, backoff: { baseSeconds: 3_600, capSeconds: 86_400 } },
    );
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ status: 'running', attempts: 8, max_attempts: 10 }) })
      .resolvesOnce({ Attributes: stored({ status: 'retrying', attempts: 8, max_attempts: 10 }) });
    const record = sqsRecord({ body, receiveCount: 8 });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess: the attempt may have used its whole 900 s since the receive; the record agrees with the queue.
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    const visibility = sqs.commandCalls(ChangeMessageVisibilityCommand).at(-1)!.args[0].input.VisibilityTimeout!;
    expect(visibility + 900).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS);
    expect(visibility).toBeGreaterThan(MAX_VISIBILITY_SECONDS - 900 - 300);
    const retry = ddb.commandCalls(UpdateCommand)[1]!.args[0].input.ExpressionAttributeValues!;
    expect(Object.values(retry)).toContain(new Date(FIXED_NOW.getTime() + visibility * 1000).toISOString());
  });

  it('fails the task on its last attempt and makes the message visible at once for the DLQ', async () => {
    // Prepare
    const { worker } = setup(async () => {
      throw new RetryableTaskError('upstream returned 503');
    });
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ status: 'running', attempts: 3 }) })
      .resolvesOnce({ Attributes: stored({ status: 'failed', attempts: 3 }) });
    const record = sqsRecord({ body, receiveCount: 3 });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(ddb.commandCalls(UpdateCommand)[1]!.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':s0': { name: 'RetryableTaskError', message: 'upstream returned 503' },
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).at(-1)!.args[0].input.VisibilityTimeout).toBe(0);
  });

  it('holds the message for the type’s timeout plus 30 s as soon as the attempt has started', async () => {
    // Prepare: a type with a 60 s timeout; the calls are logged in order.
    const calls: string[] = [];
    const { worker } = setup(async () => {
      calls.push('run');
      return { done: true };
    });
    ddb.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => {
      const completing = Object.values(input.ExpressionAttributeValues).includes('completed');
      calls.push(completing ? 'complete' : 'start');
      return { Attributes: stored({ status: completing ? 'completed' : 'running', attempts: 1 }) };
    });
    sqs.on(ChangeMessageVisibilityCommand).callsFake(() => {
      calls.push('hold');
      return {};
    });
    const record = sqsRecord({ body, receiveCount: 1 });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(calls).toEqual(['start', 'hold', 'run', 'complete']);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: record.receiptHandle,
      VisibilityTimeout: 60 + 30,
    });
  });

  it('runs the attempt when SQS refuses the hold, leaving the queue’s visibility timeout in force', async () => {
    // Prepare
    const { worker, run } = setup(async () => ({ done: true }));
    sqs
      .on(ChangeMessageVisibilityCommand)
      .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ status: 'running', attempts: 1 }) })
      .resolvesOnce({ Attributes: stored({ status: 'completed', attempts: 1, progress: 100 }) });

    // Act
    const response = await worker(sqsEvent([sqsRecord({ body, receiveCount: 1 })]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(run).toHaveBeenCalledTimes(1);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(2);
  });
  it('fails the task permanently, acknowledging it, when its result cannot be stored', async () => {
    // Prepare
    const { worker } = setup(async () => ({ rows: 2 ** 60 }));
    ddb
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: stored({ status: 'running', attempts: 1 }) })
      .resolvesOnce({ Attributes: stored({ status: 'failed', attempts: 1 }) });

    // Act
    const response = await worker(sqsEvent([sqsRecord({ body, receiveCount: 1 })]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const values = Object.values(ddb.commandCalls(UpdateCommand)[1]!.args[0].input.ExpressionAttributeValues!);
    expect(values).toContain('failed');
    expect(values).toContainEqual({
      name: 'PermanentTaskError',
      message: expect.stringContaining('result.rows must be a number of at most 9007199254740991'),
    });
  });
});
