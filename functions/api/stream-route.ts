import type { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import { systemClock, type Clock, type Log } from '../core/ports';
import { parseLastEventId, type TaskEvent } from '../core/task-events';
import { TaskWatch, WATCH_DEFAULTS, type TaskReader, type WatchSettings } from '../core/task-watch';
import type { AppEnv, TenantResolver } from './context';

export interface StreamRouteDeps {
  /** Reads tasks; TaskStore.get satisfies it. */
  reader: TaskReader;
  /**
   * Resolves the caller's key to its tenant again while its stream runs (every authRecheckMs): a
   * stream whose key no longer resolves to the stream's tenant ends. Without it, a stream outlives
   * a revoked key until maxDurationMs.
   */
  recheckTenant?: TenantResolver;
  clock?: Clock;
  /** Overrides of WATCH_DEFAULTS (tests shorten the heartbeat and the maximum duration). */
  settings?: Partial<WatchSettings>;
}

/**
 * GET /tasks/{id}/stream: Server-Sent Events of one task of the caller's tenant. An unknown id is a
 * JSON 404 before any stream starts; a client resuming after the final event gets 204, which tells
 * an EventSource to stop reconnecting (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 */
export function registerStreamRoute(app: Hono<AppEnv>, deps: StreamRouteDeps, log: Log): void {
  const settings: WatchSettings = { ...WATCH_DEFAULTS, ...deps.settings };
  const watchDeps = { reader: deps.reader, clock: deps.clock ?? systemClock, settings };

  app.get('/tasks/:id/stream', async (c) => {
    const lastEventId = parseLastEventId(c.req.header('last-event-id'));
    const tenant = c.get('tenant');
    const watch = await TaskWatch.open(watchDeps, tenant, c.req.param('id'), lastEventId);
    if (watch.finished && watch.initial.length === 0) return c.body(null, 204);
    // Proxies that buffer (nginx) pass the stream through as it comes.
    c.header('X-Accel-Buffering', 'no');
    const recheck = deps.recheckTenant;
    const stillAuthorized = recheck && (async () => (await recheck(c)) === tenant);
    const response = streamSSE(c, async (stream) => {
      const gone = new AbortController();
      stream.onAbort(() => gone.abort());
      try {
        await stream.write(`retry: ${settings.retryMs}\n\n`);
        for (const event of watch.initial) await send(stream, event);
        for await (const item of watch.follow(gone.signal, stillAuthorized)) {
          if (item.kind === 'heartbeat') await stream.write(': heartbeat\n\n');
          // The stream just ends: the client's reconnect gets the 401 that says why.
          else if (item.kind === 'revoked')
            log.info('task stream ended: its key no longer authenticates', { task_id: c.req.param('id') });
          else await send(stream, item.event);
        }
      } catch (error) {
        // A failed read ends the stream, telling the client nothing about our side; it reconnects
        // with Last-Event-ID and loses nothing.
        log.error('task stream ended by an error', {
          task_id: c.req.param('id'),
          error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
        });
      }
    });
    // Hop-by-hop headers streamSSE adds are the server's business: Node's HTTP server frames the
    // body itself, and in Lambda they would land in the response metadata API Gateway relays.
    response.headers.delete('Transfer-Encoding');
    response.headers.delete('Connection');
    return response;
  });
}

function send(stream: SSEStreamingApi, event: TaskEvent): Promise<void> {
  return stream.writeSSE({ event: event.event, id: String(event.id), data: JSON.stringify(event.data) });
}
