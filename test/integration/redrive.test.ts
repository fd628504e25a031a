import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueApiKey } from '../../functions/core/api-keys';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, TEST_STACK } from '../helpers/local-api';

/**
 * POST /task-types/{type}/redrive on the embedded stack: tasks that failed every attempt reach the
 * type's real DLQ through the queue's redrive policy, and the redrive turns them into reruns.
 */
describe('task DLQ redrive (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let other: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack(TEST_STACK);
    api = apiClient(stack.apiUrl, stack.apiKey);
    other = apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, 'other')).secret);
  });
  afterAll(() => stack?.stop());

  const dlqDepth = async (client = api) => {
    const { body } = await client.request('GET', '/task-types');
    return body.items.find((t: { name: string }) => t.name === 'generic').dlq_depth as number;
  };
  /** A task that fails all its attempts. */
  const failing = async (client: ReturnType<typeof apiClient>) =>
    (await client.create('generic', { steps: 1, step_ms: 0, fail_attempts: 5 })).body.task_id as string;

  it("shows each type's queue depth next to its DLQ depth", async () => {
    // Act
    const { status, body } = await api.request('GET', '/task-types');

    // Assess
    expect(status).toBe(200);
    for (const type of body.items) {
      expect(type).toMatchObject({ queue_depth: expect.any(Number), dlq_depth: expect.any(Number) });
    }
  });

  it("shows each type's DLQ depth and turns the tenant's dead-lettered tasks into reruns, once", async () => {
    // Prepare
    const [theirs, ...ours] = await Promise.all([failing(other), failing(api), failing(api)]);
    await vi.waitFor(async () => expect(await dlqDepth()).toBe(3), { timeout: 45_000, interval: 200 });

    // Act
    const first = await api.request('POST', '/task-types/generic/redrive');
    const again = await api.request('POST', '/task-types/generic/redrive');

    // Assess
    expect((await api.get(ours[0]!)).body.status).toBe('failed');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ type: 'generic', moved: 2, dropped: 0, left: 1, more: false });
    const reruns = await Promise.all(first.body.task_ids.map((id: string) => api.get(id)));
    expect(reruns.map((r) => r.body.rerun_of).sort()).toEqual([...ours].sort());
    expect(reruns.map((r) => r.body.payload)).toEqual([
      { steps: 1, step_ms: 0, fail_attempts: 5 },
      { steps: 1, step_ms: 0, fail_attempts: 5 },
    ]);
    expect(again.body).toMatchObject({ moved: 0, left: 1 });
    expect(await dlqDepth()).toBe(1);
    const theirRedrive = await other.request('POST', '/task-types/generic/redrive');
    expect(theirRedrive.body).toMatchObject({ moved: 1, left: 0 });
    expect((await other.get(theirRedrive.body.task_ids[0])).body.rerun_of).toBe(theirs);
  }, 120_000);

  it('answers 404 naming the known types for an unknown type', async () => {
    // Act
    const response = await api.request('POST', '/task-types/nope/redrive');

    // Assess
    expect(response.status).toBe(404);
    expect(response.body.error.message).toContain('No task type "nope"');
    expect(response.body.error.message).toContain('generic');
  });
});
