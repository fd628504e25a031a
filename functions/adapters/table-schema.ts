/**
 * The DynamoDB table layout, used by the store, the CDK stack and the local stack alike.
 *
 * One table, partition key `pk` only:
 * - task:    pk = `TASK#<tenant>#<id>`
 * - API key: pk = `KEY#<sha256 of the key>` and `KEYID#<key id>` (id → hash, for revocation)
 * - rate-limit window: pk = `RATE#<tenant>#<window number>` (expires by TTL)
 * - buffered event: pk = `EVT#<tenant>#<event id>`; batch: `BATCH#<tenant>#<batch id>`;
 *   flush lease: `FLUSHLOCK#<tenant>`
 * - schedule: pk = `SCHED#<tenant>#<id>`; the tenant's schedule ids (its cap): `SCHEDIDS#<tenant>`
 * - concurrency slots: pk = `SLOT#tenant#<tenant>#<type>` and `SLOT#key#<tenant>#<type>#<key>` (expire by TTL)
 * Listing queries go through GSIs whose sort key is `<created_at>#<id>`, newest first.
 */
export const TABLE_KEY = 'pk';
/** Epoch-seconds attribute that DynamoDB TTL deletes by. */
export const TTL_ATTRIBUTE = 'expires_at';

export const SORT_ATTRIBUTE = 'list_sk';

/**
 * What the sweeper reads of a task: none of it changes on a progress write, so progress costs the
 * sweep indexes nothing.
 */
const SWEEP_ATTRIBUTES = ['id', 'tenant', 'type', 'status', 'attempts', 'max_attempts', 'webhook', 'webhook_url'];

export const INDEXES = {
  // The listing indexes hold keys only: a progress write changes no projected attribute, so it costs
  // no index writes (with ALL it cost one per index). Listing reads the page's items by key instead.
  /** All tasks of a tenant. */
  byTenant: { name: 'by-tenant', partitionKey: 'tenant_pk', projection: 'KEYS_ONLY' },
  /** Tasks of a tenant in one status. */
  byTenantStatus: { name: 'by-tenant-status', partitionKey: 'tenant_status_pk', projection: 'KEYS_ONLY' },
  /** Tasks of a tenant of one type. */
  byTenantType: { name: 'by-tenant-type', partitionKey: 'tenant_type_pk', projection: 'KEYS_ONLY' },
  /** API keys of a tenant (sorted by creation). */
  keysByTenant: { name: 'keys-by-tenant', partitionKey: 'key_tenant_pk' },
  /** Sparse: tasks not yet terminal, by sweep shard, sorted by when the sweeper should look at them. */
  // (An index's own keys are projected anyway and may not be listed again.)
  sweep: {
    name: 'sweep',
    partitionKey: 'sweep_pk',
    sortKey: 'sweep_at',
    projection: 'INCLUDE',
    nonKeyAttributes: [...SWEEP_ATTRIBUTES, 'webhook_sweep_at'],
  },
  /**
   * Buffered events by buffer shard, sorted by `<tenant>#<event id>` (arrival order per tenant).
   * Keys only: the flush reads the events themselves with a consistent BatchGetItem.
   */
  eventsWaiting: {
    name: 'events-waiting',
    partitionKey: 'evt_wait_pk',
    sortKey: 'evt_wait_sk',
    projection: 'KEYS_ONLY',
  },
  /**
   * Sparse: tasks with a webhook whose delivery is not settled. The partition key is set at creation
   * (only for tasks with a webhook_url), the sort key when the task ends.
   */
  webhookSweep: {
    name: 'webhook-sweep',
    partitionKey: 'wh_sweep_pk',
    sortKey: 'webhook_sweep_at',
    projection: 'INCLUDE',
    nonKeyAttributes: [...SWEEP_ATTRIBUTES, 'sweep_at'],
  },
  /** Batches of a tenant, newest first. */
  batchesByTenant: { name: 'batches-by-tenant', partitionKey: 'batch_tenant_pk' },
  /**
   * Sparse: enabled schedules by scheduler shard, sorted by their next fire time (core/schedule-firing.ts).
   * A tenant's schedules are listed through `by-tenant` under their own partition (schedulesPk), so a
   * deployed table gains one index, the most one CloudFormation update may add.
   */
  schedulesDue: {
    name: 'schedules-due',
    partitionKey: 'sched_due_pk',
    sortKey: 'next_run_at',
    projection: 'INCLUDE',
    nonKeyAttributes: ['tenant', 'id'],
  },
} as const;

export const GSI_DEFINITIONS = Object.values(INDEXES).map((index) => ({
  indexName: index.name,
  partitionKey: index.partitionKey,
  sortKey: 'sortKey' in index ? index.sortKey : SORT_ATTRIBUTE,
  projection: ('projection' in index ? index.projection : 'ALL') as 'ALL' | 'KEYS_ONLY' | 'INCLUDE',
  nonKeyAttributes: 'nonKeyAttributes' in index ? [...index.nonKeyAttributes] : undefined,
}));

export const taskKey = (tenant: string, id: string): string => `TASK#${tenant}#${id}`;
export const apiKeyKey = (hash: string): string => `KEY#${hash}`;
export const tenantPk = (tenant: string): string => tenant;
export const tenantStatusPk = (tenant: string, status: string): string => `${tenant}#${status}`;
export const tenantTypePk = (tenant: string, type: string): string => `${tenant}#${type}`;
export const listSortKey = (createdAt: string, id: string): string => `${createdAt}#${id}`;
export const sweepPk = (shard: number): string => `SWEEP#${shard}`;
export const webhookSweepPk = (shard: number): string => `WHSWEEP#${shard}`;
export const eventKey = (tenant: string, eventId: string): string => `EVT#${tenant}#${eventId}`;
export const eventWaitPk = (shard: number): string => `EVTWAIT#${shard}`;
export const eventWaitSk = (tenant: string, eventId: string): string => `${tenant}#${eventId}`;
export const batchKey = (tenant: string, batchId: string): string => `BATCH#${tenant}#${batchId}`;
export const flushLockKey = (tenant: string): string => `FLUSHLOCK#${tenant}`;
export const webhookSecretKey = (tenant: string): string => `WHSECRET#${tenant}`;
export const apiKeyIdKey = (keyId: string): string => `KEYID#${keyId}`;
export const rateWindowKey = (tenant: string, window: number): string => `RATE#${tenant}#${window}`;
/** A concurrency scope's slots (core/concurrency.ts: `tenant#…` or `key#…`). */
export const slotKey = (scope: string): string => `SLOT#${scope}`;
export const scheduleKey = (tenant: string, id: string): string => `SCHED#${tenant}#${id}`;
/** The `by-tenant` partition of a tenant's schedules: tenant names hold no `#`, so it never meets a tenant's tasks. */
export const schedulesPk = (tenant: string): string => `SCHED#${tenant}`;
export const scheduleIdsKey = (tenant: string): string => `SCHEDIDS#${tenant}`;
export const scheduleDuePk = (shard: number): string => `SCHEDDUE#${shard}`;
