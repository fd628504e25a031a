import type { Clock, Log, TaskReader } from './ports';
import type { TaskTypeSettings } from './task-type-settings';

/**
 * Slots that cap how many tasks of one scope run at once. A slot is held under a lease: a holder
 * that dies without releasing it loses it when the lease ends, so a scope never blocks for longer
 * than one attempt's bound.
 */
export interface ConcurrencySlots {
  /** Takes a slot of `scope` for `holder` until `leaseUntil` unless `limit` live holders have one; true when taken (or held already). */
  acquire(scope: string, holder: string, limit: number, leaseUntil: Date): Promise<boolean>;
  release(scope: string, holder: string): Promise<void>;
}

export const CONCURRENCY = {
  /** Longest `concurrency_key` (characters). */
  maxKeyLength: 128,
  /** Bounds of the per-type settings concurrencyPerKey and concurrencyPerTenant. */
  minLimit: 1,
  maxLimit: 1000,
  /**
   * A delivery over its limit comes back after 1 s to `maxDeferSeconds`, at random: the range doubles with each
   * deferral in a row (2, 4, 8 … s), so a tenant far over its cap costs a few deferrals per task, not one a second.
   */
  maxDeferSeconds: 30,
  /** A lease outlives the attempt's timeout by this much: time to write the outcome and release. */
  leaseMarginSeconds: 60,
} as const;

/** The slot scope of a tenant's running tasks of one type. */
export function tenantScope(tenant: string, type: string): string {
  return `tenant#${tenant}#${type}`;
}

/** The slot scope of one concurrency key; keys are the tenant's own, so two tenants' equal keys never share slots. */
export function keyScope(tenant: string, type: string, key: string): string {
  return `key#${tenant}#${type}#${key}`;
}

export interface SlotRequest {
  tenant: string;
  taskId: string;
  type: {
    name: string;
    settings: Pick<TaskTypeSettings, 'timeoutSeconds' | 'concurrencyPerKey' | 'concurrencyPerTenant'>;
  };
}

/** Whether tasks of this type are capped at all (no reads, no slot writes otherwise). */
export function isCapped(settings: Pick<TaskTypeSettings, 'concurrencyPerKey' | 'concurrencyPerTenant'>): boolean {
  return settings.concurrencyPerKey !== undefined || settings.concurrencyPerTenant !== undefined;
}

/**
 * Takes the slots a task needs before its attempt starts: its tenant's (concurrencyPerTenant) and
 * its key's (concurrencyPerKey, when the task has a `concurrency_key`). Returns the release to call
 * when the attempt has ended, or undefined when a limit is reached (nothing is held then).
 */
export async function acquireSlots(
  deps: { slots: ConcurrencySlots; reader: TaskReader; clock: Clock; log: Log },
  request: SlotRequest,
): Promise<(() => Promise<void>) | undefined> {
  const { tenant, taskId, type } = request;
  const { concurrencyPerKey, concurrencyPerTenant } = type.settings;
  const wanted: Array<{ scope: string; limit: number }> = [];
  if (concurrencyPerTenant !== undefined)
    wanted.push({ scope: tenantScope(tenant, type.name), limit: concurrencyPerTenant });
  if (concurrencyPerKey !== undefined) {
    // The key is on the record, not the message: messages re-sent by the sweeper carry only the task's key.
    const task = await deps.reader.get(tenant, taskId);
    if (task?.concurrency_key)
      wanted.push({ scope: keyScope(tenant, type.name, task.concurrency_key), limit: concurrencyPerKey });
  }
  // One holder per delivery, not per task: a duplicate delivery that loses the start releases its own slot only.
  const holder = `${taskId}.${Math.random().toString(36).slice(2, 10)}`;
  const leaseUntil = new Date(
    deps.clock.now().getTime() + (type.settings.timeoutSeconds + CONCURRENCY.leaseMarginSeconds) * 1000,
  );
  const held: string[] = [];
  const release = async () => {
    await Promise.all(
      held.map((scope) =>
        deps.slots.release(scope, holder).catch((error: unknown) => {
          // The lease frees it in bounded time anyway.
          deps.log.warn('could not release a concurrency slot; its lease will', { scope, error: String(error) });
        }),
      ),
    );
  };
  for (const { scope, limit } of wanted) {
    if (!(await deps.slots.acquire(scope, holder, limit, leaseUntil))) {
      await release();
      deps.log.info('concurrency limit reached; delivery deferred', { scope, limit });
      return undefined;
    }
    held.push(scope);
  }
  return release;
}

/** How long a delivery over its limit waits (whole seconds): full jitter over a range that doubles per deferral in a row. */
export function deferralSeconds(deferrals: number, random: () => number = Math.random): number {
  const range = Math.min(2 ** (deferrals + 1), CONCURRENCY.maxDeferSeconds);
  return 1 + Math.floor(random() * range);
}
