import type { AwsClients } from '../adapters/aws-clients';
import { DynamoSweepStore } from '../adapters/dynamo-sweep-store';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { DynamoChildRecords } from '../adapters/dynamo-child-records';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { recordChildEnd } from '../core/child-fan-in';
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
import type { WebhookQueue } from '../core/webhook-message';
import { NotifyingTaskStore } from '../webhooks/notifying-task-store';
import { queuedWebhooks, type WebhookSender } from '../webhooks/webhook-sender';

/**
 * Builds how a store sends its webhooks in place of queueing them (a task worker: workers/build.ts),
 * from the table store it wraps and the webhook queue.
 */
export type WebhookSenderFactory = (parts: { store: DynamoTaskStore; queue: WebhookQueue }) => WebhookSender;

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
  /** Default: webhooks queued for the webhook worker. */
  webhooks: WebhookSenderFactory = ({ queue }) => queuedWebhooks(queue),
): TaskCatalog & TaskLifecycle {
  const store = new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays, clock);
  const fanIn = {
    records: new DynamoChildRecords(clients.dynamo, config.tableName, clock),
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    log,
  };
  if (!config.webhookQueueUrl) return store;
  const sender = webhooks({ store, queue: new SqsWebhookQueue(clients.sqs, config.webhookQueueUrl) });
  return new NotifyingTaskStore(store, sender, log, (child, now) => recordChildEnd(fanIn, child, now));
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
