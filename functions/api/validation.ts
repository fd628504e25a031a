import * as z from 'zod';
import { ValidationError } from '../core/errors';
import { TASK_STATUSES } from '../core/task';
import { TIMING } from '../core/task-timing';
import { CONCURRENCY } from '../core/concurrency';
import { issuesToDetails } from '../core/validation';
import { UPLOAD_ID_PATTERN } from '../task-types/uploads';

/** Request limits, explicit and documented in the README. */
export const LIMITS = {
  /** Largest request body; bigger ones get 413 before anything is written. */
  maxBodyBytes: 256 * 1024,
  defaultPageSize: 20,
  maxPageSize: 100,
  maxIdempotencyKeyLength: 255,
  maxWebhookUrlLength: 2048,
} as const;

const RFC3339 = 'an RFC 3339 date-time with a time zone, e.g. 2026-12-01T18:00:00Z';
const dateTime = z.iso.datetime({ offset: true, error: `must be ${RFC3339}` });
const wholeSeconds = (min: number, max: number) =>
  z
    .number({ error: `must be a whole number of seconds from ${min} to ${max}` })
    .int({ error: `must be a whole number of seconds from ${min} to ${max}` })
    .min(min, { error: `must be a whole number of seconds from ${min} to ${max}` })
    .max(max, { error: `must be a whole number of seconds from ${min} to ${max}` });

/**
 * When a new task runs and how long it may wait to start (POST /tasks, POST /send-email); ranges here,
 * the rules between fields and against the clock in core/task-timing.ts.
 */
export const timingFields = {
  run_at: dateTime.optional(),
  delay_seconds: wholeSeconds(0, TIMING.maxDelaySeconds).optional(),
  start_by: dateTime.optional(),
  ttl_seconds: wholeSeconds(1, TIMING.maxTtlSeconds).optional(),
};

/** A task's concurrency key: it names a customer or a resource, so no control characters. */
const concurrencyKey = z
  .string({ error: 'must be a string' })
  .min(1, `must be 1–${CONCURRENCY.maxKeyLength} characters`)
  .max(CONCURRENCY.maxKeyLength, `must be 1–${CONCURRENCY.maxKeyLength} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is exactly "no control characters"
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must contain no control characters');

export const createTaskBody = z
  .object({
    type: z.string({ error: 'required, a string naming a task type' }).min(1),
    payload: z.unknown().optional(),
    /** A payload of up to 10 MiB by reference to an upload (core/payload-upload.ts), instead of `payload`. */
    payload_upload_id: z
      .string({ error: 'must be an upload_id from POST /uploads' })
      .regex(UPLOAD_ID_PATTERN, 'must be an upload_id from POST /uploads')
      .optional(),
    webhook_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .max(LIMITS.maxWebhookUrlLength)
      .optional(),
    ...timingFields,
    concurrency_key: concurrencyKey.optional(),
  })
  .strict();

/** POST /tasks as the route parses it: the body, with at most one of payload and payload_upload_id. */
export const createTaskRequest = createTaskBody.refine(
  (body) => body.payload === undefined || body.payload_upload_id === undefined,
  {
    path: ['payload_upload_id'],
    message: 'not together with payload: give exactly one of payload and payload_upload_id',
  },
);

/** POST /tasks/{id}/rerun: an optional payload in place of the original's. */
export const rerunBody = z.object({ payload: z.unknown().optional() }).strict();

export const listTasksQuery = z
  .object({
    status: z.enum(TASK_STATUSES).optional(),
    type: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(LIMITS.maxPageSize).default(LIMITS.defaultPageSize),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .strict();

/**
 * Printable ASCII, space included (0x20–0x7E), as the README promises; length bounded. Spaces at
 * either end do not survive HTTP (header values lose them), so only inner ones reach us.
 */
export const IDEMPOTENCY_KEY = new RegExp(`^[\\x20-\\x7e]{1,${LIMITS.maxIdempotencyKeyLength}}$`);
const IDEMPOTENCY_KEY_RULE = `1–${LIMITS.maxIdempotencyKeyLength} printable ASCII characters (space to ~)`;

/** The Idempotency-Key header, or a 400 naming it. */
export function parseIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(raw)) {
    throw new ValidationError(`The Idempotency-Key header must be ${IDEMPOTENCY_KEY_RULE}.`, [
      { field: 'Idempotency-Key', rule: IDEMPOTENCY_KEY_RULE },
    ]);
  }
  return raw;
}

/** Parses input with a schema or throws a 400 naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what: string, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new ValidationError(`The ${what} is not valid.`, issuesToDetails(parsed.error.issues, prefix));
  return parsed.data;
}
