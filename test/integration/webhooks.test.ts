import { PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { DynamoWebhookSecretStore } from '../../functions/adapters/dynamo-webhook-secret-store';
import { SWEEP } from '../../functions/core/sweep-policy';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { redriveWebhooks } from '../../functions/webhooks/redrive';
import { issueApiKey } from '../../functions/core/api-keys';
import { webhookId } from '../../functions/webhooks/event';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, ONE_SECOND_RETRIES } from '../helpers/local-api';
import { untilWebhook, webhookStack } from '../helpers/webhooks';

describe('webhooks (local stack)', () => {
  // Real retries, a second apart instead of the webhook backoff's 10 s and more.
  const env = webhookStack({ retryBackoff: ONE_SECOND_RETRIES });
  const hook = env.hook;

  const secretOf = (tenant: string) =>
    new DynamoWebhookSecretStore(env.stack.clients.dynamo, env.stack.config.tableName).get(tenant, new Date());

  it('delivers one Standard Webhooks request per finished task, verifiable with the tenant secret', async () => {
    // Act
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();
    const secrets = await secretOf('local');

    // Assess
    expect(hook.received).toHaveLength(1);
    const [request] = hook.received;
    const verified = new Webhook(secrets.current).verify(request!.body, {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    });
    expect(request!.headers['webhook-id']).toBe(webhookId(created.body.task_id, 'task.completed'));
    expect(verified).toMatchObject({
      type: 'task.completed',
      data: { task_id: created.body.task_id, status: 'completed', attempts: 1, result: { steps: 1 } },
    });
    expect(task.webhook).toMatchObject({
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
      delivered_at: expect.any(String),
    });
    expect(task.status).toBe('completed');
  });

  it('delivers to a receiver named by host name (http://localhost:<port>), as integrators configure it', async () => {
    // Prepare
    const byName = env.url.replace('//127.0.0.1:', '//localhost:');

    // Act
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: byName,
    });
    const task = await untilWebhook(env.api, created.body.task_id, { attempts: 1 });
    await env.settled();

    // Assess
    expect(task.webhook_url).toBe(byName);
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 1, last_status_code: 200 });
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.headers.host).toBe(new URL(byName).host);
  });

  it('retries 5xx and 429 with the same webhook-id until a 2xx', async () => {
    // Prepare
    hook.script([500, 429]);

    // Act
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();

    // Assess
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 3 });
  });

  it.each([
    [410, 'HTTP 410'],
    [400, 'HTTP 400'],
  ])('stops at once on %i, leaving the task status alone', async (code, error) => {
    // Prepare
    hook.script([code]);

    // Act
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'failed' });
    // Not a pause: the delivery's message is gone, neither waiting to retry nor in flight.
    await env.settled();

    // Assess
    expect(hook.received).toHaveLength(1);
    expect(task.status).toBe('completed');
    expect(task.webhook).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_status_code: code,
      last_error: error,
    });
  });

  it('sends the canceled event for a canceled task', async () => {
    // Act
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 20, step_ms: 100 },
      webhook_url: env.url,
    });
    await env.api.waitFor(created.body.task_id, (t) => t.status === 'running');
    await env.api.cancel(created.body.task_id);
    await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });

    // Assess
    expect(JSON.parse(hook.received[0]!.body)).toMatchObject({ type: 'task.canceled', data: { status: 'canceled' } });
    expect(hook.received[0]!.headers['webhook-id']).toBe(webhookId(created.body.task_id, 'task.canceled'));
  });

  it('signs with both secrets during a rotation', async () => {
    // Prepare
    const tenant = 'rotating';
    const client = apiClient(env.stack.apiUrl, (await issueApiKey(env.stack.apiKeys, tenant)).secret);
    const store = new DynamoWebhookSecretStore(env.stack.clients.dynamo, env.stack.config.tableName);
    const before = await store.get(tenant, new Date());
    const after = await store.rotate(tenant, new Date(), 24);

    // Act
    const created = await client.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    await untilWebhook(client, created.body.task_id, { status: 'delivered' });
    const [request] = hook.received;
    const headers = {
      'webhook-id': String(request!.headers['webhook-id']),
      'webhook-timestamp': String(request!.headers['webhook-timestamp']),
      'webhook-signature': String(request!.headers['webhook-signature']),
    };

    // Assess
    expect(after.previous).toBe(before.current);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(after.current).verify(request!.body, headers)).toBeTruthy();
    expect(new Webhook(before.current).verify(request!.body, headers)).toBeTruthy();
  });

  it.each([
    ['a private address', 'http://10.0.0.1/hook'],
    ['the metadata address', 'http://169.254.169.254/latest/meta-data'],
    ['a non-http scheme', 'ftp://example.com/hook'],
  ])('refuses a webhook_url at %s with a 400 naming the field', async (_, target) => {
    const response = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1 },
      webhook_url: target,
    });

    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('webhook_url');
  });

  it('queues no webhook twice for a duplicate delivery of the finished task', async () => {
    // Act
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();
    const dlq = await env.stack.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: env.stack.webhookQueue.dlqUrl, WaitTimeSeconds: 0 }),
    );

    // Assess
    expect(hook.received).toHaveLength(1);
    expect(dlq.Messages ?? []).toHaveLength(0);
  });
});

describe('webhooks whose message is lost or dead-lettered (local stack)', () => {
  // The webhook's own backoff: its first retry waits 5 s or more, so the purge below surely comes first.
  const env = webhookStack();
  const hook = env.hook;

  it('has the sweeper send a webhook whose queue message was lost', async () => {
    // Prepare: a receiver that fails once, so the delivery is still owed; then its message vanishes.
    hook.script([503]);
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    await untilWebhook(env.api, created.body.task_id, { attempts: 1 });
    await env.stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: env.stack.webhookQueue.queueUrl }));

    // Act: a day later (past any retry delay), the sweeper runs.
    const sweep = buildSweeper(env.stack.config, env.stack.clients, createLogger('test-sweeper'), {
      clock: { now: () => new Date(Date.now() + 86_400_000) },
    });
    const report = await sweep();
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();

    // Assess
    expect(report.webhooksResent).toBe(1);
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([
      webhookId(created.body.task_id, 'task.completed'),
      webhookId(created.body.task_id, 'task.completed'),
    ]);
    expect(SWEEP.pendingGraceSeconds).toBeLessThan(86_400);
  });

  it('redrives a dead-lettered delivery with the same webhook-id, and the record shows it delivered', async () => {
    // Prepare: a delivery that gave up after its last attempt, its message in the DLQ.
    hook.script([400]);
    const created = await env.api.request('POST', '/tasks', {
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      webhook_url: env.url,
    });
    await untilWebhook(env.api, created.body.task_id, { status: 'failed' });
    const message = { tenant: 'local', task_id: created.body.task_id, event: 'task.completed' };
    await env.stack.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: env.stack.webhookQueue.dlqUrl, MessageBody: JSON.stringify(message) }),
    );

    // Act
    const report = await redriveWebhooks({
      sqs: env.stack.clients.sqs,
      store: new DynamoTaskStore(env.stack.clients.dynamo, env.stack.config.tableName, 30),
      queueUrl: env.stack.webhookQueue.queueUrl,
      dlqUrl: env.stack.webhookQueue.dlqUrl,
    });
    const task = await untilWebhook(env.api, created.body.task_id, { status: 'delivered' });
    await env.settled();

    // Assess
    expect(report).toEqual({ moved: 1, skipped: 0 });
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]!.headers['webhook-id']).toBe(hook.received[0]!.headers['webhook-id']);
    expect(task.webhook).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});

describe('webhooks to loopback when the stack does not allow them', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      allowLoopbackWebhooks: false,
      scheduleIntervalMs: 0,
    });
  });
  afterAll(() => stack?.stop());

  it('refuses loopback targets at registration', async () => {
    const response = await apiClient(stack.apiUrl, stack.apiKey).request('POST', '/tasks', {
      type: 'generic',
      webhook_url: 'http://127.0.0.1:9/hook',
    });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'webhook_url', rule: 'a public address' }]);
  });

  it.each([
    ['http://[::7f00:1]:4150/', 'a public address'],
    ['http://[::a9fe:a9fe]/', 'a public address'],
    ['http://localhost.:4150/', 'a public host'],
  ])('refuses %s, loopback or metadata in disguise, at registration', async (target, rule) => {
    const response = await apiClient(stack.apiUrl, stack.apiKey).request('POST', '/tasks', {
      type: 'generic',
      webhook_url: target,
    });

    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'webhook_url', rule }]);
  });
});
