import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { PayloadTooLargeError, UnauthorizedError, ValidationError } from '../core/errors';
import type { Log } from '../core/ports';
import { toView } from '../core/task';
import type { TaskService } from '../core/task-service';
import { TASK_TYPES } from '../task-types/registry';
import { errorBody, errorResponse } from './errors';
import { LIMITS, createTaskBody, listTasksQuery, parseIdempotencyKey, parseOrThrow } from './validation';

/** Resolves the caller's tenant, or undefined if the request is not authenticated. */
export type TenantResolver = (c: { req: { header(name: string): string | undefined }; env: unknown }) => Promise<string | undefined>;

export interface ApiDeps {
  tasks: TaskService;
  resolveTenant: TenantResolver;
  log: Log;
}

type AppEnv = { Variables: { tenant: string } };

/** The HTTP API: one Hono app served by API Gateway + Lambda and by the local stack alike. */
export function createApp(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError((error, c) => errorResponse(c, error, deps.log));
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404));

  app.get('/health', (c) => c.json({ status: 'ok' }));

  app.use('*', async (c, next) => {
    const tenant = await deps.resolveTenant(c);
    if (!tenant) throw new UnauthorizedError();
    c.set('tenant', tenant);
    await next();
  });

  app.use(
    '*',
    bodyLimit({
      maxSize: LIMITS.maxBodyBytes,
      onError: () => {
        throw new PayloadTooLargeError(`The request body exceeds ${LIMITS.maxBodyBytes} bytes.`, [
          { field: 'body', rule: `at most ${LIMITS.maxBodyBytes} bytes` },
        ]);
      },
    }),
  );

  app.get('/task-types', (c) =>
    c.json({
      items: TASK_TYPES.map((t) => ({
        name: t.name,
        description: t.description,
        payload_schema: z.toJSONSchema(t.payloadSchema, { io: 'input', unrepresentable: 'any' }),
        max_attempts: t.settings.maxAttempts,
        timeout_seconds: t.settings.timeoutSeconds,
      })),
    }),
  );

  app.post('/tasks', async (c) => {
    const body = parseOrThrow(createTaskBody, await readJson(c.req.raw), 'request body');
    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const { task, replayed } = await deps.tasks.create({ tenant: c.get('tenant'), ...body, idempotencyKey });
    c.header('Location', `/tasks/${encodeURIComponent(task.id)}`);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(toView(task), 202);
  });

  app.get('/tasks', async (c) => {
    const query = parseOrThrow(listTasksQuery, c.req.query(), 'query string');
    const page = await deps.tasks.list({ tenant: c.get('tenant'), ...query });
    return c.json({ items: page.items.map(toView), next_cursor: page.nextCursor ?? null });
  });

  app.get('/tasks/:id', async (c) => c.json(toView(await deps.tasks.get(c.get('tenant'), c.req.param('id')))));

  app.delete('/tasks/:id', async (c) => {
    const { task, outcome } = await deps.tasks.cancel(c.get('tenant'), c.req.param('id'));
    // 200: canceled now; 202: running, it stops at its next checkpoint.
    return c.json(toView(task), outcome === 'canceled' ? 200 : 202);
  });

  return app;
}

/** Parses a JSON body with a 400 that says what is wrong, instead of a generic parse failure. */
async function readJson(request: Request): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '') throw new ValidationError('The request body is empty; send a JSON object.', [{ field: 'body', rule: 'a JSON object' }]);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`The request body is not valid JSON: ${(error as Error).message}`, [{ field: 'body', rule: 'valid JSON' }]);
  }
}
