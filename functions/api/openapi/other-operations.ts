import { MAX_IMPORT_BYTES } from '../../task-types/import';
import { ROTATION_GRACE_HOURS } from '../../webhooks/secret-store';
import { listBatchesQuery } from '../event-routes';
import { listSchedulesQuery } from '../schedule-routes';
import { errors, jsonBody, jsonResponse, pathParameter, queryParameters, schemaRef, type Json } from './refs';

const SCHEDULE_ID = pathParameter('id', 'The schedule id (`schedule_id`).', '01M8SEM40MRN3GNKW273R802PY');
const TOKEN = pathParameter('token', 'The token a waiting task handed out (ctx.waitForToken).', 'tok_01M8FW54X8');
const PUBLIC = { security: [] };

const EXAMPLE_SCHEDULE = {
  schedule_id: '01M8SEM40MRN3GNKW273R802PY',
  type: 'generic',
  payload: { steps: 2, step_ms: 100, fail_attempts: 0 },
  cron: '0 9 * * 1-5',
  timezone: 'Europe/Paris',
  enabled: true,
  next_run_at: '2026-12-02T08:00:00.000Z',
  last_runs: [{ fire_at: '2026-12-01T08:00:00.000Z', task_id: 'd07c7b94-8b13-8de4-9c46-9c8cce6f6e89' }],
  created_at: '2026-11-28T18:42:09.961Z',
  updated_at: '2026-11-28T18:42:09.961Z',
};
const EXAMPLE_BATCH = {
  batch_id: '01M8H2Q0S1T2V3W4X5Y6Z7A8B9',
  size: 10,
  first_event_at: '2026-12-01T18:00:00.120Z',
  last_event_at: '2026-12-01T18:00:04.870Z',
  created_at: '2026-12-01T18:00:05.002Z',
  updated_at: '2026-12-01T18:00:05.311Z',
  status: 'done',
  sinks: {
    s3: {
      status: 'written',
      bucket: 'tasklane-files',
      key: 'events/2026/12/01/01M8H2Q0S1T2V3W4X5Y6Z7A8B9.ndjson',
      written_at: '2026-12-01T18:00:05.300Z',
    },
  },
};
const SETTLED = { task_id: '01M8FW54X830X4HT5D1AH85R16', step: 'approval', status: 'completed' };
const SCHEDULE_LOCATION = {
  Location: { description: 'The new schedule: `/schedules/{id}`.', schema: { type: 'string' } },
};

/** The routes without a key: health, the dashboard and its client module, this document and its page. */
export function publicOperations(): Record<string, Json> {
  const html = (description: string): Json => ({
    description,
    content: { 'text/html': { schema: { type: 'string' } } },
  });
  return {
    'GET /health': {
      ...PUBLIC,
      tags: ['meta'],
      summary: 'Liveness',
      responses: { 200: jsonResponse('Up.', schemaRef('Health'), { status: 'ok' }) },
    },
    'GET /': {
      ...PUBLIC,
      tags: ['meta'],
      summary: 'The dashboard page',
      description: 'Static HTML with no data in it; it asks for an API key and calls the routes with it.',
      responses: { 200: html('The page.') },
    },
    'GET /client.js': {
      ...PUBLIC,
      tags: ['meta'],
      summary: 'The typed client as a browser module',
      description:
        'The browser build of `@tasklane/client` (one ES module, no dependencies) that the dashboard imports: `import { Tasklane } from "<base URL>/client.js"`.',
      responses: {
        200: { description: 'JavaScript.', content: { 'text/javascript': { schema: { type: 'string' } } } },
      },
    },
    'GET /openapi.json': {
      ...PUBLIC,
      tags: ['meta'],
      summary: 'This OpenAPI document',
      responses: {
        200: { description: 'OpenAPI 3.1.', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
    'GET /docs': {
      ...PUBLIC,
      tags: ['meta'],
      summary: 'This document as a reference page',
      responses: { 200: html('The page: static HTML, no scripts.') },
    },
  };
}

/** Operations of events, batches, e-mail, uploads, schedules, tokens and webhooks. */
export function otherOperations(): Record<string, Json> {
  return {
    'POST /events': {
      tags: ['events'],
      summary: 'Buffer events for the batch flush',
      requestBody: jsonBody(schemaRef('EventsRequest'), [{ user: 'u1', action: 'signup' }, { n: 2 }]),
      responses: {
        202: jsonResponse(
          'Accepted: `event_id` for an object, `event_ids` for an array.',
          schemaRef('EventsAccepted'),
          {
            event_ids: ['01M8H2PZ9K3V6W7X8Y9Z0A1B2C', '01M8H2PZ9K3V6W7X8Y9Z0A1B2D'],
          },
        ),
        ...errors(400, 413),
      },
    },
    'GET /events/stats': {
      tags: ['events'],
      summary: 'Events still waiting for a flush',
      responses: {
        200: jsonResponse('Counts.', schemaRef('EventStats'), { waiting: 3, batch_size: 10 }),
        ...errors(),
      },
    },
    'GET /batches': {
      tags: ['events'],
      summary: 'List flushed batches, newest first',
      parameters: queryParameters(listBatchesQuery),
      responses: {
        200: jsonResponse('A page of batches.', schemaRef('BatchPage'), { items: [EXAMPLE_BATCH], next_cursor: null }),
        ...errors(400),
      },
    },
    'GET /batches/{id}': {
      tags: ['events'],
      summary: 'Get a batch',
      parameters: [pathParameter('id', 'The batch id (`batch_id`).', EXAMPLE_BATCH.batch_id)],
      responses: { 200: jsonResponse('The batch.', schemaRef('Batch'), EXAMPLE_BATCH), ...errors(404) },
    },
    'POST /send-email': {
      tags: ['tasks'],
      summary: 'Send an e-mail (an `email` task)',
      parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
      requestBody: jsonBody(schemaRef('SendEmailRequest'), {
        to: 'ada@example.com',
        subject: 'Hi',
        body: 'Plain text',
      }),
      responses: {
        202: jsonResponse(
          'Accepted.',
          schemaRef('SendEmailAccepted'),
          { task_id: '01KB3Z4Y5X6W7V8T9S0R1Q2P3N', message: 'Email queued for sending' },
          { Location: { description: 'The `email` task: `/tasks/{id}`.', schema: { type: 'string' } } },
        ),
        ...errors(400, 409, 413, 429, 503),
      },
    },
    'POST /uploads': {
      tags: ['tasks'],
      summary: 'A presigned PUT URL for a CSV an `import` task reads',
      description: `No body. The URL lives 15 minutes; an import reads at most ${MAX_IMPORT_BYTES} bytes.`,
      responses: {
        201: jsonResponse('The upload link.', schemaRef('Upload'), {
          upload_id: '01M8G562MD4PNXGE1NB8A4Z6Z8',
          upload_url:
            'https://tasklane-files.s3.amazonaws.com/uploads/acme/01M8G562MD4PNXGE1NB8A4Z6Z8.csv?X-Amz-Signature=…',
          method: 'PUT',
          expires_at: '2026-11-28T04:19:02.843Z',
          max_bytes: MAX_IMPORT_BYTES,
        }),
        ...errors(),
      },
    },
    'POST /schedules': {
      tags: ['schedules'],
      summary: 'Create a cron schedule',
      requestBody: jsonBody(schemaRef('CreateScheduleRequest'), {
        type: 'generic',
        payload: { steps: 1 },
        cron: '0 9 * * 1-5',
        timezone: 'Europe/Paris',
      }),
      responses: {
        201: jsonResponse('The schedule.', schemaRef('Schedule'), EXAMPLE_SCHEDULE, SCHEDULE_LOCATION),
        ...errors(400, 409, 413),
      },
    },
    'GET /schedules': {
      tags: ['schedules'],
      summary: 'List schedules, newest first',
      parameters: queryParameters(listSchedulesQuery),
      responses: {
        200: jsonResponse('A page of schedules.', schemaRef('SchedulePage'), {
          items: [EXAMPLE_SCHEDULE],
          next_cursor: null,
        }),
        ...errors(400),
      },
    },
    'GET /schedules/{id}': {
      tags: ['schedules'],
      summary: 'Get a schedule, with its next run and last firings',
      parameters: [SCHEDULE_ID],
      responses: { 200: jsonResponse('The schedule.', schemaRef('Schedule'), EXAMPLE_SCHEDULE), ...errors(404) },
    },
    'PATCH /schedules/{id}': {
      tags: ['schedules'],
      summary: 'Change a schedule (pause, resume, cron, zone, payload, webhook)',
      parameters: [SCHEDULE_ID],
      requestBody: jsonBody(schemaRef('UpdateScheduleRequest'), { enabled: false }),
      responses: {
        200: jsonResponse('The schedule.', schemaRef('Schedule'), {
          ...EXAMPLE_SCHEDULE,
          enabled: false,
          next_run_at: null,
        }),
        ...errors(400, 404, 413, 503),
      },
    },
    'DELETE /schedules/{id}': {
      tags: ['schedules'],
      summary: 'Delete a schedule',
      description: 'A firing already created for a time still ahead is canceled.',
      parameters: [SCHEDULE_ID],
      responses: { 204: { description: 'Deleted.' }, ...errors(404) },
    },
    'POST /tokens/{token}/complete': {
      tags: ['durable steps'],
      summary: 'Complete a token: the waiting task resumes with `value`',
      parameters: [TOKEN],
      requestBody: jsonBody(schemaRef('CompleteTokenRequest'), { value: { approved: true, by: 'ada' } }),
      responses: {
        200: jsonResponse('Settled.', schemaRef('SettledToken'), SETTLED),
        ...errors(400, 404, 409, 413, 503),
      },
    },
    'POST /tokens/{token}/fail': {
      tags: ['durable steps'],
      summary: 'Fail a token: ctx.waitForToken throws TokenFailedError',
      parameters: [TOKEN],
      requestBody: jsonBody(schemaRef('FailTokenRequest'), { error: { name: 'Rejected', message: 'Not approved' } }),
      responses: {
        200: jsonResponse('Settled.', schemaRef('SettledToken'), { ...SETTLED, status: 'failed' }),
        ...errors(400, 404, 409, 413, 503),
      },
    },
    'GET /webhooks/secret': {
      tags: ['webhooks'],
      summary: 'The tenant’s webhook signing secret (created on first use)',
      responses: {
        200: jsonResponse('The secret.', schemaRef('WebhookSecret'), {
          secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        }),
        ...errors(),
      },
    },
    'POST /webhooks/secret/rotate': {
      tags: ['webhooks'],
      summary: `A new secret; the old one keeps signing for ${ROTATION_GRACE_HOURS} h`,
      responses: {
        200: jsonResponse('The new and the previous secret.', schemaRef('RotatedSecret'), {
          secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
          previous_secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          previous_valid_hours: ROTATION_GRACE_HOURS,
        }),
        ...errors(),
      },
    },
  };
}
