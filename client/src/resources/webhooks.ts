import type { CallOptions, Transport } from '../transport';
import type { RotatedWebhookSecret, WebhookSecret } from '../types';

/** The tenant's webhook signing secret, which verifyWebhook checks deliveries with. */
export class WebhookSecrets {
  constructor(private readonly transport: Transport) {}

  /** GET /webhooks/secret: created on first use. */
  secret(options?: CallOptions): Promise<WebhookSecret> {
    return this.transport.json<WebhookSecret>({ method: 'GET', path: 'webhooks/secret', retrySafe: true }, options);
  }

  /**
   * POST /webhooks/secret/rotate: a new secret; the old one keeps signing for 24 h. Not retried
   * after an unknown outcome: a second rotation would retire the secret receivers still use.
   */
  rotateSecret(options?: CallOptions): Promise<RotatedWebhookSecret> {
    return this.transport.json<RotatedWebhookSecret>(
      { method: 'POST', path: 'webhooks/secret/rotate', retrySafe: false },
      options,
    );
  }
}
