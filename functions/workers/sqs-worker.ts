import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { TaskMetrics } from '../core/metrics';
import type { Clock, TaskMessage, TaskStore } from '../core/ports';
import { runAttempt } from '../core/task-runner';
import type { TaskTypeDefinition } from '../task-types/definition';

export interface SqsWorkerDeps {
  type: TaskTypeDefinition;
  store: TaskStore;
  sqs: SQSClient;
  queueUrl: string;
  clock: Clock;
  logger: Logger;
  metrics: TaskMetrics;
  progressIntervalMs?: number;
}

/** Thrown for a record that must stay on the queue; the batch processor reports it in batchItemFailures. */
class KeepMessage extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'KeepMessage';
  }
}

/** Time kept back from the Lambda deadline so the outcome can still be written after a timed-out attempt. */
const DEADLINE_MARGIN_MS = 5_000;

function parseMessage(record: SQSRecord): TaskMessage {
  let body: Partial<TaskMessage>;
  try {
    body = JSON.parse(record.body) as Partial<TaskMessage>;
  } catch {
    body = {};
  }
  if (typeof body.tenant !== 'string' || typeof body.task_id !== 'string' || (body.attempt_base !== undefined && !Number.isInteger(body.attempt_base))) {
    throw new KeepMessage(`message ${record.messageId} is not a task message; it will reach the DLQ`);
  }
  return { tenant: body.tenant, task_id: body.task_id, attempt_base: body.attempt_base };
}

/**
 * The worker of one task type: an SQS event handler with partial batch responses. A failed attempt
 * keeps its message and delays it by the backoff (ChangeMessageVisibility); exhausted messages are
 * left for redrive into the DLQ.
 */
export function createSqsWorker(deps: SqsWorkerDeps): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  const setVisibility = (record: SQSRecord, seconds: number) =>
    deps.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: deps.queueUrl, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }));

  const handleRecord = async (record: SQSRecord, context?: Context): Promise<void> => {
    const message = parseMessage(record);
    const attempt = (message.attempt_base ?? 0) + Number(record.attributes.ApproximateReceiveCount);
    const log = deps.logger.createChild({
      persistentKeys: { task_id: message.task_id, tenant: message.tenant, type: deps.type.name, attempt },
    });
    deps.metrics.queueWait(deps.type.name, deps.clock.now().getTime() - Number(record.attributes.SentTimestamp));
    const remaining = context?.getRemainingTimeInMillis?.();
    const outcome = await runAttempt(
      { store: deps.store, clock: deps.clock, log, metrics: deps.metrics, progressIntervalMs: deps.progressIntervalMs },
      deps.type,
      { message, attempt, timeBudgetMs: remaining === undefined ? undefined : Math.max(1_000, remaining - DEADLINE_MARGIN_MS) },
    );
    log.info('attempt finished', { outcome });
    if (outcome.kind === 'retry') {
      await setVisibility(record, outcome.delaySeconds);
      throw new KeepMessage(`retry in ${outcome.delaySeconds} s`);
    }
    if (outcome.kind === 'dead_letter') {
      // Visible again at once: the next receive exceeds maxReceiveCount and SQS moves it to the DLQ.
      await setVisibility(record, 0);
      throw new KeepMessage('attempts exhausted; moving to the DLQ');
    }
  };

  return async (event, context) => {
    // One processor per invocation: it holds per-batch state, and the local stack may invoke concurrently.
    const processor = new BatchProcessor(EventType.SQS);
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
      context,
      throwOnFullBatchFailure: false,
    });
  };
}
