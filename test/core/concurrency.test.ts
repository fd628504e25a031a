import { describe, expect, it } from 'vitest';
import { acquireSlots, type ConcurrencySlots, deferralSeconds } from '../../functions/core/concurrency';
import type { Log } from '../../functions/core/ports';
import { FIXED_NOW, taskItem } from '../helpers/factories';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Slots by scope, with a fixed number free per scope. */
class FakeSlots implements ConcurrencySlots {
  readonly held = new Map<string, Set<string>>();
  constructor(private readonly free: Record<string, number>) {}
  async acquire(scope: string, holder: string, limit: number): Promise<boolean> {
    const holders = this.held.get(scope) ?? new Set();
    if (holders.size >= Math.min(limit, this.free[scope] ?? limit)) return false;
    this.held.set(scope, holders.add(holder));
    return true;
  }
  async release(scope: string, holder: string): Promise<void> {
    this.held.get(scope)?.delete(holder);
  }
  count(scope: string): number {
    return this.held.get(scope)?.size ?? 0;
  }
}

const type = (settings: { concurrencyPerKey?: number; concurrencyPerTenant?: number }) => ({
  name: 'generic',
  settings: { timeoutSeconds: 60, ...settings },
});

function deps(slots: ConcurrencySlots, concurrencyKey?: string) {
  return {
    slots,
    reader: { get: async () => taskItem({ id: 't1', tenant: 'acme', concurrency_key: concurrencyKey }) },
    clock: { now: () => FIXED_NOW },
    log: silent,
  };
}

describe('acquireSlots', () => {
  it("takes the tenant's and the key's slot, and gives both back", async () => {
    // Prepare
    const slots = new FakeSlots({});

    // Act
    const release = await acquireSlots(deps(slots, 'customer-42'), {
      tenant: 'acme',
      taskId: 't1',
      type: type({ concurrencyPerKey: 1, concurrencyPerTenant: 5 }),
    });
    const whileHeld = [slots.count('tenant#acme#generic'), slots.count('key#acme#generic#customer-42')];
    await release?.();

    // Assess
    expect(whileHeld).toEqual([1, 1]);
    expect([slots.count('tenant#acme#generic'), slots.count('key#acme#generic#customer-42')]).toEqual([0, 0]);
  });

  it("gives the tenant's slot back when the key has none free, and holds nothing", async () => {
    // Prepare
    const slots = new FakeSlots({ 'key#acme#generic#customer-42': 0 });

    // Act
    const release = await acquireSlots(deps(slots, 'customer-42'), {
      tenant: 'acme',
      taskId: 't1',
      type: type({ concurrencyPerKey: 1, concurrencyPerTenant: 5 }),
    });

    // Assess
    expect(release).toBeUndefined();
    expect(slots.count('tenant#acme#generic')).toBe(0);
  });

  it('takes no key slot for a task without a concurrency_key', async () => {
    // Prepare
    const slots = new FakeSlots({});

    // Act
    const release = await acquireSlots(deps(slots), {
      tenant: 'acme',
      taskId: 't1',
      type: type({ concurrencyPerKey: 1 }),
    });

    // Assess
    expect(release).toBeTypeOf('function');
    expect(slots.held.size).toBe(0);
  });

  it('keeps two tenants apart even under the same key', async () => {
    // Prepare
    const slots = new FakeSlots({});
    const perKey = type({ concurrencyPerKey: 1 });

    // Act
    const acme = await acquireSlots(deps(slots, 'shared'), { tenant: 'acme', taskId: 't1', type: perKey });
    const globex = await acquireSlots(deps(slots, 'shared'), { tenant: 'globex', taskId: 't2', type: perKey });

    // Assess
    expect(acme).toBeTypeOf('function');
    expect(globex).toBeTypeOf('function');
  });
});

describe('deferralSeconds', () => {
  it('spreads deferred deliveries over a range that doubles with each deferral in a row, up to 30 s', () => {
    // Act
    const longest = [0, 1, 2, 3, 4, 10].map((n) => deferralSeconds(n, () => 0.9999));
    const shortest = [0, 10].map((n) => deferralSeconds(n, () => 0));

    // Assess
    expect(longest).toEqual([2, 4, 8, 16, 30, 30]);
    expect(shortest).toEqual([1, 1]);
  });
});
