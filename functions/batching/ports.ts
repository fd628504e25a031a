import type { Page } from '../core/ports';
import type { Batch, BatchStatus, StoredEvent } from './model';

/** The durable event buffer and batch records. */
export interface EventStore {
  /** Stores events (all or nothing from the caller's view: it retries unprocessed items). */
  append(events: StoredEvent[]): Promise<void>;
  /** Waiting events of a tenant, counted up to `upTo` (cheap: keys only). */
  countWaiting(tenant: string, upTo?: number): Promise<number>;
  /** Tenants with waiting events in one buffer shard. */
  tenantsWithWaiting(shard: number): Promise<string[]>;
  /** The tenant's oldest waiting events, in arrival order. */
  oldestWaiting(tenant: string, limit: number): Promise<StoredEvent[]>;
  getEvents(tenant: string, ids: readonly string[]): Promise<StoredEvent[]>;
  deleteEvents(tenant: string, ids: readonly string[]): Promise<void>;
  /** One flusher per tenant at a time: a lease that expires if its holder dies; its holder may renew it. */
  acquireLock(tenant: string, owner: string, now: Date, leaseSeconds: number): Promise<boolean>;
  releaseLock(tenant: string, owner: string): Promise<void>;
  putBatch(batch: Batch): Promise<void>;
  /** Moves a batch on, only from the expected status. */
  advanceBatch(
    tenant: string,
    batchId: string,
    from: BatchStatus,
    to: BatchStatus,
    set: Partial<Batch>,
  ): Promise<boolean>;
  /** The tenant's newest batch (the only one that can be unfinished). */
  latestBatch(tenant: string): Promise<Batch | undefined>;
  getBatch(tenant: string, batchId: string): Promise<Batch | undefined>;
  listBatches(tenant: string, limit: number, cursor?: string): Promise<Page<Batch>>;
}

/** Where a batch goes: one NDJSON object per batch. */
export interface BatchSink {
  /** Writes the batch's events; idempotent (the same key is overwritten with the same content). */
  write(batch: Batch, events: StoredEvent[]): Promise<{ bucket: string; key: string }>;
}

/** Asks for a flush soon (a full batch is waiting); never throws into the caller. */
export interface FlushTrigger {
  trigger(tenant: string): Promise<void>;
}
