import { type CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  JsonSchemaType,
  JsonSchemaVersion,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type MethodOptions,
  RequestAuthorizer,
  ResponseTransferMode,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { browserBundleCommand } from '../../client/browser-bundle';
import { WATCH_DEFAULTS } from '../../functions/core/task-watch';
import { CLIENT_SCRIPT_FILE } from '../../functions/dashboard/client-script';
import type { TasklaneConfig } from '../config';
import { PROJECT_ROOT } from '../paths';
import { thresholdAlarm } from './alarm';
import { ApiGatewayAccount } from './api-gateway-account';
import { addJsonGatewayResponses } from './gateway-responses';
import { TasklaneFunction } from './tasklane-function';

export interface TasklaneApiProps {
  config: TasklaneConfig;
  alarmAction: IAlarmAction;
}

/** One line of JSON per request, with the tenant the authorizer resolved. */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: AccessLogField.contextRequestId(),
    requestTime: AccessLogField.contextRequestTime(),
    ip: AccessLogField.contextIdentitySourceIp(),
    userAgent: AccessLogField.contextIdentityUserAgent(),
    httpMethod: AccessLogField.contextHttpMethod(),
    resourcePath: AccessLogField.contextResourcePath(),
    path: AccessLogField.contextPath(),
    status: AccessLogField.contextStatus(),
    responseLength: AccessLogField.contextResponseLength(),
    responseLatency: AccessLogField.contextResponseLatency(),
    integrationLatency: AccessLogField.contextIntegrationLatency(),
    tenant: AccessLogField.contextAuthorizer('tenant'),
    authorizerError: AccessLogField.contextAuthorizerError(),
    errorType: AccessLogField.contextErrorResponseType(),
    xrayTraceId: AccessLogField.contextXrayTraceId(),
  }),
);

/**
 * The public REST API: explicit routes proxied to the API function, a REQUEST authorizer resolving
 * API keys to tenants on every route but the public ones (GET /health, the dashboard page and the API
 * reference), request validation, logs, tracing, throttling.
 */
export class TasklaneApi extends Construct {
  readonly restApi: RestApi;
  readonly handler: TasklaneFunction;
  readonly authorizerFunction: TasklaneFunction;
  /** Serves GET /tasks/{id}/stream with response streaming. */
  readonly streamFunction: TasklaneFunction;

  constructor(scope: Construct, id: string, props: TasklaneApiProps) {
    super(scope, id);
    const { config, alarmAction } = props;
    const synchronousOnly =
      'Invoked synchronously by API Gateway only; Lambda dead-letter queues apply to asynchronous invocations alone.';

    this.handler = new TasklaneFunction(this, 'Handler', {
      entry: 'functions/api/handler.ts',
      description: 'Tasklane HTTP API',
      // API Gateway gives up after 29 s; running longer would only cost money.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
      timeout: Duration.seconds(29),
      memoryMb: 512,
      logRetention: config.logRetentionDays,
      noDeadLetterQueueBecause: synchronousOnly,
      // GET /client.js: the client's browser build, which the dashboard imports.
      afterBundling: (outputDir) => [browserBundleCommand(PROJECT_ROOT, join(outputDir, CLIENT_SCRIPT_FILE))],
    });
    this.authorizerFunction = new TasklaneFunction(this, 'Authorizer', {
      entry: 'functions/auth/authorizer.ts',
      description: 'Tasklane API key authorizer',
      // One GetItem; API Gateway waits at most 10 s for an authorizer anyway.
      timeout: Duration.seconds(10),
      memoryMb: 256,
      logRetention: config.logRetentionDays,
      noDeadLetterQueueBecause: synchronousOnly,
    });
    this.streamFunction = new TasklaneFunction(this, 'Stream', {
      entry: 'functions/stream/handler.ts',
      description: 'Tasklane task event stream (SSE)',
      // A stream ends itself at WATCH_DEFAULTS.maxDurationMs (14 min) so clients resume cleanly; the
      // minute after it covers the last read. Past Lambda's 15-minute cap this fails synth.
      timeout: Duration.seconds(WATCH_DEFAULTS.maxDurationMs / 1000 + 60),
      // It waits on one GetItem a second; memory only buys CPU it does not use.
      memoryMb: 256,
      logRetention: config.logRetentionDays,
      noDeadLetterQueueBecause: synchronousOnly,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays });
    this.restApi = new RestApi(this, 'RestApi', {
      // Named by stage so that two stages in one account keep their metrics (dimension ApiName) apart.
      restApiName: `tasklane-${config.stage}`,
      description: `Tasklane task API (${config.stage})`,
      // Clients call from the region; EDGE would put an unconfigured CloudFront distribution in front.
      endpointTypes: [EndpointType.REGIONAL],
      // Set below by ApiGatewayAccount with an inline policy instead of an AWS managed one.
      cloudWatchRole: false,
      deployOptions: {
        stageName: config.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        // Errors only: INFO logs every request twice over (access logs already have one line each).
        loggingLevel: MethodLoggingLevel.ERROR,
        // Full request/response logging would copy task payloads and results into the logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: config.apiThrottle.rateLimit,
        throttlingBurstLimit: config.apiThrottle.burstLimit,
      },
    });
    // The output the RestApi creates anyway, under a readable name.
    (this.restApi.node.findChild('Endpoint') as CfnOutput).overrideLogicalId('ApiUrl');
    if (config.manageApiGatewayAccount) {
      this.restApi.deploymentStage.node.addDependency(new ApiGatewayAccount(this, 'GatewayAccount'));
    }
    addJsonGatewayResponses(this.restApi);
    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are programs holding tenant API keys, not users signing in: the REQUEST authorizer on every method but the public ones (GET /health, the dashboard page, the API reference) resolves the key to a tenant. A Cognito user pool would add nothing but another credential to manage.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL by default (about $5/month plus per-request fees per stage): the stage is throttled, every route but /health, the dashboard page and the API reference needs an API key, and tasks are rate-limited per tenant. Associate a web ACL with the stage where an account requires one.',
      },
    );

    this.addRoutes(config);
    this.addAlarms(alarmAction);
  }

  private addRoutes(config: TasklaneConfig): void {
    const api = this.restApi;
    // One permission for the whole API rather than one per method, keeping the function policy small.
    const integration = new LambdaIntegration(this.handler.fn, { scopePermissionToMethod: false });
    const authorizer = new RequestAuthorizer(this, 'RequestAuthorizer', {
      handler: this.authorizerFunction.fn,
      // A cached decision needs an identity source, and API Gateway rejects a request lacking it
      // before the authorizer runs: with caching on, keys travel in Authorization only. With the
      // cache TTL at 0 there is no identity source, and `x-api-key` works as it does locally.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
      identitySources: config.authorizerCacheTtlSeconds > 0 ? [IdentitySource.header('Authorization')] : [],
      resultsCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
    });
    const validator = api.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const secured: MethodOptions = {
      authorizer,
      authorizationType: AuthorizationType.CUSTOM,
      requestValidator: validator,
    };
    const withId: MethodOptions = { ...secured, requestParameters: { 'method.request.path.id': true } };
    // The shape only; the API itself checks the details and answers with field-level messages.
    const createTaskModel = api.addModel('CreateTaskModel', {
      contentType: 'application/json',
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: 'CreateTask',
        type: JsonSchemaType.OBJECT,
        required: ['type'],
        properties: { type: { type: JsonSchemaType.STRING, minLength: 1 } },
      },
    });

    const sendEmailModel = api.addModel('SendEmailModel', {
      contentType: 'application/json',
      schema: {
        schema: JsonSchemaVersion.DRAFT4,
        title: 'SendEmail',
        type: JsonSchemaType.OBJECT,
        required: ['to', 'subject', 'body'],
      },
    });

    const dashboard = api.root.addMethod('GET', integration, { authorizationType: AuthorizationType.NONE });
    Validations.of(dashboard).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET / is the dashboard page: static HTML with no data and no key in it. The page asks the user for an API key and calls the authorized routes with it.',
    });
    const clientModule = api.root
      .addResource('client.js')
      .addMethod('GET', integration, { authorizationType: AuthorizationType.NONE });
    Validations.of(clientModule).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /client.js is the browser build of the open-source client that the dashboard page imports: static code, no data.',
    });
    const health = api.root
      .addResource('health')
      .addMethod('GET', integration, { authorizationType: AuthorizationType.NONE });
    Validations.of(health).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET /health is the liveness probe for load balancers and uptime checks, which hold no API key; it returns a constant and reads no data.',
    });
    // The API's own description, public like any API reference: it is built from the code and holds no data.
    const reference = [
      api.root.addResource('openapi.json').addMethod('GET', integration, { authorizationType: AuthorizationType.NONE }),
      api.root.addResource('docs').addMethod('GET', integration, { authorizationType: AuthorizationType.NONE }),
    ];
    for (const method of reference) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GET /openapi.json and GET /docs are the OpenAPI document and its reference page, generated from the code: routes, schemas and limits, no tenant data. Users and code generators read them before they hold a key.',
      });
    }

    const tasks = api.root.addResource('tasks');
    tasks.addMethod('GET', integration, secured);
    tasks.addMethod('POST', integration, { ...secured, requestModels: { 'application/json': createTaskModel } });
    const task = tasks.addResource('{id}');
    task.addMethod('GET', integration, withId);
    task.addMethod('DELETE', integration, withId);
    task.addResource('rerun').addMethod('POST', integration, withId);
    // A static segment beside {id}: API Gateway matches it first, so /tasks/bulk is never read as an id.
    tasks.addResource('bulk').addMethod('POST', integration, secured);
    const streaming = new LambdaIntegration(this.streamFunction.fn, {
      scopePermissionToMethod: false,
      // Events are passed on as the function writes them, for up to 15 minutes (29 s when buffered):
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
      responseTransferMode: ResponseTransferMode.STREAM,
      timeout: Duration.minutes(15),
    });
    task.addResource('stream').addMethod('GET', streaming, withId);
    const taskTypes = api.root.addResource('task-types');
    taskTypes.addMethod('GET', integration, secured);
    taskTypes
      .addResource('{type}')
      .addResource('redrive')
      .addMethod('POST', integration, {
        ...secured,
        requestParameters: { 'method.request.path.type': true },
      });
    api.root
      .addResource('send-email')
      .addMethod('POST', integration, { ...secured, requestModels: { 'application/json': sendEmailModel } });
    // A presigned PUT URL for a CSV that an import task then reads; the request has no body.
    api.root.addResource('uploads').addMethod('POST', integration, secured);

    // Batched events and their batches.
    const events = api.root.addResource('events');
    events.addMethod('POST', integration, secured);
    events.addResource('stats').addMethod('GET', integration, secured);
    const batches = api.root.addResource('batches');
    batches.addMethod('GET', integration, secured);
    batches.addResource('{id}').addMethod('GET', integration, withId);

    // Cron schedules.
    const schedules = api.root.addResource('schedules');
    schedules.addMethod('GET', integration, secured);
    schedules.addMethod('POST', integration, secured);
    const schedule = schedules.addResource('{id}');
    schedule.addMethod('GET', integration, withId);
    schedule.addMethod('PATCH', integration, withId);
    schedule.addMethod('DELETE', integration, withId);

    // Settling a token a waiting task handed out (durable steps).
    const token = api.root.addResource('tokens').addResource('{token}');
    const withToken = { ...secured, requestParameters: { 'method.request.path.token': true } };
    token.addResource('complete').addMethod('POST', integration, withToken);
    token.addResource('fail').addMethod('POST', integration, withToken);

    // The tenant's webhook signing secret.
    const secret = api.root.addResource('webhooks').addResource('secret');
    secret.addMethod('GET', integration, secured);
    secret.addResource('rotate').addMethod('POST', integration, secured);
  }

  private addAlarms(action: IAlarmAction): void {
    thresholdAlarm(this, 'ServerErrorsAlarm', {
      metric: this.restApi.metricServerError({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane API answered with 5xx.',
      action,
    });
    thresholdAlarm(this, 'HandlerErrorsAlarm', {
      metric: this.handler.fn.metricErrors({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane API function crashed or timed out.',
      action,
    });
    thresholdAlarm(this, 'HandlerThrottlesAlarm', {
      metric: this.handler.fn.metricThrottles({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane API function was throttled: the account concurrency is exhausted.',
      action,
    });
    thresholdAlarm(this, 'StreamErrorsAlarm', {
      metric: this.streamFunction.fn.metricErrors({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane task stream function crashed or timed out.',
      action,
    });
    thresholdAlarm(this, 'StreamThrottlesAlarm', {
      // Every open stream holds one concurrent execution for up to 14 minutes.
      metric: this.streamFunction.fn.metricThrottles({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane task stream function was throttled: open streams used up the account concurrency.',
      action,
    });
    // No alarm on the authorizer's Errors: a denied key is a thrown "Unauthorized", which Lambda counts
    // as an error. A broken authorizer shows as API 5xx (AUTHORIZER_FAILURE) above.
  }
}
