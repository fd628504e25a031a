import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  type IHttpRouteAuthorizer,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { browserBundleCommand } from '../../client/browser-bundle';
import { ENV } from '../../functions/config';
import { WATCH_DEFAULTS } from '../../functions/core/task-watch';
import { CLIENT_SCRIPT_FILE } from '../../functions/dashboard/client-script';
import type { TasklaneConfig } from '../config';
import { PROJECT_ROOT } from '../paths';
import { accessLogFormat } from './access-log';
import { thresholdAlarm } from './alarm';
import { TasklaneStreamApi } from './stream-api';
import { TasklaneFunction } from './tasklane-function';

export interface TasklaneApiProps {
  config: TasklaneConfig;
  alarmAction: IAlarmAction;
}

/** The access log line (access-log.ts): the route key names the route; the integration's error message too. */
const ACCESS_LOG_FORMAT = accessLogFormat(
  { routeKey: '$context.routeKey' },
  { integrationError: '$context.integrationErrorMessage' },
);

/** A route of the HTTP API: method, path, and whether it is open to callers without a key. */
type Route = readonly [HttpMethod, string, 'public'?];

const { GET, POST, PATCH, DELETE } = HttpMethod;

/**
 * Every route the API function serves, GET /tasks/{id}/stream aside (TasklaneStreamApi). The Hono
 * app is the source of truth; test/infra holds this table against it.
 */
const ROUTES: readonly Route[] = [
  // The dashboard page: static HTML with no data and no key in it; it asks its user for a key.
  [GET, '/', 'public'],
  // The browser build of the open-source client that the page imports: static code, no data.
  [GET, '/client.js', 'public'],
  // The liveness probe for load balancers and uptime checks, which hold no API key.
  [GET, '/health', 'public'],
  // The API's own description, public like any API reference: built from the code, no tenant data.
  [GET, '/openapi.json', 'public'],
  [GET, '/docs', 'public'],
  [GET, '/tasks'],
  [POST, '/tasks'],
  // A static segment beside {id}: API Gateway matches it first, so /tasks/bulk is never read as an id.
  [POST, '/tasks/bulk'],
  [GET, '/tasks/{id}'],
  [DELETE, '/tasks/{id}'],
  [POST, '/tasks/{id}/rerun'],
  [GET, '/task-types'],
  [POST, '/task-types/{type}/redrive'],
  [POST, '/send-email'],
  // A presigned PUT URL for a CSV that an import task then reads; the request has no body.
  [POST, '/uploads'],
  // Batched events and their batches.
  [POST, '/events'],
  [GET, '/events/stats'],
  [GET, '/batches'],
  [GET, '/batches/{id}'],
  // Cron schedules.
  [GET, '/schedules'],
  [POST, '/schedules'],
  [GET, '/schedules/{id}'],
  [PATCH, '/schedules/{id}'],
  [DELETE, '/schedules/{id}'],
  // Settling a token a waiting task handed out (durable steps).
  [POST, '/tokens/{token}/complete'],
  [POST, '/tokens/{token}/fail'],
  // The tenant's webhook signing secret.
  [GET, '/webhooks/secret'],
  [POST, '/webhooks/secret/rotate'],
];

/**
 * The public API: an HTTP API ($1.00 per million requests against REST's $3.50) with explicit routes
 * proxied to the API function, a Lambda authorizer resolving API keys to tenants on every route but the
 * public ones, access logs, throttling; and the task stream on a REST API of its own (TasklaneStreamApi).
 * https://aws.amazon.com/api-gateway/pricing/
 */
export class TasklaneApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly handler: TasklaneFunction;
  readonly authorizerFunction: TasklaneFunction;
  /** Serves GET /tasks/{id}/stream with response streaming. */
  readonly streamFunction: TasklaneFunction;
  readonly streamApi: TasklaneStreamApi;

  constructor(scope: Construct, id: string, props: TasklaneApiProps) {
    super(scope, id);
    const { config, alarmAction } = props;
    const synchronousOnly =
      'Invoked synchronously by API Gateway only; Lambda dead-letter queues apply to asynchronous invocations alone.';

    this.handler = new TasklaneFunction(this, 'Handler', {
      entry: 'functions/api/handler.ts',
      description: 'Tasklane HTTP API',
      // API Gateway gives up after 30 s (HTTP APIs) or 29 s (REST); running longer would only cost money.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
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

    this.httpApi = new HttpApi(this, 'HttpApi', {
      // Named by stage so that two stages in one account are told apart in the console.
      apiName: `tasklane-${config.stage}`,
      description: `Tasklane task API (${config.stage})`,
      // The stage below carries the throttling and access logs, which a default stage cannot take.
      createDefaultStage: false,
    });
    // $default: served at the API's root, so the function sees paths without a stage prefix (rawPath).
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: ACCESS_LOG_FORMAT },
      throttle: { rateLimit: config.apiThrottle.rateLimit, burstLimit: config.apiThrottle.burstLimit },
    });
    new CfnOutput(this, 'Url', {
      value: this.stage.url,
      description: 'Base URL of the API (every route but GET tasks/{id}/stream, which is at StreamUrl)',
    }).overrideLogicalId('ApiUrl');

    const authorizer = new HttpLambdaAuthorizer('Authorizer', this.authorizerFunction.fn, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // A cached decision needs an identity source, and API Gateway rejects a request lacking it
      // (401) before the authorizer runs: with caching on, keys travel in Authorization only. With the
      // cache TTL at 0 there is no identity source, and `x-api-key` works as it does locally.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
      identitySource: config.authorizerCacheTtlSeconds > 0 ? ['$request.header.Authorization'] : [],
      resultsCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
    });
    this.addRoutes(authorizer);
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'GET / and GET /client.js (the dashboard page, static HTML with no data, and the client module it imports), GET /health (the liveness probe, a constant) and GET /openapi.json and /docs (the API reference, generated from the code) are public; every other route has the Lambda authorizer.',
    });

    // The page's origin: the HTTP API's own endpoint, or the custom domain in front of it.
    const dashboardOrigin = config.dashboardOrigin ?? this.httpApi.apiEndpoint;
    this.streamApi = new TasklaneStreamApi(this, 'StreamApi', {
      config,
      streamFunction: this.streamFunction.fn,
      authorizerFunction: this.authorizerFunction.fn,
      dashboardOrigin,
    });
    // The deployed dashboard (GET / on the HTTP API) opens its streams at StreamUrl, across origins.
    this.handler.fn.addEnvironment(ENV.streamUrl, this.streamApi.restApi.url);
    this.streamFunction.fn.addEnvironment(ENV.dashboardOrigin, dashboardOrigin);
    this.addAlarms(alarmAction);
  }

  private addRoutes(authorizer: IHttpRouteAuthorizer): void {
    // One permission for the whole API rather than one per route, keeping the function policy small.
    const integration = new HttpLambdaIntegration('Integration', this.handler.fn, { scopePermissionToRoute: false });
    const open = new HttpNoneAuthorizer();
    for (const [method, path, access] of ROUTES) {
      this.httpApi.addRoutes({ path, methods: [method], integration, authorizer: access ? open : authorizer });
    }
  }

  private addAlarms(action: IAlarmAction): void {
    thresholdAlarm(this, 'ServerErrorsAlarm', {
      metric: this.httpApi.metricServerError({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane API answered with 5xx.',
      action,
    });
    thresholdAlarm(this, 'StreamServerErrorsAlarm', {
      metric: this.streamApi.restApi.metricServerError({ statistic: 'Sum' }),
      threshold: 1,
      description: 'The Tasklane task stream API answered with 5xx.',
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
    // No alarm on the authorizer's Errors: the REST authorizer denies a key by throwing "Unauthorized",
    // which Lambda counts as an error. A broken authorizer shows as API 5xx above.
  }
}
