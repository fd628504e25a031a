import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { systemClock, type Clock, type Log } from '../core/ports';
import { MAX_VISIBILITY_SECONDS, RECEIVE_MARGIN_SECONDS } from '../core/retry-policy';

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

export interface PartialBatchOptions {
  /** Where clamped delays and refused visibility changes are reported. */
  log: Log;
  /** Measures the time since the batch arrived (default: the system clock). */
  clock?: Clock;
}

/**
 * An SQS event handler with partial batch responses: each record is handled on its own, retried
 * records get their visibility set to the backoff (ChangeMessageVisibility) and are reported in
 * batchItemFailures, so only they come back.
 * https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
 *
 * SQS holds a message invisible at most 12 hours from its receive, and refuses a change that would
 * end later: a delay is cut to what is left of that (the callers keep theirs within it, so a cut is
 * reported). A refused change still keeps the message, which then comes back when its current
 * visibility timeout ends.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
export function createPartialBatchHandler(
  sqs: SQSClient,
  queueUrl: string,
  handleRecord: (record: SQSRecord, context?: Context) => Promise<RecordOutcome>,
  options: PartialBatchOptions,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const { log, clock = systemClock } = options;

  const setVisibility = async (record: SQSRecord, seconds: number) => {
    try {
      await sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: record.receiptHandle,
          VisibilityTimeout: seconds,
        }),
      );
    } catch (error) {
      log.warn('SQS refused the visibility change; the message comes back when its current visibility timeout ends', {
        message_id: record.messageId,
        visibility_seconds: seconds,
        error: String(error),
      });
    }
  };

  const handle = async (record: SQSRecord, arrivedAt: number, context?: Context): Promise<void> => {
    const outcome = await handleRecord(record, context);
    if (outcome.kind === 'retry') {
      // The receive came a little before the invocation started: RECEIVE_MARGIN_SECONDS covers that.
      const sinceArrival = Math.ceil((clock.now().getTime() - arrivedAt) / 1000);
      const left = MAX_VISIBILITY_SECONDS - RECEIVE_MARGIN_SECONDS - sinceArrival;
      const seconds = Math.min(outcome.delaySeconds, left);
      if (seconds < outcome.delaySeconds) {
        log.warn('retry delay shortened to what SQS can hold', {
          message_id: record.messageId,
          asked_seconds: outcome.delaySeconds,
          visibility_seconds: seconds,
        });
      }
      await setVisibility(record, seconds);
      throw new KeepMessage(`retry in ${seconds} s`);
    }
    if (outcome.kind === 'dead_letter') {
      await setVisibility(record, 0);
      throw new KeepMessage('attempts exhausted; moving to the DLQ');
    }
  };

  return async (event, context) => {
    const arrivedAt = clock.now().getTime();
    // One processor per invocation: it holds per-batch state, and the local stack may invoke concurrently.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => handle(record, arrivedAt, context), processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}

/** The delivery count of a record (1 on the first delivery). */
export function receiveCount(record: SQSRecord): number {
  return Number(record.attributes.ApproximateReceiveCount);
}
