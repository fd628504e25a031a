import { BULK_TYPE_NAME } from '../../task-types/bulk';
import { listTasksQuery } from '../validation';
import { errors, jsonBody, jsonResponse, pathParameter, queryParameters, schemaRef, type Json } from './refs';

const TASK_ID = pathParameter('id', 'The task id (`task_id`).', '01M8FW54X830X4HT5D1AH85R16');
const IDEMPOTENCY_KEY = { $ref: '#/components/parameters/IdempotencyKey' };

export const EXAMPLE_TASK = {
  task_id: '01M8FW54X830X4HT5D1AH85R16',
  type: 'generic',
  status: 'completed',
  progress: 100,
  payload: { steps: 5, step_ms: 200, fail_attempts: 0 },
  result: { steps: 5, elapsed_ms: 1000 },
  attempts: 1,
  max_attempts: 5,
  created_at: '2026-11-28T01:26:15.208Z',
  started_at: '2026-11-28T01:26:15.231Z',
  ended_at: '2026-11-28T01:26:16.267Z',
  updated_at: '2026-11-28T01:26:16.267Z',
};
const PENDING_TASK = {
  task_id: '01M8FW54X830X4HT5D1AH85R16',
  type: 'generic',
  status: 'pending',
  progress: 0,
  payload: { steps: 3, step_ms: 1000, fail_attempts: 1 },
  attempts: 0,
  max_attempts: 5,
  created_at: '2026-11-28T01:26:15.208Z',
  updated_at: '2026-11-28T01:26:15.208Z',
};

const created = (description: string): Json =>
  jsonResponse(description, schemaRef('Task'), PENDING_TASK, {
    Location: { description: 'The new task: `/tasks/{id}`.', schema: { type: 'string' } },
    'Idempotent-Replayed': {
      description: '`true` when an Idempotency-Key replay returned the task created before.',
      schema: { type: 'string', enum: ['true'] },
    },
  });

/** Operations of /tasks and /task-types, keyed by "METHOD /path" in OpenAPI path syntax. */
export function taskOperations(): Record<string, Json> {
  return {
    'POST /tasks': {
      tags: ['tasks'],
      summary: 'Create a task',
      description:
        'Validates the body and the payload against the type’s schema, stores the task and queues it. Delayed with `run_at` or `delay_seconds`, expiring with `start_by` or `ttl_seconds`; `concurrency_key` shares the type’s per-key concurrency. A payload up to 10 MiB may be given by `payload_upload_id` (an upload from POST /uploads holding one JSON document) instead of `payload`, never both: 400 names `payload_upload_id` for a missing or non-JSON upload, 413 for one over 10 MiB, 400 names `payload.<field>` for one failing the schema.',
      parameters: [IDEMPOTENCY_KEY],
      requestBody: jsonBody(schemaRef('CreateTaskRequest'), {
        type: 'generic',
        payload: { steps: 3, step_ms: 1000, fail_attempts: 1 },
        delay_seconds: 30,
        concurrency_key: 'customer-42',
      }),
      responses: { 202: created('Accepted: the task, pending or scheduled.'), ...errors(400, 409, 413, 429, 503) },
    },
    'GET /tasks': {
      tags: ['tasks'],
      summary: 'List tasks, newest first',
      description: 'Pages by an opaque `next_cursor`, valid only for the same tenant and filters.',
      parameters: queryParameters(listTasksQuery),
      responses: {
        200: jsonResponse('A page of tasks.', schemaRef('TaskPage'), { items: [EXAMPLE_TASK], next_cursor: null }),
        ...errors(400),
      },
    },
    'GET /tasks/{id}': {
      tags: ['tasks'],
      summary: 'Get a task',
      parameters: [TASK_ID],
      responses: { 200: jsonResponse('The task.', schemaRef('Task'), EXAMPLE_TASK), ...errors(404) },
    },
    'DELETE /tasks/{id}': {
      tags: ['tasks'],
      summary: 'Cancel a task',
      parameters: [TASK_ID],
      responses: {
        200: jsonResponse(
          'Canceled at once (it was scheduled, pending, retrying, sleeping or waiting).',
          schemaRef('Task'),
          {
            ...PENDING_TASK,
            status: 'canceled',
          },
        ),
        202: jsonResponse('Running: cancellation requested, it stops at its next checkpoint.', schemaRef('Task'), {
          ...PENDING_TASK,
          status: 'running',
          cancel_requested: true,
        }),
        ...errors(404, 409, 503),
      },
    },
    'POST /tasks/{id}/rerun': {
      tags: ['tasks'],
      summary: 'Rerun a finished task',
      description:
        'A new task with the finished task’s type, payload (or the body’s) and webhook_url, carrying `rerun_of`. 409 `task_not_finished` unless the task is completed, failed, canceled or expired.',
      parameters: [TASK_ID, IDEMPOTENCY_KEY],
      requestBody: jsonBody(schemaRef('RerunRequest'), { payload: { steps: 1 } }, false),
      responses: { 202: created('Accepted: the new task.'), ...errors(400, 404, 409, 413, 429, 503) },
    },
    'POST /tasks/bulk': {
      tags: ['tasks'],
      summary: 'Cancel or rerun many tasks',
      description: `Creates a \`${BULK_TYPE_NAME}\` task that applies the action to the tenant’s tasks matching the filter; its \`result\` says what it did.`,
      parameters: [IDEMPOTENCY_KEY],
      requestBody: jsonBody(schemaRef(`TaskPayload.${BULK_TYPE_NAME}`), {
        action: 'rerun',
        filter: { status: 'failed', created_after: '2026-12-01T00:00:00Z' },
      }),
      responses: {
        202: created(`Accepted: the \`${BULK_TYPE_NAME}\` task.`),
        ...errors(400, 409, 413, 429, 503),
      },
    },
    'GET /tasks/{id}/stream': {
      tags: ['tasks'],
      summary: 'Watch a task (Server-Sent Events)',
      description:
        'Events `status` and `progress`, each with `id:` (its sequence number) and `data:` a TaskEventData JSON object, and `step` (a durable step changed status) with a StepEventData object; `: heartbeat` comments keep the connection open. It starts with the task as it is, ends after the final status event (or after 14 minutes: reconnect with `Last-Event-ID`).',
      parameters: [
        TASK_ID,
        {
          name: 'Last-Event-ID',
          in: 'header',
          required: false,
          description:
            'The `id` of the last event received: the stream resumes after it. Anything but a non-negative integer counts as absent.',
          schema: { type: 'string' },
          example: '2000000',
        },
      ],
      responses: {
        200: {
          description:
            'The stream; each `status` and `progress` event’s `data` is a TaskEventData object, each `step` event’s a StepEventData object.',
          content: {
            'text/event-stream': {
              schema: { type: 'string' },
              example:
                'retry: 1000\n\nevent: status\nid: 1000000\ndata: {"task_id":"01M8FW54X830X4HT5D1AH85R16","status":"running","progress":0,"attempt":1}\n\nevent: progress\nid: 1000001\ndata: {"task_id":"01M8FW54X830X4HT5D1AH85R16","status":"running","progress":40,"message":"step 2 of 5","attempt":1}\n\n',
            },
          },
        },
        204: { description: 'The task ended and the client has seen its final event: stop reconnecting.' },
        ...errors(404),
      },
    },
    'GET /task-types': {
      tags: ['task types'],
      summary: 'List the task types',
      description:
        'Each type with its payload’s JSON Schema, attempts, timeout, `queue_depth` and (with dead-letter queues) `dlq_depth`.',
      responses: {
        200: jsonResponse('The registered types.', schemaRef('TaskTypeList'), {
          items: [
            {
              name: 'generic',
              description:
                'Sleeps through `steps` steps of `step_ms` ms, reporting progress; can fail its first attempts on purpose.',
              payload_schema: { type: 'object' },
              max_attempts: 5,
              timeout_seconds: 900,
              queue_depth: 0,
              dlq_depth: 0,
            },
          ],
        }),
        ...errors(),
      },
    },
    'POST /task-types/{type}/redrive': {
      tags: ['task types'],
      summary: 'Rerun the tenant’s dead-lettered tasks of a type',
      description:
        'Reruns the tenant’s tasks in the type’s DLQ (each a new task with `rerun_of`) and deletes their messages; up to 500 messages or 20 s per call, `more: true` when there may be others.',
      parameters: [pathParameter('type', 'A task type name.', 'generic')],
      responses: {
        200: jsonResponse('What was moved, dropped and left.', schemaRef('RedriveReport'), {
          type: 'generic',
          moved: 2,
          task_ids: ['01M9A1B2C3D4E5F6G7H8J9K0MN', '01M9A1B2C3D4E5F6G7H8J9K0MP'],
          dropped: 0,
          left: 1,
          more: false,
        }),
        ...errors(404, 503),
      },
    },
  };
}
