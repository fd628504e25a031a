import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { TasklaneApiError } from '../errors';
import { sleep } from '../retry';
import { retryDelayMs, type OpenResponse, type Transport } from '../transport';
import type { StepEventData, TaskEventData, TaskStatus, TaskStreamEvent } from '../types';

export interface WatchOptions {
  /** Stops watching: the iterator rejects with the signal's reason and the connection closes. */
  signal?: AbortSignal;
  /** Time each connection may take to answer with its headers (the client's `timeoutMs` otherwise). */
  timeoutMs?: number;
  /** Resume after this event `id` (the last one a previous watch gave): only later events come. */
  lastEventId?: number;
  /** A connection silent for this long, heartbeats included, is taken for dead and resumed. */
  idleTimeoutMs?: number;
}

/** The statuses a task never leaves: the stream ends after the status event that reaches one. */
export const FINAL_STATUSES: ReadonlySet<TaskStatus> = new Set<TaskStatus>([
  'completed',
  'failed',
  'canceled',
  'expired',
]);

/** Until the stream's own `retry:` field says otherwise (the API sends 1000). */
const DEFAULT_RECONNECT_MS = 1000;
/** The API sends a heartbeat every 15 s without events: four missed ones mean the connection is gone. */
const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

/**
 * The events of one task's stream (`path` is the task's path), across as many connections as it
 * takes: after a dropped or idle connection, or the API's own end of a long stream (14 minutes),
 * it reconnects with Last-Event-ID set to the last event it yielded, and the API sends exactly
 * what came after. An event cut off mid-way is never yielded: the parser only dispatches complete
 * events, and the reconnect asks for it again. Failing reconnects back off like requests do.
 */
export async function* watchTask(
  transport: Transport,
  path: string,
  options: WatchOptions,
): AsyncGenerator<TaskStreamEvent, void, undefined> {
  const idleMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  let lastEventId = options.lastEventId;
  let reconnectMs = DEFAULT_RECONNECT_MS;
  for (let failures = 0; ; ) {
    let opened: OpenResponse;
    try {
      opened = await transport.open(
        {
          method: 'GET',
          path: `${path}/stream`,
          headers: {
            accept: 'text/event-stream',
            ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
          },
          retrySafe: true,
        },
        options,
      );
    } catch (error) {
      const delay = retryDelayMs(transport.settings.retry, error, failures++, true);
      if (delay === undefined || options.signal?.aborted) throw error;
      await sleep(Math.max(delay, reconnectMs), options.signal);
      continue;
    }
    failures = 0;
    const { response, deadline } = opened;
    // 204: the task ended and this client saw its final event already.
    if (response.status === 204 || !response.body) {
      deadline.dispose();
      return;
    }
    let reading = false;
    const messages = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(
      new EventSourceParserStream({
        onRetry: (ms) => (reconnectMs = ms),
        onComment: () => reading && deadline.arm(idleMs),
      }),
    );
    const reader = messages.getReader();
    try {
      for (;;) {
        let read: ReadableStreamReadResult<EventSourceMessage>;
        // The idle clock runs only while waiting for the API, not while the caller handles an event.
        reading = true;
        deadline.arm(idleMs);
        try {
          read = await reader.read();
        } catch {
          if (options.signal?.aborted) throw options.signal.reason;
          // The connection broke or went silent: resume from the last event.
          break;
        } finally {
          reading = false;
          deadline.disarm();
        }
        // The API ended the stream without a final event (its 14-minute limit): resume.
        if (read.done) break;
        const event = toTaskEvent(read.value, response);
        if (!event) continue;
        lastEventId = event.id;
        yield event;
        if (event.event === 'status' && FINAL_STATUSES.has(event.data.status)) return;
      }
    } finally {
      // Closes the connection whichever way the loop ended, the caller's `break` included.
      deadline.dispose();
      reader.cancel().catch(() => undefined);
    }
    await sleep(reconnectMs, options.signal);
  }
}

/** A `status`, `progress` or `step` event; other event names (none today) are skipped. */
function toTaskEvent(message: EventSourceMessage, response: Response): TaskStreamEvent | undefined {
  if (message.event !== 'status' && message.event !== 'progress' && message.event !== 'step') return undefined;
  const id = Number(message.id);
  const data = parseJson(message.data) as TaskStreamEvent['data'] | undefined;
  if (!Number.isSafeInteger(id) || typeof data?.status !== 'string')
    throw new TasklaneApiError(
      response.status,
      'unexpected_response',
      `The task stream sent an event that is not a Tasklane event: ${JSON.stringify(message)}.`,
      undefined,
      response.headers,
    );
  return message.event === 'step'
    ? { event: 'step', id, data: data as StepEventData }
    : { event: message.event, id, data: data as TaskEventData };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
