import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { generic } from '../../functions/task-types/generic';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView, untilQueueEmpty } from '../helpers/local-api';

/** Far below the sweeper's bound for a lost attempt (start + 900 s + 90 s): only the restart can explain a finish this quick. */
const PROMPTLY_MS = 20_000;

/** A loopback webhook receiver that records the tasks it was told about. */
function receiver() {
  const received: { task_id: string; type: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const event = JSON.parse(body) as { type: string; data: { task_id: string } };
      received.push({ task_id: event.data.task_id, type: event.type });
      res.writeHead(200).end();
    });
  });
  return {
    received,
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A local stack restarted on the same --data-dir: the first run's table survives (dynalite keeps it in
 * LevelDB), its queues do not (fauxqs keeps them in memory), so every attempt and message of the first
 * run is gone. The first run has no workers: each task is put in its state by hand, exactly where a
 * `kill -9` would have caught it.
 */
// Restart recovery belongs to the embedded engine's --data-dir; on an external engine (the fidelity
// tier) a stack never re-drives a table that may be another's, and the AWS bound of sweeper.test.ts applies.
describe.skipIf(Boolean(process.env.TASKLANE_DYNAMODB_ENDPOINT))('restart recovery (local stack on a data dir)', () => {
  const hook = receiver();
  const dataDir = mkdtempSync(join(tmpdir(), 'tasklane-recovery-'));
  let webhookUrl: string;
  let second: LocalStack | undefined;

  beforeAll(async () => {
    webhookUrl = await hook.listen();
  });
  afterAll(async () => {
    await second?.stop();
    await hook.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-drives at start every task left pending, running or retrying, continuing attempt counts and owing each webhook once', async () => {
    // Prepare: the first run accepts tasks and leaves them in every active state, then goes away.
    const first = await startLocalStack({
      port: 0,
      dataDir,
      workers: false,
      scheduleIntervalMs: 0,
      rateLimitPerSecond: 0,
    });
    const api1 = apiClient(first.apiUrl, first.apiKey);
    const store = new DynamoTaskStore(first.clients.dynamo, first.config.tableName, 30);
    const create = async (webhook = false) => {
      const created = await api1.request('POST', '/tasks', {
        type: 'generic',
        payload: { steps: 1, step_ms: 0 },
        ...(webhook ? { webhook_url: webhookUrl } : {}),
      });
      expect(created.status).toBe(202);
      return created.body.task_id as string;
    };
    const now = () => new Date().toISOString();
    const last = generic.settings.maxAttempts;

    const pending = await create();
    const running = await create(true);
    await store.startAttempt('local', running, { attempt: 1, now: now(), sweepAt: now() });
    const retrying = await create();
    await store.startAttempt('local', retrying, { attempt: 2, now: now(), sweepAt: now() });
    await store.retry(
      'local',
      retrying,
      2,
      { name: 'RetryableTaskError', message: 'upstream 503' },
      now(),
      now(),
      now(),
    );
    const lastAttempt = await create(true);
    await store.startAttempt('local', lastAttempt, { attempt: last, now: now(), sweepAt: now() });
    const finished = await create();
    await store.startAttempt('local', finished, { attempt: 1, now: now(), sweepAt: now() });
    await store.complete('local', finished, 1, { done: true }, now());
    const finishedBefore = await api1.get(finished);
    // Ended, its webhook still owed: the message that would deliver it is lost with the queues.
    const finishedOwingWebhook = await create(true);
    await store.startAttempt('local', finishedOwingWebhook, { attempt: 1, now: now(), sweepAt: now() });
    await store.complete('local', finishedOwingWebhook, 1, { done: true }, now());
    await first.stop();

    // Act: a second run on the same folder, with workers, and no sweeper timer that could do the job instead.
    second = await startLocalStack({
      port: 0,
      dataDir,
      scheduleIntervalMs: 0,
      rateLimitPerSecond: 0,
      pollWaitSeconds: 1,
    });
    const api2 = apiClient(second.apiUrl, second.apiKey);
    const settled = await Promise.all(
      [pending, running, retrying, lastAttempt].map((id) => api2.waitFor(id, isTerminalView, PROMPTLY_MS)),
    );
    const webhooks = await Promise.all(
      [running, lastAttempt, finishedOwingWebhook].map((id) =>
        api2.waitFor(id, (t) => t.webhook?.status === 'delivered', PROMPTLY_MS),
      ),
    );
    // Every queue drained: no attempt and no delivery is left to run, so the receiver got all it ever will.
    for (const queue of [...second.queues, second.webhookQueue])
      await untilQueueEmpty(second.clients.sqs, queue.queueUrl, `the ${queue.type.name} queue`);
    const finishedAfter = await api2.get(finished);

    // Assess
    const [afterPending, afterRunning, afterRetrying, afterLast] = settled.map((s) => s.task);
    expect(afterPending).toMatchObject({ status: 'completed', attempts: 1 });
    expect(afterRunning).toMatchObject({ status: 'completed', attempts: 2 });
    expect(afterRetrying).toMatchObject({ status: 'completed', attempts: 3 });
    expect(afterLast).toMatchObject({ status: 'failed', attempts: last, error: { name: 'AttemptLost' } });
    expect(finishedAfter.body).toEqual(finishedBefore.body);
    expect(webhooks.map((w) => w.task.webhook)).toMatchObject([{ attempts: 1 }, { attempts: 1 }, { attempts: 1 }]);
    expect(hook.received.toSorted(byTask)).toEqual(
      [
        { task_id: running, type: 'task.completed' },
        { task_id: lastAttempt, type: 'task.failed' },
        { task_id: finishedOwingWebhook, type: 'task.completed' },
      ].toSorted(byTask),
    );
  });
});

const byTask = (a: { task_id: string }, b: { task_id: string }) => a.task_id.localeCompare(b.task_id);
