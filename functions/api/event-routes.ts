import type { Hono } from 'hono';
import * as z from 'zod';
import type { EventService } from '../batching/event-service';
import { toBatchView } from '../batching/model';
import type { EventStore } from '../batching/ports';
import { NotFoundError } from '../core/errors';
import { readJson } from './json-body';
import { LIMITS, parseOrThrow } from './validation';
import type { AppEnv } from './context';

/** GET /batches' query string. */
export const listBatchesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

/** POST /events, GET /events/stats, GET /batches, GET /batches/{id}: all scoped to the caller's tenant. */
export function registerEventRoutes(app: Hono<AppEnv>, events: { service: EventService; store: EventStore }): void {
  app.post('/events', async (c) => {
    const body = await readJson(c.req.raw);
    const ids = await events.service.accept(c.get('tenant'), body);
    return c.json(Array.isArray(body) ? { event_ids: ids } : { event_id: ids[0] }, 202);
  });

  app.get('/events/stats', async (c) => c.json(await events.service.stats(c.get('tenant'))));

  app.get('/batches', async (c) => {
    const query = parseOrThrow(listBatchesQuery, c.req.query(), 'query string');
    const page = await events.store.listBatches(c.get('tenant'), query.limit, query.cursor);
    return c.json({ items: page.items.map(toBatchView), next_cursor: page.nextCursor ?? null });
  });

  app.get('/batches/:id', async (c) => {
    const id = c.req.param('id');
    const batch = /^[0-9A-Z]{26}$/.test(id) ? await events.store.getBatch(c.get('tenant'), id) : undefined;
    if (!batch) throw new NotFoundError(`No batch with id "${id}".`);
    return c.json(toBatchView(batch));
  });
}
