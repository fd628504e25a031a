import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { dlqUrlEnvName, ENV, queueUrlEnvName } from '../../functions/config';
import { UPLOADS_PREFIX } from '../../functions/task-types/uploads';
import { RESULT_FILES } from '../../functions/core/result-store';
import type { TaskServiceUse, TaskTypeDefinition } from '../../functions/core/task-type';
import type { TasklaneConfig } from '../config';
import type { TasksTable } from './tasks-table';

export interface RuntimeEnvironmentProps {
  tasks: TasksTable;
  /** Queue of every task type, by type name. */
  queues: ReadonlyMap<string, IQueue>;
  /** Dead-letter queue of every task type, by type name (the API shows their depth and redrives them). */
  deadLetterQueues: ReadonlyMap<string, IQueue>;
  /** The webhook delivery queue: every function that can end a task sends to it. */
  webhookQueue: IQueue;
  /** Types that may spawn children (they use `create_tasks`): a child's end wakes its parent through their queue. */
  parentTypes: readonly string[];
  /** Where task types that use files write them (exports/). */
  files: IBucket;
  config: TasklaneConfig;
}

/** Item-level actions on the table itself; listing queries also run against the indexes. */
const TABLE_ITEM_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
];
const INDEX_ACTIONS = ['dynamodb:Query'];
/** The event buffer is written and drained with DynamoDB's batch APIs. */
const EVENT_BUFFER_ACTIONS = ['dynamodb:BatchWriteItem', 'dynamodb:BatchGetItem'];

/**
 * The one place configuration crosses from infrastructure to runtime: each method sets exactly the
 * environment variables functions/config.ts reads and grants exactly what that code path calls.
 */
export class RuntimeEnvironment {
  constructor(private readonly props: RuntimeEnvironmentProps) {}

  /** The API: tasks read/written and sent to every type's queue; events buffered, with an early flush. */
  configureApi(fn: LambdaFunction, flush: LambdaFunction): void {
    this.configureTaskWriter(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['dynamodb:BatchWriteItem'], resources: [this.props.tasks.table.tableArn] }),
    );
    fn.addEnvironment(ENV.flushFunctionName, flush.functionName);
    fn.addEnvironment(ENV.maxSchedulesPerTenant, String(this.props.config.maxSchedulesPerTenant));
    // POST /uploads presigns PUT URLs, which carry the signer's permission; POST /tasks reads a payload by reference.
    this.grantFilesPrefix(
      fn,
      UPLOADS_PREFIX,
      ['s3:PutObject', 's3:GetObject'],
      'POST /uploads signs one PUT URL per upload, uploads/<tenant>/<upload id>.csv, and POST /tasks reads one as a payload by reference; those keys cannot be named in advance; object actions on that prefix only.',
    );
    this.grantResults(
      fn,
      ['s3:GetObject', 's3:PutObject'],
      'GET /tasks/{id} presigns a GET link to a task result under results/<tenant>/<task id>/, and POST /tasks copies a payload by reference there; those keys cannot be named in advance; object actions on that prefix only.',
    );
    // The unqualified function only (grantInvoke would add every version and alias, `<arn>:*`).
    fn.addToRolePolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [flush.functionArn] }));
    // GET /task-types shows each type's queue depth (URLs set with the task writer's environment). CDK's
    // grantSendMessages includes this action today; granted by name so the depth does not rest on that.
    for (const queue of this.props.queues.values()) queue.grant(fn, 'sqs:GetQueueAttributes');
    // GET /task-types shows each DLQ's depth; POST /task-types/{type}/redrive receives and deletes its messages.
    for (const [type, dlq] of this.props.deadLetterQueues) {
      fn.addEnvironment(dlqUrlEnvName(type), dlq.queueUrl);
      dlq.grantConsumeMessages(fn);
    }
  }

  /** The sweeper: tasks read/written, re-sent to any type's queue, and failed (with their webhook queued). */
  configureSweeper(fn: LambdaFunction): void {
    this.configureTaskWriter(fn);
  }

  /**
   * What the API and the sweeper share: tasks read/written and sent to any type's queue, and the webhook
   * of a task they end (canceled, failed) queued.
   */
  private configureTaskWriter(fn: LambdaFunction): void {
    this.setTaskEnvironment(fn);
    this.grantTaskTable(fn);
    for (const queue of this.props.queues.values()) queue.grantSendMessages(fn);
    this.props.webhookQueue.grantSendMessages(fn);
  }

  /** The scheduler: schedules read and moved on, each firing written as a task and sent to its type's queue. */
  configureScheduler(fn: LambdaFunction): void {
    this.setTaskEnvironment(fn);
    this.grantTaskTable(fn);
    for (const queue of this.props.queues.values()) queue.grantSendMessages(fn);
  }

  /** The webhook worker: tasks read and their webhook state written, the tenant's signing secret read (and created). */
  configureWebhookWorker(fn: LambdaFunction): void {
    this.setTaskEnvironment(fn);
    this.grantTaskTable(fn);
  }

  /** The event flush: the buffer drained with batch APIs, one object per batch into the bucket. */
  configureFlush(fn: LambdaFunction, bucket: IBucket): void {
    this.setTaskEnvironment(fn);
    this.grantTaskTable(fn);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: EVENT_BUFFER_ACTIONS, resources: [this.props.tasks.table.tableArn] }),
    );
    fn.addEnvironment(ENV.eventsBucket, bucket.bucketName);
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('events/*')] }),
    );
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnElement)}.Arn>/events/*]`,
      reason:
        'The flush writes one new object per batch under events/ with a key it derives from the batch id; objects cannot be named in advance. PutObject only, on that prefix only.',
    });
  }

  /**
   * A worker of one type: tasks read/written, its tasks' webhooks delivered first-hand or queued, plus
   * what the type declares it uses. Consuming its own queue is granted by its event source.
   */
  configureWorker(fn: LambdaFunction, type: Pick<TaskTypeDefinition, 'name' | 'uses'>): void {
    this.setTaskEnvironment(fn);
    fn.addEnvironment(ENV.taskType, type.name);
    // The table also holds each tenant's webhook signing secret: a worker that ends a task makes the
    // webhook's first delivery itself (read, or created on first use, as the webhook worker does) ...
    this.grantTaskTable(fn);
    // ... and queues it for the webhook worker when that try fails.
    this.props.webhookQueue.grantSendMessages(fn);
    // A delivery that comes early (a delayed task) or over a concurrency limit is sent again, delayed, to its own queue.
    this.props.queues.get(type.name)?.grantSendMessages(fn);
    // Any type's step or task result may be too large for the record: written once, read back on a replay.
    this.grantResults(
      fn,
      ['s3:PutObject', 's3:GetObject'],
      'A worker writes each result too large for the task record to a new object, results/<tenant>/<task id>/<kind>-<id>.json, which cannot be named in advance, and reads it back; object actions on that prefix only.',
    );
    const grants: Record<TaskServiceUse, (fn: LambdaFunction) => void> = {
      email: (f) => this.grantEmail(f),
      files: (f) => this.grantFiles(f),
      uploads: (f) =>
        this.grantFilesPrefix(
          f,
          UPLOADS_PREFIX,
          ['s3:GetObject'],
          'An import reads the upload its payload names, uploads/<tenant>/<upload id>.csv, which cannot be named in advance; GetObject on that prefix only.',
        ),
      // Every other type's queue: a type that creates tasks never creates its own kind.
      create_tasks: (f) => {
        for (const [name, queue] of this.props.queues) if (name !== type.name) queue.grantSendMessages(f);
      },
      // A rerun goes to its original's queue, whatever the type; the worker's own queue is granted above.
      manage_tasks: (f) => {
        for (const [name, queue] of this.props.queues) if (name !== type.name) queue.grantSendMessages(f);
      },
    };
    for (const use of type.uses ?? []) grants[use](fn);
    // A worker that ends a child task wakes its waiting parent (core/child-fan-in.ts); a type that
    // creates or manages tasks has every other queue already.
    if (!type.uses?.some((use) => use === 'create_tasks' || use === 'manage_tasks')) {
      for (const name of this.props.parentTypes)
        if (name !== type.name) this.props.queues.get(name)?.grantSendMessages(fn);
    }
  }

  /** SendEmail from the configured sender only: its address identity or its domain's, whichever is verified. */
  private grantEmail(fn: LambdaFunction): void {
    const { emailFrom } = this.props.config;
    // Without a sender the type fails each task with a message that says to set emailFrom; no grant is needed.
    if (!emailFrom) return;
    fn.addEnvironment(ENV.emailFrom, emailFrom);
    const identity = (name: string) =>
      Stack.of(fn).formatArn({ service: 'ses', resource: 'identity', resourceName: name });
    // SendEmail authorizes against the sending identity: https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [identity(emailFrom), identity(emailFrom.split('@')[1]!)],
      }),
    );
  }

  /** Objects under exports/ written (multipart), read back for the presigned download link, and aborted. */
  private grantFiles(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.downloadUrlExpirySeconds, String(this.props.config.downloadUrlExpirySeconds));
    // A presigned URL carries the signer's permissions, so the worker needs GetObject for the link to work.
    this.grantFilesPrefix(
      fn,
      'exports/',
      ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'],
      'An export writes one new object per task, exports/<tenant>/<task id>.<format>, which cannot be named in advance; object actions on that prefix only.',
    );
  }

  /**
   * Results too large for the task record (core/result-store.ts), under results/ of the files bucket:
   * a worker writes and reads them back, the API presigns GET links to them (which carry its GetObject).
   */
  private grantResults(fn: LambdaFunction, actions: string[], reason: string): void {
    fn.addEnvironment(ENV.downloadUrlExpirySeconds, String(this.props.config.downloadUrlExpirySeconds));
    this.grantFilesPrefix(fn, RESULT_FILES.prefix, actions, reason, ENV.resultsBucket);
  }

  /** Object actions on one prefix of the files bucket, with the bucket's name in the environment (`envName`). */
  private grantFilesPrefix(
    fn: LambdaFunction,
    prefix: string,
    actions: string[],
    reason: string,
    envName: string = ENV.filesBucket,
  ): void {
    const { files } = this.props;
    fn.addEnvironment(envName, files.bucketName);
    fn.addToRolePolicy(new PolicyStatement({ actions, resources: [files.arnForObjects(`${prefix}*`)] }));
    Validations.of(fn.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(files).getLogicalId(files.node.defaultChild as CfnElement)}.Arn>/${prefix}*]`,
      reason,
    });
  }

  /** The authorizer: looks API keys up by their hash, nothing else. */
  configureAuthorizer(fn: LambdaFunction): void {
    const { table } = this.props.tasks;
    fn.addEnvironment(ENV.tableName, table.tableName);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }));
  }

  /** The task stream: reads single tasks, nothing else. */
  configureStream(fn: LambdaFunction): void {
    const { table } = this.props.tasks;
    fn.addEnvironment(ENV.tableName, table.tableName);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }));
  }

  /** Everything `loadConfig` in functions/config.ts requires, for every task type (it reads them all). */
  private setTaskEnvironment(fn: LambdaFunction): void {
    const { tasks, queues, config } = this.props;
    fn.addEnvironment(ENV.tableName, tasks.table.tableName);
    for (const [typeName, queue] of queues) fn.addEnvironment(queueUrlEnvName(typeName), queue.queueUrl);
    fn.addEnvironment(ENV.finishedTaskTtlDays, String(config.finishedTaskTtlDays));
    fn.addEnvironment(ENV.rateLimitPerSecond, String(config.rateLimitPerSecond));
    fn.addEnvironment(ENV.rateLimitBurst, String(config.rateLimitBurst));
    fn.addEnvironment(ENV.webhookQueueUrl, this.props.webhookQueue.queueUrl);
    fn.addEnvironment(ENV.webhookSchemes, config.webhookSchemes.join(','));
  }

  private grantTaskTable(fn: LambdaFunction): void {
    const { tasks } = this.props;
    fn.addToRolePolicy(new PolicyStatement({ actions: TABLE_ITEM_ACTIONS, resources: [tasks.table.tableArn] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: INDEX_ACTIONS, resources: tasks.indexArns }));
  }
}
