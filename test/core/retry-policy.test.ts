import { describe, expect, it } from 'vitest';
import {
  MAX_VISIBILITY_SECONDS,
  RECEIVE_MARGIN_SECONDS,
  backoffSeconds,
  decideAfterFailure,
  maxRetryDelaySeconds,
} from '../../functions/core/retry-policy';

const low = () => 0;
const high = () => 1;

describe('backoffSeconds', () => {
  it.each([
    { failedAttempt: 1, expected: 2 },
    { failedAttempt: 2, expected: 4 },
    { failedAttempt: 3, expected: 8 },
    { failedAttempt: 4, expected: 16 },
    { failedAttempt: 5, expected: 32 },
  ])(
    'doubles the ceiling per attempt: attempt $failedAttempt → $expected s at full jitter',
    ({ failedAttempt, expected }) => {
      // Act
      const delay = backoffSeconds(failedAttempt, { baseSeconds: 2, capSeconds: 1_000 }, high);

      // Assess
      expect(delay).toBe(expected);
    },
  );

  it.each([
    { failedAttempt: 1, expected: 1 },
    { failedAttempt: 2, expected: 2 },
    { failedAttempt: 3, expected: 4 },
    { failedAttempt: 4, expected: 8 },
  ])(
    'keeps half the ceiling fixed: attempt $failedAttempt → $expected s with random 0',
    ({ failedAttempt, expected }) => {
      // Act
      const delay = backoffSeconds(failedAttempt, { baseSeconds: 2, capSeconds: 1_000 }, low);

      // Assess
      expect(delay).toBe(expected);
    },
  );

  it.each([
    { failedAttempt: 3, random: high, expected: 40 },
    { failedAttempt: 4, random: high, expected: 60 },
    { failedAttempt: 4, random: low, expected: 30 },
    { failedAttempt: 30, random: high, expected: 60 },
    { failedAttempt: 1_000, random: high, expected: 60 },
  ])('caps the ceiling at capSeconds: attempt $failedAttempt → $expected s', ({ failedAttempt, random, expected }) => {
    // Act
    const delay = backoffSeconds(failedAttempt, { baseSeconds: 10, capSeconds: 60 }, random);

    // Assess
    expect(delay).toBe(expected);
  });

  it.each([0, 0.1, 0.25, 0.5, 0.75, 0.999_999, 1])('stays within [ceiling/2, ceiling] for random() = %s', (r) => {
    // Prepare
    const settings = { baseSeconds: 5, capSeconds: 300 };
    const ceiling = 5 * 2 ** 3;

    // Act
    const delay = backoffSeconds(4, settings, () => r);

    // Assess
    expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
    expect(delay).toBeLessThanOrEqual(ceiling);
    expect(Number.isInteger(delay)).toBe(true);
  });

  it('spreads delays with the default random source but never leaves the jitter bounds', () => {
    // Act
    const delays = Array.from({ length: 200 }, () => backoffSeconds(6, { baseSeconds: 10, capSeconds: 10_000 }));

    // Assess
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(160);
    expect(Math.max(...delays)).toBeLessThanOrEqual(320);
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it.each([
    { baseSeconds: 1, random: low, label: 'half of a 1 s ceiling' },
    { baseSeconds: 0.5, random: low, label: 'a quarter second' },
    { baseSeconds: 0, random: high, label: 'a zero base' },
  ])('never returns less than 1 s ($label)', ({ baseSeconds, random }) => {
    // Act
    const delay = backoffSeconds(1, { baseSeconds, capSeconds: 60 }, random);

    // Assess
    expect(delay).toBe(1);
  });

  it('is bounded by capSeconds only: what SQS can hold is decided per use', () => {
    expect(backoffSeconds(20, { baseSeconds: 3_600, capSeconds: 86_400 }, high)).toBe(86_400);
  });
});

describe('decideAfterFailure', () => {
  const settings = { backoff: { baseSeconds: 4, capSeconds: 100 }, timeoutSeconds: 60 };

  it.each([
    { attempt: 1, maxAttempts: 5, permanent: true, case: 'a permanent error on the first attempt' },
    { attempt: 4, maxAttempts: 5, permanent: true, case: 'a permanent error before the last attempt' },
    { attempt: 5, maxAttempts: 5, permanent: false, case: 'a retryable error on the last attempt' },
    { attempt: 7, maxAttempts: 5, permanent: false, case: 'a delivery beyond max attempts' },
    { attempt: 1, maxAttempts: 1, permanent: false, case: 'a type with a single attempt' },
  ])('fails the task after $case', ({ attempt, maxAttempts, permanent }) => {
    // Act
    const decision = decideAfterFailure(attempt, maxAttempts, permanent, settings, high);

    // Assess
    expect(decision).toEqual({ action: 'fail' });
  });

  it.each([
    { attempt: 1, maxAttempts: 5, random: high, delaySeconds: 4 },
    { attempt: 2, maxAttempts: 5, random: high, delaySeconds: 8 },
    { attempt: 4, maxAttempts: 5, random: high, delaySeconds: 32 },
    { attempt: 4, maxAttempts: 5, random: low, delaySeconds: 16 },
    { attempt: 9, maxAttempts: 10, random: high, delaySeconds: 100 },
  ])(
    'retries attempt $attempt of $maxAttempts after $delaySeconds s',
    ({ attempt, maxAttempts, random, delaySeconds }) => {
      // Act
      const decision = decideAfterFailure(attempt, maxAttempts, false, settings, random);

      // Assess
      expect(decision).toEqual({ action: 'retry', delaySeconds });
    },
  );

  it.each([
    { timeoutSeconds: 30, capSeconds: 86_400, random: high, delaySeconds: 43_110 },
    { timeoutSeconds: 30, capSeconds: 86_400, random: low, delaySeconds: 43_110 },
    { timeoutSeconds: 900, capSeconds: 43_200, random: high, delaySeconds: 42_240 },
    { timeoutSeconds: 900, capSeconds: 1_000_000, random: high, delaySeconds: 42_240 },
  ])(
    'asks for no more than SQS still holds after an attempt that ran its whole timeout ($timeoutSeconds s, cap $capSeconds s → $delaySeconds s)',
    ({ timeoutSeconds, capSeconds, random, delaySeconds }) => {
      // Act
      const decision = decideAfterFailure(
        20,
        30,
        false,
        { backoff: { baseSeconds: 3_600, capSeconds }, timeoutSeconds },
        random,
      );

      // Assess: 12 h from the receive, less the attempt and the receive margin.
      expect(decision).toEqual({ action: 'retry', delaySeconds });
      expect(delaySeconds).toBe(MAX_VISIBILITY_SECONDS - timeoutSeconds - 60);
    },
  );
});

describe('maxRetryDelaySeconds', () => {
  it.each([
    [30, 43_110],
    [60, 43_080],
    [900, 42_240],
  ])('leaves a worker with a %i s timeout %i s', (timeoutSeconds, seconds) => {
    expect(RECEIVE_MARGIN_SECONDS).toBe(60);
    expect(maxRetryDelaySeconds(timeoutSeconds)).toBe(seconds);
  });
});
