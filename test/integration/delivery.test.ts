import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProvisionedQueue } from '../../local/provision';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { buildWebhookWorker } from '../../functions/workers/build-webhook-worker';
import { buildWorker } from '../../functions/workers/build';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/**
 * Deliveries made by hand (no pollers), so each scenario controls exactly which message reaches
 * the worker and when. Still the real emulators and the real worker handler.
 */
describe('worker deliveries (local stack, messages delivered by hand)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let deliver: () => Promise<{ response: SQSBatchResponse; bodies: string[] }>;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, workers: false, rateLimitPerSecond: 0, progressIntervalMs: 0 });
    api = apiClient(stack.apiUrl, stack.apiKey);
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'), {
      progressIntervalMs: 0,
    });
    /** Receives what is on the queue and invokes the worker once with it, as the event source mapping would. */
    deliver = async () => {
      const out = await stack.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const records = (out.Messages ?? []).map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1'));
      const response = await worker({ Records: records }, localLambdaContext('tasklane-worker-generic', 60));
      return { response, bodies: records.map((r) => r.body) };
    };
  });
  afterAll(() => stack?.stop());

  it('cancels a pending task at once, and its message is later acknowledged without running it', async () => {
    // Prepare
    const created = await api.create('generic', { steps: 1, step_ms: 0 });

    // Act
    const canceled = await api.cancel(created.body.task_id);
    const { response, bodies } = await deliver();
    const after = await api.get(created.body.task_id);

    // Assess
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(bodies).toHaveLength(1);
    expect(response.batchItemFailures).toEqual([]);
    expect(after.body).toMatchObject({ status: 'canceled', attempts: 0, progress: 0 });
    expect(after.body.started_at).toBeUndefined();
  });

  it('acknowledges a duplicate delivery of a finished task without running it again', async () => {
    // Prepare: the first delivery completes the task.
    const created = await api.create('generic', { steps: 2, step_ms: 0 });
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;
    const first = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 1,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const record = toSqsRecord(first.Messages![0]!, queue.queueArn, 'us-east-1');
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'), {
      progressIntervalMs: 0,
    });
    await worker({ Records: [record] }, localLambdaContext('w', 60));
    const completed = await api.get(created.body.task_id);

    // Act: SQS at-least-once delivery hands the same message over again.
    const again = await worker({ Records: [record] }, localLambdaContext('w', 60));
    const after = await api.get(created.body.task_id);

    // Assess
    expect(completed.body.status).toBe('completed');
    expect(again.batchItemFailures).toEqual([]);
    expect(after.body).toEqual(completed.body);
  });

  it('returns the same task for a repeated Idempotency-Key and body, and sends one message', async () => {
    // Act
    const headers = { 'idempotency-key': 'order-42' };
    const first = await api.create('generic', { steps: 1, step_ms: 0 }, headers);
    const second = await api.create('generic', { steps: 1, step_ms: 0 }, headers);
    const conflicting = await api.create('generic', { steps: 2, step_ms: 0 }, headers);
    const { bodies } = await deliver();

    // Assess
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body.task_id).toBe(first.body.task_id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error.code).toBe('idempotency_key_reused');
    expect(bodies.filter((b) => b.includes(first.body.task_id))).toHaveLength(1);
  });
});

describe('webhook deliveries (local stack, messages delivered by hand, clock moved)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  /** Seconds the workers' and the sweeper's clock runs ahead of real time. */
  let ahead = 0;
  const clock = { now: () => new Date(Date.now() + ahead * 1000) };
  /** The receiver's answers, in order; 200 once they run out. */
  const answers: { status: number; headers?: Record<string, string> }[] = [];
  const received: string[] = [];
  const receiver: Server = createServer((req, res) => {
    received.push(String(req.headers['webhook-id']));
    req.resume().on('end', () => {
      const answer = answers.shift() ?? { status: 200 };
      res.writeHead(answer.status, answer.headers).end();
    });
  });
  let hookUrl: string;

  /** Receives what is on the queue and invokes the handler once with it, as the event source mapping would. */
  const deliverFrom = async (
    queue: ProvisionedQueue,
    handler: (event: { Records: ReturnType<typeof toSqsRecord>[] }) => Promise<SQSBatchResponse>,
  ) => {
    const out = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queue.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    const records = (out.Messages ?? []).map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1'));
    return { response: await handler({ Records: records }), delivered: records.length };
  };

  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    hookUrl = `http://localhost:${(receiver.address() as AddressInfo).port}/hook`;
    stack = await startLocalStack({
      port: 0,
      workers: false,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('retries about 12 h later, through the sweeper, when the receiver answers Retry-After: 43200', async () => {
    // Prepare: the task completes, and its webhook is queued.
    const generic = stack.queues.find((q) => q.type.name === 'generic')!;
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'), {
      progressIntervalMs: 0,
    });
    const webhooks = buildWebhookWorker(stack.config, stack.clients, createLogger('test-webhooks'), { clock });
    const sweep = buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), { clock });
    const created = await api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: hookUrl,
    });
    // With a second left in its invocation the worker does not try the webhook itself (too little time:
    // functions/webhooks/direct-delivery.ts) and queues it, so the webhook worker makes the first attempt.
    await deliverFrom(generic, (event) => worker(event, localLambdaContext('tasklane-worker-generic', 1)));
    answers.push({ status: 503, headers: { 'retry-after': '43200' } });

    // Act: the first attempt is told to come back in 12 h (its message acked: nothing asked of SQS);
    // then the sweeper runs a minute before that and a minute after.
    const first = await deliverFrom(stack.webhookQueue, (event) =>
      webhooks(event, localLambdaContext('tasklane-webhooks', 30)),
    );
    const waiting = await api.get(created.body.task_id);
    ahead = 43_200 - 60;
    const early = await sweep();
    ahead = 43_200 + 60;
    const due = await sweep();
    const second = await deliverFrom(stack.webhookQueue, (event) =>
      webhooks(event, localLambdaContext('tasklane-webhooks', 30)),
    );
    const done = await api.get(created.body.task_id);

    // Assess
    expect(first).toEqual({ delivered: 1, response: { batchItemFailures: [] } });
    expect(waiting.body.webhook).toMatchObject({ status: 'pending', attempts: 1, last_status_code: 503 });
    expect(early.webhooksResent).toBe(0);
    expect(due.webhooksResent).toBe(1);
    expect(second).toEqual({ delivered: 1, response: { batchItemFailures: [] } });
    expect(done.body.webhook).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200 });
    expect(received).toHaveLength(2);
    expect(new Set(received).size).toBe(1);
  });
});
