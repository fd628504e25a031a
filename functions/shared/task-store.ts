import type { AwsClients } from '../adapters/aws-clients';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { SqsWebhookQueue } from '../adapters/sqs-webhook-queue';
import type { RuntimeConfig } from '../config';
import type { Log, TaskStore } from '../core/ports';
import { withWebhookNotifications } from '../webhooks/notifying-store';

/** The task store every function uses: DynamoDB, queueing webhooks of ended tasks when a webhook queue is configured. */
export function createTaskStore(config: RuntimeConfig, clients: AwsClients, log: Log): TaskStore {
  const store = new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays);
  return config.webhookQueueUrl ? withWebhookNotifications(store, new SqsWebhookQueue(clients.sqs, config.webhookQueueUrl), log) : store;
}
