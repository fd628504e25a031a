import { describe, expect, it } from 'vitest';
import { classifyStatus, deliveryDelaySeconds } from '../../functions/webhooks/delivery-policy';
import { parseRetryAfter } from '../../functions/webhooks/http-delivery';

describe('classifyStatus', () => {
  it.each([
    [200, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'retry'],
    [302, 'retry'],
    [400, 'give_up'],
    [401, 'give_up'],
    [404, 'give_up'],
    [408, 'retry'],
    [409, 'retry'],
    [410, 'give_up'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
  ])('treats HTTP %i as %s', (status, verdict) => {
    expect(classifyStatus(status)).toBe(verdict);
  });
});

describe('deliveryDelaySeconds', () => {
  const backoff = { baseSeconds: 10, capSeconds: 3600 };

  it('honours a Retry-After within the bound', () => {
    expect(deliveryDelaySeconds(3, backoff, 42, 600)).toBe(42);
  });

  it('falls back to backoff for a Retry-After beyond the bound, or none', () => {
    expect(deliveryDelaySeconds(3, backoff, 10_000, 600, () => 1)).toBe(40);
    expect(deliveryDelaySeconds(1, backoff, undefined, 600, () => 0)).toBe(5);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-28T00:00:00Z');

  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['Sat, 28 Nov 2026 00:01:00 GMT', 60],
    ['Fri, 27 Nov 2026 23:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('reads %j as %j seconds', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});
