import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RuntimeConfig } from '../config';

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
}

/**
 * Builds the SDK clients once per process (Lambda reuses them across invocations). The local
 * stack passes endpoint overrides pointing at the embedded emulators; in AWS they are unset.
 */
export function createAwsClients(config: Pick<RuntimeConfig, 'region' | 'endpoints'>): AwsClients {
  const local = config.endpoints ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};
  const dynamoClient = new DynamoDBClient({ region: config.region, endpoint: config.endpoints?.dynamodb, ...local });
  return {
    dynamo: DynamoDBDocumentClient.from(dynamoClient, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    }),
    sqs: new SQSClient({ region: config.region, endpoint: config.endpoints?.sqs, ...local }),
  };
}
