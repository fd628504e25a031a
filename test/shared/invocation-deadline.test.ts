import { describe, expect, it } from 'vitest';
import { invocationTimeLeftMs, withInvocationDeadline } from '../../functions/shared/invocation-deadline';

describe('invocation deadline', () => {
  it('is unknown outside an invocation', () => {
    expect(invocationTimeLeftMs()).toBeUndefined();
  });

  it('is known to everything the work awaits, each invocation its own', async () => {
    // Act
    const seen = await Promise.all([
      withInvocationDeadline(10_000, async () => {
        await Promise.resolve();
        return invocationTimeLeftMs();
      }),
      withInvocationDeadline(2_000, async () => invocationTimeLeftMs()),
      withInvocationDeadline(undefined, async () => invocationTimeLeftMs()),
    ]);

    // Assess
    expect(seen[0]).toBeGreaterThan(9_000);
    expect(seen[0]).toBeLessThanOrEqual(10_000);
    expect(seen[1]).toBeGreaterThan(1_000);
    expect(seen[1]).toBeLessThanOrEqual(2_000);
    expect(seen[2]).toBeUndefined();
  });
});
