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

/** Where API Gateway puts an authorizer's context: `authorizer.lambda` on the HTTP API, `authorizer` on REST. */
interface AuthorizedEvent {
  requestContext?: { authorizer?: { tenant?: unknown; lambda?: { tenant?: unknown } } };
}

/**
 * In AWS the Lambda authorizer has already checked the key; the API trusts only the tenant it put
 * in the request context: of an HTTP API event (payload 2.0, the API function) or of a REST API
 * event (the stream function).
 */
export const tenantFromAuthorizer: TenantResolver = async (c) => {
  const authorizer = (c.env as { event?: AuthorizedEvent } | undefined)?.event?.requestContext?.authorizer;
  const tenant = authorizer?.lambda?.tenant ?? authorizer?.tenant;
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
