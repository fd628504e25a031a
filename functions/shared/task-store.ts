import type { AwsClients } from '../adapters/aws-clients';
import { DynamoSweepStore } from '../adapters/dynamo-sweep-store';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { SqsWebhookQueue } from '../adapters/sqs-webhook-queue';
import type { RuntimeConfig } from '../config';
import {
  systemClock,
  type Clock,
  type Log,
  type SweepStore,
  type TaskCatalog,
  type TaskLifecycle,
} from '../core/ports';
import { NotifyingTaskStore } from '../webhooks/notifying-task-store';

/**
 * The task store the API, the workers and the sweeper write through: DynamoDB and, when a webhook
 * queue is configured, the webhook step (NotifyingTaskStore) after every write that ends a task.
 */
export function createTaskStore(
  config: RuntimeConfig,
  clients: AwsClients,
  log: Log,
  clock: Clock = systemClock,
): TaskCatalog & TaskLifecycle {
  const store = new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays, clock);
  return config.webhookQueueUrl
    ? new NotifyingTaskStore(store, new SqsWebhookQueue(clients.sqs, config.webhookQueueUrl), log)
    : store;
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
