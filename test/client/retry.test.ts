import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, sleep } from '../../client/src/retry';

const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1_000 };
const highest = () => 0.999_999;

describe('backoffDelayMs', () => {
  it.each([
    { retry: 0, cap: 100 },
    { retry: 1, cap: 200 },
    { retry: 2, cap: 400 },
    { retry: 3, cap: 800 },
    { retry: 4, cap: 1_000 },
    { retry: 20, cap: 1_000 },
  ])('waits up to $cap ms before retry $retry: doubling, bounded by maxDelayMs', ({ retry, cap }) => {
    // Act
    const longest = backoffDelayMs(policy, retry, highest);
    const shortest = backoffDelayMs(policy, retry, () => 0);

    // Assess
    expect(longest).toBe(cap - 1);
    expect(shortest).toBe(0);
  });

  it('spreads the waits of clients that failed together (full jitter)', () => {
    // Act
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelayMs(policy, 3)));

    // Assess
    expect(waits.size).toBeGreaterThan(25);
    for (const wait of waits) expect(wait).toBeLessThan(800);
  });
});

describe('sleep', () => {
  it("rejects with the signal's reason when aborted while waiting", async () => {
    // Prepare
    const controller = new AbortController();
    const reason = new Error('stop');

    // Act
    const waiting = sleep(60_000, controller.signal);
    controller.abort(reason);

    // Assess
    await expect(waiting).rejects.toBe(reason);
  });
});
