import type { AwsClients } from '../adapters/aws-clients';
import { DynamoSweepStore } from '../adapters/dynamo-sweep-store';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { DynamoChildRecords } from '../adapters/dynamo-child-records';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { recordChildEnd } from '../core/child-fan-in';
import { SqsWebhookQueue } from '../adapters/sqs-webhook-queue';
import type { RuntimeConfig } from '../config';
import type { BackoffSettings } from '../core/retry-policy';
import {
  systemClock,
  type Clock,
  type Log,
  type SweepStore,
  type TaskCatalog,
  type TaskLifecycle,
} from '../core/ports';
import { DynamoWebhookSecretStore } from '../adapters/dynamo-webhook-secret-store';
import { DirectWebhookSender, queuedWebhooks, type WebhookSender } from '../webhooks/direct-delivery';
import { webhookSweepAt } from '../webhooks/deliver';
import { postWebhook } from '../webhooks/http-delivery';
import { NotifyingTaskStore } from '../webhooks/notifying-task-store';
import { resolveCheckedTarget } from '../webhooks/target-guard';
import { invocationTimeLeftMs } from './invocation-deadline';

/**
 * A task worker's webhooks: its first attempt made at once, queued only when that fails
 * (webhooks/direct-delivery.ts). The API and the sweeper queue theirs for the webhook worker.
 */
export interface DirectWebhooks {
  /** The webhook backoff in place of WEBHOOK_DELIVERY's (the local stack's tests shorten it). */
  backoff?: BackoffSettings;
  /** Counts each attempt's outcome, as the webhook worker counts its own. */
  countOutcome?: (outcome: 'delivered' | 'retried' | 'failed') => void;
}

/**
 * The task store the API, the workers and the sweeper write through: DynamoDB and, when a webhook
 * queue is configured, the webhook step (NotifyingTaskStore) after every write that ends a task,
 * with a child's end recorded on its parent (which may wake it: its queue is sent to).
 */
export function createTaskStore(
  config: RuntimeConfig,
  clients: AwsClients,
  log: Log,
  clock: Clock = systemClock,
  /** Set for a task worker: see DirectWebhooks. */
  direct?: DirectWebhooks,
): TaskCatalog & TaskLifecycle {
  const store = new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays, clock);
  const fanIn = {
    records: new DynamoChildRecords(clients.dynamo, config.tableName, clock),
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    log,
  };
  if (!config.webhookQueueUrl) return store;
  const queue = new SqsWebhookQueue(clients.sqs, config.webhookQueueUrl);
  const webhooks: WebhookSender = direct
    ? new DirectWebhookSender({
        queue,
        delivery: {
          recordAttempt: async (task, state, next) => {
            const now = clock.now().toISOString();
            await store.recordWebhook(task.tenant, task.id, state, next && webhookSweepAt(now, next), now);
            direct.countOutcome?.(state.status === 'pending' ? 'retried' : state.status);
          },
          secrets: new DynamoWebhookSecretStore(clients.dynamo, config.tableName),
          resolveTarget: resolveCheckedTarget,
          post: postWebhook,
          policy: config.webhookPolicy,
          clock,
          log,
          backoff: direct.backoff,
        },
        timeLeftMs: invocationTimeLeftMs,
      })
    : queuedWebhooks(queue);
  return new NotifyingTaskStore(store, webhooks, log, (child, now) => recordChildEnd(fanIn, child, now));
}

/** The sweeper's store: the sweep indexes, failing lost final attempts through the task store above (so their webhook is queued too). */
export function createSweepStore(
  config: RuntimeConfig,
  clients: AwsClients,
  log: Log,
  clock: Clock = systemClock,
): SweepStore {
  return new DynamoSweepStore(clients.dynamo, config.tableName, clock, createTaskStore(config, clients, log, clock));
}
