import {
  ChangeMessageVisibilityCommand,
  ReceiptHandleIsInvalid,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Log } from '../../functions/core/ports';
import { MAX_VISIBILITY_SECONDS } from '../../functions/core/retry-policy';
import { createPartialBatchHandler, type RecordOutcome } from '../../functions/workers/partial-batch';
import { FIXED_NOW, QUEUE_URL, lambdaContext, sqsEvent, sqsRecord } from '../helpers/factories';

const sqs = mockClient(SQSClient);

/** A clock the test moves: the record handler "runs" by moving it on. */
function movableClock() {
  let now = FIXED_NOW.getTime();
  return { now: () => new Date(now), advance: (seconds: number) => (now += seconds * 1000) };
}

/** A Log that keeps its warnings. */
function recordingLog() {
  const warnings: { message: string; extra: Record<string, unknown> }[] = [];
  const log: Log = {
    debug: () => undefined,
    info: () => undefined,
    error: () => undefined,
    warn: (message, ...extra) => warnings.push({ message, extra: Object.assign({}, ...extra) }),
  };
  return { log, warnings };
}

/**
 * SQS's rule, which no emulator enforces: a message stays invisible at most 12 hours counted from
 * its receive, so a ChangeMessageVisibility whose timeout would end later than that is refused.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html
 */
function enforceVisibilityLimit(clock: { now(): Date }, receivedAt: number) {
  const accepted: number[] = [];
  sqs.on(ChangeMessageVisibilityCommand).callsFake((input: { VisibilityTimeout: number }) => {
    const elapsed = (clock.now().getTime() - receivedAt) / 1000;
    if (input.VisibilityTimeout < 0 || elapsed + input.VisibilityTimeout > MAX_VISIBILITY_SECONDS) {
      throw new SQSServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `Value ${input.VisibilityTimeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]`,
      });
    }
    accepted.push(input.VisibilityTimeout);
    return {};
  });
  return accepted;
}

beforeEach(() => sqs.reset());

describe('createPartialBatchHandler', () => {
  it.each([
    { ranSeconds: 0, asked: MAX_VISIBILITY_SECONDS },
    { ranSeconds: 50, asked: MAX_VISIBILITY_SECONDS },
    { ranSeconds: 900, asked: MAX_VISIBILITY_SECONDS },
    { ranSeconds: 900, asked: MAX_VISIBILITY_SECONDS - 600 },
    { ranSeconds: 30, asked: 10 * MAX_VISIBILITY_SECONDS },
  ])(
    'asks SQS for no more than is left of the 12 h since the receive (attempt ran $ranSeconds s, asked $asked s)',
    async ({ ranSeconds, asked }) => {
      // Prepare
      const clock = movableClock();
      const accepted = enforceVisibilityLimit(clock, clock.now().getTime());
      const { log, warnings } = recordingLog();
      const handler = createPartialBatchHandler(
        sqs as unknown as SQSClient,
        QUEUE_URL,
        async (): Promise<RecordOutcome> => {
          clock.advance(ranSeconds);
          return { kind: 'retry', delaySeconds: asked };
        },
        { log, clock },
      );
      const record = sqsRecord();

      // Act
      const response = await handler(sqsEvent([record]), lambdaContext());

      // Assess: accepted, close to what is left, and the clamp reported (the core should not have asked for it).
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toBeLessThanOrEqual(MAX_VISIBILITY_SECONDS - ranSeconds);
      expect(accepted[0]).toBeGreaterThanOrEqual(MAX_VISIBILITY_SECONDS - ranSeconds - 120);
      expect(warnings).toEqual([
        {
          message: 'retry delay shortened to what SQS can hold',
          extra: expect.objectContaining({
            message_id: record.messageId,
            asked_seconds: asked,
            visibility_seconds: accepted[0],
          }),
        },
      ]);
    },
  );

  it('asks SQS for a delay within its limit as it is, without a warning', async () => {
    // Prepare
    const clock = movableClock();
    const accepted = enforceVisibilityLimit(clock, clock.now().getTime());
    const { log, warnings } = recordingLog();
    const handler = createPartialBatchHandler(
      sqs as unknown as SQSClient,
      QUEUE_URL,
      async (): Promise<RecordOutcome> => {
        clock.advance(20);
        return { kind: 'retry', delaySeconds: 4 * 3600 };
      },
      { log, clock },
    );

    // Act
    const response = await handler(sqsEvent([sqsRecord()]), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toHaveLength(1);
    expect(accepted).toEqual([4 * 3600]);
    expect(warnings).toEqual([]);
  });

  it.each([
    {
      case: 'a limit it enforces that the handler did not foresee',
      error: new SQSServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        $metadata: {},
        message: 'Total VisibilityTimeout for the message is beyond the limit [43200 seconds]',
      }),
      outcome: { kind: 'retry', delaySeconds: 600 } as RecordOutcome,
    },
    {
      case: 'an expired receipt handle',
      error: new ReceiptHandleIsInvalid({ $metadata: {}, message: 'The receipt handle has expired.' }),
      outcome: { kind: 'dead_letter' } as RecordOutcome,
    },
  ])(
    'keeps the message and logs a warning when SQS refuses the visibility change ($case)',
    async ({ error, outcome }) => {
      // Prepare
      sqs.on(ChangeMessageVisibilityCommand).rejects(error);
      const { log, warnings } = recordingLog();
      const [refused, acked] = [sqsRecord(), sqsRecord()];
      const handler = createPartialBatchHandler(
        sqs as unknown as SQSClient,
        QUEUE_URL,
        async (record): Promise<RecordOutcome> => (record.messageId === refused.messageId ? outcome : { kind: 'ack' }),
        { log, clock: movableClock() },
      );

      // Act
      const response = await handler(sqsEvent([refused, acked]), lambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: refused.messageId }]);
      expect(warnings).toEqual([
        {
          message: 'SQS refused the visibility change; the message comes back when its current visibility timeout ends',
          extra: {
            message_id: refused.messageId,
            visibility_seconds: outcome.kind === 'retry' ? 600 : 0,
            error: expect.stringContaining(error.message),
          },
        },
      ]);
    },
  );
});
