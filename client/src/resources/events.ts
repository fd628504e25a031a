import { Paginated, type Page } from '../pages';
import type { CallOptions, Transport } from '../transport';
import type { Batch, EventStats } from '../types';

/** Buffered events and the batches the flush writes them in. */
export class Events {
  constructor(private readonly transport: Transport) {}

  /**
   * POST /events: one JSON object, or an array of 1–100, buffered for the next flush; resolves with
   * their ids. Not retried after an unknown outcome: the route takes no Idempotency-Key, so a repeat
   * could store the events twice.
   */
  async send(events: Record<string, unknown> | Record<string, unknown>[], options?: CallOptions): Promise<string[]> {
    const body = await this.transport.json<{ event_id: string } | { event_ids: string[] }>(
      { method: 'POST', path: 'events', body: events, retrySafe: false },
      options,
    );
    return 'event_ids' in body ? body.event_ids : [body.event_id];
  }

  /** GET /events/stats: events still waiting for a flush. */
  stats(options?: CallOptions): Promise<EventStats> {
    return this.transport.json<EventStats>({ method: 'GET', path: 'events/stats', retrySafe: true }, options);
  }
}

/** Flushed batches of events, newest first. */
export class Batches {
  constructor(private readonly transport: Transport) {}

  /** GET /batches: iterate it for every batch, or call `.page()` for one page. */
  list(query: { limit?: number } = {}): Paginated<Batch> {
    return new Paginated((cursor, options) =>
      this.transport.json<Page<Batch>>(
        { method: 'GET', path: 'batches', query: { ...query, cursor }, retrySafe: true },
        options,
      ),
    );
  }

  /** GET /batches/{id}. */
  get(id: string, options?: CallOptions): Promise<Batch> {
    return this.transport.json<Batch>(
      { method: 'GET', path: `batches/${encodeURIComponent(id)}`, retrySafe: true },
      options,
    );
  }
}
