import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TaskMessage, TaskQueue } from '../core/ports';

/** Sends task messages to the queue of their type. */
export class SqsTaskQueue implements TaskQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Record<string, string>,
  ) {}

  async send(type: string, message: TaskMessage): Promise<void> {
    const queueUrl = this.queueUrls[type];
    if (!queueUrl) throw new Error(`No queue URL configured for task type "${type}".`);
    await this.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  }
}
