import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../functions/core/errors';
import { BlockedTargetError, DeliveryNetworkError } from '../../functions/webhooks/errors';
import { checkWebhookUrl, resolveCheckedTarget } from '../../functions/webhooks/target-guard';

const aws = { allowedSchemes: ['https'], allowLoopback: false };
/** AWS with http allowed too (TASKLANE_WEBHOOK_SCHEMES=http,https): loopback is still refused. */
const awsHttp = { allowedSchemes: ['http', 'https'], allowLoopback: false };
const local = { allowedSchemes: ['http', 'https'], allowLoopback: true };

/** Private, loopback and metadata addresses spelled as IPv6 addresses that embed them. */
const DISGUISED_ADDRESSES = [
  ['http://[::7f00:1]:4150/', 'IPv4-compatible 127.0.0.1'],
  ['http://[::127.0.0.1]:4150/', 'IPv4-compatible 127.0.0.1, dotted'],
  ['http://[0:0:0:0:0:0:7f00:1]/', 'IPv4-compatible 127.0.0.1, in full'],
  ['http://[::a9fe:a9fe]/', 'IPv4-compatible 169.254.169.254 (instance metadata)'],
  ['http://[::a00:1]/', 'IPv4-compatible 10.0.0.1'],
  ['http://[::5db8:d822]/', 'IPv4-compatible, even of a public address (deprecated, never routed)'],
  ['http://[::ffff:7f00:1]/', 'IPv4-mapped 127.0.0.1'],
  ['http://[::ffff:169.254.169.254]/', 'IPv4-mapped 169.254.169.254'],
  ['http://[::ffff:0:a9fe:a9fe]/', 'IPv4-translated 169.254.169.254 (RFC 6145)'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'NAT64 169.254.169.254'],
  ['http://[64:ff9b::7f00:1]/', 'NAT64 127.0.0.1'],
  ['http://[64:ff9b::c0a8:101]/', 'NAT64 192.168.1.1'],
  ['http://[64:ff9b:1::a00:1]/', 'local-use NAT64 10.0.0.1 (RFC 8215)'],
  ['http://[2002:a9fe:a9fe::1]/', '6to4 169.254.169.254'],
  ['http://[2002:7f00:1::1]/', '6to4 127.0.0.1'],
  ['http://[2002:c0a8:101::1]/', '6to4 192.168.1.1'],
  ['http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/', 'Teredo'],
  ['http://[fe80::1]/', 'IPv6 link-local'],
] as const;

/** Internal host names written with the trailing dot of a fully qualified name. */
const DOTTED_INTERNAL_NAMES = [
  'http://localhost.:4150/',
  'http://localhost../',
  'http://LOCALHOST./',
  'http://api.localhost./',
  'http://metadata.google.internal./',
  'http://ip-10-0-0-1.ec2.internal./',
  'http://printer.local./',
] as const;

/** What checkWebhookUrl threw, or undefined. */
function refusal(url: string, policy: typeof aws): unknown {
  try {
    checkWebhookUrl(url, policy);
  } catch (caught) {
    return caught;
  }
  return undefined;
}

describe('checkWebhookUrl', () => {
  it.each([
    ['https://hooks.example.com/tasklane', aws],
    ['https://93.184.216.34/hook', aws],
    ['http://127.0.0.1:8080/hook', local],
    ['http://localhost:8080/hook', local],
    ['http://localhost.:8080/hook', local],
    ['https://hooks.example.com./tasklane', aws],
    ['https://[2606:4700:4700::1111]/hook', aws],
    ['https://[::ffff:93.184.216.34]/hook', aws],
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
    const error = refusal(url, aws);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'webhook_url', rule }]);
  });

  it.each(DISGUISED_ADDRESSES)('refuses %s (%s)', (url) => {
    const error = refusal(url, awsHttp);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'webhook_url', rule: 'a public address' }]);
  });

  it.each(DOTTED_INTERNAL_NAMES)('refuses the internal name %s despite its trailing dot', (url) => {
    const error = refusal(url, awsHttp);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details).toEqual([{ field: 'webhook_url', rule: 'a public host' }]);
  });

  it.each([
    'http://[::7f00:1]:4150/',
    'http://[::ffff:0:7f00:1]/',
    'http://[64:ff9b::7f00:1]/',
    'http://[2002:7f00:1::1]/',
  ])(
    'refuses %s even where loopback is allowed: only 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104 are loopback',
    (url) => {
      expect(refusal(url, local)).toBeInstanceOf(ValidationError);
    },
  );
});

describe('resolveCheckedTarget', () => {
  it('pins a literal public address without a lookup', async () => {
    const target = await resolveCheckedTarget('https://93.184.216.34/hook', aws);
    expect(target.addresses).toEqual([{ address: '93.184.216.34', family: 4 }]);
  });

  it('refuses a host name when any address it resolves to is private (a mixed answer included)', async () => {
    const resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    await expect(resolveCheckedTarget('https://rebind.example.com/hook', aws, resolver)).rejects.toThrow(/10\.0\.0\.5/);
    await expect(resolveCheckedTarget('https://rebind.example.com/hook', aws, resolver)).rejects.toBeInstanceOf(
      BlockedTargetError,
    );
  });

  it.each([...DISGUISED_ADDRESSES.map(([url]) => url), ...DOTTED_INTERNAL_NAMES])(
    'refuses %s at delivery too, without a lookup',
    async (url) => {
      // Prepare
      const resolver = vi.fn(async () => [{ address: '93.184.216.34', family: 4 }]);

      // Act
      const outcome = resolveCheckedTarget(url, awsHttp, resolver);

      // Assess
      await expect(outcome).rejects.toBeInstanceOf(BlockedTargetError);
      expect(resolver).not.toHaveBeenCalled();
    },
  );

  it("pins a host name to the public addresses it resolves to, in the resolver's order", async () => {
    // Prepare
    const resolver = async () => [
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ];

    // Act
    const target = await resolveCheckedTarget('https://hooks.example.com/hook', aws, resolver);

    // Assess
    expect(target.url.hostname).toBe('hooks.example.com');
    expect(target.addresses).toEqual([
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ]);
  });

  it.each([
    ['10.0.0.5', 4],
    ['169.254.169.254', 4],
    ['127.0.0.1', 4],
    ['fd00:ec2::254', 6],
    ['::7f00:1', 6],
    ['::a9fe:a9fe', 6],
    ['::ffff:169.254.169.254', 6],
    ['64:ff9b::a9fe:a9fe', 6],
    ['2002:a9fe:a9fe::1', 6],
  ])('refuses a host name that resolves to %s', async (address, family) => {
    const outcome = resolveCheckedTarget('https://hooks.example.com/hook', aws, async () => [{ address, family }]);

    await expect(outcome).rejects.toThrow(
      new BlockedTargetError(`hooks.example.com resolves to ${address}, which is not a public address.`),
    );
  });

  it('refuses a host name whose answer mixes a public IPv4 and a private IPv6 address', async () => {
    const resolver = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '::ffff:10.0.0.5', family: 6 },
    ];

    await expect(resolveCheckedTarget('https://rebind.example.com/hook', aws, resolver)).rejects.toThrow(
      /::ffff:10\.0\.0\.5/,
    );
  });

  it('refuses an internal host name before any lookup', async () => {
    await expect(resolveCheckedTarget('https://localhost:8443/hook', aws)).rejects.toBeInstanceOf(BlockedTargetError);
  });

  it('turns a failed lookup into a retryable network error', async () => {
    const failing = async () => {
      throw new Error('ENOTFOUND');
    };
    await expect(resolveCheckedTarget('https://nowhere.example.com/hook', aws, failing)).rejects.toBeInstanceOf(
      DeliveryNetworkError,
    );
  });

  it('allows loopback only where the policy says so, and connects to the checked address', async () => {
    const target = await resolveCheckedTarget('http://127.0.0.1:9/hook', local);
    expect(target.addresses).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });
});
