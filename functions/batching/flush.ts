import { randomUUID } from 'node:crypto';
import { newSortableId } from '../core/ids';
import type { Clock, Log } from '../core/ports';
import { batchObjectKey, type Batch, type StoredEvent } from './model';
import type { BatchSink, EventStore } from './ports';
import { BATCHING } from './settings';

/** The steps of a batch, named so tests can crash a flush between them. */
export type FlushStep = 'claimed' | 'written';

export interface FlushDeps {
  store: EventStore;
  sink: BatchSink;
  clock: Clock;
  log: Log;
  bucket: string;
  batchSize?: number;
  /** Test hook: called after each step; throwing there simulates a crash at that point. */
  afterStep?: (step: FlushStep, batch: Batch) => void;
  /** Reports the age of the oldest waiting event seen (seconds), for the alarm. */
  reportOldestAge?: (seconds: number) => void;
}

export interface FlushReport {
  tenants: number;
  batches: number;
  events: number;
  /** Tenants another flusher held. */
  skipped: number;
}

/**
 * Drains the event buffer into batches of at most `batchSize`, oldest first. One flusher per tenant
 * holds a lease; a batch is recorded with its event ids before anything is written, so a flusher
 * that dies at any point leaves a batch the next holder finishes: write (same key, same bytes),
 * mark, remove its events. Events leave the buffer only after their batch is written, so none is
 * lost, and an event is listed by exactly one batch, so none is written twice.
 */
export async function flush(deps: FlushDeps, only?: { tenant: string }): Promise<FlushReport> {
  const report: FlushReport = { tenants: 0, batches: 0, events: 0, skipped: 0 };
  const tenants = only ? [only.tenant] : await allTenantsWithWaiting(deps.store);
  let oldestAge = 0;
  for (const tenant of tenants) {
    const owner = randomUUID();
    if (!(await deps.store.acquireLock(tenant, owner, deps.clock.now(), BATCHING.lockLeaseSeconds))) {
      report.skipped++;
      continue;
    }
    report.tenants++;
    try {
      const latest = await deps.store.latestBatch(tenant);
      if (latest && latest.status !== 'done') {
        deps.log.warn('finishing a batch an earlier flush left unfinished', {
          batch_id: latest.batch_id,
          status: latest.status,
        });
        await finishBatch(deps, latest, await deps.store.getEvents(tenant, latest.event_ids));
        report.batches++;
        report.events += latest.size;
      }
      for (let n = 0; n < BATCHING.maxBatchesPerTenantPerRun; n++) {
        // Renew the lease before each new batch; a holder that lost it (stalled past the lease) stops.
        if (n > 0 && !(await deps.store.acquireLock(tenant, owner, deps.clock.now(), BATCHING.lockLeaseSeconds))) break;
        const events = await deps.store.oldestWaiting(tenant, deps.batchSize ?? BATCHING.batchSize);
        if (events.length === 0) break;
        if (n === 0)
          oldestAge = Math.max(oldestAge, (deps.clock.now().getTime() - Date.parse(events[0]!.received_at)) / 1000);
        const batch = await claim(deps, tenant, events);
        await finishBatch(deps, batch, events);
        report.batches++;
        report.events += events.length;
      }
    } finally {
      await deps.store.releaseLock(tenant, owner);
    }
  }
  deps.reportOldestAge?.(Math.round(oldestAge));
  if (report.batches > 0) deps.log.info('flush finished', { ...report });
  return report;
}

async function allTenantsWithWaiting(store: EventStore): Promise<string[]> {
  const tenants: string[] = [];
  for (let shard = 0; shard < BATCHING.shards; shard++) tenants.push(...(await store.tenantsWithWaiting(shard)));
  return tenants;
}

async function claim(deps: FlushDeps, tenant: string, events: StoredEvent[]): Promise<Batch> {
  const now = deps.clock.now().toISOString();
  const batchId = newSortableId();
  const base = { batch_id: batchId, tenant, created_at: now };
  const batch: Batch = {
    ...base,
    size: events.length,
    first_event_at: events[0]!.received_at,
    last_event_at: events.at(-1)!.received_at,
    updated_at: now,
    status: 'claimed',
    event_ids: events.map((e) => e.event_id),
    sinks: { s3: { status: 'pending', bucket: deps.bucket, key: batchObjectKey(base) } },
  };
  await deps.store.putBatch(batch);
  deps.afterStep?.('claimed', batch);
  return batch;
}

/** From `claimed` or `written` to `done`; every step is safe to repeat. */
async function finishBatch(deps: FlushDeps, batch: Batch, events: StoredEvent[]): Promise<void> {
  let current = batch;
  if (current.status === 'claimed') {
    // A resumed batch whose events were already removed cannot happen: removal follows `written`.
    const ordered = current.event_ids
      .map((id) => events.find((e) => e.event_id === id))
      .filter((e): e is StoredEvent => e !== undefined);
    const { bucket, key } = await deps.sink.write(current, ordered);
    const writtenAt = deps.clock.now().toISOString();
    const sinks = { s3: { status: 'written' as const, bucket, key, written_at: writtenAt } };
    await deps.store.advanceBatch(current.tenant, current.batch_id, 'claimed', 'written', {
      sinks,
      updated_at: writtenAt,
    });
    current = { ...current, status: 'written', sinks };
    deps.afterStep?.('written', current);
  }
  if (current.status === 'written') {
    await deps.store.deleteEvents(current.tenant, current.event_ids);
    await deps.store.advanceBatch(current.tenant, current.batch_id, 'written', 'done', {
      updated_at: deps.clock.now().toISOString(),
    });
  }
}
