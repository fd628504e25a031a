import type { Hono } from 'hono';
import * as z from 'zod';
import type { TokenService } from '../core/token-service';
import type { AppEnv } from './context';
import { readJson } from './json-body';
import { parseOrThrow } from './validation';

/** POST /tokens/{token}/complete's body. */
export const completeBody = z.object({ value: z.unknown() }).strict();

const message = z.string().min(1).max(4096);
/** POST /tokens/{token}/fail's body. */
export const failBody = z
  .object({ error: z.union([message, z.object({ name: z.string().min(1).max(200).optional(), message }).strict()]) })
  .strict();

/** POST /tokens/{token}/complete {value} and /fail {error}: settle a token a waiting task was handed. */
export function registerTokenRoutes(app: Hono<AppEnv>, tokens: TokenService): void {
  app.post('/tokens/:token/complete', async (c) => {
    const body = parseOrThrow(completeBody, await readJson(c.req.raw), 'request body');
    return c.json(await tokens.complete(c.get('tenant'), c.req.param('token'), body.value));
  });

  app.post('/tokens/:token/fail', async (c) => {
    const { error } = parseOrThrow(failBody, await readJson(c.req.raw), 'request body');
    return c.json(
      await tokens.fail(c.get('tenant'), c.req.param('token'), typeof error === 'string' ? { message: error } : error),
    );
  });
}
