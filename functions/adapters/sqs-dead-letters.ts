import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, TaskDeadLetters } from '../core/task-redrive';
import { SqsQueueDepths } from './sqs-queue-depths';

/** The task types' dead-letter queues on SQS, by type. */
export class SqsTaskDeadLetters implements TaskDeadLetters {
  private readonly depths: SqsQueueDepths;

  constructor(
    private readonly sqs: SQSClient,
    private readonly dlqUrls: Record<string, string>,
  ) {
    this.depths = new SqsQueueDepths(sqs, dlqUrls);
  }

  depth(type: string): Promise<number> {
    return this.depths.depth(type);
  }

  async receive(type: string, hideSeconds: number): Promise<DeadLetter[]> {
    // A short wait: an empty DLQ answers in a second instead of at once with a possibly false empty (short polling samples servers).
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.url(type),
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: hideSeconds,
      }),
    );
    return Messages.map((m) => ({
      messageId: m.MessageId ?? '',
      body: m.Body ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
    }));
  }

  async delete(type: string, receiptHandle: string): Promise<void> {
    await this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.url(type), ReceiptHandle: receiptHandle }));
  }

  async release(type: string, receiptHandle: string): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.url(type),
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: 0,
      }),
    );
  }

  private url(type: string): string {
    const url = this.dlqUrls[type];
    if (!url) throw new Error(`No dead-letter queue URL configured for task type "${type}".`);
    return url;
  }
}
