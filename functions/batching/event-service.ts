import { PayloadTooLargeError, ValidationError } from '../core/errors';
import { newSortableId } from '../core/ids';
import { assertStorable } from '../core/storable-json';
import type { Clock, Log } from '../core/ports';
import type { StoredEvent } from './model';
import type { EventStore, FlushTrigger } from './ports';
import { BATCHING } from './settings';

export interface EventServiceDeps {
  store: EventStore;
  trigger: FlushTrigger;
  clock: Clock;
  log: Log;
  batchSize?: number;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Accepts events into the durable buffer; asks for an early flush once a full batch waits. */
export class EventService {
  constructor(private readonly deps: EventServiceDeps) {}

  /** `body`: one JSON object, or an array of 1–100 objects. Returns the event ids in order. */
  async accept(tenant: string, body: unknown): Promise<string[]> {
    const items = Array.isArray(body) ? body : [body];
    if (items.length === 0 || items.length > BATCHING.maxEventsPerRequest) {
      throw new ValidationError(`Send one event object or an array of 1–${BATCHING.maxEventsPerRequest} of them.`, [
        { field: 'body', rule: `a JSON object or an array of 1–${BATCHING.maxEventsPerRequest} objects` },
      ]);
    }
    // Every event is checked before the first is written: one that cannot be stored refuses the
    // request whole, so a client's retry cannot duplicate the others.
    items.forEach((item, i) => {
      const field = Array.isArray(body) ? `body[${i}]` : 'body';
      if (!isPlainObject(item))
        throw new ValidationError('Each event must be a JSON object.', [{ field, rule: 'a JSON object' }]);
      // No stored-size limit needed: stored, an event takes at most 1.5 × its JSON, far inside an item.
      assertStorable(item, field);
      const bytes = Buffer.byteLength(JSON.stringify(item));
      if (bytes > BATCHING.maxEventBytes) {
        throw new PayloadTooLargeError(`An event is ${bytes} bytes; the limit is ${BATCHING.maxEventBytes}.`, [
          { field, rule: `at most ${BATCHING.maxEventBytes} bytes` },
        ]);
      }
    });
    const receivedAt = this.deps.clock.now().toISOString();
    const events: StoredEvent[] = items.map((item) => ({
      tenant,
      event_id: newSortableId(),
      received_at: receivedAt,
      body: item,
    }));
    await this.deps.store.append(events);

    const batchSize = this.deps.batchSize ?? BATCHING.batchSize;
    const waiting = await this.deps.store.countWaiting(tenant, batchSize);
    if (waiting >= batchSize) {
      // Size or interval, whichever comes first; a failed trigger only means the schedule flushes.
      await this.deps.trigger
        .trigger(tenant)
        .catch((error: unknown) => this.deps.log.warn('flush trigger failed', { error: String(error) }));
    }
    return events.map((e) => e.event_id);
  }

  async stats(tenant: string): Promise<{ waiting: number; batch_size: number }> {
    return {
      waiting: await this.deps.store.countWaiting(tenant),
      batch_size: this.deps.batchSize ?? BATCHING.batchSize,
    };
  }
}
