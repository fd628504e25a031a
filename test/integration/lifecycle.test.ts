import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView, ONE_SECOND_RETRIES } from '../helpers/local-api';

/** The whole lifecycle through the local stack: emulators, API, pollers and workers, no mocks. */
describe('task lifecycle (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 50,
      pollWaitSeconds: 1,
      // Real retries, a second apart: generic's own backoff waits up to 1, 2, 4 and 8 s before the DLQ.
      retryBackoff: ONE_SECOND_RETRIES,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  it('runs a task from pending through running to completed with rising progress', async () => {
    // Act
    const created = await api.create('generic', { steps: 5, step_ms: 100 });
    const progressSeen: number[] = [];
    const { task, seen } = await api.waitFor(created.body.task_id, (t) => {
      progressSeen.push(t.progress);
      return isTerminalView(t);
    });

    // Assess
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('pending');
    expect(created.headers.get('location')).toBe(`/tasks/${created.body.task_id}`);
    expect(seen).toContain('running');
    expect(seen.at(-1)).toBe('completed');
    expect(progressSeen.some((p) => p > 0 && p < 100)).toBe(true);
    expect(progressSeen).toEqual([...progressSeen].sort((a, b) => a - b));
    expect(task).toMatchObject({
      status: 'completed',
      progress: 100,
      attempts: 1,
      result: { steps: 5, elapsed_ms: 500 },
    });
    for (const field of ['created_at', 'started_at', 'ended_at'] as const) {
      expect(new Date(task[field]!).toISOString()).toBe(task[field]);
    }
  });

  it('stops a running task at its next checkpoint and ends it canceled, not completed', async () => {
    // Prepare
    const created = await api.create('generic', { steps: 50, step_ms: 100 });
    await api.waitFor(created.body.task_id, (t) => t.status === 'running' && t.progress > 0);

    // Act
    const canceled = await api.cancel(created.body.task_id);
    const { task } = await api.waitFor(created.body.task_id, isTerminalView);

    // Assess
    expect(canceled.status).toBe(202);
    expect(canceled.body.cancel_requested).toBe(true);
    expect(task.status).toBe('canceled');
    expect(task.progress).toBeLessThan(100);
  });

  it('retries a transient failure with backoff and then completes', async () => {
    // Act
    const created = await api.create('generic', { steps: 1, step_ms: 0, fail_attempts: 1 });
    const { task, seen } = await api.waitFor(created.body.task_id, isTerminalView);

    // Assess
    expect(seen).toContain('retrying');
    expect(task).toMatchObject({ status: 'completed', attempts: 2 });
    expect(task.error).toBeUndefined();
  });

  it('shows every status change of a task on GET /tasks/{id}, and keeps the list light', async () => {
    // Prepare
    const created = await api.create('generic', { steps: 1, step_ms: 0, fail_attempts: 1 });
    await api.waitFor(created.body.task_id, isTerminalView);

    // Act
    const { body } = await api.get(created.body.task_id);
    const listed = (await api.list('?limit=5')).body.items.find((t) => t.task_id === created.body.task_id);

    // Assess
    expect(body.status_history!.map((c) => [c.status, c.attempt])).toEqual([
      ['pending', 0],
      ['running', 1],
      ['retrying', 1],
      ['running', 2],
      ['completed', 2],
    ]);
    expect(body.status_history!.every((c) => !Number.isNaN(Date.parse(c.at)))).toBe(true);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('status_history');
  });

  it('marks a task failed after its last attempt and leaves the message in the DLQ', async () => {
    // Prepare
    const queue = stack.queues.find((q) => q.type.name === 'generic')!;

    // Act: generic allows 5 attempts; fail them all (a second between them).
    const created = await api.create('generic', { steps: 1, step_ms: 0, fail_attempts: 5 });
    const { task } = await api.waitFor(created.body.task_id, isTerminalView);
    const dlqBody = await waitForDlqMessage(stack, queue.dlqUrl, created.body.task_id);

    // Assess
    expect(task).toMatchObject({ status: 'failed', attempts: 5, error: { name: 'RetryableTaskError' } });
    expect(JSON.parse(dlqBody)).toEqual({ tenant: 'local', task_id: created.body.task_id });
  });

  it('lists tasks newest first with stable pagination while tasks are being created', async () => {
    // Prepare
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await api.create('generic', { steps: 1, step_ms: 0 })).body.task_id);

    // Act: page through 3 at a time, creating a task between pages.
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const page = await api.list(`?type=generic&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      pages.push(page.body.items.map((t) => t.task_id));
      cursor = page.body.next_cursor;
      await api.create('generic', { steps: 1, step_ms: 0 });
    } while (cursor && pages.length < 50);

    // Assess
    const listed = pages.flat();
    expect(new Set(listed).size).toBe(listed.length);
    const mine = listed.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    expect(pages.slice(0, -1).every((p) => p.length === 3)).toBe(true);
  });

  it('filters the list by status', async () => {
    // Prepare
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await api.waitFor(created.body.task_id, isTerminalView);

    // Act
    const completed = await api.list('?status=completed&limit=100');
    const failed = await api.list('?status=failed&type=generic&limit=100');

    // Assess
    expect(completed.body.items.map((t) => t.task_id)).toContain(created.body.task_id);
    expect(completed.body.items.every((t) => t.status === 'completed')).toBe(true);
    expect(failed.body.items.every((t) => t.status === 'failed')).toBe(true);
  });

  it('answers 409 when canceling a finished task and 404 for an unknown one', async () => {
    // Prepare
    const created = await api.create('generic', { steps: 1, step_ms: 0 });
    await api.waitFor(created.body.task_id, isTerminalView);

    // Act
    const finished = await api.cancel(created.body.task_id);
    const unknown = await api.cancel('01ARZ3NDEKTSV4RRFFQ69G5FAV');

    // Assess
    expect(finished.status).toBe(409);
    expect(finished.body.error.code).toBe('task_finished');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  it('serves GET /health without a key', async () => {
    const response = await fetch(`${stack.apiUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

async function waitForDlqMessage(stack: LocalStack, dlqUrl: string, taskId: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const out = await stack.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    const hit = out.Messages?.find((m) => m.Body?.includes(taskId));
    if (hit?.Body) return hit.Body;
  }
  const attrs = await stack.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['All'] }),
  );
  throw new Error(`no DLQ message for ${taskId}; DLQ attributes: ${JSON.stringify(attrs.Attributes)}`);
}
