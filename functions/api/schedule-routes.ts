import type { Hono } from 'hono';
import * as z from 'zod';
import { toScheduleView } from '../core/schedule';
import type { ScheduleService } from '../core/schedule-service';
import type { AppEnv } from './context';
import { readJson } from './json-body';
import { LIMITS, createTaskBody, parseOrThrow } from './validation';

// Shapes only: the cron expression, the zone, the type and the payload are checked by the core.
const cron = z
  .string({ error: 'a 5-field cron expression, e.g. "0 9 * * 1-5"' })
  .min(1, { error: 'a 5-field cron expression, e.g. "0 9 * * 1-5"' })
  .max(200);
const timezone = z
  .string({ error: 'an IANA time zone name, e.g. "Europe/Paris"' })
  .min(1, { error: 'an IANA time zone name, e.g. "Europe/Paris"' })
  .max(64);
const enabled = z.boolean({ error: 'true or false' });
/** The same rule as a task's webhook_url. */
const webhookUrl = createTaskBody.shape.webhook_url.unwrap();

/** POST /schedules' body; also the OpenAPI document's CreateScheduleRequest (one per type). */
export const createScheduleBody = z
  .object({
    type: createTaskBody.shape.type,
    payload: z.unknown().optional(),
    cron,
    timezone: timezone.optional(),
    webhook_url: webhookUrl.optional(),
    enabled: enabled.optional(),
  })
  .strict();

const CHANGEABLE = ['enabled', 'cron', 'timezone', 'payload', 'webhook_url'] as const;

/** PATCH /schedules/{id}'s body; also the OpenAPI document's UpdateScheduleRequest. */
export const updateScheduleBody = z
  .object({
    enabled: enabled.optional(),
    cron: cron.optional(),
    timezone: timezone.optional(),
    payload: z.unknown().optional(),
    // null removes it.
    webhook_url: webhookUrl.nullable().optional(),
  })
  .strict()
  .refine((body) => CHANGEABLE.some((field) => body[field] !== undefined), {
    error: `at least one of ${CHANGEABLE.join(', ')}`,
    path: ['body'],
  });

/** GET /schedules' query string. */
export const listSchedulesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

/** POST/GET /schedules, GET/PATCH/DELETE /schedules/{id}: all scoped to the caller's tenant. */
export function registerScheduleRoutes(app: Hono<AppEnv>, schedules: ScheduleService): void {
  app.post('/schedules', async (c) => {
    const body = parseOrThrow(createScheduleBody, await readJson(c.req.raw), 'request body');
    const schedule = await schedules.create({ tenant: c.get('tenant'), ...body });
    c.header('Location', `/schedules/${schedule.id}`);
    return c.json(toScheduleView(schedule), 201);
  });

  app.get('/schedules', async (c) => {
    const query = parseOrThrow(listSchedulesQuery, c.req.query(), 'query string');
    const page = await schedules.list(c.get('tenant'), query.limit, query.cursor);
    return c.json({ items: page.items.map(toScheduleView), next_cursor: page.nextCursor ?? null });
  });

  app.get('/schedules/:id', async (c) =>
    c.json(toScheduleView(await schedules.get(c.get('tenant'), c.req.param('id')))),
  );

  app.patch('/schedules/:id', async (c) => {
    const change = parseOrThrow(updateScheduleBody, await readJson(c.req.raw), 'request body');
    return c.json(toScheduleView(await schedules.update(c.get('tenant'), c.req.param('id'), change)));
  });

  app.delete('/schedules/:id', async (c) => {
    await schedules.delete(c.get('tenant'), c.req.param('id'));
    return c.body(null, 204);
  });
}
