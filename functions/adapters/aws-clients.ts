import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { RuntimeConfig } from '../config';

export interface AwsClients {
  dynamo: DynamoDBDocumentClient;
  sqs: SQSClient;
}

type ClientConfig = Pick<RuntimeConfig, 'region' | 'endpoints'>;

/** Credentials for the embedded emulators, which check none; in AWS the default chain. */
const localCredentials = (config: ClientConfig) =>
  config.endpoints ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {};

/**
 * The DynamoDB document client alone, for the functions that call nothing else (the authorizer, the
 * stream, the flush): importing createAwsClients would bundle the SQS client into them too.
 */
export function createDynamoClient(config: ClientConfig): DynamoDBDocumentClient {
  const dynamoClient = new DynamoDBClient({
    region: config.region,
    endpoint: config.endpoints?.dynamodb,
    ...localCredentials(config),
  });
  return DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
}

/**
 * Builds the SDK clients once per process (Lambda reuses them across invocations). The local
 * stack passes endpoint overrides pointing at the embedded emulators; in AWS they are unset.
 */
export function createAwsClients(config: ClientConfig): AwsClients {
  return {
    dynamo: createDynamoClient(config),
    sqs: new SQSClient({ region: config.region, endpoint: config.endpoints?.sqs, ...localCredentials(config) }),
  };
}
