import { createHash } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const nextUlid = monotonicFactory();

/**
 * A new record id (tasks, events, batches, uploads): a ULID, so ids sort by creation time and two
 * ids minted in the same millisecond still sort in the order they were minted.
 */
export function newSortableId(): string {
  return nextUlid();
}

/** Task ids are ULIDs or UUIDs (derived ids); anything else cannot exist, and is not worth a read. */
export const TASK_ID_PATTERN = /^[0-9A-Za-z-]{1,64}$/;

/** A stable hash of a key into `shards` buckets (the sweep and event-buffer shards). */
export function shardOf(key: string, shards: number): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return hash % shards;
}

/**
 * The task id for an idempotent create: derived from tenant and key, so a repeated request
 * addresses the same record and a conditional put settles any race (no transaction needed).
 */
export function idempotentTaskId(tenant: string, idempotencyKey: string): string {
  return derivedUuid(`${tenant}\u0000${idempotencyKey}`);
}

/**
 * The id of the task an import creates from one CSV line: the same for every attempt of that
 * import, so a retried import finds the rows it already created instead of creating them again.
 * A separator no HTTP header can carry keeps it apart from any Idempotency-Key's id.
 */
export function importedTaskId(tenant: string, importTaskId: string, line: number): string {
  return derivedUuid(`${tenant}\u0000\u0001import\u0000${importTaskId}\u0000${line}`);
}

/**
 * The id of the task one firing of a schedule creates: derived from tenant, schedule and fire time,
 * so a firing processed twice (two scheduler runs, a retry after a crash) addresses the same record
 * and its conditional put creates one task.
 */
export function scheduledTaskId(tenant: string, scheduleId: string, fireAt: string): string {
  return derivedUuid(`${tenant}\u0000\u0001schedule\u0000${scheduleId}\u0000${fireAt}`);
}

/**
 * The id of the child a task spawns under a step name (ctx.spawn): the same on every replay of the
 * parent, so a replayed spawn finds its child instead of creating another.
 */
export function childTaskId(tenant: string, parentId: string, step: string): string {
  return derivedUuid(`${tenant}\u0000\u0001child\u0000${parentId}\u0000${step}`);
}

/** SHA-256 of `name`, formatted as an RFC 9562 version-8 (custom) UUID. */
function derivedUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex').slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** A stable fingerprint of a create request, to tell a replay from a different request with the same key. */
export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
