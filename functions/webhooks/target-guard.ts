import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../core/errors';
import { DeliveryNetworkError } from './http-delivery';

export interface TargetPolicy {
  /** URL schemes accepted, e.g. ['https'] in AWS. */
  allowedSchemes: readonly string[];
  /** Loopback targets (127.0.0.0/8, ::1): only the local stack allows them, by explicit setting. */
  allowLoopback: boolean;
}

/** A delivery target whose address was checked; connect to `address`, not to a fresh lookup. */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** The target is not allowed (private, loopback, link-local or metadata address, or a bad scheme). */
export class BlockedTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockedTargetError';
  }
}

/** Only public unicast addresses are reachable; ipaddr.js names every other range. */
const PUBLIC_RANGE = 'unicast';

function addressAllowed(address: string, policy: TargetPolicy): boolean {
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1 in disguise.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'loopback') return policy.allowLoopback;
  return range === PUBLIC_RANGE;
}

/** Registration-time check of a webhook URL (no DNS): the API refuses what can never be delivered. */
export function checkWebhookUrl(raw: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ValidationError('webhook_url is not a valid URL.', [{ field: 'webhook_url', rule: 'an absolute URL' }]);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (!policy.allowedSchemes.includes(scheme)) {
    throw new ValidationError(`webhook_url must use ${policy.allowedSchemes.join(' or ')}.`, [
      { field: 'webhook_url', rule: `scheme one of: ${policy.allowedSchemes.join(', ')}` },
    ]);
  }
  if (url.username || url.password) {
    throw new ValidationError('webhook_url must not carry credentials.', [{ field: 'webhook_url', rule: 'no user:password@' }]);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && !addressAllowed(host, policy)) {
    throw new ValidationError('webhook_url points at a private, loopback, link-local or metadata address.', [
      { field: 'webhook_url', rule: 'a public address' },
    ]);
  }
  if (/^(localhost|.*\.localhost|.*\.internal|.*\.local)$/i.test(host) && !policy.allowLoopback) {
    throw new ValidationError('webhook_url points at an internal host name.', [{ field: 'webhook_url', rule: 'a public host' }]);
  }
  return url;
}

/**
 * Connect-time check: resolves the host once and accepts it only if every address is public (an
 * attacker's DNS could mix answers). The delivery then connects to the checked address, so a second
 * lookup cannot be rebound to an internal one.
 */
export async function resolveCheckedTarget(
  raw: string,
  policy: TargetPolicy,
  lookupAll: (host: string) => Promise<{ address: string; family: number }[]> = (host) => lookup(host, { all: true }),
): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = checkWebhookUrl(raw, policy);
  } catch (error) {
    throw new BlockedTargetError((error as Error).message);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  try {
    addresses = ipaddr.isValid(host) ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }] : await lookupAll(host);
  } catch (error) {
    // A failed lookup is a network error like any other: the delivery is retried.
    throw new DeliveryNetworkError(`DNS lookup of ${host} failed: ${(error as Error).message}`);
  }
  if (addresses.length === 0) throw new BlockedTargetError(`${host} did not resolve.`);
  const blocked = addresses.find((a) => !addressAllowed(a.address, policy));
  if (blocked) throw new BlockedTargetError(`${host} resolves to ${blocked.address}, which is not a public address.`);
  const first = addresses[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
