import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { GSI_DEFINITIONS, TABLE_KEY } from '../functions/adapters/table-schema';
import type { TaskTypeDefinition } from '../functions/core/task-type';
import { queueSettings } from '../functions/core/queue-settings';

/** Creates the tasks table with its indexes (no-op if it already exists, e.g. with --data-dir). */
export async function createTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  const attributes = new Set<string>([TABLE_KEY, ...GSI_DEFINITIONS.flatMap((g) => [g.partitionKey, g.sortKey])]);
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [{ AttributeName: TABLE_KEY, KeyType: 'HASH' }],
        GlobalSecondaryIndexes: GSI_DEFINITIONS.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey, KeyType: 'HASH' },
            { AttributeName: g.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: g.projection, NonKeyAttributes: g.nonKeyAttributes },
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** Deletes a table the stack created for itself on a shared endpoint (no-op if it is gone). */
export async function deleteTable(dynamo: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await dynamo.send(new DeleteTableCommand({ TableName: tableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
}

export interface ProvisionedQueue {
  type: Pick<TaskTypeDefinition, 'name' | 'settings'>;
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
}

/** Creates a task type's queue and DLQ with the redrive policy. */
export async function createTypeQueues(
  sqs: SQSClient,
  type: Pick<TaskTypeDefinition, 'name' | 'settings'>,
): Promise<ProvisionedQueue> {
  const settings = queueSettings(type);
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: settings.dlqName,
      Attributes: { MessageRetentionPeriod: String(settings.dlqRetentionSeconds) },
    }),
  );
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: settings.queueName,
      Attributes: {
        VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
        MessageRetentionPeriod: String(settings.queueRetentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: settings.maxReceiveCount }),
      },
    }),
  );
  return { type, queueUrl: queue.QueueUrl!, queueArn: await queueArn(sqs, queue.QueueUrl!), dlqUrl: dlq.QueueUrl! };
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  return out.Attributes!.QueueArn!;
}

/** Creates a bucket (no-op if it exists). */
export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou || error instanceof BucketAlreadyExists)) throw error;
  }
}
