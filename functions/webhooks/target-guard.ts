import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { ValidationError } from '../core/errors';
import { BlockedTargetError, DeliveryNetworkError } from './errors';

export interface TargetPolicy {
  /** URL schemes accepted, e.g. ['https'] in AWS. */
  allowedSchemes: readonly string[];
  /** Loopback targets (127.0.0.0/8, ::1): only the local stack allows them, by explicit setting. */
  allowLoopback: boolean;
}

/** One address a target resolved to. */
export interface TargetAddress {
  address: string;
  family: 4 | 6;
}

/**
 * A delivery target whose addresses were all checked, in the resolver's order; connect to one of
 * them, not to a fresh lookup. Keeping all of them lets a name that resolves to ::1 and 127.0.0.1
 * (localhost, on most machines) reach a receiver listening on either.
 */
export interface CheckedTarget {
  url: URL;
  addresses: readonly [TargetAddress, ...TargetAddress[]];
}

/**
 * Only public unicast addresses are reachable; ipaddr.js names every other range, including those
 * that embed an IPv4 address (NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo,
 * IPv4-translated ::ffff:0:0:0/96), which are refused whatever they embed.
 */
const PUBLIC_RANGE = 'unicast';

/**
 * IPv4-compatible addresses (::a.b.c.d), deprecated by RFC 4291 §2.5.5.1 and never routed: ipaddr.js
 * calls them unicast, yet ::7f00:1 spells 127.0.0.1 and ::a9fe:a9fe the metadata address. Refused
 * whatever they embed; ::1 and :: sit in the same prefix and keep their own ranges.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

function addressAllowed(address: string, policy: TargetPolicy): boolean {
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is how a dual-stack socket names 10.0.0.1: judged as that address.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'loopback') return policy.allowLoopback;
  if (parsed.kind() === 'ipv6' && parsed.match(IPV4_COMPATIBLE)) return false;
  return range === PUBLIC_RANGE;
}

/** Names that only ever mean this machine or a private network. */
const INTERNAL_NAME = /^(localhost|.*\.localhost|.*\.internal|.*\.local)$/i;

/** The URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[|\]$/g, '');

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
    throw new ValidationError('webhook_url must not carry credentials.', [
      { field: 'webhook_url', rule: 'no user:password@' },
    ]);
  }
  const host = hostOf(url);
  if (ipaddr.isValid(host) && !addressAllowed(host, policy)) {
    throw new ValidationError('webhook_url points at a private, loopback, link-local or metadata address.', [
      { field: 'webhook_url', rule: 'a public address' },
    ]);
  }
  // `localhost.` is `localhost`: a trailing dot only marks the name fully qualified.
  if (INTERNAL_NAME.test(host.replace(/\.+$/, '')) && !policy.allowLoopback) {
    throw new ValidationError('webhook_url points at an internal host name.', [
      { field: 'webhook_url', rule: 'a public host' },
    ]);
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
  const host = hostOf(url);
  let addresses: { address: string; family: number }[];
  try {
    addresses = ipaddr.isValid(host)
      ? [{ address: host, family: ipaddr.parse(host).kind() === 'ipv6' ? 6 : 4 }]
      : await lookupAll(host);
  } catch (error) {
    // A failed lookup is a network error like any other: the delivery is retried.
    throw new DeliveryNetworkError(`DNS lookup of ${host} failed: ${(error as Error).message}`);
  }
  const blocked = addresses.find((a) => !addressAllowed(a.address, policy));
  if (blocked) throw new BlockedTargetError(`${host} resolves to ${blocked.address}, which is not a public address.`);
  const [first, ...rest] = addresses.map(
    (a): TargetAddress => ({ address: a.address, family: a.family === 6 ? 6 : 4 }),
  );
  if (!first) throw new BlockedTargetError(`${host} did not resolve.`);
  return { url, addresses: [first, ...rest] };
}
