import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

interface Sent {
  event: string;
  id: number;
  data: Record<string, unknown>;
}

/** Polls fast; one connection outlives the task (the reconnects after the stream's own end are task-stream.test.ts's). */
const STREAM = { pollIntervalMs: 100, heartbeatMs: 1000, maxDurationMs: 20_000, retryMs: 100 };

/** The events of a text/event-stream body, in order (comments and `retry:` left out). */
function parseEvents(text: string): Sent[] {
  return text
    .split('\n\n')
    .map((block) =>
      Object.fromEntries(
        block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
      ),
    )
    .filter((fields) => fields.event !== undefined)
    .map((fields) => ({ event: fields.event!, id: Number(fields.id), data: JSON.parse(fields.data!) }));
}

/** What a client compares across connections: the event, its id, and the step or status it names. */
const summary = (e: Sent) =>
  e.event === 'step' ? `${e.id} step ${e.data.name} ${e.data.status}` : `${e.id} ${e.event} ${e.data.status}`;

/**
 * Step events of GET /tasks/{id}/stream on the embedded stack, with a `workflow` task that sleeps a
 * second: each durable step's change arrives in seq order among the status events, and a client that
 * reconnects with Last-Event-ID in the middle gets exactly the rest.
 */
describe('GET /tasks/{id}/stream step events (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, rateLimitPerSecond: 0, progressIntervalMs: 0, stream: STREAM });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  const open = (id: string, lastEventId?: number, signal?: AbortSignal) =>
    fetch(`${stack.apiUrl}/tasks/${id}/stream`, {
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
      },
      signal,
    });

  /** Reads a stream until an event satisfies `until`, then disconnects; returns the events up to that one. */
  async function readUntil(response: Response, until: (e: Sent) => boolean, controller: AbortController) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before the awaited event; read: ${text}`);
      text += value;
      // Only whole events count: the rest of the chunk is what the client never got.
      const events = parseEvents(text.slice(0, text.lastIndexOf('\n\n') + 2));
      const cut = events.findIndex(until);
      if (cut >= 0) {
        controller.abort();
        return events.slice(0, cut + 1);
      }
    }
  }

  it('sends each step change in seq order among the status events, and a reconnect in the middle loses and repeats nothing', async () => {
    // Prepare: delayed 2 s, so that every stream opens before the first step.
    const created = await api.request('POST', '/tasks', {
      type: 'workflow',
      payload: { sleep_seconds: 1 },
      delay_seconds: 2,
    });
    const id: string = created.body.task_id;
    const cutter = new AbortController();
    const whole = open(id).then((r) => r.text());
    const firstPart = open(id, undefined, cutter.signal).then((r) =>
      readUntil(r, (e) => e.event === 'step' && e.data.name === 'cool-down' && e.data.status === 'sleeping', cutter),
    );

    // Act
    const first = await firstPart;
    const rest = parseEvents(await (await open(id, first.at(-1)!.id)).text());
    const uninterrupted = parseEvents(await whole);
    const { task } = await api.waitFor(id, (t) => t.status === 'completed', 10_000);

    // Assess: one stream, in order; each step in the order the run reached it.
    const ids = uninterrupted.map((e) => e.id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    const changes = uninterrupted
      .filter((e) => e.event !== 'progress')
      .map(summary)
      .map((s) => s.replace(/^\d+ /, ''));
    expect(changes).toEqual([
      'status scheduled',
      'status running',
      'step prepare completed',
      'step process completed',
      'status sleeping',
      'step cool-down sleeping',
      'status running',
      'step cool-down completed',
      'step finish completed',
      'status completed',
    ]);
    const coolDown = uninterrupted.filter((e) => e.data.name === 'cool-down' || e.data.status === 'sleeping');
    expect(coolDown[1]!.id).toBe(coolDown[0]!.id + 1);
    expect(uninterrupted.find((e) => e.event === 'step' && e.data.name === 'finish')!.data).toEqual({
      name: 'finish',
      kind: 'step',
      status: 'completed',
      attempts: 1,
      at: task.steps!.find((s) => s.name === 'finish')!.ended_at,
    });
    // The reconnect: nothing before its Last-Event-ID again, and together the same events as the one stream.
    expect(rest.every((e) => e.id > first.at(-1)!.id)).toBe(true);
    expect([...first, ...rest].filter((e) => e.event !== 'progress').map(summary)).toEqual(
      uninterrupted.filter((e) => e.event !== 'progress').map(summary),
    );
  });
});
