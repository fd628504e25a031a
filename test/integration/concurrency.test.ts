import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConcurrencySlots } from '../../functions/adapters/dynamo-concurrency-slots';
import { keyScope } from '../../functions/core/concurrency';
import type { TaskView } from '../../functions/core/task';
import { LOCAL_TENANT, startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView } from '../helpers/local-api';

/** Per-key concurrency on the embedded stack: generic sets concurrencyPerKey 1. */
describe('concurrency_key (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, scheduleIntervalMs: 0, rateLimitPerSecond: 0, progressIntervalMs: 0 });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  const create = async (body: Record<string, unknown>) => {
    const response = await api.request('POST', '/tasks', { type: 'generic', ...body });
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    return response.body.task_id as string;
  };
  const finished = (ids: string[]) =>
    Promise.all(ids.map(async (id) => (await api.waitFor(id, isTerminalView, 60_000)).task));
  const overlap = (a: TaskView, b: TaskView) => a.started_at! < b.ended_at! && b.started_at! < a.ended_at!;

  it('runs tasks of one key one at a time, while another key runs beside them', async () => {
    // Act
    const sameKey = await Promise.all(
      [1, 2, 3].map(() => create({ payload: { steps: 2, step_ms: 300 }, concurrency_key: 'customer-1' })),
    );
    const otherKey = await create({ payload: { steps: 2, step_ms: 300 }, concurrency_key: 'customer-2' });
    const tasks = await finished(sameKey);
    const [other] = await finished([otherKey]);

    // Assess
    expect(tasks.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
    expect(tasks.map((t) => t.attempts)).toEqual([1, 1, 1]);
    for (const [i, a] of tasks.entries())
      for (const b of tasks.slice(i + 1)) expect(overlap(a, b), `${a.task_id} overlaps ${b.task_id}`).toBe(false);
    expect(tasks.some((t) => overlap(t, other!))).toBe(true);
    expect(tasks[0]!.concurrency_key).toBe('customer-1');
  }, 90_000);

  it('frees the slot of a holder that died once its lease ends', async () => {
    // Prepare: a worker took the key's only slot and died; its lease ends in 3 s.
    const leaseEnd = new Date(Date.now() + 3_000);
    const slots = new DynamoConcurrencySlots(stack.clients.dynamo, stack.config.tableName, { now: () => new Date() });
    await slots.acquire(keyScope(LOCAL_TENANT, 'generic', 'customer-3'), 'dead-worker', 1, leaseEnd);

    // Act
    const id = await create({ payload: { steps: 1, step_ms: 0 }, concurrency_key: 'customer-3' });
    const [task] = await finished([id]);

    // Assess
    expect(task!.status).toBe('completed');
    expect(task!.attempts).toBe(1);
    expect(Date.parse(task!.started_at!)).toBeGreaterThanOrEqual(leaseEnd.getTime());
  }, 60_000);

  it.each([
    ['an empty key', { concurrency_key: '' }, 'must be 1–128 characters'],
    ['a key of 129 characters', { concurrency_key: 'k'.repeat(129) }, 'must be 1–128 characters'],
    ['a number', { concurrency_key: 42 }, 'must be a string'],
    ['a control character', { concurrency_key: 'a\nb' }, 'must contain no control characters'],
  ])('refuses %s with a 400 naming concurrency_key', async (_, fields, rule) => {
    // Act
    const response = await api.request('POST', '/tasks', { type: 'generic', payload: { steps: 1 }, ...fields });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toContainEqual({ field: 'concurrency_key', rule });
  });

  it('refuses a concurrency_key for a type without a per-key limit', async () => {
    // Act
    const response = await api.request('POST', '/tasks', {
      type: 'email',
      payload: { to: ['ada@example.com'], subject: 'hi', text: 'hello' },
      concurrency_key: 'k',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      { field: 'concurrency_key', rule: 'not accepted by task type "email" (it sets no concurrencyPerKey)' },
    ]);
  });
});
