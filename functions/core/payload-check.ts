import { ValidationError } from './errors';
import { assertStorable } from './storable-json';
import type { TaskTypeDefinition } from './task-type';
import { TASK_STORAGE } from './task-storage';
import { issuesToDetails } from './validation';

/** A create's payload, storable on the record and valid for the type (what its schema returns); else a 400 or 413 naming the field. */
export function checkedPayload(type: Pick<TaskTypeDefinition, 'name' | 'payloadSchema'>, payload: unknown): unknown {
  // Before the schema, which copies what it accepts: a `__proto__` key would vanish in the copy.
  assertStorable(payload, 'payload', TASK_STORAGE.payloadBytes);
  const parsed = type.payloadSchema.safeParse(payload ?? {});
  if (!parsed.success) {
    throw new ValidationError(
      `The payload is not valid for task type "${type.name}".`,
      issuesToDetails(parsed.error.issues, 'payload'),
    );
  }
  return parsed.data;
}
