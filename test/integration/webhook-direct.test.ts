import { describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { SqsTaskQueue } from '../../functions/adapters/sqs-task-queue';
import { newSortableId } from '../../functions/core/ids';
import { newPendingTask } from '../../functions/core/new-task';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { generic } from '../../functions/task-types/generic';
import { webhookId } from '../../functions/webhooks/event';
import { LOCAL_TENANT } from '../../local/stack';
import { ONE_SECOND_RETRIES } from '../helpers/local-api';
import { untilWebhook, webhookQueueSends, webhookStack } from '../helpers/webhooks';

/**
 * The task worker's own first attempt (functions/webhooks/direct-delivery.ts): a receiver that takes
 * it costs no webhook-queue message; every other outcome ends as the webhook worker's would.
 */
describe('webhooks delivered by the task worker (local stack)', () => {
  const env = webhookStack({ retryBackoff: ONE_SECOND_RETRIES });
  const hook = env.hook;
  const create = (webhookUrl: string) =>
    env.api.request('POST', '/tasks', { type: 'generic', payload: { steps: 1, step_ms: 0 }, webhook_url: webhookUrl });

  it('delivers once from the task worker, with no webhook-queue message', async () => {
    // Prepare
    const sends = webhookQueueSends(env.stack);

    // Act
    const created = await create(env.url);
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();

    // Assess
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200 });
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([
      webhookId(created.body.task_id, 'task.completed'),
    ]);
    expect(sends).toEqual([]);
  });

  it('delivers once from the task worker to a receiver named by host name', async () => {
    // Prepare
    const sends = webhookQueueSends(env.stack);
    const byName = env.url.replace('//127.0.0.1:', '//localhost:');

    // Act
    const created = await create(byName);
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();

    // Assess
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.headers.host).toBe(new URL(byName).host);
    expect(sends).toEqual([]);
  });

  it('hands a failed first attempt to the webhook queue: one logical delivery, one webhook-id', async () => {
    // Prepare
    const sends = webhookQueueSends(env.stack);
    hook.script([503]);

    // Act
    const created = await create(env.url);
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();

    // Assess: the worker's try (503) was attempt 1; the webhook worker's, from the one message, attempt 2.
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200 });
    expect(sends).toEqual([
      { tenant: 'local', task_id: created.body.task_id, event: 'task.completed', attempt_base: 1 },
    ]);
    expect(hook.received).toHaveLength(2);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id']))).toEqual(
      new Set([webhookId(created.body.task_id, 'task.completed')]),
    );
  });

  it('has the sweeper send the webhook of a worker that died between its terminal write and the delivery', async () => {
    // Prepare: a task started and completed by the bare table store, as a worker does, but with no
    // webhook step after it: the process died right after the write.
    const store = new DynamoTaskStore(env.stack.clients.dynamo, env.stack.config.tableName, 30);
    const now = () => new Date().toISOString();
    const task = newPendingTask({
      id: newSortableId(),
      tenant: LOCAL_TENANT,
      type: generic,
      payload: { steps: 1, step_ms: 0, fail_attempts: 0 },
      now: now(),
      webhook_url: env.url,
    });
    expect((await store.create(task)).ok).toBe(true);
    expect((await store.startAttempt(LOCAL_TENANT, task.id, { attempt: 1, now: now(), sweepAt: now() })).ok).toBe(true);
    expect((await store.complete(LOCAL_TENANT, task.id, 1, { steps: 1 }, now())).ok).toBe(true);
    const sends = webhookQueueSends(env.stack);

    // Act: a day later (past the webhook sweep's grace period), the sweeper runs.
    const sweep = buildSweeper(env.stack.config, env.stack.clients, createLogger('test-sweeper'), {
      clock: { now: () => new Date(Date.now() + 86_400_000) },
    });
    const report = await sweep();
    const ended = await untilWebhook(env.api, task.id, { status: 'delivered' });
    await env.settled();

    // Assess
    expect(report.webhooksResent).toBe(1);
    expect(sends).toEqual([{ tenant: 'local', task_id: task.id, event: 'task.completed' }]);
    expect(ended.webhook).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([webhookId(task.id, 'task.completed')]);
  });
});

describe('webhooks to a target the guard refuses at connect time (local stack)', () => {
  // Loopback is refused, so the API would refuse this URL: the record is written past the API, as if
  // the address had been public at registration (a host name re-pointed since).
  const env = webhookStack({ allowLoopbackWebhooks: false });

  it('never calls it from the task worker: the attempt is recorded as given up, as the webhook worker does', async () => {
    // Prepare
    const store = new DynamoTaskStore(env.stack.clients.dynamo, env.stack.config.tableName, 30);
    const task = newPendingTask({
      id: newSortableId(),
      tenant: LOCAL_TENANT,
      type: generic,
      payload: { steps: 1, step_ms: 0, fail_attempts: 0 },
      now: new Date().toISOString(),
      webhook_url: env.url,
    });
    expect((await store.create(task)).ok).toBe(true);
    const sends = webhookQueueSends(env.stack);

    // Act
    await new SqsTaskQueue(env.stack.clients.sqs, env.stack.config.queueUrls).send('generic', {
      tenant: LOCAL_TENANT,
      task_id: task.id,
    });
    const ended = await untilWebhook(env.api, task.id, { status: 'failed' });
    await env.settled();

    // Assess
    expect(ended.status).toBe('completed');
    expect(ended.webhook).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringContaining('loopback'),
    });
    expect(env.hook.received).toEqual([]);
    expect(sends).toEqual([]);
  });
});
