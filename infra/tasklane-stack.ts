import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TaskTypeDefinition } from '../functions/core/task-type';
import { TASK_TYPES } from '../functions/task-types/registry';
import type { TasklaneConfig } from './config';
import { AlarmTopic } from './constructs/alarm-topic';
import { TasklaneApi } from './constructs/api';
import { TasklaneDashboard } from './constructs/dashboard';
import { RuntimeEnvironment } from './constructs/runtime-environment';
import { ScheduledJob } from './constructs/scheduled-job';
import { eventsBucket as createEventsBucket } from './constructs/events-bucket';
import { filesBucket } from './constructs/files-bucket';
import { WEBHOOK_QUEUE } from '../functions/webhooks/settings';
import { thresholdAlarm } from './constructs/alarm';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  METRICS_NAMESPACE,
  METRICS_SERVICE,
  OLDEST_WAITING_EVENT_AGE_METRIC,
} from '../functions/adapters/powertools-metrics';
import { TaskTypeQueue } from './constructs/task-type-queue';
import { TasksTable } from './constructs/tasks-table';

export interface TasklaneStackProps extends StackProps {
  config: TasklaneConfig;
  /** The registry to deploy; tests pass their own entries. */
  taskTypes?: readonly TaskTypeDefinition[];
}

/** Tasklane on AWS: the API, the tasks table, and a queue, DLQ and worker per registered task type. */
export class TasklaneStack extends Stack {
  constructor(scope: Construct, id: string, props: TasklaneStackProps) {
    super(scope, id, props);
    const { config } = props;
    const taskTypes = props.taskTypes ?? TASK_TYPES;

    const alarms = new AlarmTopic(this, 'Alarms', { destination: config.alarms });
    const tasks = new TasksTable(this, 'Tasks', { removalPolicy: config.tableRemovalPolicy });
    const queues = taskTypes.map(
      (type) =>
        new TaskTypeQueue(this, `TaskType-${type.name}`, {
          type,
          logRetention: config.logRetentionDays,
          alarmAction: alarms.action,
        }),
    );
    const api = new TasklaneApi(this, 'Api', { config, alarmAction: alarms.action });

    const webhooks = new TaskTypeQueue(this, 'Webhooks', {
      type: WEBHOOK_QUEUE,
      entry: 'functions/workers/webhook-handler.ts',
      what: 'webhook deliveries',
      logRetention: config.logRetentionDays,
      alarmAction: alarms.action,
    });
    const files = filesBucket(this, 'Files', config.finishedTaskTtlDays);
    const runtime = new RuntimeEnvironment({
      tasks,
      queues: new Map(queues.map((q) => [q.typeName, q.queue])),
      deadLetterQueues: new Map(queues.map((q) => [q.typeName, q.deadLetterQueue])),
      webhookQueue: webhooks.queue,
      parentTypes: taskTypes.filter((t) => t.uses?.includes('create_tasks')).map((t) => t.name),
      files: files.bucket,
      config,
    });
    runtime.configureWebhookWorker(webhooks.worker.fn);
    const eventsBucket = createEventsBucket(this, 'Events');
    const flush = new ScheduledJob(this, 'Flush', {
      entry: 'functions/scheduled/flush.ts',
      description: 'Tasklane event flush (buffered events into batches in S3)',
      every: Duration.minutes(1),
      timeout: Duration.seconds(55),
      logRetention: config.logRetentionDays,
      alarmAction: alarms.action,
    });
    runtime.configureFlush(flush.function.fn, eventsBucket.bucket);
    thresholdAlarm(flush, 'OldestEventAlarm', {
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: OLDEST_WAITING_EVENT_AGE_METRIC,
        dimensionsMap: { service: METRICS_SERVICE },
        statistic: 'Maximum',
      }),
      // The flush runs every minute: an event five minutes old means the flush is failing or falling behind.
      threshold: 300,
      description: 'The oldest buffered event waited over 5 minutes for a flush.',
      action: alarms.action,
    });
    runtime.configureApi(api.handler.fn, flush.function.fn);
    runtime.configureAuthorizer(api.authorizerFunction.fn);
    runtime.configureStream(api.streamFunction.fn);
    taskTypes.forEach((type, i) => {
      runtime.configureWorker(queues[i]!.worker.fn, type);
    });

    const sweeper = new ScheduledJob(this, 'Sweeper', {
      entry: 'functions/scheduled/sweeper.ts',
      description: 'Tasklane sweeper (re-enqueues lost messages, fails tasks whose final attempt died)',
      every: Duration.minutes(1),
      timeout: Duration.seconds(50),
      logRetention: config.logRetentionDays,
      alarmAction: alarms.action,
    });
    runtime.configureSweeper(sweeper.function.fn);

    // Cron schedules: a DynamoDB index of next fire times read every minute (README, "Schedules").
    const scheduler = new ScheduledJob(this, 'Scheduler', {
      entry: 'functions/scheduled/scheduler.ts',
      description: 'Tasklane scheduler (creates the tasks of cron schedules due within 90 s)',
      every: Duration.minutes(1),
      // Within the minute, so runs never overlap; what one run leaves, the next fires (within the 60 s grace).
      timeout: Duration.seconds(50),
      logRetention: config.logRetentionDays,
      alarmAction: alarms.action,
    });
    runtime.configureScheduler(scheduler.function.fn);

    new TasklaneDashboard(this, 'Dashboard', { api, taskTypes: queues, webhooks });
    new CfnOutput(this, 'TableName', {
      value: tasks.table.tableName,
      description: 'DynamoDB table of tasks and API keys',
    });
    new CfnOutput(this, 'FilesBucketName', {
      value: files.bucket.bucketName,
      description: 'S3 bucket of task files (exports/, uploads/, results/)',
    });
    new CfnOutput(this, 'EventsBucketName', {
      value: eventsBucket.bucket.bucketName,
      description: 'S3 bucket of flushed event batches',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: alarms.topic.topicArn,
      description: 'SNS topic every alarm notifies',
    });
  }
}
