import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { SqsTaskQueue } from '../../functions/adapters/sqs-task-queue';
import { ServiceUnavailableError } from '../../functions/core/errors';
import type { Log } from '../../functions/core/ports';
import { TaskService } from '../../functions/core/task-service';
import { FIXED_NOW, QUEUE_URL } from '../helpers/factories';
import { registryDeps } from '../helpers/registry-deps';

const TABLE = 'tasklane-tasks';
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function service(queueUrls: Record<string, string> = { generic: QUEUE_URL }) {
  return new TaskService({
    store: new DynamoTaskStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), TABLE, 30),
    queue: new SqsTaskQueue(new SQSClient({ region: 'us-east-1' }), queueUrls),
    clock: { now: () => FIXED_NOW },
    log: silent,
    ...registryDeps,
  });
}

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  ddb.on(PutCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
});

describe('TaskService.create', () => {
  it('writes the pending task, then enqueues its key on the type’s queue', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'c0ffee00-0000-4000-8000-000000000001' });

    // Act
    const { task, replayed } = await service().create({ tenant: 'acme', type: 'generic', payload: { steps: 2 } });

    // Assess
    expect(replayed).toBe(false);
    expect(task).toMatchObject({
      tenant: 'acme',
      type: 'generic',
      status: 'pending',
      attempts: 0,
      max_attempts: 5,
      created_at: FIXED_NOW.toISOString(),
    });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
      pk: `TASK#acme#${task.id}`,
      status: 'pending',
    });
    expect(sqs.commandCalls(SendMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      MessageBody: JSON.stringify({ tenant: 'acme', task_id: task.id }),
      // SQS fair queues: one tenant's backlog does not hold up another's.
      MessageGroupId: 'acme',
    });
    expect(ddb.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it.each<{ case: string; queueUrls: Record<string, string>; sendFails: boolean }>([
    { case: 'the queue rejects the message', queueUrls: { generic: QUEUE_URL }, sendFails: true },
    { case: 'the type has no queue URL', queueUrls: {}, sendFails: false },
  ])('throws a 503 and deletes the pending record when $case', async ({ queueUrls, sendFails }) => {
    // Prepare
    if (sendFails)
      sqs
        .on(SendMessageCommand)
        .rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));

    // Act
    const error = await service(queueUrls)
      .create({ tenant: 'acme', type: 'generic', payload: {}, idempotencyKey: 'order-4711' })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'service_unavailable' });
    const put = ddb.commandCalls(PutCommand)[0]!.args[0].input;
    const deletes = ddb.commandCalls(DeleteCommand);
    expect(deletes).toHaveLength(1);
    expect(deletes[0]!.args[0].input).toEqual({
      TableName: TABLE,
      Key: { pk: put.Item!.pk },
      ConditionExpression: '#status IN (:pending, :scheduled)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pending': 'pending', ':scheduled': 'scheduled' },
    });
  });

  it('still answers 503 when removing the pending record fails too, and a replay returns the task without a second message', async () => {
    // Prepare: the send fails, then the clean-up fails (throttled).
    sqs
      .on(SendMessageCommand)
      .rejectsOnce(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    ddb
      .on(DeleteCommand)
      .rejects(Object.assign(new Error('Throughput exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const request = { tenant: 'acme', type: 'generic', payload: {}, idempotencyKey: 'order-4712' };

    // Act
    const error = await service()
      .create(request)
      .catch((e: unknown) => e);
    const stored = ddb.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    ddb.on(GetCommand).resolves({ Item: stored });
    const replay = await service().create(request);

    // Assess: the stranded pending record is the sweeper's to re-enqueue, not a replay's.
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(replay).toMatchObject({ replayed: true, task: { id: stored.id, status: 'pending' } });
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(1);
  });
});

describe('TaskService.rerun', () => {
  it('shares the task-owned copy of a payload that came by reference, writing no payload of its own', async () => {
    // Prepare
    sqs.on(SendMessageCommand).resolves({ MessageId: 'c0ffee00-0000-4000-8000-000000000002' });
    const ref = { key: 'results/acme/T0/payload-01JA.json', bytes: 3_000_000, upload_id: '01JAAAAAAAAAAAAAAAAAAAAAAA' };
    ddb.on(GetCommand).resolves({
      Item: {
        pk: 'TASK#acme#T0',
        id: 'T0',
        tenant: 'acme',
        type: 'generic',
        status: 'completed',
        progress: 100,
        payload: null,
        payload_ref: ref,
        attempts: 1,
        max_attempts: 5,
        created_at: FIXED_NOW.toISOString(),
        updated_at: FIXED_NOW.toISOString(),
      },
    });

    // Act
    const { task } = await service().rerun({ tenant: 'acme', id: 'T0' });

    // Assess
    expect(task).toMatchObject({ rerun_of: 'T0', payload: null, payload_ref: ref });
    expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({ payload: null, payload_ref: ref });
  });
});
