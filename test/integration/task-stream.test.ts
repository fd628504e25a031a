import { EventSource, type FetchLike } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../functions/core/api-keys';
import type { TaskEventData } from '../../functions/core/task-events';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, ONE_SECOND_RETRIES } from '../helpers/local-api';

interface Received {
  event: string;
  id: number;
  data: TaskEventData;
}

const STREAM = { pollIntervalMs: 100, heartbeatMs: 400, maxDurationMs: 2000, retryMs: 100 };
const TERMINAL = ['completed', 'failed', 'canceled'];

/**
 * Reads a response body until `enough` holds for the text read so far or the body ends, and says which.
 * Fails naming `what` and showing the text if neither happens within `timeoutMs`.
 */
async function readBody(
  body: ReadableStream<Uint8Array>,
  what: string,
  enough: (text: string) => boolean = () => false,
  timeoutMs = 10_000,
): Promise<{ text: string; ended: boolean }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    void reader.cancel();
  }, timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (expired) throw new Error(`${what} did not happen within ${timeoutMs} ms; read: ${JSON.stringify(text)}`);
      if (done) return { text, ended: true };
      text += decoder.decode(value, { stream: true });
      if (enough(text)) return { text, ended: false };
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

/**
 * GET /tasks/{id}/stream over real HTTP with a standard EventSource client (the `eventsource`
 * package), against the local stack. Streams end after 2 s here (14 min in AWS), so long tasks
 * also exercise the reconnect with Last-Event-ID.
 */
describe('GET /tasks/{id}/stream (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 50,
      pollWaitSeconds: 1,
      stream: STREAM,
      // Retries a second apart, whatever generic's own backoff: the retry test waits for one.
      retryBackoff: ONE_SECOND_RETRIES,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  /** Follows a task with an EventSource until its final status event, recording every event and (re)connection. */
  function follow(
    id: string,
    key = stack.apiKey,
    timeoutMs = 30_000,
  ): Promise<{ events: Received[]; opens: number; lastEventIds: (string | null)[] }> {
    const lastEventIds: (string | null)[] = [];
    const withKey: FetchLike = (url, init) => {
      lastEventIds.push(init.headers['Last-Event-ID'] ?? null);
      return fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${key}` } });
    };
    const source = new EventSource(`${stack.apiUrl}/tasks/${id}/stream`, { fetch: withKey });
    const events: Received[] = [];
    let opens = 0;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`no final event within ${timeoutMs} ms; got ${JSON.stringify(events)}`)),
        timeoutMs,
      );
      const finish = (error?: Error) => {
        clearTimeout(timer);
        source.close();
        if (error) reject(error);
        else resolve({ events, opens, lastEventIds });
      };
      source.addEventListener('open', () => opens++);
      for (const name of ['status', 'progress']) {
        source.addEventListener(name, (event) => {
          const data = JSON.parse(event.data) as TaskEventData;
          events.push({ event: name, id: Number(event.lastEventId), data });
          if (name === 'status' && TERMINAL.includes(data.status)) finish();
        });
      }
      source.addEventListener('error', (event) => {
        if (source.readyState === EventSource.CLOSED)
          finish(new Error(`stream closed: HTTP ${event.code} ${event.message}`));
      });
    });
  }

  /** The raw response of one stream request, read to its end. */
  async function rawStream(id: string, headers: Record<string, string> = {}) {
    const response = await fetch(`${stack.apiUrl}/tasks/${id}/stream`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, ...headers },
    });
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text() };
  }

  it('sends the current state at once, then rising progress, and closes after the completed event', async () => {
    // Prepare
    const { body: task } = await api.create('generic', { steps: 5, step_ms: 150 });

    // Act
    const { events } = await follow(task.task_id);
    const raw = await rawStream(task.task_id);

    // Assess
    expect(events[0]!.event).toBe('status');
    expect(events.at(-1)).toMatchObject({
      event: 'status',
      data: { task_id: task.task_id, status: 'completed', progress: 100, attempt: 1 },
    });
    expect(events.some((e) => e.event === 'progress' && e.data.progress > 0 && e.data.progress < 100)).toBe(true);
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    const progress = events.filter((e) => e.data.status === 'running').map((e) => e.data.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // A fresh stream of a finished task: its final state, and the response ends.
    expect(raw.status).toBe(200);
    expect(raw.contentType).toContain('text/event-stream');
    expect(raw.body).toMatch(/^retry: 100\n\nevent: status\ndata: \{[^\n]*"status":"completed"[^\n]*\}\nid: \d+\n\n$/);
  });

  it('shows a retry as its own status event between two running ones', async () => {
    // Prepare
    const { body: task } = await api.create('generic', { steps: 2, step_ms: 100, fail_attempts: 1 });

    // Act
    const { events } = await follow(task.task_id);
    const replay = await rawStream(task.task_id, { 'last-event-id': '0' });

    // Assess
    const statuses = events.filter((e) => e.event === 'status').map((e) => `${e.data.status}#${e.data.attempt}`);
    // The first event is the state when the stream opened: pending, running or (on a slow machine) retrying already.
    expect(statuses.slice(statuses.indexOf('retrying#1'))).toEqual(['retrying#1', 'running#2', 'completed#2']);
    expect(events.find((e) => e.data.status === 'retrying')!.data.message).toContain('Simulated transient failure');
    // The history replays every change after the one the client names, however quick.
    const replayed = [...replay.body.matchAll(/"status":"(\w+)"[^\n]*"attempt":(\d+)/g)].map((m) => `${m[1]}#${m[2]}`);
    expect(replayed).toEqual(['running#1', 'retrying#1', 'running#2', 'completed#2']);
  });

  it('resumes after each end of stream with Last-Event-ID, without losing or repeating an event', async () => {
    // Prepare: a task of about 5 s outlives the 2-second streams.
    const { body: task } = await api.create('generic', { steps: 10, step_ms: 500 });

    // Act
    const { events, opens, lastEventIds } = await follow(task.task_id);
    const history = await rawStream(task.task_id, { 'last-event-id': '0' });

    // Assess
    expect(opens).toBeGreaterThanOrEqual(3);
    expect(lastEventIds[0]).toBeNull();
    expect(lastEventIds.slice(1).every((id) => id !== null)).toBe(true);
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const progress = events.map((e) => e.data.progress);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // Every status change after the first event reached the client.
    const changes = [...history.body.matchAll(/id: (\d+)/g)].map((m) => Number(m[1])).filter((id) => id > ids[0]!);
    expect(changes.every((id) => ids.includes(id))).toBe(true);
    expect(events.at(-1)!.data.status).toBe('completed');
  });

  it('sends heartbeat comments while nothing changes', async () => {
    // Prepare: a single 3-second step, so no progress for a while.
    const { body: task } = await api.create('generic', { steps: 1, step_ms: 3000 });
    const controller = new AbortController();

    // Act
    const response = await fetch(`${stack.apiUrl}/tasks/${task.task_id}/stream`, {
      headers: { authorization: `Bearer ${stack.apiKey}` },
      signal: controller.signal,
    });
    const { text } = await readBody(response.body!, 'a heartbeat', (read) => read.includes(': heartbeat'));
    controller.abort();

    // Assess
    expect(text).toMatch(/\n\n: heartbeat\n\n$/);
  });

  it('answers 204 to a client that resumes after the final event, so an EventSource stops reconnecting', async () => {
    // Prepare
    const { body: task } = await api.create('generic', { steps: 1, step_ms: 0 });
    const { events } = await follow(task.task_id);

    // Act
    const resumed = await rawStream(task.task_id, { 'last-event-id': String(events.at(-1)!.id) });

    // Assess
    expect(resumed.status).toBe(204);
    expect(resumed.body).toBe('');
  });

  it.each([
    ['an unknown id', async () => '01M8FW54X830X4HT5D1AH85R16'],
    ['a malformed id', async () => 'not..a..task'],
    [
      "another tenant's task",
      async () => {
        const { secret } = await issueApiKey(stack.apiKeys, 'acme');
        return (await apiClient(stack.apiUrl, secret).create('generic', { steps: 1, step_ms: 0 })).body.task_id;
      },
    ],
  ])('answers 404 JSON, not a stream, for %s', async (_, idFor) => {
    // Prepare
    const id = await idFor();

    // Act
    const raw = await rawStream(id);
    const viaEventSource = await follow(id).catch((error: Error) => error);

    // Assess
    expect(raw.status).toBe(404);
    expect(raw.contentType).toContain('application/json');
    expect(JSON.parse(raw.body)).toEqual({ error: { code: 'not_found', message: `No task with id "${id}".` } });
    expect(String(viaEventSource)).toContain('HTTP 404');
  });

  it('answers 401 JSON without a key', async () => {
    // Act
    const response = await fetch(`${stack.apiUrl}/tasks/01M8FW54X830X4HT5D1AH85R16/stream`);

    // Assess
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('unauthorized');
  });
});

describe('GET /tasks/{id}/stream after its key is revoked (local stack)', () => {
  let stack: LocalStack;

  beforeAll(async () => {
    // No workers: the task stays pending, so only the key check can end the stream before its two minutes.
    stack = await startLocalStack({
      port: 0,
      workers: false,
      rateLimitPerSecond: 0,
      stream: { pollIntervalMs: 50, heartbeatMs: 200, maxDurationMs: 120_000, authRecheckMs: 200 },
    });
  });
  afterAll(() => stack?.stop());

  it('ends the open stream, and the reconnect answers 401', async () => {
    // Prepare
    const { record, secret } = await issueApiKey(stack.apiKeys, 'revoked-soon');
    const api = apiClient(stack.apiUrl, secret);
    const { body: task } = await api.create('generic', { steps: 1, step_ms: 0 });
    const response = await fetch(`${stack.apiUrl}/tasks/${task.task_id}/stream`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    const opened = await readBody(response.body!, 'the first event', (read) => read.includes('event: status'));

    // Act
    await stack.apiKeys.revoke(record.key_id, new Date().toISOString());
    const { ended } = await readBody(response.body!, 'the end of the stream');
    const reconnect = await fetch(`${stack.apiUrl}/tasks/${task.task_id}/stream`, {
      headers: { authorization: `Bearer ${secret}` },
    });

    // Assess
    expect(response.status).toBe(200);
    expect(opened.ended).toBe(false);
    expect(ended).toBe(true);
    expect(reconnect.status).toBe(401);
  });
});
