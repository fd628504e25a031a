/** Lambda entry of the webhook worker: one delivery attempt per message of the webhook queue. */
import { buildWebhookWorkerFromEnv } from './build-webhook-worker';

export const handler = buildWebhookWorkerFromEnv();
