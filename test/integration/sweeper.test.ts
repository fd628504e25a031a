import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { noMetrics } from '../../functions/core/metrics';
import { systemClock, type TaskLifecycle, type TaskMessage } from '../../functions/core/ports';
import { SWEEP } from '../../functions/core/sweep-policy';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { buildWorker } from '../../functions/workers/build';
import { createSqsWorker } from '../../functions/workers/sqs-worker';
import { generic } from '../../functions/task-types/generic';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { taskServices } from '../helpers/factories';
import { apiClient } from '../helpers/local-api';

/**
 * How long after its start a running attempt whose worker died is given up on: the type's timeout,
 * 30 s in which the message is still hidden after that, and the sweeper's 60 s of slack (README,
 * Troubleshooting). Written out here, not derived, so that a change to the bound shows up as a change.
 */
const LOST_ATTEMPT_AFTER_SECONDS = generic.settings.timeoutSeconds + 30 + 60;

/** A store whose every write after the attempt's start fails, as if the worker's process had died there. */
function diesAfterStart(store: TaskLifecycle): TaskLifecycle {
  const died = () => Promise.reject(new Error('the worker process died'));
  return new Proxy(store, {
    get: (target, name) => (name === 'startAttempt' ? target.startAttempt.bind(target) : died),
  });
}

/**
 * The sweeper against the real emulators, with its clock moved forward instead of waiting real
 * minutes; messages are delivered by hand so each lost message is lost on purpose.
 */
describe('sweeper (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let queueUrl: string;

  const sweepAt = (offsetSeconds: number) =>
    buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), {
      clock: { now: () => new Date(Date.now() + offsetSeconds * 1000) },
    })();
  /** A sweep with the clock at `seconds` after `iso`. */
  const sweepAfter = (iso: string, seconds: number) =>
    buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), {
      clock: { now: () => new Date(Date.parse(iso) + seconds * 1000) },
    })();

  /** Receives the task's message and runs it on a worker that dies right after the attempt starts. */
  const deliverToDyingWorker = async () => {
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;
    const worker = createSqsWorker({
      type: generic,
      store: diesAfterStart(new DynamoTaskStore(stack.clients.dynamo, stack.config.tableName, 30)),
      sqs: stack.clients.sqs,
      queueUrl,
      clock: systemClock,
      logger: createLogger('test-dying-worker'),
      metrics: noMetrics,
      services: taskServices(),
    });
    const messages = await receive();
    return worker(
      { Records: messages.map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) },
      localLambdaContext('w', generic.settings.timeoutSeconds),
    );
  };
  const send = (message: TaskMessage) =>
    stack.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));

  const receive = async () => {
    const out = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    return out.Messages ?? [];
  };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, workers: false, scheduleIntervalMs: 0, rateLimitPerSecond: 0 });
    api = apiClient(stack.apiUrl, stack.apiKey);
    queueUrl = stack.queues.find((q) => q.type.name === 'generic')!.queueUrl;
  });
  beforeEach(() => stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl })));
  afterAll(() => stack?.stop());

  it('leaves a pending task alone within its grace period, then re-enqueues it once its message is lost', async () => {
    // Prepare: the task is accepted, then its message disappears.
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));

    // Act
    const early = await sweepAt(SWEEP.pendingGraceSeconds - 30);
    const late = await sweepAt(SWEEP.pendingGraceSeconds + 30);
    const again = await sweepAt(SWEEP.pendingGraceSeconds + 30);
    const messages = await receive();
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'));
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;
    await worker(
      { Records: messages.map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) },
      localLambdaContext('w', 60),
    );
    const after = await api.get(created.body.task_id);

    // Assess
    expect(early.reenqueued).toBe(0);
    expect(late.reenqueued).toBe(1);
    expect(again.reenqueued).toBe(0);
    expect(messages.map((m) => JSON.parse(m.Body!))).toEqual([{ tenant: 'local', task_id: created.body.task_id }]);
    expect(after.body.status).toBe('completed');
  });

  it('fails a task whose final attempt died without recording an outcome once start + timeout + 90 s has passed, and not before', async () => {
    // Prepare: the final attempt started on a worker that then died.
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    await send({ tenant: 'local', task_id: created.body.task_id, attempt_base: generic.settings.maxAttempts - 1 });
    const died = await deliverToDyingWorker();
    const running = await api.get(created.body.task_id);

    // Act
    const early = await sweepAfter(running.body.started_at!, LOST_ATTEMPT_AFTER_SECONDS - 5);
    const late = await sweepAfter(running.body.started_at!, LOST_ATTEMPT_AFTER_SECONDS + 5);
    const after = await api.get(created.body.task_id);
    const second = await sweepAfter(running.body.started_at!, LOST_ATTEMPT_AFTER_SECONDS + 120);

    // Assess
    expect(died.batchItemFailures).toHaveLength(1);
    expect(running.body).toMatchObject({ status: 'running', attempts: generic.settings.maxAttempts });
    expect(early).toMatchObject({ due: 0, failed: 0 });
    expect(late.failed).toBe(1);
    expect(after.body).toMatchObject({
      status: 'failed',
      attempts: generic.settings.maxAttempts,
      error: { name: 'AttemptLost' },
    });
    expect(after.body.ended_at).toEqual(expect.any(String));
    expect(second.due).toBe(0);
  });

  it('re-drives a task whose non-final attempt died without recording an outcome once start + timeout + 90 s has passed, and not before', async () => {
    // Prepare: attempt 1 started on a worker that then died; its message is gone too.
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    const died = await deliverToDyingWorker();
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const running = await api.get(created.body.task_id);

    // Act
    const early = await sweepAfter(running.body.started_at!, LOST_ATTEMPT_AFTER_SECONDS - 5);
    const late = await sweepAfter(running.body.started_at!, LOST_ATTEMPT_AFTER_SECONDS + 5);
    const messages = await receive();
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'));
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;
    await worker(
      { Records: messages.map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) },
      localLambdaContext('w', 60),
    );
    const after = await api.get(created.body.task_id);

    // Assess
    expect(died.batchItemFailures).toHaveLength(1);
    expect(running.body).toMatchObject({ status: 'running', attempts: 1 });
    expect(early).toMatchObject({ due: 0, reenqueued: 0 });
    expect(late.reenqueued).toBe(1);
    expect(messages.map((m) => JSON.parse(m.Body!))).toEqual([
      { tenant: 'local', task_id: created.body.task_id, attempt_base: 1 },
    ]);
    expect(after.body).toMatchObject({ status: 'completed', attempts: 2 });
  });

  it('does not run a delivery numbered beyond the task’s last attempt, and leaves the task to the sweeper', async () => {
    // Prepare: the final attempt (5 of 5) died; a message re-enqueued earlier (attempt_base 4) comes back.
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const store = new DynamoTaskStore(stack.clients.dynamo, stack.config.tableName, 30);
    const startedAt = new Date().toISOString();
    await store.startAttempt('local', created.body.task_id, {
      attempt: generic.settings.maxAttempts,
      now: startedAt,
      sweepAt: startedAt,
    });
    await send({ tenant: 'local', task_id: created.body.task_id, attempt_base: generic.settings.maxAttempts });
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'));
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;

    // Act
    const response = await worker(
      { Records: (await receive()).map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) },
      localLambdaContext('w', 60),
    );
    const after = await api.get(created.body.task_id);
    const report = await sweepAt(60);
    const swept = await api.get(created.body.task_id);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(after.body).toMatchObject({ status: 'running', attempts: generic.settings.maxAttempts });
    expect(report.failed).toBe(1);
    expect(swept.body).toMatchObject({
      status: 'failed',
      attempts: generic.settings.maxAttempts,
      error: { name: 'AttemptLost' },
    });
  });

  it('gives a task whose non-final attempt lost its message a new message that continues the attempt count', async () => {
    // Prepare: attempt 2 started, then both the worker and the message vanished.
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
    const store = new DynamoTaskStore(stack.clients.dynamo, stack.config.tableName, 30);
    const now = new Date().toISOString();
    await store.startAttempt('local', created.body.task_id, { attempt: 2, now, sweepAt: now });

    // Act
    const report = await sweepAt(60);
    const messages = await receive();
    const worker = buildWorker(stack.config, 'generic', stack.clients, createLogger('test-worker'));
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;
    await worker(
      { Records: messages.map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) },
      localLambdaContext('w', 60),
    );
    const after = await api.get(created.body.task_id);

    // Assess
    expect(report.reenqueued).toBe(1);
    expect(JSON.parse(messages[0]!.Body!)).toEqual({ tenant: 'local', task_id: created.body.task_id, attempt_base: 2 });
    expect(after.body).toMatchObject({ status: 'completed', attempts: 3 });
  });

  it('does not touch finished tasks', async () => {
    // Prepare
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await api.cancel(created.body.task_id);

    // Act
    const report = await sweepAt(24 * 3600);

    // Assess
    expect(report).toEqual({
      due: 0,
      reenqueued: 0,
      handedOff: 0,
      expired: 0,
      failed: 0,
      skipped: 0,
      webhooksResent: 0,
      tokensTimedOut: 0,
      childWaitsTimedOut: 0,
    });
  });
});
