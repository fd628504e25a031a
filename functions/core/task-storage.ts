import { findUnstorable } from './storable-json';
import type { TaskError } from './task';

/**
 * How much of one task item (DynamoDB holds 400 KB an item) the JSON of clients and of task code
 * may take. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
 */
export const TASK_STORAGE = {
  /** A payload, counted as stored: what the 256 KiB request body allows anyway. */
  payloadBytes: 256 * 1024,
  /** A result: what is left beside the largest payload and the record's own attributes (keys, status history, error). */
  resultBytes: 128 * 1024,
  /** An error or progress message from task code: kept whole up to here, then cut with a marker. */
  messageChars: 4096,
} as const;

/** A message from task code cut to what the record keeps (a huge one would overflow the item on every attempt). */
export function clipMessage(text: string): string {
  if (text.length <= TASK_STORAGE.messageChars) return text;
  const marker = ` … [${text.length - TASK_STORAGE.messageChars} more characters cut]`;
  return text.slice(0, TASK_STORAGE.messageChars) + marker;
}

/** An error thrown by task code as the record keeps it (a task's or a step's `error`): name and message, clipped. */
export function toTaskError(error: unknown): TaskError {
  if (error instanceof Error)
    return { name: clipMessage(String(error.name)), message: clipMessage(String(error.message)) };
  return { name: 'Error', message: clipMessage(String(error)) };
}

/**
 * Why a result task code returned cannot be stored on the record (too large, or no storable JSON),
 * or undefined for a storable one.
 */
export function unstorableResult(result: unknown) {
  return findUnstorable(result, 'result', TASK_STORAGE.resultBytes);
}
