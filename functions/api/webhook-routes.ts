import type { Hono } from 'hono';
import { ROTATION_GRACE_HOURS, type WebhookSecretStore } from '../webhooks/secret-store';
import type { AppEnv } from './context';

/** The caller's webhook signing secret: read it to verify deliveries, rotate it to replace it. */
export function registerWebhookRoutes(app: Hono<AppEnv>, secrets: WebhookSecretStore): void {
  app.get('/webhooks/secret', async (c) => {
    const { current, previous } = await secrets.get(c.get('tenant'), new Date());
    return c.json({ secret: current, ...(previous ? { previous_secret: previous } : {}) });
  });

  app.post('/webhooks/secret/rotate', async (c) => {
    const { current, previous } = await secrets.rotate(c.get('tenant'), new Date(), ROTATION_GRACE_HOURS);
    return c.json({ secret: current, previous_secret: previous, previous_valid_hours: ROTATION_GRACE_HOURS });
  });
}
