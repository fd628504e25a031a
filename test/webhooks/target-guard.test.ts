import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../functions/core/errors';
import { DeliveryNetworkError } from '../../functions/webhooks/http-delivery';
import { BlockedTargetError, checkWebhookUrl, resolveCheckedTarget } from '../../functions/webhooks/target-guard';

const aws = { allowedSchemes: ['https'], allowLoopback: false };
const local = { allowedSchemes: ['http', 'https'], allowLoopback: true };

describe('checkWebhookUrl', () => {
  it.each([
    ['https://hooks.example.com/tasklane', aws],
    ['https://93.184.216.34/hook', aws],
    ['http://127.0.0.1:8080/hook', local],
    ['http://localhost:8080/hook', local],
  ])('accepts %s', (url, policy) => {
    expect(checkWebhookUrl(url, policy).href).toBe(new URL(url).href);
  });

  it.each([
    ['http://hooks.example.com/', 'scheme one of: https'],
    ['https://10.1.2.3/', 'a public address'],
    ['https://172.16.0.1/', 'a public address'],
    ['https://192.168.1.1/', 'a public address'],
    ['https://169.254.169.254/latest/meta-data', 'a public address'],
    ['https://127.0.0.1/', 'a public address'],
    ['https://[::1]/', 'a public address'],
    ['https://[fd00:ec2::254]/', 'a public address'],
    ['https://[::ffff:10.0.0.1]/', 'a public address'],
    ['https://0.0.0.0/', 'a public address'],
    ['https://100.64.0.1/', 'a public address'],
    ['https://localhost/', 'a public host'],
    ['https://metadata.google.internal/', 'a public host'],
    ['https://user:pass@example.com/', 'no user:password@'],
    ['not a url', 'an absolute URL'],
  ])('refuses %s (%s)', (url, rule) => {
    let error: unknown;
    try {
      checkWebhookUrl(url, aws);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'webhook_url', rule }]);
  });
});

describe('resolveCheckedTarget', () => {
  it('pins a literal public address without a lookup', async () => {
    const target = await resolveCheckedTarget('https://93.184.216.34/hook', aws);
    expect(target).toMatchObject({ address: '93.184.216.34', family: 4 });
  });

  it('refuses a host name when any address it resolves to is private (a mixed answer included)', async () => {
    const resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(resolveCheckedTarget('https://rebind.example.com/hook', aws, resolver)).rejects.toThrow(/10\.0\.0\.5/);
    await expect(resolveCheckedTarget('https://rebind.example.com/hook', aws, resolver)).rejects.toBeInstanceOf(BlockedTargetError);
  });

  it('refuses an internal host name before any lookup', async () => {
    await expect(resolveCheckedTarget('https://localhost:8443/hook', aws)).rejects.toBeInstanceOf(BlockedTargetError);
  });

  it('turns a failed lookup into a retryable network error', async () => {
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(resolveCheckedTarget('https://nowhere.example.com/hook', aws, failing)).rejects.toBeInstanceOf(DeliveryNetworkError);
  });

  it('allows loopback only where the policy says so, and connects to the checked address', async () => {
    const target = await resolveCheckedTarget('http://127.0.0.1:9/hook', local);
    expect(target.address).toBe('127.0.0.1');
  });
});
