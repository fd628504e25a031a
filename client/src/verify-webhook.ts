import { Webhook, WebhookVerificationError as LibraryVerificationError } from 'standardwebhooks';
import type { webhookPayload } from '../../functions/webhooks/event';
import { WebhookVerificationError } from './errors';

/** The body of a Tasklane webhook: `task.completed`, `task.failed`, `task.canceled` or `task.expired`. */
export type WebhookEvent = ReturnType<typeof webhookPayload>;

/** Request headers as fetch (`Headers`) or Node's http module (`IncomingHttpHeaders`) give them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

/**
 * Verifies a delivery with the tenant's secret (`webhooks.secret()`, `whsec_…`) and returns its
 * event; throws WebhookVerificationError when the signature, the timestamp (5 minutes' tolerance)
 * or the headers do not check out. `rawBody` must be the bytes as received: re-serialised JSON
 * does not verify. During a rotation either secret verifies (deliveries carry both signatures).
 * Built on the Standard Webhooks library, so any of its ports verifies the same deliveries.
 */
export function verifyWebhook(secret: string, rawBody: string | Uint8Array, headers: WebhookHeaders): WebhookEvent {
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  try {
    return new Webhook(secret).verify(body, headerRecord(headers)) as WebhookEvent;
  } catch (error) {
    if (error instanceof LibraryVerificationError) throw new WebhookVerificationError(error.message, { cause: error });
    throw error;
  }
}

function headerRecord(headers: WebhookHeaders): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers instanceof Headers)
    headers.forEach((value, name) => {
      record[name] = value;
    });
  else
    for (const [name, value] of Object.entries(headers))
      if (value !== undefined) record[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return record;
}
