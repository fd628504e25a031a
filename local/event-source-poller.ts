import { setMaxListeners } from 'node:events';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

export interface PollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  /** Messages per invocation, like the event source mapping's BatchSize. */
  batchSize: number;
  /** Concurrent invocations, like ScalingConfig.MaximumConcurrency. */
  maxConcurrency: number;
  handler: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
  context: () => Context;
  /** Long-poll wait; short enough that stopping is quick. */
  waitTimeSeconds?: number;
  onError?: (error: unknown) => void;
}

/**
 * Does locally what Lambda's SQS event source mapping does in AWS: long-polls the queue, invokes
 * the handler with a real SQSEvent (ApproximateReceiveCount and all), deletes only the records
 * not named in batchItemFailures, and leaves the rest to their visibility timeout. A handler that
 * throws deletes nothing, as in AWS. Concurrency is bounded by `maxConcurrency` polling loops.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export class EventSourcePoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];

  constructor(private readonly options: PollerOptions) {}

  start(): void {
    // Every loop's long poll listens on the one stop signal: tell Node that many listeners are intended.
    setMaxListeners(this.options.maxConcurrency + 1, this.abort.signal);
    for (let i = 0; i < this.options.maxConcurrency; i++) this.loops.push(this.loop());
  }

  /** Stops polling and waits for in-flight invocations to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      try {
        const messages = await this.receive(signal);
        if (messages.length > 0) await this.invoke(messages);
      } catch (error) {
        if (signal.aborted) return;
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async receive(signal: AbortSignal): Promise<Message[]> {
    const out = await this.options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.options.queueUrl,
        MaxNumberOfMessages: Math.min(10, this.options.batchSize),
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: signal },
    );
    return out.Messages ?? [];
  }

  private async invoke(messages: Message[]): Promise<void> {
    const records = messages.map((m) => toSqsRecord(m, this.options.queueArn, this.options.region));
    const response = await this.options.handler({ Records: records }, this.options.context());
    const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
    const done = records.filter((r) => !failed.has(r.messageId));
    if (done.length === 0) return;
    await this.options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: this.options.queueUrl,
        Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
      }),
    );
  }
}

/** Builds the SQSRecord Lambda would deliver for a received message. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!,
    receiptHandle: message.ReceiptHandle!,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}
