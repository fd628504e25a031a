import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { SWEEP } from '../../functions/core/sweep-policy';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { buildWorker } from '../../functions/workers/build';
import { queueSettings } from '../../functions/task-types/queue-settings';
import { generic } from '../../functions/task-types/generic';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/**
 * The sweeper against the real emulators, with its clock moved forward instead of waiting real
 * minutes; messages are delivered by hand so each lost message is lost on purpose.
 */
describe('sweeper (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let queueUrl: string;

  const sweepAt = (offsetSeconds: number) =>
    buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), { clock: { now: () => new Date(Date.now() + offsetSeconds * 1000) } })();

  const receive = async () => {
    const out = await stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
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
    await worker({ Records: messages.map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) }, localLambdaContext('w', 60));
    const after = await api.get(created.body.task_id);

    // Assess
    expect(early.reenqueued).toBe(0);
    expect(late.reenqueued).toBe(1);
    expect(again.reenqueued).toBe(0);
    expect(messages.map((m) => JSON.parse(m.Body!))).toEqual([{ tenant: 'local', task_id: created.body.task_id }]);
    expect(after.body.status).toBe('completed');
  });

  it('fails a task whose final attempt died without recording an outcome, and drops it from the sweep', async () => {
    // Prepare: the final attempt started, then its worker vanished.
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    const store = new DynamoTaskStore(stack.clients.dynamo, stack.config.tableName, 30);
    const now = new Date().toISOString();
    const started = await store.startAttempt('local', created.body.task_id, { attempt: generic.settings.maxAttempts, now, sweepAt: now });
    const visibility = queueSettings(generic).visibilityTimeoutSeconds;

    // Act
    const report = await sweepAt(visibility + SWEEP.marginSeconds + 60);
    const after = await api.get(created.body.task_id);
    const second = await sweepAt(visibility + SWEEP.marginSeconds + 120);

    // Assess
    expect(started.ok).toBe(true);
    expect(report.failed).toBe(1);
    expect(after.body).toMatchObject({ status: 'failed', attempts: generic.settings.maxAttempts, error: { name: 'AttemptLost' } });
    expect(after.body.ended_at).toEqual(expect.any(String));
    expect(second.due).toBe(0);
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
    await worker({ Records: messages.map((m) => toSqsRecord(m, queue.queueArn, 'us-east-1')) }, localLambdaContext('w', 60));
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
    expect(report).toEqual({ due: 0, reenqueued: 0, failed: 0, skipped: 0, webhooksResent: 0 });
  });
});
