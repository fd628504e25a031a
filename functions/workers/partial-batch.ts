import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** What to do with a record's message after handling it. */
export type RecordOutcome =
  /** Delete it (done, or a duplicate). */
  | { kind: 'ack' }
  /** Keep it, visible again after the delay (the next attempt). */
  | { kind: 'retry'; delaySeconds: number }
  /** Keep it, visible at once: the next receive exceeds maxReceiveCount and SQS moves it to the DLQ. */
  | { kind: 'dead_letter' };

/** Thrown for a record that must stay on the queue; the batch processor reports it in batchItemFailures. */
export class KeepMessage extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'KeepMessage';
  }
}

/**
 * An SQS event handler with partial batch responses: each record is handled on its own, retried
 * records get their visibility set to the backoff (ChangeMessageVisibility) and are reported in
 * batchItemFailures, so only they come back.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 */
export function createPartialBatchHandler(
  sqs: SQSClient,
  queueUrl: string,
  handleRecord: (record: SQSRecord, context?: Context) => Promise<RecordOutcome>,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const setVisibility = (record: SQSRecord, seconds: number) =>
    sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));

  const handle = async (record: SQSRecord, context?: Context): Promise<void> => {
    const outcome = await handleRecord(record, context);
    if (outcome.kind === 'retry') {
      await setVisibility(record, outcome.delaySeconds);
      throw new KeepMessage(`retry in ${outcome.delaySeconds} s`);
    }
    if (outcome.kind === 'dead_letter') {
      await setVisibility(record, 0);
      throw new KeepMessage('attempts exhausted; moving to the DLQ');
    }
  };

  return async (event, context) => {
    // One processor per invocation: it holds per-batch state, and the local stack may invoke concurrently.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => handle(record, context), processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}

/** The delivery count of a record (1 on the first delivery). */
export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount);
}
