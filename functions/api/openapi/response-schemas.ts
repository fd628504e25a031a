import * as z from 'zod';
import { TASK_STATUSES } from '../../core/task';

/*
 * Response shapes for the OpenAPI document. Requests are described by the zod schemas that
 * validate them (validation.ts and the route files); responses are built by view functions in the
 * core (toView, toScheduleView, …) that have no schema, so their shapes are written here, for the
 * document only. Objects stay open (no additionalProperties: false): a response may gain fields.
 */

const instant = z.iso.datetime({ offset: true });
const status = z.enum(TASK_STATUSES);

/** `details` of a 400 or 413: one entry per bad field and the rule it broke. */
export const fieldErrors = z.array(z.object({ field: z.string(), rule: z.string() }));

/** The one error shape: `details` names each bad field on 400 (and 413), the wait on 429. */
export const errorResponse = z.object({
  error: z.object({
    code: z.string().meta({ description: 'Stable, machine-readable code, e.g. `validation_error`.' }),
    message: z.string(),
    details: z
      .union([fieldErrors, z.record(z.string(), z.unknown())])
      .optional()
      .meta({ description: 'FieldErrors on 400 and 413; `{retry_after_seconds}` on 429; on 409 what conflicts.' }),
  }),
});

const taskError = z.object({ name: z.string(), message: z.string() });

const stepKind = z.enum(['step', 'sleep', 'token', 'child', 'children']);

const step = z.object({
  name: z.string(),
  kind: stepKind,
  status: z.string(),
  attempts: z.int(),
  started_at: instant,
  ended_at: instant.optional(),
  result_bytes: z.int().optional(),
  error: taskError.optional(),
  wake_at: instant.optional(),
  token: z.string().optional(),
  timeout_at: instant.optional(),
  task_id: z.string().optional(),
  children: z.array(z.string()).optional(),
});

export const task = z.object({
  task_id: z.string(),
  type: z.string(),
  status,
  progress: z.int().min(0).max(100),
  progress_message: z.string().optional(),
  payload: z.unknown().meta({ description: 'The payload; null for one given by `payload_upload_id`.' }),
  payload_upload_id: z.string().optional().meta({ description: 'The upload a payload by reference came from.' }),
  payload_bytes: z
    .int()
    .optional()
    .meta({ description: 'A payload by reference: the size of its task-owned copy as JSON (at most 10 MiB).' }),
  result: z.unknown().optional().meta({
    description:
      'The result, when it fits the record (128 KiB as stored); a larger one is in a file: see `result_url`.',
  }),
  result_bytes: z.int().optional().meta({
    description: 'A result kept in a file instead of `result` (over 128 KiB, up to 10 MiB): its size as JSON.',
  }),
  result_url: z.string().optional().meta({
    description: 'GET /tasks/{id} only, for a result kept in a file: a presigned GET link to its JSON.',
  }),
  result_url_expires_at: instant
    .optional()
    .meta({ description: 'When `result_url` stops working; GET again for a new one.' }),
  error: taskError.optional(),
  attempts: z.int(),
  max_attempts: z.int(),
  created_at: instant,
  updated_at: instant,
  started_at: instant.optional(),
  ended_at: instant.optional(),
  next_attempt_at: instant.optional(),
  run_at: instant.optional(),
  start_by: instant.optional(),
  schedule_id: z.string().optional(),
  rerun_of: z.string().optional(),
  concurrency_key: z.string().optional(),
  webhook_url: z.string().optional(),
  webhook: z
    .object({
      status: z.enum(['pending', 'delivered', 'failed']),
      attempts: z.int(),
      last_status_code: z.int().optional(),
      last_error: z.string().optional(),
      delivered_at: instant.optional(),
    })
    .optional(),
  cancel_requested: z.boolean().optional(),
  source: z.object({ import_id: z.string(), line: z.int() }).optional(),
  wake_at: instant.optional(),
  suspended_step: z.string().optional(),
  parent_id: z.string().optional(),
  steps: z.array(step).optional(),
  status_history: z
    .array(z.object({ status, attempt: z.int(), at: instant, progress: z.int().optional() }))
    .optional()
    .meta({ description: 'GET /tasks/{id} only: every status change, oldest first (the last 50 kept).' }),
});

const page = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  });

export const taskPage = page(task);

export const taskTypeList = z.object({
  items: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      payload_schema: z.record(z.string(), z.unknown()).meta({ description: 'JSON Schema of the payload.' }),
      max_attempts: z.int(),
      timeout_seconds: z.int(),
      queue_depth: z
        .int()
        .optional()
        .meta({ description: 'Messages waiting in the type’s queue (SQS ApproximateNumberOfMessages).' }),
      dlq_depth: z
        .int()
        .optional()
        .meta({ description: 'Messages in the type’s dead-letter queue (SQS ApproximateNumberOfMessages).' }),
    }),
  ),
});

export const redriveReport = z.object({
  type: z.string(),
  moved: z.int(),
  task_ids: z.array(z.string()),
  dropped: z.int(),
  left: z.int(),
  more: z.boolean(),
});

export const settledToken = z.object({
  task_id: z.string(),
  step: z.string(),
  status: z.enum(['completed', 'failed']),
});

export const schedule = z.object({
  schedule_id: z.string(),
  type: z.string(),
  payload: z.unknown(),
  cron: z.string(),
  timezone: z.string(),
  webhook_url: z.string().optional(),
  enabled: z.boolean(),
  next_run_at: instant.nullable(),
  last_runs: z.array(z.object({ fire_at: instant, task_id: z.string() })),
  created_at: instant,
  updated_at: instant,
});

export const schedulePage = page(schedule);

export const batch = z.object({
  batch_id: z.string(),
  size: z.int(),
  first_event_at: instant,
  last_event_at: instant,
  created_at: instant,
  updated_at: instant,
  status: z.enum(['claimed', 'written', 'done']),
  sinks: z.object({
    s3: z.object({
      status: z.enum(['pending', 'written']),
      bucket: z.string(),
      key: z.string(),
      written_at: instant.optional(),
    }),
  }),
});

export const batchPage = page(batch);

export const eventsAccepted = z.union([
  z.object({ event_id: z.string() }),
  z.object({ event_ids: z.array(z.string()) }),
]);

export const eventStats = z.object({ waiting: z.int(), batch_size: z.int() });

export const upload = z.object({
  upload_id: z.string(),
  upload_url: z.url(),
  method: z.literal('PUT'),
  expires_at: instant,
  max_bytes: z.int(),
});

export const sendEmailAccepted = z.object({ task_id: z.string(), message: z.string() });

export const webhookSecret = z.object({ secret: z.string(), previous_secret: z.string().optional() });

export const rotatedSecret = z.object({
  secret: z.string(),
  previous_secret: z.string(),
  previous_valid_hours: z.int(),
});

export const health = z.object({ status: z.literal('ok') });

/** The `data:` of one Server-Sent Event of GET /tasks/{id}/stream (`event: status` or `event: progress`). */
export const taskEventData = z.object({
  task_id: z.string(),
  status,
  progress: z.int().min(0).max(100),
  message: z.string().optional(),
  attempt: z.int(),
});

/** The `data:` of a `step` event of GET /tasks/{id}/stream: a durable step's new status. */
export const stepEventData = z.object({
  name: z.string(),
  kind: stepKind,
  status: z.string(),
  attempts: z.int(),
  at: instant.meta({ description: 'When the step ended, for an ended status; when it started otherwise.' }),
});
