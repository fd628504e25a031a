import type { WebhookSecrets } from './signer';

/** A tenant's webhook signing secrets. */
export interface WebhookSecretStore {
  /** The tenant's secrets, created on first use. */
  get(tenant: string, now: Date): Promise<WebhookSecrets>;
  /** A new current secret; the old one keeps signing alongside it for `graceHours`. */
  rotate(tenant: string, now: Date, graceHours: number): Promise<WebhookSecrets>;
}

/** Hours an old secret keeps signing after a rotation, so receivers can switch over. */
export const ROTATION_GRACE_HOURS = 24;
