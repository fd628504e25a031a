import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { WebhookRecords } from '../core/ports';
import { sweepAtForWebhook } from '../core/sweep-policy';
import type { WebhookMessage } from './event';

export interface RedriveReport {
  moved: number;
  /** DLQ messages that were not webhook messages, or whose task is gone; left in the DLQ. */
  skipped: number;
}

/**
 * Sends the webhook DLQ's deliveries again: each task's webhook is made owed again (attempts start
 * over) and its message goes back on the webhook queue. The webhook-id is derived from task and
 * event, so receivers see the same id as before.
 */
export async function redriveWebhooks(
  deps: { sqs: SQSClient; store: Pick<WebhookRecords, 'reopenWebhook'>; dlqUrl: string; queueUrl: string },
  max = 1000,
): Promise<RedriveReport> {
  const report: RedriveReport = { moved: 0, skipped: 0 };
  while (report.moved + report.skipped < max) {
    const out = await deps.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deps.dlqUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      const body = JSON.parse(message.Body ?? '{}') as Partial<WebhookMessage>;
      const now = new Date().toISOString();
      const reopened =
        body.tenant && body.task_id
          ? await deps.store.reopenWebhook(body.tenant, body.task_id, sweepAtForWebhook(now), now)
          : undefined;
      // Reopened now, or already owed again (a redrive that died half-way): either way, send it.
      const owed = reopened && (reopened.ok || reopened.current?.webhook?.status === 'pending');
      if (!owed) {
        report.skipped++;
        continue;
      }
      // Attempts start over, so no attempt_base: the message gets its full set of receives again.
      const resent: WebhookMessage = { tenant: body.tenant!, task_id: body.task_id!, event: body.event! };
      await deps.sqs.send(new SendMessageCommand({ QueueUrl: deps.queueUrl, MessageBody: JSON.stringify(resent) }));
      await deps.sqs.send(new DeleteMessageCommand({ QueueUrl: deps.dlqUrl, ReceiptHandle: message.ReceiptHandle! }));
      report.moved++;
    }
  }
  return report;
}
