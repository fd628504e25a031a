import { shardOf } from '../core/ids';

/** Batching settings, in one place. */
export const BATCHING = {
  /** Events per batch at most; also the buffer size that triggers an early flush. */
  batchSize: 10,
  /** Events per POST /events request at most (array form). */
  maxEventsPerRequest: 100,
  /** Serialized size of one event at most. */
  maxEventBytes: 64 * 1024,
  /** Buffer shards of the waiting-events index, so no single index partition takes every write. */
  shards: 4,
  /** A flusher's hold on a tenant; a crashed flusher's tenant is picked up after this. */
  lockLeaseSeconds: 60,
  /** Batches one run writes per tenant at most, to stay inside the function timeout. */
  maxBatchesPerTenantPerRun: 50,
} as const;

/** The buffer shard of a tenant (stable), so a tenant's events stay in order in one partition. */
export function eventShard(tenant: string): number {
  return shardOf(tenant, BATCHING.shards);
}
