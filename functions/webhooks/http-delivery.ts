import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { DeliveryNetworkError } from './errors';
import type { CheckedTarget } from './target-guard';

export interface DeliveryResponse {
  statusCode: number;
  /** Seconds from a `Retry-After` header (delta-seconds or HTTP date), if any. */
  retryAfterSeconds?: number;
}

export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/**
 * A `lookup` that answers with the checked addresses only, so the connection goes where the SSRF
 * check looked and a second lookup cannot be rebound. Node asks for every address (`all`) when it
 * tries both families in turn (autoSelectFamily, the default since Node 20), and for one otherwise.
 * https://nodejs.org/api/net.html#socketconnectoptions-connectlistener
 */
function pinnedLookup(target: CheckedTarget): LookupFunction {
  return (_host, options, callback) => {
    const [first] = target.addresses;
    if (options.all) callback(null, [...target.addresses]);
    else callback(null, first.address, first.family);
  };
}

/**
 * POSTs the body to the checked addresses (the Host header and TLS name stay the URL's host).
 * Redirects are not followed: Node's http client never does.
 */
export function postWebhook(
  target: CheckedTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<DeliveryResponse> {
  const { url } = target;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'Tasklane-Webhooks/1',
        },
        lookup: pinnedLookup(target),
        timeout: timeoutMs,
      },
      (res) => {
        // Drain the body without keeping it: only the status matters.
        res.resume();
        res.on('end', () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            retryAfterSeconds: parseRetryAfter(res.headers['retry-after'] as string | undefined, new Date()),
          }),
        );
        res.on('error', (error) => reject(new DeliveryNetworkError(error.message)));
      },
    );
    req.on('timeout', () => req.destroy(new DeliveryNetworkError(`no response within ${timeoutMs} ms`)));
    req.on('error', (error) =>
      reject(error instanceof DeliveryNetworkError ? error : new DeliveryNetworkError(error.message)),
    );
    req.end(body);
  });
}
