import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Tasklane, type FetchLike, type TaskStreamEvent, type TaskTypes } from '../../client/src';
import { DynamoTaskStore } from '../../functions/adapters/dynamo-task-store';
import { LOCAL_TENANT, startLocalStack, type LocalStack } from '../../local/stack';
import { ONE_SECOND_RETRIES } from '../helpers/local-api';

/** What the connection-cutting fetch saw of the stream requests. */
interface Cut {
  /** Last-Event-ID of each stream request, in order. */
  lastEventIds: (string | null)[];
  /** The id of the last complete event the first connection delivered before it broke. */
  lastCompleteId?: string;
  /** The bytes of the broken event that got through, before the connection was cut. */
  partial?: string;
}

/**
 * A fetch whose first stream connection breaks in the middle of the event that matches `where`
 * (the real connection is aborted, so the API sees the client go); before the reconnect goes
 * out, it waits for `beforeReconnect`, so that the task has moved on while the client was away.
 */
function cuttingFetch(where: RegExp, beforeReconnect: () => Promise<void>): { fetch: FetchLike; cut: Cut } {
  const cut: Cut = { lastEventIds: [] };
  const fetch: FetchLike = async (url, init) => {
    if (!String(url).endsWith('/stream')) return globalThis.fetch(url, init);
    const headers = init.headers as Record<string, string>;
    cut.lastEventIds.push(headers['last-event-id'] ?? null);
    if (cut.lastEventIds.length > 1) {
      await beforeReconnect();
      return globalThis.fetch(url, init);
    }
    const connection = new AbortController();
    init.signal?.addEventListener('abort', () => connection.abort());
    const response = await globalThis.fetch(url, { ...init, signal: connection.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) return controller.close();
        const before = text.length;
        text += decoder.decode(value, { stream: true });
        const match = where.exec(text);
        if (!match) return controller.enqueue(value);
        // Cut halfway through the matching event (the stream is ASCII: characters are bytes).
        const start = text.lastIndexOf('\n\n', match.index) + 2;
        const end = text.indexOf('\n\n', match.index);
        const cutAt = Math.floor((start + (end < 0 ? text.length : end)) / 2);
        cut.partial = text.slice(start, cutAt);
        cut.lastCompleteId = /id: (\d+)\n(?![\s\S]*id: )/.exec(text.slice(0, start))?.[1];
        if (cutAt > before) controller.enqueue(new TextEncoder().encode(text.slice(before, cutAt)));
        connection.abort();
        controller.error(new TypeError('terminated', { cause: new Error('other side closed') }));
      },
      cancel: () => connection.abort(),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return { fetch, cut };
}

/** tasks.watch against the real stream of the local stack, with a connection that breaks mid-event. */
describe('tasks.watch (local stack)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 50,
      pollWaitSeconds: 1,
      stream: { pollIntervalMs: 50 },
      // Retries a second apart: the first attempt fails on purpose and the test watches the retry.
      retryBackoff: ONE_SECOND_RETRIES,
    });
  });
  afterAll(() => stack?.stop());

  it('survives a connection dropped mid-event: no event lost, none repeated', async () => {
    // Prepare: a task that waits a second (scheduled), fails its first attempt (retrying), then runs
    // in three steps. The connection breaks inside the `retrying` event; the client comes back
    // only once the second attempt runs, so a reconnect without Last-Event-ID would miss it.
    const plain = new Tasklane<TaskTypes>({ baseUrl: stack.apiUrl, apiKey: stack.apiKey });
    const task = await plain.tasks.create({
      type: 'generic',
      payload: { steps: 3, step_ms: 200, fail_attempts: 1 },
      delay_seconds: 1,
    });
    const secondAttemptRuns = () =>
      vi.waitFor(
        async () => {
          const now = await plain.tasks.get(task.task_id);
          expect(now).toMatchObject({ status: 'running', attempts: 2 });
        },
        { timeout: 20_000, interval: 20 },
      );
    const { fetch, cut } = cuttingFetch(/"status":"retrying"/, secondAttemptRuns);
    const tasklane = new Tasklane<TaskTypes>({ baseUrl: stack.apiUrl, apiKey: stack.apiKey, fetch });

    // Act
    const events: TaskStreamEvent[] = [];
    for await (const event of tasklane.tasks.watch(task.task_id)) events.push(event);

    // Assess: the connection did break mid-event, and the client resumed after the last complete one.
    expect(cut.partial).toMatch(/^event: status\n/);
    expect(cut.lastEventIds).toEqual([null, cut.lastCompleteId]);
    // Every status change the task went through, each once, in order: the record's own history.
    const stored = await new DynamoTaskStore(stack.clients.dynamo, stack.config.tableName, 1).get(
      LOCAL_TENANT,
      task.task_id,
    );
    const history = (stored?.status_history ?? []).map((c) => `${c.seq} ${c.status} ${c.attempt}`);
    const statuses = events.flatMap((e) =>
      e.event === 'status' ? [`${e.id} ${e.data.status} ${e.data.attempt}`] : [],
    );
    expect(history.map((h) => h.split(' ')[1])).toEqual(['scheduled', 'running', 'retrying', 'running', 'completed']);
    expect(statuses).toEqual(history);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    // The second attempt's progress climbs to the end.
    const progress = events.flatMap((e) => (e.event === 'progress' ? [e.data] : []));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.attempt === 2)).toBe(true);
    expect(progress.map((p) => p.progress)).toEqual([...progress.map((p) => p.progress)].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ event: 'status', data: { status: 'completed', progress: 100 } });
  });
});
