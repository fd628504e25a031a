import type { Logger } from '@aws-lambda-powertools/logger';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { DynamoWebhookSecretStore } from '../adapters/dynamo-webhook-secret-store';
import { ENV, loadConfig, type RuntimeConfig } from '../config';
import { systemClock, type Clock } from '../core/ports';
import type { BackoffSettings } from '../core/retry-policy';
import { createLogger } from '../shared/logger';
import { countWebhookDelivery } from '../adapters/powertools-metrics';
import { webhookSweepAt } from '../webhooks/deliver';
import { postWebhook } from '../webhooks/http-delivery';
import { resolveCheckedTarget } from '../webhooks/target-guard';
import { createWebhookWorker } from './webhook-worker';

/** Wires the webhook worker to the table, the secrets and the network; the local stack calls this too. */
export function buildWebhookWorker(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  options: {
    clock?: Clock;
    countOutcome?: (outcome: 'delivered' | 'retried' | 'failed') => void;
    backoff?: BackoffSettings;
  } = {},
) {
  const queueUrl = config.webhookQueueUrl;
  if (!queueUrl)
    throw new Error(`Environment variable ${ENV.webhookQueueUrl} is required by the webhook worker but not set.`);
  const store = new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays);
  const clock = options.clock ?? systemClock;
  return createWebhookWorker({
    delivery: {
      getTask: (tenant, id) => store.get(tenant, id),
      recordAttempt: async (task, state, next) => {
        const now = clock.now().toISOString();
        await store.recordWebhook(task.tenant, task.id, state, next && webhookSweepAt(now, next), now);
        options.countOutcome?.(state.status === 'pending' ? 'retried' : state.status);
      },
      secrets: new DynamoWebhookSecretStore(clients.dynamo, config.tableName),
      resolveTarget: resolveCheckedTarget,
      post: postWebhook,
      policy: config.webhookPolicy,
      clock,
      backoff: options.backoff,
    },
    sqs: clients.sqs,
    queueUrl,
    logger,
  });
}

export function buildWebhookWorkerFromEnv(env: NodeJS.ProcessEnv = process.env) {
  // Webhooks go to their own queue only: no type names, so no registry (and its types' code) in its bundle.
  const config = loadConfig([], env);
  return buildWebhookWorker(config, createAwsClients(config), createLogger('tasklane-webhooks'), {
    countOutcome: countWebhookDelivery,
  });
}
