import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { createDynamoClient } from '../adapters/aws-clients';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store';
import { ENV } from '../config';
import { authenticate, extractApiKey, type ApiKeyStore } from '../core/api-keys';
import { createLogger } from '../shared/logger';

/** What the authorizer hands the API: the tenant the key belongs to. */
type TenantContext = { tenant: string };

/** The HTTP API's event (payload 2.0) or the stream REST API's request-authorizer event. */
export type AuthorizerEvent = APIGatewayRequestAuthorizerEventV2 | APIGatewayRequestAuthorizerEvent;
export type AuthorizerResult =
  | APIGatewaySimpleAuthorizerWithContextResult<TenantContext>
  | APIGatewaySimpleAuthorizerResult
  | APIGatewayAuthorizerResult;

/** The answer follows the event: a simple response to the HTTP API, a policy to the REST API. */
export interface Authorizer {
  (
    event: APIGatewayRequestAuthorizerEventV2,
  ): Promise<APIGatewaySimpleAuthorizerWithContextResult<TenantContext> | APIGatewaySimpleAuthorizerResult>;
  (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult>;
  (event: AuthorizerEvent): Promise<AuthorizerResult>;
}

function isHttpApiEvent(event: AuthorizerEvent): event is APIGatewayRequestAuthorizerEventV2 {
  return 'routeArn' in event;
}

/**
 * API key → tenant, for both APIs of the stack. The HTTP API gets a simple response: `isAuthorized`
 * and the tenant as context; a denial is answered 403 `{"message":"Forbidden"}` by API Gateway.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
 * The stream's REST API gets a policy allowing every method of the stage, because API Gateway caches
 * it per identity source for all routes; an unknown key throws "Unauthorized", which API Gateway
 * answers with 401 (the gateway response formats it as our JSON error).
 */
export function createAuthorizer(store: ApiKeyStore): Authorizer {
  return (async (event: AuthorizerEvent): Promise<AuthorizerResult> => {
    const headers: Record<string, string | undefined> = event.headers ?? {};
    const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? undefined;
    const tenant = await authenticate(store, extractApiKey(header));
    if (isHttpApiEvent(event)) {
      return tenant ? { isAuthorized: true, context: { tenant } } : { isAuthorized: false };
    }
    if (!tenant) throw new Error('Unauthorized');
    // arn:aws:execute-api:region:account:api-id/stage/METHOD/path → allow api-id/stage/*
    const [arnPrefix, stage] = event.methodArn.split('/');
    return {
      principalId: tenant,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnPrefix}/${stage}/*` }],
      },
      context: { tenant },
    };
  }) as Authorizer;
}

export function buildAuthorizerFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`Environment variable ${ENV.tableName} is required but not set.`);
  const dynamo = createDynamoClient({ region: env.AWS_REGION ?? 'us-east-1' });
  const logger = createLogger('tasklane-authorizer');
  const authorize = createAuthorizer(new DynamoApiKeyStore(dynamo, tableName));
  return async (event: AuthorizerEvent) => {
    const request = isHttpApiEvent(event)
      ? { path: event.rawPath, method: event.requestContext.http.method }
      : { path: event.path, method: event.httpMethod };
    try {
      const result = await authorize(event);
      if ('isAuthorized' in result && !result.isAuthorized) logger.info('request denied', request);
      return result;
    } catch (error) {
      logger.info('request denied', request);
      throw error;
    }
  };
}
