import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueDepths } from '../core/queue-depths';

/**
 * Queue depths from SQS's ApproximateNumberOfMessages, by type:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html
 */
export class SqsQueueDepths implements QueueDepths {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrls: Record<string, string>,
  ) {}

  async depth(type: string): Promise<number> {
    const url = this.queueUrls[type];
    if (!url) throw new Error(`No queue URL configured for task type "${type}".`);
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
  }
}
