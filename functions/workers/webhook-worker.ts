import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WEBHOOK_EVENT_TYPES } from '../core/webhook-message';
import { deliverWebhook, type WebhookDeliveryDeps } from '../webhooks/deliver';
import type { WebhookMessage } from '../webhooks/event';
import { KeepMessage, createPartialBatchHandler, receiveCount } from './partial-batch';

export interface WebhookWorkerDeps {
  delivery: Omit<WebhookDeliveryDeps, 'log'>;
  sqs: SQSClient;
  queueUrl: string;
  logger: Logger;
}

// Every event the core sends (an expired task's too: it was missing here, so those went to the DLQ).
const EVENTS: ReadonlySet<string> = new Set(WEBHOOK_EVENT_TYPES);

function parseMessage(record: SQSRecord): WebhookMessage {
  let body: Partial<WebhookMessage> = {};
  try {
    body = JSON.parse(record.body) as Partial<WebhookMessage>;
  } catch {
    // handled below
  }
  if (
    typeof body.tenant !== 'string' ||
    typeof body.task_id !== 'string' ||
    !EVENTS.has(String(body.event)) ||
    (body.attempt_base !== undefined && !Number.isInteger(body.attempt_base))
  ) {
    throw new KeepMessage(`message ${record.messageId} is not a webhook message; it will reach the DLQ`);
  }
  return body as WebhookMessage;
}

/** The webhook worker: one delivery attempt per record, retried through the queue with backoff, then its DLQ. */
export function createWebhookWorker(
  deps: WebhookWorkerDeps,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return createPartialBatchHandler(
    deps.sqs,
    deps.queueUrl,
    async (record) => {
      const message = parseMessage(record);
      const log = deps.logger.createChild({
        persistentKeys: {
          task_id: message.task_id,
          tenant: message.tenant,
          event: message.event,
          receive_count: receiveCount(record),
        },
      });
      const outcome = await deliverWebhook({ ...deps.delivery, log }, message);
      log.info('webhook attempt finished', { outcome });
      return outcome;
    },
    { log: deps.logger, clock: deps.delivery.clock },
  );
}
