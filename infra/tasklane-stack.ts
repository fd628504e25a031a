import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { TaskTypeDefinition } from '../functions/task-types/definition';
import { TASK_TYPES } from '../functions/task-types/registry';
import type { TasklaneConfig } from './config';
import { AlarmTopic } from './constructs/alarm-topic';
import { TasklaneApi } from './constructs/api';
import { TasklaneDashboard } from './constructs/dashboard';
import { RuntimeEnvironment } from './constructs/runtime-environment';
import { ScheduledJob } from './constructs/scheduled-job';
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
      (type) => new TaskTypeQueue(this, `TaskType-${type.name}`, { type, logRetention: config.logRetentionDays, alarmAction: alarms.action }),
    );
    const api = new TasklaneApi(this, 'Api', { config, alarmAction: alarms.action });

    const runtime = new RuntimeEnvironment({ tasks, queues: new Map(queues.map((q) => [q.typeName, q.queue])), config });
    runtime.configureApi(api.handler.fn);
    runtime.configureAuthorizer(api.authorizerFunction.fn);
    for (const q of queues) runtime.configureWorker(q.worker.fn, q.typeName);

    const sweeper = new ScheduledJob(this, 'Sweeper', {
      entry: 'functions/scheduled/sweeper.ts',
      description: 'Tasklane sweeper (re-enqueues lost messages, fails tasks whose final attempt died)',
      every: Duration.minutes(1),
      timeout: Duration.seconds(50),
      logRetention: config.logRetentionDays,
      alarmAction: alarms.action,
    });
    runtime.configureSweeper(sweeper.function.fn);

    new TasklaneDashboard(this, 'Dashboard', { api, taskTypes: queues });
    new CfnOutput(this, 'TableName', { value: tasks.table.tableName, description: 'DynamoDB table of tasks and API keys' });
    new CfnOutput(this, 'AlarmTopicArn', { value: alarms.topic.topicArn, description: 'SNS topic every alarm notifies' });
  }
}
