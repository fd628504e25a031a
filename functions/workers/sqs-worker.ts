import type { Logger } from '@aws-lambda-powertools/logger';
import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { KeepMessage, createPartialBatchHandler, receiveCount } from './partial-batch';
import type { TaskMetrics } from '../core/metrics';
import type { Clock, Log, TaskLifecycle, TaskMessage } from '../core/ports';
import { type RunnerDeps, runAttempt } from '../core/task-runner';
import { fairnessGroup } from '../adapters/sqs-task-queue';
import { withInvocationDeadline } from '../shared/invocation-deadline';
import type { TaskTypeDefinition } from '../core/task-type';
import type { TaskServices } from '../core/task-services';

export interface SqsWorkerDeps {
  type: TaskTypeDefinition;
  store: TaskLifecycle;
  sqs: SQSClient;
  queueUrl: string;
  clock: Clock;
  logger: Logger;
  metrics: TaskMetrics;
  services: TaskServices;
  /** Where results too large for the record go (RunnerDeps.results). */
  results?: RunnerDeps['results'];
  progressIntervalMs?: number;
  /** Concurrency slots, for types with concurrencyPerKey or concurrencyPerTenant. */
  concurrency?: RunnerDeps['concurrency'];
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
  if (
    typeof body.tenant !== 'string' ||
    typeof body.task_id !== 'string' ||
    (body.attempt_base !== undefined && !Number.isInteger(body.attempt_base)) ||
    (body.deferrals !== undefined && !Number.isInteger(body.deferrals))
  ) {
    throw new KeepMessage(`message ${record.messageId} is not a task message; it will reach the DLQ`);
  }
  return { tenant: body.tenant, task_id: body.task_id, attempt_base: body.attempt_base, deferrals: body.deferrals };
}

/**
 * Sets a received message's visibility. Should SQS refuse, the queue's longer visibility timeout
 * stays in force: the attempt goes on, and a lost one is retried later (or re-driven by the sweeper).
 */
async function hideMessage(deps: SqsWorkerDeps, record: SQSRecord, seconds: number, log: Log): Promise<void> {
  try {
    await deps.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: deps.queueUrl,
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  } catch (error) {
    log.warn('could not hold the message for the attempt; the queue visibility timeout applies', {
      visibility_seconds: seconds,
      error: String(error),
    });
  }
}

/**
 * The worker of one task type: an SQS event handler with partial batch responses. A failed attempt
 * keeps its message and delays it by the backoff; exhausted messages are left for redrive into the DLQ.
 */
export function createSqsWorker(
  deps: SqsWorkerDeps,
): (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse> {
  return createPartialBatchHandler(
    deps.sqs,
    deps.queueUrl,
    async (record, context) => {
      const message = parseMessage(record);
      const attempt = (message.attempt_base ?? 0) + receiveCount(record);
      const log = deps.logger.createChild({
        persistentKeys: { task_id: message.task_id, tenant: message.tenant, type: deps.type.name, attempt },
      });
      deps.metrics.queueWait(deps.type.name, deps.clock.now().getTime() - Number(record.attributes.SentTimestamp));
      const remaining = context?.getRemainingTimeInMillis?.();
      // The deadline is known to the store's webhook step, so the first try fits the time left.
      const outcome = await withInvocationDeadline(remaining, () =>
        runAttempt(
          {
            store: deps.store,
            clock: deps.clock,
            log,
            services: deps.services,
            results: deps.results,
            metrics: deps.metrics,
            progressIntervalMs: deps.progressIntervalMs,
            concurrency: deps.concurrency,
          },
          deps.type,
          {
            message,
            attempt,
            timeBudgetMs: remaining === undefined ? undefined : Math.max(1_000, remaining - DEADLINE_MARGIN_MS),
            holdDelivery: (seconds) => hideMessage(deps, record, seconds, log),
          },
        ),
      );
      log.info('attempt finished', { outcome });
      if (outcome.kind === 'defer') {
        // Early for a delayed task, or over a concurrency limit: a fresh message with the delay. Its receive
        // count starts over, so attempt_base carries this delivery's attempt number on to the next one.
        // Deferrals in a row over a limit widen the next wait (core/concurrency.ts); an early delivery starts the count over.
        const deferred: TaskMessage = {
          tenant: message.tenant,
          task_id: message.task_id,
          attempt_base: attempt - 1,
          ...(outcome.overLimit ? { deferrals: (message.deferrals ?? 0) + 1 } : {}),
        };
        await deps.sqs.send(
          new SendMessageCommand({
            QueueUrl: deps.queueUrl,
            MessageBody: JSON.stringify(deferred),
            MessageGroupId: fairnessGroup(deferred),
            DelaySeconds: outcome.delaySeconds,
          }),
        );
        return { kind: 'ack' };
      }
      return outcome;
    },
    { log: deps.logger, clock: deps.clock },
  );
}
