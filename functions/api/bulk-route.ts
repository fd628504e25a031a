import type { Hono } from 'hono';
import { toView } from '../core/task';
import type { TaskService } from '../core/task-service';
import type { TaskTypes } from '../core/task-types';
import { BULK_TYPE_NAME } from '../task-types/bulk';
import type { AppEnv } from './context';
import { readJson } from './json-body';
import { parseIdempotencyKey, parseOrThrow } from './validation';

/**
 * POST /tasks/bulk: creates a `bulk` task, which cancels or reruns the tenant's tasks matching a
 * filter in its worker. The body is the type's payload, so its fields are named as sent (`filter`).
 */
export function registerBulkRoute(app: Hono<AppEnv>, tasks: TaskService, types: TaskTypes): void {
  app.post('/tasks/bulk', async (c) => {
    const type = types.require(BULK_TYPE_NAME);
    const body = parseOrThrow(type.payloadSchema, await readJson(c.req.raw), 'request body');
    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const { task, replayed } = await tasks.create({
      tenant: c.get('tenant'),
      type: type.name,
      payload: body,
      idempotencyKey,
    });
    c.header('Location', `/tasks/${encodeURIComponent(task.id)}`);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(toView(task), 202);
  });
}
