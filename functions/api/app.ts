import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError, ValidationError } from '../core/errors';
import type { EventService } from '../batching/event-service';
import type { EventStore } from '../batching/ports';
import { systemClock, type Clock, type Log } from '../core/ports';
import { toDetailView, toView } from '../core/task';
import type { ResultStore } from '../core/result-store';
import { createWithPayloadUpload, type UploadReader } from '../core/payload-upload';
import { resultLink } from '../core/task-result';
import type { TaskService } from '../core/task-service';
import type { TaskTypes } from '../core/task-types';
import type { AppEnv, TenantResolver } from './context';
import { registerDashboard, type DashboardOptions } from './dashboard-route';
import { registerOpenApiRoutes } from './openapi-route';
import { errorBody, errorResponse } from './errors';
import { registerEventRoutes } from './event-routes';
import { registerScheduleRoutes } from './schedule-routes';
import type { ScheduleService } from '../core/schedule-service';
import { registerBulkRoute } from './bulk-route';
import { registerSendEmailRoute } from './send-email-route';
import { registerUploadRoute, type UploadLinks } from './upload-route';
import { registerWebhookRoutes } from './webhook-routes';
import { registerTaskTypeRoutes } from './task-type-routes';
import { registerTokenRoutes } from './token-routes';
import type { TokenService } from '../core/token-service';
import type { TaskDeadLetters } from '../core/task-redrive';
import type { QueueDepths } from '../core/queue-depths';
import type { WebhookSecretStore } from '../webhooks/secret-store';
import { readJson, readOptionalJson } from './json-body';
import { registerStreamRoute, type StreamRouteDeps } from './stream-route';
import { requireTenant } from './tenant';
import { LIMITS, createTaskRequest, listTasksQuery, parseIdempotencyKey, parseOrThrow, rerunBody } from './validation';

export interface ApiDeps {
  tasks: TaskService;
  /** The task types, for GET /task-types. */
  types: TaskTypes;
  /** The types' dead-letter queues: GET /task-types shows their depth, POST /task-types/{type}/redrive empties them. */
  deadLetters?: TaskDeadLetters;
  /** The types' queues: GET /task-types shows their depth. */
  queueDepths?: QueueDepths;
  resolveTenant: TenantResolver;
  log: Log;
  /** The tenant's webhook signing secret (GET /webhooks/secret, POST /webhooks/secret/rotate). */
  webhookSecrets?: WebhookSecretStore;
  /** Batched events (POST /events, GET /batches); routes are absent without it. */
  events?: { service: EventService; store: EventStore };
  /** GET /tasks/{id}/stream (Server-Sent Events); absent without it. */
  stream?: StreamRouteDeps;
  /** The dashboard page at GET / (no key needed to load it); absent without it. */
  dashboard?: DashboardOptions;
  /** POST /uploads (files for `import`); absent without a files bucket. */
  uploads?: UploadLinks;
  /** Results too large for the record: GET /tasks/{id} links to them; payloads by reference are copied there. */
  results?: ResultStore;
  /** Uploads read as payloads by reference (POST /tasks `payload_upload_id`); absent without a files bucket. */
  payloadUploads?: UploadReader;
  /** Cron schedules (POST/GET /schedules, GET/PATCH/DELETE /schedules/{id}); absent without it. */
  schedules?: ScheduleService;
  /** POST /tokens/{token}/complete and /fail (durable steps); absent without it. */
  tokens?: TokenService;
  clock?: Clock;
}

/** The HTTP API: one Hono app served by API Gateway + Lambda and by the local stack alike. */
export function createApp(deps: ApiDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.onError((error, c) => errorResponse(c, error, deps.log));
  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404));

  app.get('/health', (c) => c.json({ status: 'ok' }));
  if (deps.dashboard) registerDashboard(app, deps.dashboard);
  registerOpenApiRoutes(app, deps.types);

  app.use('*', requireTenant(deps.resolveTenant));

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

  registerTaskTypeRoutes(app, {
    types: deps.types,
    tasks: deps.tasks,
    log: deps.log,
    clock: deps.clock ?? systemClock,
    deadLetters: deps.deadLetters,
    queueDepths: deps.queueDepths,
  });

  if (deps.events) registerEventRoutes(app, deps.events);
  if (deps.webhookSecrets) registerWebhookRoutes(app, deps.webhookSecrets);
  if (deps.stream) registerStreamRoute(app, deps.stream, deps.log);
  registerSendEmailRoute(app, deps.tasks);
  registerBulkRoute(app, deps.tasks, deps.types);
  if (deps.uploads) registerUploadRoute(app, deps.uploads, deps.clock ?? systemClock);
  if (deps.schedules) registerScheduleRoutes(app, deps.schedules);
  if (deps.tokens) registerTokenRoutes(app, deps.tokens);

  app.post('/tasks', async (c) => {
    const { payload_upload_id, ...body } = parseOrThrow(createTaskRequest, await readJson(c.req.raw), 'request body');
    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const input = { tenant: c.get('tenant'), ...body, idempotencyKey };
    const { task, replayed } = payload_upload_id
      ? await createWithPayloadUpload(payloadUploads(deps), { ...input, payload_upload_id })
      : await deps.tasks.create(input);
    c.header('Location', `/tasks/${encodeURIComponent(task.id)}`);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(toView(task), 202);
  });

  app.get('/tasks', async (c) => {
    const query = parseOrThrow(listTasksQuery, c.req.query(), 'query string');
    const page = await deps.tasks.list({ tenant: c.get('tenant'), ...query });
    return c.json({ items: page.items.map(toView), next_cursor: page.nextCursor ?? null });
  });

  app.get('/tasks/:id', async (c) => {
    const task = await deps.tasks.get(c.get('tenant'), c.req.param('id'));
    // A result kept in the result store is shown as a link (and its size) instead.
    return c.json({
      ...toDetailView(task),
      ...(await resultLink(task, deps.results, (deps.clock ?? systemClock).now())),
    });
  });

  app.post('/tasks/:id/rerun', async (c) => {
    const { payload } = parseOrThrow(rerunBody, await readOptionalJson(c.req.raw), 'request body');
    const idempotencyKey = parseIdempotencyKey(c.req.header('idempotency-key'));
    const { task, replayed } = await deps.tasks.rerun({
      tenant: c.get('tenant'),
      id: c.req.param('id'),
      payload,
      idempotencyKey,
    });
    c.header('Location', `/tasks/${encodeURIComponent(task.id)}`);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(toView(task), 202);
  });

  app.delete('/tasks/:id', async (c) => {
    const { task, outcome } = await deps.tasks.cancel(c.get('tenant'), c.req.param('id'));
    // 200: canceled now; 202: running, it stops at its next checkpoint.
    return c.json(toView(task), outcome === 'canceled' ? 200 : 202);
  });

  return app;
}

/** What a payload by reference needs; without a files bucket, `payload_upload_id` is refused naming the field. */
function payloadUploads(deps: ApiDeps) {
  if (!deps.payloadUploads || !deps.results) {
    throw new ValidationError('Payloads by reference need a files bucket, and none is configured.', [
      { field: 'payload_upload_id', rule: 'not accepted without a files bucket' },
    ]);
  }
  return { tasks: deps.tasks, types: deps.types, uploads: deps.payloadUploads, results: deps.results };
}
