import { type Duration, Validations } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { thresholdAlarm } from './alarm';
import { TasklaneFunction } from './tasklane-function';

export interface ScheduledJobProps {
  /** Entry file relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  /** How often EventBridge invokes it. */
  every: Duration;
  timeout: Duration;
  logRetention: RetentionDays;
  alarmAction: IAlarmAction;
}

/** A Lambda run on an EventBridge schedule, with an alarm on its errors. */
export class ScheduledJob extends Construct {
  readonly function: TasklaneFunction;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    this.function = new TasklaneFunction(this, 'Handler', {
      entry: props.entry,
      description: props.description,
      timeout: props.timeout,
      memoryMb: 256,
      logRetention: props.logRetention,
      noDeadLetterQueueBecause:
        'A missed scheduled run is replaced by the next one a minute later, and every run starts from the table, so a failed event needs no replay.',
    });
    this.rule = new Rule(this, 'Schedule', {
      description: `Runs ${props.description}`,
      schedule: Schedule.rate(props.every),
      // Retries of a missed run would only overlap the next scheduled one.
      targets: [new LambdaFunction(this.function.fn, { retryAttempts: 0 })],
    });
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'The schedule target is retried 0 times on purpose: a missed run is replaced by the next one a minute later, which reads the same state from the table; a DLQ of stale schedule events would hold nothing worth replaying.',
    });
    thresholdAlarm(this, 'ErrorsAlarm', {
      metric: this.function.fn.metricErrors({ statistic: 'Sum' }),
      threshold: 1,
      description: `${props.description} failed.`,
      action: props.alarmAction,
    });
  }
}
