import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tasklane, type FetchLike, type TaskTypes } from '../../client/src';
import { issueApiKey } from '../../functions/core/api-keys';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiError, scriptedFetch } from './fake-fetch';

const realFetch: FetchLike = (url, init) => fetch(url, init);

/** Retries against the real API: an answer lost after the task was made, and a 429 asking to wait. */
describe('Tasklane client retries (local stack)', () => {
  let stack: LocalStack;
  let tenant = 0;

  /** A key of a fresh tenant, so that a test can count every task its tenant holds. */
  async function freshKey(): Promise<string> {
    return (await issueApiKey(stack.apiKeys, `retries-${++tenant}`)).secret;
  }

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, rateLimitPerSecond: 0, workers: false });
  });
  afterAll(() => stack?.stop());

  it('makes one task when a create is retried after a 500 that came after the task was made', async () => {
    // Prepare: the first POST reaches the API and makes the task; its answer is swapped for a 500 on the way back.
    const apiKey = await freshKey();
    const lost: { status: number; body: { task_id: string } }[] = [];
    const replayed: (string | null)[] = [];
    const { fetch, seen } = scriptedFetch(
      [
        async (url, init) => {
          const response = await realFetch(url, init);
          lost.push({ status: response.status, body: await response.json() });
          return apiError(500, 'internal_error', 'Something went wrong on our side; the request can be retried.');
        },
      ],
      async (url, init) => {
        const response = await realFetch(url, init);
        replayed.push(response.headers.get('idempotent-replayed'));
        return response;
      },
    );
    const tasklane = new Tasklane<TaskTypes>({ baseUrl: stack.apiUrl, apiKey, fetch, retries: { baseDelayMs: 10 } });

    // Act
    const task = await tasklane.tasks.create({ type: 'generic', payload: { steps: 1, step_ms: 0 } });

    // Assess
    const made = lost[0]!.body;
    expect(lost[0]!.status).toBe(202);
    expect(task.task_id).toBe(made.task_id);
    expect(replayed).toEqual(['true']);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers['idempotency-key']).toBe(seen[0]!.headers['idempotency-key']);
    const all = [];
    for await (const t of tasklane.tasks.list()) all.push(t.task_id);
    expect(all).toEqual([made.task_id]);
  });

  it('waits for the Retry-After of a 429 before trying again, and then makes the task', async () => {
    // Prepare
    const apiKey = await freshKey();
    const { fetch, seen } = scriptedFetch(
      [
        apiError(
          429,
          'rate_limited',
          'Too many tasks created; retry after 2 s.',
          { retry_after_seconds: 2 },
          { 'retry-after': '2' },
        ),
      ],
      realFetch,
    );
    // Backoff alone would wait at most 10 ms: only Retry-After explains a two-second wait.
    const tasklane = new Tasklane<TaskTypes>({
      baseUrl: stack.apiUrl,
      apiKey,
      fetch,
      retries: { baseDelayMs: 10, maxDelayMs: 10 },
    });

    // Act
    const task = await tasklane.tasks.create({ type: 'generic' });

    // Assess
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(2_000);
    expect(seen[1]!.at - seen[0]!.at).toBeLessThan(3_000);
    expect((await tasklane.tasks.list().page()).items.map((t) => t.task_id)).toEqual([task.task_id]);
  });
});
