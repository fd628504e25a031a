import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TaskTypeDefinition } from '../../functions/core/task-type';
import { queueSettings } from '../../functions/core/queue-settings';
import { assertDeployable } from '../task-type-limits';
import { workerBundleDefine } from '../worker-bundle';
import { ALARM_PERIOD, thresholdAlarm } from './alarm';
import { TasklaneFunction } from './tasklane-function';

export interface TaskTypeQueueProps {
  /** The registry entry this queue serves (or the webhook delivery queue, which has the same shape). */
  type: Pick<TaskTypeDefinition, 'name' | 'settings' | 'uses'>;
  /** The worker's entry file; the task worker, bundled for this type (infra/worker-bundle.ts), unless given. */
  entry?: string;
  /** What the worker's messages are, for descriptions: `"generic" tasks` unless given. */
  what?: string;
  logRetention: RetentionDays;
  alarmAction: IAlarmAction;
}

/**
 * Everything one task type runs on: its queue and dead-letter queue, its worker function fed by an
 * SQS event source mapping, their alarms and outputs. All sizes come from the registry entry.
 */
export class TaskTypeQueue extends Construct {
  readonly typeName: string;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly worker: TasklaneFunction;

  constructor(scope: Construct, id: string, props: TaskTypeQueueProps) {
    super(scope, id);
    const { type, logRetention, alarmAction } = props;
    const what = props.what ?? `"${type.name}" tasks`;
    assertDeployable(type);
    const { settings } = type;
    // Shared with the local stack, so queues behave the same on a laptop and in AWS. Queue names are
    // left to CloudFormation so that several stages can live in one account and region.
    const sizes = queueSettings(type);
    this.typeName = type.name;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      // Longer than the source queue's: a moved message keeps its original enqueue time, so a shorter
      // DLQ retention would expire it before anyone can redrive it:
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
      retentionPeriod: Duration.seconds(sizes.dlqRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: `This is the dead-letter queue of ${what}; it is alarmed on and redriven by an operator, a DLQ of its own would only move the problem.`,
    });

    this.queue = new Queue(this, 'Queue', {
      // 6 × the function timeout, so a batch still being retried by Lambda does not become visible
      // to another poller: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
      visibilityTimeout: Duration.seconds(sizes.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(sizes.queueRetentionSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // One receive per attempt, so a task's last attempt is its last delivery.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: sizes.maxReceiveCount },
    });

    this.worker = new TasklaneFunction(this, 'Worker', {
      entry: props.entry ?? 'functions/workers/handler.ts',
      define: props.entry ? undefined : workerBundleDefine(type),
      description: `Tasklane worker of ${what}`,
      timeout: Duration.seconds(settings.timeoutSeconds),
      memoryMb: settings.memoryMb,
      logRetention,
      noDeadLetterQueueBecause: `Invoked synchronously by its SQS event source mapping only; a message of ${what} that fails ${settings.maxAttempts} times moves to its DLQ through the queue's redrive policy.`,
    });
    // Also grants the worker ReceiveMessage, DeleteMessage, ChangeMessageVisibility (the hold at each
    // attempt's start, the retry backoff) and GetQueueAttributes on this queue only.
    this.worker.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: settings.batchSize,
        // Failed tasks are retried one by one instead of the whole batch:
        // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting
        reportBatchItemFailures: true,
        maxConcurrency: settings.maxConcurrency,
      }),
    );
    Validations.of(this.worker.fn).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: `SQS event source mappings support no on-failure destination; failed messages of ${what} reach their DLQ through the queue's redrive policy instead: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html`,
    });

    this.addAlarms(type, what, alarmAction);
    this.addOutputs(type.name, what);
  }

  private addAlarms(type: Pick<TaskTypeDefinition, 'name' | 'settings'>, what: string, action: IAlarmAction): void {
    const { settings } = type;
    thresholdAlarm(this, 'DeadLetterAlarm', {
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
      threshold: 1,
      description: `Messages of ${what} exhausted their ${settings.maxAttempts} attempts and are in the DLQ.`,
      action,
    });
    // A message older than its whole retry budget should have finished or been dead-lettered by now:
    // the workers are not keeping up, or not consuming at all.
    const retryBudgetSeconds = settings.maxAttempts * (settings.timeoutSeconds + settings.backoff.capSeconds);
    thresholdAlarm(this, 'QueueAgeAlarm', {
      metric: this.queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
      threshold: Math.max(retryBudgetSeconds, ALARM_PERIOD.toSeconds()),
      description: `The oldest message of ${what} waited longer than a full retry budget: workers are behind or stopped.`,
      action,
    });
    thresholdAlarm(this, 'WorkerErrorsAlarm', {
      // Task failures are reported as batch item failures, so a function error is a crash or a timeout.
      metric: this.worker.fn.metricErrors({ statistic: 'Sum' }),
      threshold: 1,
      description: `The worker of ${what} crashed or timed out.`,
      action,
    });
    thresholdAlarm(this, 'WorkerThrottlesAlarm', {
      metric: this.worker.fn.metricThrottles({ statistic: 'Sum' }),
      threshold: 1,
      description: `The worker of ${what} was throttled: the account's concurrency is exhausted.`,
      action,
    });
  }

  private addOutputs(typeName: string, what: string): void {
    const prefix = typeName.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl, description: `Queue of ${what}` }).overrideLogicalId(
      `${prefix}QueueUrl`,
    );
    new CfnOutput(this, 'DlqUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: `Dead-letter queue of ${what}`,
    }).overrideLogicalId(`${prefix}DlqUrl`);
  }
}
