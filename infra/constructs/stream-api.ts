import { type CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AuthorizationType,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseTransferMode,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { TasklaneConfig } from '../config';
import { accessLogFormat } from './access-log';
import { ApiGatewayAccount } from './api-gateway-account';
import { addJsonGatewayResponses } from './gateway-responses';

export interface TasklaneStreamApiProps {
  config: TasklaneConfig;
  /** The stream function, invoked with response streaming. */
  streamFunction: IFunction;
  /** The same key check the HTTP API uses; it answers the REST request-authorizer event too. */
  authorizerFunction: IFunction;
  /** The dashboard's origin (the HTTP API's endpoint): it may read streams from another origin. */
  dashboardOrigin: string;
}

/** The access log line (access-log.ts): the resource path names the route; REST APIs trace with X-Ray. */
const ACCESS_LOG_FORMAT = accessLogFormat(
  { resourcePath: AccessLogField.contextResourcePath() },
  { xrayTraceId: AccessLogField.contextXrayTraceId() },
);

/**
 * GET /tasks/{id}/stream on a REST API of its own: HTTP APIs buffer Lambda responses, and only REST
 * APIs pass a streamed response on as it is written (ResponseTransferMode.STREAM). Every other route is
 * on the HTTP API, at a third of the price per request; a stream is one request however long it runs.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
 */
export class TasklaneStreamApi extends Construct {
  readonly restApi: RestApi;

  constructor(scope: Construct, id: string, props: TasklaneStreamApiProps) {
    super(scope, id);
    const { config } = props;
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays });
    this.restApi = new RestApi(this, 'RestApi', {
      // Named by stage so that two stages in one account keep their metrics (dimension ApiName) apart.
      restApiName: `tasklane-stream-${config.stage}`,
      description: `Tasklane task event streams (${config.stage})`,
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
        // Full request/response logging would copy task events into the logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: config.apiThrottle.rateLimit,
        throttlingBurstLimit: config.apiThrottle.burstLimit,
      },
    });
    // The output the RestApi creates anyway, under a readable name beside ApiUrl.
    const url = this.restApi.node.findChild('Endpoint') as CfnOutput;
    url.overrideLogicalId('StreamUrl');
    url.description =
      'Base URL of GET tasks/{id}/stream (a REST API: response streaming); every other route is at ApiUrl';
    if (config.manageApiGatewayAccount) {
      this.restApi.deploymentStage.node.addDependency(new ApiGatewayAccount(this, 'GatewayAccount'));
    }
    addJsonGatewayResponses(this.restApi);
    Validations.of(this.restApi).acknowledge(
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Callers are programs holding tenant API keys, not users signing in: the REQUEST authorizer resolves the key to a tenant, as on the HTTP API. A Cognito user pool would add nothing but another credential to manage.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL by default (about $5/month plus per-request fees per stage): the stage is throttled and its one route needs an API key. Associate a web ACL with the stage where an account requires one.',
      },
    );

    const authorizer = new RequestAuthorizer(this, 'RequestAuthorizer', {
      handler: props.authorizerFunction,
      // A cached decision needs an identity source, and API Gateway rejects a request lacking it
      // before the authorizer runs: with caching on, keys travel in Authorization only. With the
      // cache TTL at 0 there is no identity source, and `x-api-key` works as it does locally.
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
      identitySources: config.authorizerCacheTtlSeconds > 0 ? [IdentitySource.header('Authorization')] : [],
      resultsCacheTtl: Duration.seconds(config.authorizerCacheTtlSeconds),
    });
    const validator = this.restApi.addRequestValidator('RequestValidator', {
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const streaming = new LambdaIntegration(props.streamFunction, {
      scopePermissionToMethod: false,
      // Events are passed on as the function writes them, for up to 15 minutes (29 s when buffered):
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/response-transfer-mode.html
      responseTransferMode: ResponseTransferMode.STREAM,
      timeout: Duration.minutes(15),
    });
    const stream = this.restApi.root
      .addResource('tasks')
      .addResource('{id}')
      .addResource('stream', {
        // The deployed dashboard is on the HTTP API, another origin: API Gateway answers its preflight
        // (an OPTIONS mock, no authorizer: browsers send no key with it), the stream function adds
        // Access-Control-Allow-Origin to the answers (functions/stream/app.ts).
        defaultCorsPreflightOptions: {
          allowOrigins: [props.dashboardOrigin],
          allowMethods: ['GET'],
          allowHeaders: ['Authorization', 'x-api-key', 'Last-Event-ID'],
          maxAge: Duration.hours(1),
        },
      });
    stream.addMethod('GET', streaming, {
      authorizer,
      authorizationType: AuthorizationType.CUSTOM,
      requestValidator: validator,
      requestParameters: { 'method.request.path.id': true },
    });
  }
}
