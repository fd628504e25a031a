import { describe, expect, it } from 'vitest';
import { retryAfterSeconds } from '../../client/src/errors';

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-12-01T18:00:00Z');

  it.each([
    { header: '3', expected: 3 },
    { header: ' 0 ', expected: 0 },
    { header: 'Tue, 01 Dec 2026 18:00:30 GMT', expected: 30 },
    { header: 'Tue, 01 Dec 2026 17:59:00 GMT', expected: 0 },
    { header: 'soon', expected: undefined },
    { header: '-5', expected: undefined },
    { header: null, expected: undefined },
  ])('reads Retry-After $header as $expected s', ({ header, expected }) => {
    // Act
    const seconds = retryAfterSeconds(header, now);

    // Assess
    expect(seconds).toBe(expected);
  });
});
