import { PayloadTooLargeError, ValidationError } from './errors';
import { idempotentTaskId, newSortableId } from './ids';
import { resultKey, type ResultStore } from './result-store';
import { findUnstorable } from './storable-json';
import type { CreateTaskInput, CreateTaskOutcome, TaskService } from './task-service';
import type { TaskTypes } from './task-types';
import { issuesToDetails } from './validation';

/** Reads a tenant's upload from POST /uploads (S3: uploads/<tenant>/<upload id>…). */
export interface UploadReader {
  /** The upload's text; `tooLarge` with its size when over `maxBytes` (not read); undefined when there is none. */
  read(
    tenant: string,
    uploadId: string,
    maxBytes: number,
  ): Promise<{ text: string } | { tooLarge: number } | undefined>;
}

export const PAYLOAD_UPLOADS = {
  /** The largest payload by reference: the worker holds it in memory, as a value and as its text. */
  maxBytes: 10 * 1024 * 1024,
} as const;

const FIELD = 'payload_upload_id';

/**
 * POST /tasks with `payload_upload_id`: the upload must exist for the tenant, be at most
 * PAYLOAD_UPLOADS.maxBytes of JSON and pass the type's payload schema (400 or 413 naming the field
 * otherwise). The accepted payload is copied to a key of the task's own under results/, so it
 * outlives the upload (deleted after a day) for as long as the task may wait; the record keeps its reference.
 */
export async function createWithPayloadUpload(
  deps: { tasks: TaskService; types: TaskTypes; uploads: UploadReader; results: ResultStore },
  input: Omit<CreateTaskInput, 'payload' | 'payload_ref'> & { payload_upload_id: string },
): Promise<CreateTaskOutcome> {
  const type = deps.types.require(input.type);
  const read = await deps.uploads.read(input.tenant, input.payload_upload_id, PAYLOAD_UPLOADS.maxBytes);
  if (!read) {
    throw new ValidationError(`No upload "${input.payload_upload_id}" for this tenant.`, [
      { field: FIELD, rule: 'an upload of this tenant, PUT to its upload_url within the last day (POST /uploads)' },
    ]);
  }
  if ('tooLarge' in read) {
    throw new PayloadTooLargeError(
      `The upload is ${read.tooLarge} bytes; a payload is at most ${PAYLOAD_UPLOADS.maxBytes}.`,
      [{ field: FIELD, rule: `an upload of at most ${PAYLOAD_UPLOADS.maxBytes} bytes` }],
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(read.text);
  } catch {
    throw new ValidationError('The upload is not JSON.', [
      { field: FIELD, rule: 'an upload holding one JSON document' },
    ]);
  }
  const unstorable = findUnstorable(payload, 'payload');
  if (unstorable) {
    throw new ValidationError(
      `The uploaded payload cannot be stored: ${unstorable.field} must be ${unstorable.rule}.`,
      [{ field: unstorable.field, rule: unstorable.rule }],
    );
  }
  const parsed = type.payloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new ValidationError(
      `The uploaded payload (${FIELD}) is not valid for task type "${type.name}".`,
      issuesToDetails(parsed.error.issues, 'payload'),
    );
  }
  const id = input.idempotencyKey ? idempotentTaskId(input.tenant, input.idempotencyKey) : newSortableId();
  const json = JSON.stringify(parsed.data);
  // A new key per request: an idempotent replay writes an unused copy, never over the kept one.
  const key = resultKey(input.tenant, id, 'payload');
  await deps.results.put(key, json);
  const { payload_upload_id, ...rest } = input;
  const payload_ref = { key, bytes: Buffer.byteLength(json, 'utf8'), upload_id: payload_upload_id };
  return deps.tasks.create({ ...rest, id, payload_ref });
}
