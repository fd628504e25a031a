import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { MiddlewareHandler } from 'hono';
import { authenticate, extractApiKey, type ApiKeyStore } from '../core/api-keys';
import { UnauthorizedError } from '../core/errors';
import type { AppEnv, TenantResolver } from './context';

/** Resolves the caller's tenant into `c.get('tenant')`, or answers 401 before any route runs. */
export function requireTenant(resolveTenant: TenantResolver): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const tenant = await resolveTenant(c);
    if (!tenant) throw new UnauthorizedError();
    c.set('tenant', tenant);
    await next();
  };
}

/**
 * In AWS the REST API's Lambda authorizer has already checked the key; the API trusts only the
 * tenant it put in the request context.
 */
export const tenantFromAuthorizer: TenantResolver = async (c) => {
  const event = (c.env as { event?: APIGatewayProxyEvent } | undefined)?.event;
  const tenant = event?.requestContext?.authorizer?.tenant;
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
};

/**
 * Resolves the caller's API key against the key store: what the local stack checks on every
 * request, and what the stream function checks again while a stream runs (the authorizer only
 * saw the request that opened it).
 */
export function tenantFromApiKey(keys: ApiKeyStore): TenantResolver {
  return (c) =>
    authenticate(
      keys,
      extractApiKey((name) => c.req.header(name)),
    );
}
