import { describe, expect, it } from 'vitest';
import { NotFoundError, Tasklane, type TaskStreamEvent } from '../../../client/src';
import { FINAL_STATUSES } from '../../../client/src/resources/task-stream';
import { TERMINAL_STATUSES } from '../../../functions/core/task';
import { apiError, json, networkError, scriptedFetch, type Step } from '../fake-fetch';

const ID = '01M8FY5NV93GG21R5RB1Y3Z26C';

/** One event as the API writes it (hono's writeSSE: event, data, id). */
function sse(event: 'status' | 'progress', id: number, status: string, progress: number, attempt = 1): string {
  return `event: ${event}\ndata: ${JSON.stringify({ task_id: ID, status, progress, attempt })}\nid: ${id}\n\n`;
}

/**
 * A text/event-stream answer sending `chunks`, then: ending (`end`), breaking like a dropped
 * connection (`break`), or going silent until the request is aborted (`hang`).
 */
function stream(chunks: string[], then: 'end' | 'break' | 'hang' = 'end'): Step {
  return async (_url, init) => {
    const encoder = new TextEncoder();
    const left = [...chunks];
    // Pulled one chunk at a time, so that a break comes after the chunks were read, as on a real socket.
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        init.signal?.addEventListener('abort', () => controller.error(init.signal?.reason));
      },
      pull(controller) {
        const chunk = left.shift();
        if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
        else if (then === 'end') controller.close();
        else if (then === 'break') controller.error(networkError('ECONNRESET'));
        // 'hang': nothing more until the request is aborted.
        else return new Promise<void>(() => undefined);
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
}

async function collect(events: AsyncIterable<TaskStreamEvent>): Promise<string[]> {
  const seen: string[] = [];
  for await (const e of events)
    seen.push(
      `${e.id} ${e.event} ${e.event === 'step' ? e.data.name : ''}${e.data.status} ${e.event === 'step' ? e.data.attempts : e.data.progress}`,
    );
  return seen;
}

function client(script: Step[]) {
  const fake = scriptedFetch(script, () => Promise.reject(new Error('no more requests were expected')));
  const tasklane = new Tasklane({
    baseUrl: 'http://127.0.0.1:3000',
    apiKey: 'k',
    fetch: fake.fetch,
    retries: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  return { tasklane, seen: fake.seen };
}

describe('tasks.watch', () => {
  it('yields the events up to the final status, then ends', async () => {
    // Prepare
    const { tasklane, seen } = client([
      stream([
        'retry: 1000\n\n',
        sse('status', 1000000, 'running', 0),
        ': heartbeat\n\n',
        sse('progress', 1000001, 'running', 50),
        sse('status', 2000000, 'completed', 100),
      ]),
    ]);

    // Act
    const events = await collect(tasklane.tasks.watch(ID));

    // Assess
    expect(events).toEqual(['1000000 status running 0', '1000001 progress running 50', '2000000 status completed 100']);
    expect(seen[0]?.url).toBe(`http://127.0.0.1:3000/tasks/${ID}/stream`);
    expect(seen[0]?.headers['last-event-id']).toBeUndefined();
  });

  it('opens the stream at streamBaseUrl (the StreamUrl output) while every other request goes to baseUrl', async () => {
    // Prepare
    const fake = scriptedFetch(
      [
        json(200, { task_id: ID, type: 'generic', status: 'running' }),
        stream([sse('status', 2000000, 'completed', 100)]),
      ],
      () => Promise.reject(new Error('no more requests were expected')),
    );
    const tasklane = new Tasklane({
      baseUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
      streamBaseUrl: 'https://def456.execute-api.eu-west-1.amazonaws.com/prod',
      apiKey: 'k',
      fetch: fake.fetch,
    });

    // Act
    await tasklane.tasks.get(ID);
    const events = await collect(tasklane.tasks.watch(ID));

    // Assess
    expect(events).toEqual(['2000000 status completed 100']);
    expect(fake.seen.map((r) => r.url)).toEqual([
      `https://abc123.execute-api.eu-west-1.amazonaws.com/tasks/${ID}`,
      `https://def456.execute-api.eu-west-1.amazonaws.com/prod/tasks/${ID}/stream`,
    ]);
    expect(fake.seen[1]?.headers.authorization).toBe('Bearer k');
  });

  it('yields step events with their data, and resumes after one', async () => {
    // Prepare
    const step = (id: number, name: string, status: string) =>
      `event: step\ndata: ${JSON.stringify({ name, kind: 'sleep', status, attempts: 1, at: '2026-12-02T00:00:00.000Z' })}\nid: ${id}\n\n`;
    const { tasklane, seen } = client([
      stream(['retry: 5\n\n', sse('status', 1000000, 'running', 0), step(2000001, 'cool-down', 'sleeping')], 'end'),
      stream([
        sse('status', 3000000, 'running', 0),
        step(3000001, 'cool-down', 'completed'),
        sse('status', 4000000, 'completed', 100),
      ]),
    ]);

    // Act
    const events: TaskStreamEvent[] = [];
    for await (const event of tasklane.tasks.watch(ID)) events.push(event);

    // Assess
    expect(events[1]).toEqual({
      event: 'step',
      id: 2000001,
      data: { name: 'cool-down', kind: 'sleep', status: 'sleeping', attempts: 1, at: '2026-12-02T00:00:00.000Z' },
    });
    expect(events.map((e) => `${e.id} ${e.event} ${e.data.status}`)).toEqual([
      '1000000 status running',
      '2000001 step sleeping',
      '3000000 status running',
      '3000001 step completed',
      '4000000 status completed',
    ]);
    expect(seen.map((r) => r.headers['last-event-id'])).toEqual([undefined, '2000001']);
  });

  it('resumes a dropped connection with Last-Event-ID, never yielding the event cut off mid-way', async () => {
    // Prepare: the first connection breaks halfway through its third event.
    const cut = sse('progress', 1000002, 'running', 60);
    const { tasklane, seen } = client([
      stream(
        [
          'retry: 5\n\n',
          sse('status', 1000000, 'running', 0),
          sse('progress', 1000001, 'running', 30),
          cut.slice(0, 40),
        ],
        'break',
      ),
      stream([cut, sse('status', 2000000, 'completed', 100)]),
    ]);

    // Act
    const events = await collect(tasklane.tasks.watch(ID));

    // Assess
    expect(events).toEqual([
      '1000000 status running 0',
      '1000001 progress running 30',
      '1000002 progress running 60',
      '2000000 status completed 100',
    ]);
    expect(seen.map((r) => r.headers['last-event-id'])).toEqual([undefined, '1000001']);
  });

  it('resumes after the API ends a long stream, and after a connection that went silent', async () => {
    // Prepare
    const { tasklane, seen } = client([
      stream(['retry: 5\n\n', sse('status', 1000000, 'running', 0)], 'end'),
      stream(['retry: 5\n\n', sse('progress', 1000001, 'running', 40)], 'hang'),
      stream([sse('status', 2000000, 'failed', 40)]),
    ]);

    // Act
    const events = await collect(tasklane.tasks.watch(ID, { idleTimeoutMs: 100 }));

    // Assess
    expect(events).toEqual(['1000000 status running 0', '1000001 progress running 40', '2000000 status failed 40']);
    expect(seen.map((r) => r.headers['last-event-id'])).toEqual([undefined, '1000000', '1000001']);
  });

  it('retries a reconnect that fails, then goes on', async () => {
    // Prepare
    const { tasklane, seen } = client([
      stream(['retry: 5\n\n', sse('status', 1000000, 'running', 0)], 'break'),
      networkError('ECONNREFUSED'),
      apiError(503, 'service_unavailable', 'Try again.'),
      stream([sse('status', 2000000, 'completed', 100)]),
    ]);

    // Act
    const events = await collect(tasklane.tasks.watch(ID));

    // Assess
    expect(events).toEqual(['1000000 status running 0', '2000000 status completed 100']);
    expect(seen).toHaveLength(4);
  });

  it('ends without an event when the API answers 204 (the final event was seen)', async () => {
    // Prepare
    const { tasklane, seen } = client([async () => new Response(null, { status: 204 })]);

    // Act
    const events = await collect(tasklane.tasks.watch(ID, { lastEventId: 2000000 }));

    // Assess
    expect(events).toEqual([]);
    expect(seen[0]?.headers['last-event-id']).toBe('2000000');
  });

  it('throws NotFoundError for an unknown task without reconnecting', async () => {
    // Prepare
    const { tasklane, seen } = client([apiError(404, 'not_found', `No task with id "${ID}".`)]);

    // Act
    const watching = collect(tasklane.tasks.watch(ID));

    // Assess
    await expect(watching).rejects.toBeInstanceOf(NotFoundError);
    expect(seen).toHaveLength(1);
  });

  it('closes the connection when the caller leaves the loop', async () => {
    // Prepare
    let signal: AbortSignal | undefined;
    const { tasklane } = client([
      (url, init) => {
        signal = init.signal ?? undefined;
        return (stream([sse('status', 1000000, 'running', 0)], 'hang') as Exclude<Step, Response | Error>)(url, init);
      },
    ]);

    // Act
    for await (const event of tasklane.tasks.watch(ID)) if (event.data.status === 'running') break;

    // Assess
    expect(signal?.aborted).toBe(true);
  });

  it('ends on the same statuses as the server (core TERMINAL_STATUSES)', () => {
    expect([...FINAL_STATUSES].sort()).toEqual([...TERMINAL_STATUSES].sort());
  });
});
