import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Log } from '../core/ports';
import type { TenantResolver } from '../api/context';
import { errorBody, errorResponse } from '../api/errors';
import { registerStreamRoute, type StreamRouteDeps } from '../api/stream-route';
import { requireTenant } from '../api/tenant';

export interface StreamAppDeps {
  resolveTenant: TenantResolver;
  log: Log;
  stream: StreamRouteDeps;
  /**
   * The dashboard's origin: in AWS the page is on the HTTP API and streams on a REST API of their
   * own, another origin, which browsers let the page read only with CORS headers. API Gateway answers
   * the preflight (infra/constructs/stream-api.ts); the stream's own answers carry the header here.
   */
  dashboardOrigin?: string;
}

/**
 * The streaming Lambda's app: GET /tasks/{id}/stream alone, with the API's error shapes and tenant
 * check. The local stack serves the same route from the main app.
 */
export function createStreamApp(deps: StreamAppDeps): Hono<{ Variables: { tenant: string } }> {
  const app = new Hono<{ Variables: { tenant: string } }>();
  app.onError((error, c) => errorResponse(c, error, deps.log));
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404));
  if (deps.dashboardOrigin) app.use('*', cors({ origin: deps.dashboardOrigin, allowMethods: ['GET'] }));
  app.use('*', requireTenant(deps.resolveTenant));
  registerStreamRoute(app, deps.stream, deps.log);
  return app;
}
