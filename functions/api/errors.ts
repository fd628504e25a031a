import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { RateLimitedError, TasklaneError } from '../core/errors';
import type { Log } from '../core/ports';

/** The one JSON error shape of the API. */
export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/** Maps an error to a response by its class; anything unknown is a 500 that reveals nothing. */
export function errorResponse(c: Context, error: unknown, log: Log): Response {
  if (error instanceof TasklaneError) {
    if (error instanceof RateLimitedError) c.header('Retry-After', String(error.retryAfterSeconds));
    return c.json(errorBody(error.code, error.message, error.details), error.status as ContentfulStatusCode);
  }
  log.error('unhandled error', {
    error: error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : String(error),
  });
  return c.json(errorBody('internal_error', 'Something went wrong on our side; the request can be retried.'), 500);
}
