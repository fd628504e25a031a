import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookMessage, WebhookQueue } from '../core/webhook-message';

/** The webhook queue on SQS: one message per delivery, the task's key and event as its body. */
export class SqsWebhookQueue implements WebhookQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(message: WebhookMessage, delaySeconds?: number): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(message),
        ...(delaySeconds ? { DelaySeconds: delaySeconds } : {}),
      }),
    );
  }
}
