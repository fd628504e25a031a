import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MAX_VISIBILITY_SECONDS } from '../../functions/core/retry-policy';
import { createLogger } from '../../functions/shared/logger';
import type { NextAttempt } from '../../functions/webhooks/deliver';
import { createWebhookWorker } from '../../functions/workers/webhook-worker';
import { FIXED_NOW, QUEUE_URL, lambdaContext, sqsEvent, sqsRecord, taskItem } from '../helpers/factories';

const sqs = mockClient(SQSClient);
const task = taskItem({
  status: 'completed',
  webhook_url: 'https://hooks.example.com/tasklane',
  webhook: { status: 'pending', attempts: 0 },
});
const body = JSON.stringify({ tenant: task.tenant, task_id: task.id, event: 'task.completed' });

/** A webhook worker whose receiver answers 503 with the given Retry-After. */
function setup(retryAfterSeconds: number, ended = task) {
  const recorded: (NextAttempt | undefined)[] = [];
  sqs.on(ChangeMessageVisibilityCommand).resolves({});
  const worker = createWebhookWorker({
    delivery: {
      getTask: async () => ended,
      recordAttempt: async (_task, _state, next) => {
        recorded.push(next);
      },
      secrets: {
        get: async () => ({ current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
        rotate: async () => ({ current: '' }),
      },
      resolveTarget: async (url) => ({ url: new URL(url), addresses: [{ address: '93.184.216.34', family: 4 }] }),
      post: async () => ({ statusCode: 503, retryAfterSeconds }),
      policy: { allowedSchemes: ['https'], allowLoopback: false },
      clock: { now: () => FIXED_NOW },
    },
    sqs: sqs as unknown as SQSClient,
    queueUrl: QUEUE_URL,
    logger: createLogger('tasklane-webhooks-test'),
  });
  return { worker, recorded };
}

beforeEach(() => sqs.reset());

describe('createWebhookWorker', () => {
  it('keeps the message for a Retry-After SQS can hold, visible again after it', async () => {
    // Prepare
    const { worker, recorded } = setup(3_600);
    const record = sqsRecord({ body });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext({ functionName: 'tasklane-webhooks' }));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout)).toEqual([
      3_600,
    ]);
    expect(recorded).toEqual([{ inSeconds: 3_600, by: 'queue' }]);
  });

  it.each(['failed', 'canceled', 'expired'] as const)('attempts the delivery of a task.%s message', async (status) => {
    // Prepare
    const { worker, recorded } = setup(3_600, { ...task, status });
    const record = sqsRecord({
      body: JSON.stringify({ tenant: task.tenant, task_id: task.id, event: `task.${status}` }),
    });

    // Act
    await worker(sqsEvent([record]), lambdaContext({ functionName: 'tasklane-webhooks' }));

    // Assess: an attempt was made and recorded, not the message kept as unreadable for the DLQ.
    expect(recorded).toEqual([{ inSeconds: 3_600, by: 'queue' }]);
  });

  it('acks the message for a Retry-After of 12 h and leaves the retry to the sweeper, asking nothing of SQS', async () => {
    // Prepare
    const { worker, recorded } = setup(MAX_VISIBILITY_SECONDS);
    const record = sqsRecord({ body });

    // Act
    const response = await worker(sqsEvent([record]), lambdaContext({ functionName: 'tasklane-webhooks' }));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
    expect(recorded).toEqual([{ inSeconds: MAX_VISIBILITY_SECONDS, by: 'sweeper' }]);
  });
});
