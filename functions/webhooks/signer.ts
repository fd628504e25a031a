import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A tenant's signing secrets: while `previous` is set, deliveries carry both signatures. */
export interface WebhookSecrets {
  current: string;
  previous?: string;
}

/** A new `whsec_` secret: 32 random bytes, base64, as the Standard Webhooks spec describes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * The Standard Webhooks headers for one delivery, signed with the maintained `standardwebhooks`
 * library (HMAC-SHA256 over `{id}.{timestamp}.{body}`); during a rotation both signatures are sent,
 * space-separated, so receivers verify with either secret.
 */
export function signWebhook(
  secrets: WebhookSecrets,
  id: string,
  timestamp: Date,
  body: string,
): Record<string, string> {
  const signatures = [secrets.current, secrets.previous]
    .filter((s): s is string => Boolean(s))
    .map((secret) => new Webhook(secret).sign(id, timestamp, body));
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}
