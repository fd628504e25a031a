import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../core/errors';
import type { TenantResolver } from './app';

/** Resolves the caller's tenant into `c.get('tenant')`, or answers 401 before any route runs. */
export function requireTenant(resolveTenant: TenantResolver): MiddlewareHandler<{ Variables: { tenant: string } }> {
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
