import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createAwsClients } from '../adapters/aws-clients';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store';
import { ENV } from '../config';
import { authenticate, extractApiKey, type ApiKeyStore } from '../core/api-keys';
import { createLogger } from '../shared/logger';

/**
 * A REQUEST authorizer: API key → tenant. The policy allows every method of the stage, because
 * API Gateway caches it per identity source for all routes. An unknown key throws "Unauthorized",
 * which API Gateway answers with 401 (the gateway response formats it as our JSON error).
 */
export function createAuthorizer(store: ApiKeyStore) {
  return async (event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> => {
    const headers = event.headers ?? {};
    const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1] ?? undefined;
    const tenant = await authenticate(store, extractApiKey(header));
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
  };
}

export function buildAuthorizerFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`Environment variable ${ENV.tableName} is required but not set.`);
  const clients = createAwsClients({ region: env.AWS_REGION ?? 'us-east-1' });
  const logger = createLogger('tasklane-authorizer');
  const authorize = createAuthorizer(new DynamoApiKeyStore(clients.dynamo, tableName));
  return async (event: APIGatewayRequestAuthorizerEvent) => {
    try {
      return await authorize(event);
    } catch (error) {
      logger.info('request denied', { path: event.path, method: event.httpMethod });
      throw error;
    }
  };
}
