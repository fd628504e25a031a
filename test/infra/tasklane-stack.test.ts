import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { GSI_DEFINITIONS, TABLE_KEY, TTL_ATTRIBUTE } from '../../functions/adapters/table-schema';
import { dlqUrlEnvName, ENV, queueUrlEnvName } from '../../functions/config';
import { buildApiFromEnv } from '../../functions/api/build';
import { KEY_PLACEHOLDER } from '../../functions/api/dashboard-route';
import { WATCH_DEFAULTS } from '../../functions/core/task-watch';
import { CLIENT_SCRIPT_FILE } from '../../functions/dashboard/client-script';
import { TASK_TYPES } from '../../functions/task-types/registry';
import { type SynthesizedStack, synthTasklane } from './helpers/synth';
import {
  asArray,
  httpRoutesOf,
  policyStatements,
  referencedId,
  resourcesOf,
  routesOf,
  statementsOfFunction,
  taskTypeResources,
  type StatementJson,
} from './helpers/template';

let synth: SynthesizedStack;

/** Methods without the authorizer: the liveness probe, the dashboard page and the API reference (static, no data). */
const OPEN_ROUTES = ['GET /health', 'GET /', 'GET /client.js', 'GET /openapi.json', 'GET /docs'];
const STREAM_ROUTE = 'GET /tasks/{id}/stream';

beforeAll(() => {
  // The one synth that bundles every entry with esbuild, as a deploy does; the others skip it.
  synth = synthTasklane({}, undefined, { bundle: true });
});

describe('TasklaneStack', () => {
  it('bundles every Lambda entry into a code asset of its own', () => {
    // Act
    const functions = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function')).filter(
      (f) => f.Properties.Handler === 'index.handler',
    );
    const keys = functions.map((f) => f.Properties.Code.S3Key);

    // Assess
    expect(functions.length).toBeGreaterThanOrEqual(TASK_TYPES.length + 5);
    for (const key of keys) expect(key).toMatch(/^[0-9a-f]{64}\.zip$/);
    expect(new Set(keys).size).toBeGreaterThan(1);
  });

  it("puts the client's browser module beside the API's bundle, for GET /client.js", () => {
    // Prepare
    const [api] = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function')).filter(
      (f) => f.Properties.Description === 'Tasklane HTTP API',
    );
    const assetDir = join(synth.app.outdir, `asset.${String(api!.Properties.Code.S3Key).replace(/\.zip$/, '')}`);

    // Act
    const script = readFileSync(join(assetDir, CLIENT_SCRIPT_FILE), 'utf8');

    // Assess: an ES module exporting the client, with nothing left for a browser to resolve.
    expect(readdirSync(assetDir)).toContain('index.js');
    expect(script).toMatch(/export\s*\{[^}]*\bTasklane\b/);
    expect(script).not.toMatch(/\bimport\s*[{"'*\w]|\brequire\(/);
  });

  it.each([
    ['Tasklane API key authorizer', { sqs: false, zod: false }],
    ['Tasklane task event stream (SSE)', { sqs: false, zod: false }],
    ['Tasklane event flush (buffered events into batches in S3)', { sqs: false, zod: false }],
    ['Tasklane worker of webhook deliveries', { sqs: true, zod: false }],
  ])('bundles into "%s" only the SQS client and zod it uses', (description, expected) => {
    // Prepare: the SQS client is known by its service id, zod by the name of its base schema class.
    const [fn] = Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function')).filter(
      (f) => f.Properties.Description === description,
    );
    const assetDir = join(synth.app.outdir, `asset.${String(fn!.Properties.Code.S3Key).replace(/\.zip$/, '')}`);

    // Act
    const code = readFileSync(join(assetDir, 'index.js'), 'utf8');

    // Assess
    expect({ sqs: code.includes('com.amazonaws.sqs'), zod: code.includes('"ZodType"') }).toEqual(expected);
  });

  describe.each(TASK_TYPES.map((type) => [type.name, type] as const))('task type %s', (name, type) => {
    const { settings } = type;

    it('redrives to its own DLQ after settings.maxAttempts receives', () => {
      // Act
      const { queue, dlqId, queueId } = taskTypeResources(synth.template, name);

      // Assess
      expect(dlqId).not.toBe(queueId);
      expect(queue.Properties.RedrivePolicy.maxReceiveCount).toBe(settings.maxAttempts);
    });

    it('sets the visibility timeout to 6 × settings.timeoutSeconds', () => {
      const { queue } = taskTypeResources(synth.template, name);

      expect(queue.Properties.VisibilityTimeout).toBe(6 * settings.timeoutSeconds);
    });

    it('keeps DLQ messages longer than the queue keeps them', () => {
      const { queue, dlq } = taskTypeResources(synth.template, name);

      expect(dlq.Properties.MessageRetentionPeriod).toBe(14 * 86_400);
      expect(dlq.Properties.MessageRetentionPeriod).toBeGreaterThan(queue.Properties.MessageRetentionPeriod);
    });

    it('encrypts the queue and the DLQ with SQS-managed keys', () => {
      const { queue, dlq } = taskTypeResources(synth.template, name);

      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      expect(dlq.Properties.SqsManagedSseEnabled).toBe(true);
    });

    it('feeds the worker with the batch size, partial batch failures and maximum concurrency of the type', () => {
      const { mapping } = taskTypeResources(synth.template, name);

      expect(mapping.Properties).toMatchObject({
        BatchSize: settings.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
      });
    });

    it('runs the worker on nodejs24.x arm64 with the timeout, memory and task type of the entry', () => {
      const { worker } = taskTypeResources(synth.template, name);

      expect(worker.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: settings.timeoutSeconds,
        MemorySize: settings.memoryMb,
        TracingConfig: { Mode: 'Active' },
      });
      expect(worker.Properties.Environment.Variables[ENV.taskType]).toBe(name);
    });

    it('bundles the worker for this type: the other types only if it creates or manages tasks, SES only if it uses email', () => {
      // Prepare: a type's code is known by the start of its description, the SES client by its service id.
      const { worker } = taskTypeResources(synth.template, name);
      const assetDir = join(synth.app.outdir, `asset.${String(worker.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const uses = type.uses ?? [];
      const everyType = uses.includes('create_tasks') || uses.includes('manage_tasks');
      // (Its printable ASCII start: esbuild escapes other characters.)
      const marker = (t: { description: string }) => /^[\x20-\x7e]{1,24}/.exec(t.description)![0];

      // Act
      const code = readFileSync(join(assetDir, 'index.js'), 'utf8');

      // Assess
      expect(code).toContain(marker(type));
      for (const other of TASK_TYPES.filter((t) => t !== type)) {
        if (everyType) expect(code).toContain(marker(other));
        else expect(code).not.toContain(marker(other));
      }
      if (uses.includes('email')) expect(code).toContain('com.amazonaws.sesv2');
      else expect(code).not.toContain('com.amazonaws.sesv2');
    });

    it('lets the worker consume its own queue only, and send to it (deferrals), to the webhook queue, to the queues of types that spawn children (a child’s end wakes its parent) and, if it creates tasks, every other type’s queue, only', () => {
      const { worker, queueId } = taskTypeResources(synth.template, name);
      const webhookQueueId = referencedId(worker.Properties.Environment.Variables[ENV.webhookQueueUrl]);
      const sendsTo = [
        webhookQueueId,
        // An early or over-limit delivery is sent again to its own queue, delayed.
        queueId,
        ...(type.uses?.includes('create_tasks') || type.uses?.includes('manage_tasks')
          ? TASK_TYPES.filter((t) => t.name !== name).map((t) => taskTypeResources(synth.template, t.name).queueId)
          : // A child's end wakes its parent: the queues of the types that may spawn children.
            TASK_TYPES.filter((t) => t.name !== name && t.uses?.includes('create_tasks')).map(
              (t) => taskTypeResources(synth.template, t.name).queueId,
            )),
      ];

      const sqsStatements = statementsOfFunction(synth.template, worker).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('sqs:')),
      );

      expect(sqsStatements).toHaveLength(1 + sendsTo.length);
      expect(sqsStatements).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Action: expect.arrayContaining([
              'sqs:ChangeMessageVisibility',
              'sqs:ReceiveMessage',
              'sqs:DeleteMessage',
              'sqs:GetQueueAttributes',
            ]),
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
          }),
          ...sendsTo.map((id) =>
            expect.objectContaining({
              Action: expect.arrayContaining(['sqs:SendMessage']),
              Resource: { 'Fn::GetAtt': [id, 'Arn'] },
            }),
          ),
        ]),
      );
    });

    it('alarms as soon as the DLQ holds a message', () => {
      const { dlqId } = taskTypeResources(synth.template, name);

      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    });

    it('alarms on the age of the oldest message and on worker errors and throttles', () => {
      const { queueId, workerId } = taskTypeResources(synth.template, name);

      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      });
      for (const metric of ['Errors', 'Throttles']) {
        synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: workerId } }],
        });
      }
    });

    it('outputs the queue and DLQ URLs', () => {
      const { queueId, dlqId } = taskTypeResources(synth.template, name);
      const prefix = name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

      synth.template.hasOutput(`${prefix}QueueUrl`, { Value: { Ref: queueId } });
      synth.template.hasOutput(`${prefix}DlqUrl`, { Value: { Ref: dlqId } });
    });
  });

  describe('queues', () => {
    it('deny every request that does not use TLS, on queues and DLQs alike', () => {
      const queueIds = Object.keys(resourcesOf(synth.template, 'AWS::SQS::Queue'));
      const policies = Object.values(resourcesOf(synth.template, 'AWS::SQS::QueuePolicy'));

      const protectedIds = policies
        .filter((p) =>
          p.Properties.PolicyDocument.Statement.some(
            (s: StatementJson) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
        )
        .flatMap((p) => p.Properties.Queues.map(referencedId));

      expect(protectedIds.sort()).toEqual(queueIds.sort());
    });
  });

  describe('tasks table', () => {
    it('is on demand with point-in-time recovery, TTL and encryption', () => {
      synth.template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [{ AttributeName: TABLE_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('has exactly the GSIs of table-schema.ts, with their projections', () => {
      const [table] = Object.values(resourcesOf(synth.template, 'AWS::DynamoDB::Table'));

      expect(table!.Properties.GlobalSecondaryIndexes).toEqual(
        GSI_DEFINITIONS.map((gsi) => ({
          IndexName: gsi.indexName,
          KeySchema: [
            { AttributeName: gsi.partitionKey, KeyType: 'HASH' },
            { AttributeName: gsi.sortKey, KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: gsi.projection,
            ...(gsi.nonKeyAttributes ? { NonKeyAttributes: gsi.nonKeyAttributes } : {}),
          },
        })),
      );
    });

    it('is retained, and protected from deletion, when the stack is deleted', () => {
      synth.template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
      });
    });
  });

  describe('HTTP API', () => {
    it('deploys exactly the routes the API app serves, with no catch-all proxy: the stream on the REST API, every other on the HTTP API', () => {
      // The Hono app is the source of truth: a route it serves but API Gateway lacks would 404 in AWS.
      // The API function's own environment (references stand in as text), so routes that depend on configuration count too.
      const [, apiFunction] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Description === 'Tasklane HTTP API',
      )!;
      const deployed: Record<string, unknown> = apiFunction.Properties.Environment.Variables;
      const env = {
        AWS_REGION: 'us-east-1',
        ...Object.fromEntries(Object.entries(deployed).map(([k, v]) => [k, typeof v === 'string' ? v : `ref-${k}`])),
      };
      // As functions/api/handler.ts builds it: with the page and the client module.
      const app = buildApiFromEnv(env, { html: `<html>${KEY_PLACEHOLDER}</html>`, clientScript: () => '' });
      const served = app.routes
        .filter((r) => r.method !== 'ALL')
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
      const httpRoutes = [...httpRoutesOf(synth.template).keys()];
      // The REST API's methods but the CORS preflight, which API Gateway answers itself (a mock).
      const restRoutes = [...routesOf(synth.template)]
        .filter(([, method]) => method.Properties.Integration?.Type !== 'MOCK')
        .map(([route]) => route);

      expect([...httpRoutes, ...restRoutes].sort()).toEqual([...new Set(served)].sort());
      expect(restRoutes).toEqual([STREAM_ROUTE]);
      expect(httpRoutes).not.toContain(STREAM_ROUTE);
      expect(httpRoutes).not.toContain('$default');
    });

    it('requires the Lambda authorizer on every route except GET /health, the dashboard page and the API reference', () => {
      const [authorizerId] = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer'));

      for (const [route, { Properties }] of httpRoutesOf(synth.template)) {
        const expected = OPEN_ROUTES.includes(route)
          ? { AuthorizationType: 'NONE' }
          : { AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } };
        expect({ route, ...Properties }).toMatchObject({ route, ...expected });
        if (OPEN_ROUTES.includes(route)) expect(Properties.AuthorizerId).toBeUndefined();
      }
    });

    it('authorizes by the Authorization header with the configured cache TTL, by simple responses of the key-check function', () => {
      const [authorizerFunctionId] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Description?.includes('authorizer'),
      )!;
      const [authorizer] = Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Authorizer'));

      expect(authorizer!.Properties).toMatchObject({
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: synth.config.authorizerCacheTtlSeconds,
      });
      expect(JSON.stringify(authorizer!.Properties.AuthorizerUri)).toContain(authorizerFunctionId);
    });

    it('proxies every route to the API function with payload format 2.0', () => {
      const apiFunctionId = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
        f.Properties.Description?.includes('HTTP API'),
      )![0];
      const integrations = resourcesOf(synth.template, 'AWS::ApiGatewayV2::Integration');

      for (const [route, { Properties }] of httpRoutesOf(synth.template)) {
        const integrationId = JSON.stringify(Properties.Target).match(/"Ref":"([^"]+)"/)![1]!;
        expect({ route, ...integrations[integrationId]!.Properties }).toMatchObject({
          route,
          IntegrationType: 'AWS_PROXY',
          PayloadFormatVersion: '2.0',
          IntegrationUri: { 'Fn::GetAtt': [apiFunctionId, 'Arn'] },
        });
      }
    });

    it('serves the $default stage (paths without a stage prefix) with JSON access logs, throttled as configured', () => {
      const [stage] = Object.values(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Stage'));

      expect(stage!.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        DefaultRouteSettings: {
          ThrottlingRateLimit: synth.config.apiThrottle.rateLimit,
          ThrottlingBurstLimit: synth.config.apiThrottle.burstLimit,
        },
      });
      expect(JSON.parse(stage!.Properties.AccessLogSettings.Format)).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        tenant: '$context.authorizer.tenant',
      });
    });

    it('outputs ApiUrl, the root of the $default stage', () => {
      const [apiId] = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Api'));

      synth.template.hasOutput('ApiUrl', {
        Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: apiId }, '/'])] },
      });
    });

    it('gives the API function every variable functions/config.ts reads, and its grants', () => {
      const [, fn] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
        f.Properties.Description?.includes('HTTP API'),
      )!;

      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          ENV.tableName,
          ENV.finishedTaskTtlDays,
          ENV.rateLimitPerSecond,
          ENV.rateLimitBurst,
          ...TASK_TYPES.map((t) => queueUrlEnvName(t.name)),
        ]),
      );
      expect(fn.Properties.Environment.Variables[ENV.finishedTaskTtlDays]).toBe(
        String(synth.config.finishedTaskTtlDays),
      );
    });

    it("lets the API read and delete each type's DLQ (depth and redrive), with its URL", () => {
      const [, fn] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
        f.Properties.Description?.includes('HTTP API'),
      )!;
      const statements = statementsOfFunction(synth.template, fn);

      for (const type of TASK_TYPES) {
        const { dlqId } = taskTypeResources(synth.template, type.name);
        expect(referencedId(fn.Properties.Environment.Variables[dlqUrlEnvName(type.name)])).toBe(dlqId);
        expect(statements).toContainEqual(
          expect.objectContaining({
            Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']),
            Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] },
          }),
        );
      }
    });

    it("lets the API read each type's queue attributes (queue depth)", () => {
      const [, fn] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
        f.Properties.Description?.includes('HTTP API'),
      )!;
      const statements = statementsOfFunction(synth.template, fn);

      for (const type of TASK_TYPES) {
        const { queueId } = taskTypeResources(synth.template, type.name);
        expect(referencedId(fn.Properties.Environment.Variables[queueUrlEnvName(type.name)])).toBe(queueId);
        expect(statements).toContainEqual({
          Effect: 'Allow',
          Action: 'sqs:GetQueueAttributes',
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        });
      }
    });

    it('lets the authorizer read single items and nothing else', () => {
      const [, fn] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
        f.Properties.Description?.includes('authorizer'),
      )!;

      const dataActions = statementsOfFunction(synth.template, fn)
        .flatMap((s) => asArray(s.Action))
        .filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'));

      expect(dataActions).toEqual(['dynamodb:GetItem']);
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(['NODE_OPTIONS', ENV.tableName]);
    });

    it('alarms on 5xx answers and on API function errors and throttles', () => {
      const [apiId] = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Api'));

      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
        Statistic: 'Sum',
      });
      for (const metric of ['Errors', 'Throttles']) {
        synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ApiHandlerFunction') } }],
        });
      }
    });
  });

  describe('task stream (REST API)', () => {
    const streamFunction = () =>
      Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
        f.Properties.Description?.includes('event stream'),
      )!;

    it('integrates GET /tasks/{id}/stream with its own function by response streaming, for up to 15 minutes', () => {
      const [functionId] = streamFunction();
      const method = routesOf(synth.template).get(STREAM_ROUTE)!;

      expect(method.Properties.Integration).toMatchObject({
        Type: 'AWS_PROXY',
        ResponseTransferMode: 'STREAM',
        TimeoutInMillis: 900_000,
      });
      const uri = JSON.stringify(method.Properties.Integration.Uri);
      expect(uri).toContain('/response-streaming-invocations');
      expect(uri).toContain(functionId);
      expect(method.Properties.RequestParameters).toEqual({ 'method.request.path.id': true });
    });

    it('requires the same key-check function as a REQUEST authorizer, by the Authorization header with the configured cache TTL', () => {
      const [authorizerId, authorizer] = Object.entries(resourcesOf(synth.template, 'AWS::ApiGateway::Authorizer'))[0]!;
      const [authorizerFunctionId] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Description?.includes('authorizer'),
      )!;

      expect(routesOf(synth.template).get(STREAM_ROUTE)!.Properties).toMatchObject({
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: authorizerId },
      });
      expect(authorizer.Properties).toMatchObject({
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: synth.config.authorizerCacheTtlSeconds,
      });
      expect(JSON.stringify(authorizer.Properties.AuthorizerUri)).toContain(authorizerFunctionId);
    });

    it('validates the request parameters of the stream route', () => {
      const [validatorId, validator] = Object.entries(
        resourcesOf(synth.template, 'AWS::ApiGateway::RequestValidator'),
      )[0]!;

      expect(validator.Properties).toMatchObject({ ValidateRequestParameters: true });
      expect(routesOf(synth.template).get(STREAM_ROUTE)!.Properties.RequestValidatorId).toEqual({ Ref: validatorId });
    });

    it('writes JSON access logs, error execution logs, metrics and X-Ray traces on the stage, throttled as configured', () => {
      const [stage] = Object.values(resourcesOf(synth.template, 'AWS::ApiGateway::Stage'));

      expect(stage!.Properties).toMatchObject({
        StageName: 'test',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        MethodSettings: [
          {
            HttpMethod: '*',
            ResourcePath: '/*',
            LoggingLevel: 'ERROR',
            DataTraceEnabled: false,
            MetricsEnabled: true,
            ThrottlingRateLimit: synth.config.apiThrottle.rateLimit,
            ThrottlingBurstLimit: synth.config.apiThrottle.burstLimit,
          },
        ],
      });
      expect(JSON.parse(stage!.Properties.AccessLogSetting.Format)).toMatchObject({
        requestId: '$context.requestId',
        tenant: '$context.authorizer.tenant',
      });
    });

    it('sets the region-wide API Gateway CloudWatch role before the stage is deployed', () => {
      const [accountId] = Object.keys(resourcesOf(synth.template, 'AWS::ApiGateway::Account'));

      synth.template.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([accountId]) });
    });

    it.each(['DEFAULT_4XX', 'DEFAULT_5XX', 'UNAUTHORIZED', 'THROTTLED'])(
      'answers %s with the JSON error shape',
      (type) => {
        const response = Object.values(resourcesOf(synth.template, 'AWS::ApiGateway::GatewayResponse')).find(
          (r) => r.Properties.ResponseType === type,
        );
        const sample = response!.Properties.ResponseTemplates['application/json'].replace(
          '$context.error.messageString',
          '"some message"',
        );

        expect(JSON.parse(sample)).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      },
    );

    it('alarms on 5xx answers of the stream API', () => {
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5XXError',
        Dimensions: [{ Name: 'ApiName', Value: 'tasklane-stream-test' }],
        Statistic: 'Sum',
      });
    });

    it('outputs StreamUrl, the REST stage URL', () => {
      const [restApiId] = Object.keys(resourcesOf(synth.template, 'AWS::ApiGateway::RestApi'));

      synth.template.hasOutput('StreamUrl', {
        Value: { 'Fn::Join': ['', Match.arrayWith(['https://', { Ref: restApiId }])] },
      });
    });

    it('lets the function run past the longest stream, which ends itself before the 15-minute cap', () => {
      const [, fn] = streamFunction();

      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900 });
      expect(WATCH_DEFAULTS.maxDurationMs / 1000).toBeLessThan(fn.Properties.Timeout);
    });

    it('lets the stream function read single items of the table and nothing else', () => {
      const [, fn] = streamFunction();
      const [tableId] = Object.keys(resourcesOf(synth.template, 'AWS::DynamoDB::Table'));

      const dataStatements = statementsOfFunction(synth.template, fn).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('dynamodb:')),
      );

      expect(dataStatements).toEqual([
        expect.objectContaining({ Action: 'dynamodb:GetItem', Resource: { 'Fn::GetAtt': [tableId, 'Arn'] } }),
      ]);
      expect(Object.keys(fn.Properties.Environment.Variables).sort()).toEqual(
        ['NODE_OPTIONS', ENV.dashboardOrigin, ENV.tableName].sort(),
      );
    });

    it("lets the deployed dashboard, at the HTTP API's origin, read streams across origins", () => {
      const [httpApiId] = Object.keys(resourcesOf(synth.template, 'AWS::ApiGatewayV2::Api'));
      const [, fn] = streamFunction();
      const [, apiFunction] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Description === 'Tasklane HTTP API',
      )!;
      const preflight = routesOf(synth.template).get(`OPTIONS ${STREAM_ROUTE.slice('GET '.length)}`)!;
      const headers = preflight.Properties.Integration.IntegrationResponses[0].ResponseParameters;

      // The stream function names the origin it answers with Access-Control-Allow-Origin; the page is told StreamUrl.
      expect(JSON.stringify(fn.Properties.Environment.Variables[ENV.dashboardOrigin])).toContain(httpApiId);
      expect(JSON.stringify(apiFunction.Properties.Environment.Variables[ENV.streamUrl])).toContain('StreamApi');
      // API Gateway answers the preflight without the authorizer (browsers send no key with it), for that origin only.
      expect(preflight.Properties).toMatchObject({ AuthorizationType: 'NONE', Integration: { Type: 'MOCK' } });
      expect(JSON.stringify(headers['method.response.header.Access-Control-Allow-Origin'])).toContain(httpApiId);
      expect(headers['method.response.header.Access-Control-Allow-Headers']).toBe(
        "'Authorization,x-api-key,Last-Event-ID'",
      );
    });

    it('may be invoked by this API only', () => {
      const [functionId] = streamFunction();

      synth.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
        SourceArn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
      });
    });

    it('alarms on stream function errors and throttles', () => {
      const [functionId] = streamFunction();

      for (const metric of ['Errors', 'Throttles']) {
        synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric,
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
        });
      }
    });
  });

  describe('IAM', () => {
    it('attaches no AWS managed policy to any role', () => {
      for (const role of Object.values(resourcesOf(synth.template, 'AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('grants on "*" only the X-Ray actions that support no resource-level permissions', () => {
      const wildcardActions = policyStatements(synth.template)
        .filter((s) => asArray(s.Resource).includes('*'))
        .flatMap((s) => asArray(s.Action));

      expect(new Set(wildcardActions)).toEqual(new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
    });
  });

  describe('observability', () => {
    it('keeps every log group for the configured retention', () => {
      const groups = Object.values(resourcesOf(synth.template, 'AWS::Logs::LogGroup'));

      // A log group per function (API, authorizer, stream, sweeper, scheduler, flush, webhook worker, one worker per
      // type) plus the access logs of the HTTP API and of the stream's REST API.
      expect(groups).toHaveLength(9 + TASK_TYPES.length);
      for (const group of groups) expect(group.Properties.RetentionInDays).toBe(synth.config.logRetentionDays);
    });

    it('notifies the alarm topic of every alarm and of its recovery', () => {
      const [topicId] = Object.keys(resourcesOf(synth.template, 'AWS::SNS::Topic'));

      for (const alarm of Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm'))) {
        expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.Properties.OKActions).toEqual([{ Ref: topicId }]);
      }
    });

    it('has a dashboard with an API row and a row per task type', () => {
      const [dashboard] = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard'));
      const body = JSON.stringify(dashboard!.Properties.DashboardBody);

      expect(body).toContain('## API');
      for (const type of TASK_TYPES) expect(body).toContain(`## Task type \`${type.name}\``);
    });

    it.each(TASK_TYPES.map((t) => t.name))(
      'graphs the EMF task metrics of %s with the dimensions the functions emit',
      (name) => {
        const [dashboard] = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard'));
        const body = JSON.stringify(dashboard!.Properties.DashboardBody);

        for (const metric of ['TasksCompleted', 'TasksFailed', 'AttemptDuration', 'QueueWait']) {
          expect(body).toContain(
            `[\\"Tasklane\\",\\"${metric}\\",\\"TaskType\\",\\"${name}\\",\\"service\\",\\"tasklane\\"`,
          );
        }
      },
    );

    it.each(['ApiUrl', 'StreamUrl', 'TableName', 'DashboardUrl', 'AlarmTopicArn'])('outputs %s', (name) => {
      synth.template.hasOutput(name, {});
    });
  });
});
