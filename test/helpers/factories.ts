import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import type { TaskMessage } from '../../functions/core/ports';
import type { Task } from '../../functions/core/task';
import type { TaskServices } from '../../functions/core/task-services';
import type { DurableContext } from '../../functions/core/task-steps';
import { localLambdaContext } from '../../local/lambda-context';

/** Region, account and queue every factory agrees on, so ARNs and URLs line up across a test. */
export const AWS_REGION = 'us-east-1';
export const AWS_ACCOUNT = '123456789012';
export const QUEUE_NAME = 'tasklane-generic';
export const QUEUE_URL = `https://sqs.${AWS_REGION}.amazonaws.com/${AWS_ACCOUNT}/${QUEUE_NAME}`;
export const QUEUE_ARN = `arn:aws:sqs:${AWS_REGION}:${AWS_ACCOUNT}:${QUEUE_NAME}`;

/** A fixed instant for tests that need a clock: 2025-03-04T05:06:07.000Z. */
export const FIXED_NOW = new Date('2025-03-04T05:06:07.000Z');

export interface SqsRecordOptions {
  body?: string;
  /** SQS ApproximateReceiveCount: the worker treats it as the attempt number. */
  receiveCount?: number;
  messageId?: string;
  receiptHandle?: string;
  /** Epoch milliseconds the message was sent. */
  sentAt?: number;
}

/** The body of a task message as the API enqueues it. */
export function taskMessageBody(message: TaskMessage): string {
  return JSON.stringify(message);
}

/** An SQS record as Lambda's event source mapping delivers it, with every system attribute set. */
export function sqsRecord(options: SqsRecordOptions = {}): SQSRecord {
  const body = options.body ?? taskMessageBody({ tenant: 'acme', task_id: '01JNK8Z6S4Y5Q3W2E1R0T9P8N7' });
  const sentAt = options.sentAt ?? FIXED_NOW.getTime() - 2_000;
  return {
    messageId: options.messageId ?? randomUUID(),
    receiptHandle: options.receiptHandle ?? `AQEB${randomBytes(96).toString('base64')}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(sentAt),
      SenderId: 'AROAIWPX5BD2BHG722MW4:tasklane-api',
      ApproximateFirstReceiveTimestamp: String(sentAt + 40),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(body, 'utf8').digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: AWS_REGION,
  };
}

/** An SQS event carrying the given records (at most the event source mapping's batch size in real life). */
export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A task as the store holds it; by default a freshly created `generic` task of tenant `acme`. */
export function taskItem(overrides: Partial<Task> = {}): Task {
  const created = '2025-03-04T05:00:00.000Z';
  return {
    id: '01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
    tenant: 'acme',
    type: 'generic',
    status: 'pending',
    progress: 0,
    payload: { steps: 3, step_ms: 1000, fail_attempts: 0 },
    attempts: 0,
    max_attempts: 5,
    created_at: created,
    updated_at: created,
    ...overrides,
  };
}

/** A Lambda invocation context with a fixed remaining time (the local stack's context, deadline pinned). */
export function lambdaContext(options: { functionName?: string; remainingMs?: number } = {}): Context {
  const context = localLambdaContext(options.functionName ?? 'tasklane-worker-generic', 900);
  return { ...context, getRemainingTimeInMillis: () => options.remainingMs ?? 900_000 };
}

export interface ApiGatewayEventOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** The tenant the REST API's Lambda authorizer put in the request context; none when unset. */
  tenant?: string;
}

/** A REST API (v1) proxy event as API Gateway sends it to a Lambda integration, after the authorizer. */
export function apiGatewayEvent(options: ApiGatewayEventOptions): APIGatewayProxyEvent {
  const headers = {
    Host: 'abc123.execute-api.us-east-1.amazonaws.com',
    'User-Agent': 'curl/8.5.0',
    ...options.headers,
  };
  return {
    httpMethod: options.method ?? 'GET',
    path: options.path,
    resource: options.path.replace(/^\/tasks\/[^/]+/, '/tasks/{id}'),
    body: null,
    isBase64Encoded: false,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      accountId: AWS_ACCOUNT,
      apiId: 'abc123',
      authorizer: options.tenant ? { tenant: options.tenant, principalId: options.tenant } : undefined,
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      httpMethod: options.method ?? 'GET',
      identity: {
        sourceIp: '198.51.100.7',
        userAgent: 'curl/8.5.0',
      } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/prod${options.path}`,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: FIXED_NOW.getTime(),
      resourceId: 'a1b2c3',
      resourcePath: options.path,
      stage: 'prod',
    },
  };
}

/**
 * An HTTP API event (payload format 2.0) as the $default stage sends it: lower-case headers, the path
 * without a stage, the Lambda authorizer's simple-response context under `authorizer.lambda`.
 */
export function apiGatewayEventV2(options: ApiGatewayEventOptions & { query?: string }): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  const headers = Object.fromEntries(
    Object.entries({
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'user-agent': 'curl/8.5.0',
      ...options.headers,
    }).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const route = `${method} ${options.path.replace(/^\/tasks\/[^/]+/, '/tasks/{id}')}`;
  const event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: { lambda: Record<string, string> } } } = {
    version: '2.0',
    routeKey: route,
    rawPath: options.path,
    rawQueryString: options.query ?? '',
    headers,
    isBase64Encoded: false,
    requestContext: {
      accountId: AWS_ACCOUNT,
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: options.path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'curl/8.5.0' },
      requestId: randomUUID(),
      routeKey: route,
      stage: '$default',
      time: '04/Mar/2025:05:06:07 +0000',
      timeEpoch: FIXED_NOW.getTime(),
      ...(options.tenant ? { authorizer: { lambda: { tenant: options.tenant } } } : {}),
    },
  };
  return event;
}

/** Task services for unit tests: each member fails loudly unless the test provides it. */
export function taskServices(overrides: Partial<TaskServices> = {}): TaskServices {
  const unused = (name: string) => () => Promise.reject(new Error(`test did not expect ctx.services.${name}`));
  return {
    email: { send: unused('email.send') },
    files: { upload: unused('files.upload'), downloadUrl: unused('files.downloadUrl'), read: unused('files.read') },
    tasks: { list: unused('tasks.list'), createMany: unused('tasks.createMany') },
    manage: { get: unused('manage.get'), cancel: unused('manage.cancel'), rerun: unused('manage.rerun') },
    children: {
      check: () => {
        throw new Error('test did not expect ctx.services.children.check');
      },
      create: unused('children.create'),
      get: unused('children.get'),
      wakeWaiting: unused('children.wakeWaiting'),
    },
    ...overrides,
  };
}

/** The durable methods of a task context, for tests of task code that uses none: any call fails the test. */
export const noDurableSteps: DurableContext = {
  step: () => Promise.reject(new Error('ctx.step is not expected in this test')),
  sleep: () => Promise.reject(new Error('ctx.sleep is not expected in this test')),
  createToken: () => Promise.reject(new Error('ctx.createToken is not expected in this test')),
  waitForToken: () => Promise.reject(new Error('ctx.waitForToken is not expected in this test')),
  spawn: () => Promise.reject(new Error('ctx.spawn is not expected in this test')),
  waitForChildren: () => Promise.reject(new Error('ctx.waitForChildren is not expected in this test')),
};
