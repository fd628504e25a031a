import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TaskMessage, TaskQueue } from '../core/ports';

/** SendMessageBatch takes at most 10 entries: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html */
const SQS_BATCH_LIMIT = 10;
/** The longest SQS message delay: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html */
export const MAX_DELAY_SECONDS = 900;
/** Entries SQS refuses inside a successful batch call (throttling, an internal error) are sent again this often. */
const ENTRY_RETRIES = 3;

/**
 * The message group of a task message: its tenant. On a standard queue this makes it a fair queue,
 * so one tenant's backlog does not hold up another's deliveries (ordering is not affected):
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html
 */
export function fairnessGroup(message: TaskMessage): string {
  return message.tenant;
}

/** Sends task messages to the queue of their type. */
export class SqsTaskQueue implements TaskQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Record<string, string>,
  ) {}

  async send(type: string, message: TaskMessage, options: { delaySeconds?: number } = {}): Promise<void> {
    const delay = options.delaySeconds ?? 0;
    if (!Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY_SECONDS) {
      throw new Error(`SQS DelaySeconds must be an integer from 0 to ${MAX_DELAY_SECONDS}; got ${delay}.`);
    }
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl(type),
        MessageBody: JSON.stringify(message),
        MessageGroupId: fairnessGroup(message),
        ...(delay > 0 ? { DelaySeconds: delay } : {}),
      }),
    );
  }

  async sendMany(type: string, messages: readonly TaskMessage[]): Promise<void> {
    const queueUrl = this.queueUrl(type);
    for (let start = 0; start < messages.length; start += SQS_BATCH_LIMIT) {
      let entries = messages.slice(start, start + SQS_BATCH_LIMIT).map((message, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify(message),
        MessageGroupId: fairnessGroup(message),
      }));
      for (let round = 0; entries.length > 0; round++) {
        const { Failed = [] } = await this.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
        );
        const failed = new Set(Failed.map((f) => f.Id));
        if (failed.size > 0 && (round === ENTRY_RETRIES || Failed.some((f) => f.SenderFault))) {
          const first = Failed[0]!;
          throw new Error(
            `SQS refused ${failed.size} of ${entries.length} messages for "${type}": ${first.Code} ${first.Message ?? ''}`.trim(),
          );
        }
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }

  private queueUrl(type: string): string {
    const queueUrl = this.queueUrls[type];
    if (!queueUrl) throw new Error(`No queue URL configured for task type "${type}".`);
    return queueUrl;
  }
}
