import { PermanentTaskError } from './errors';
import { newSortableId } from './ids';
import { findUnstorable } from './storable-json';

/**
 * Where results too large for the task record go (the files bucket's results/ prefix in AWS and
 * locally): a JSON object per result, written once under a new key and read back whole.
 */
export interface ResultStore {
  put(key: string, json: string): Promise<void>;
  /** The object's text, or undefined if it is gone. */
  get(key: string): Promise<string | undefined>;
  /** A time-limited GET link to the object (S3: presigned). */
  link(key: string): Promise<{ url: string; expiresInSeconds: number }>;
}

/** What the record keeps of a result that went to the ResultStore. */
export interface ResultRef {
  key: string;
  /** The result's size as JSON text, in bytes. */
  bytes: number;
}

/** What a task record keeps of a payload given by reference (core/payload-upload.ts): its copy, and the upload it came from. */
export interface PayloadRef extends ResultRef {
  upload_id: string;
}

export const RESULT_FILES = {
  /** Key prefix in the files bucket; the CDK stack grants it alone and expires objects under it. */
  prefix: 'results/',
  /**
   * The largest result that goes to a file: it is held whole in a Lambda's memory as a value and as
   * its JSON text (twice over while written or read), so 10 MiB keeps a 256 MB worker well clear.
   */
  maxBytes: 10 * 1024 * 1024,
} as const;

/** A new key for one result (or a payload by reference) of a task: tenant- and task-scoped, unique per write (a lost write leaves no clash). */
export function resultKey(tenant: string, taskId: string, what: 'result' | 'step' | 'payload'): string {
  return `${RESULT_FILES.prefix}${tenant}/${taskId}/${what}-${newSortableId()}.json`;
}

/**
 * Writes `value` to the store as JSON and returns its reference; a value that is not storable JSON
 * (the record's rules, so a result reads back the same wherever it lives) or is over
 * RESULT_FILES.maxBytes is a PermanentTaskError saying `<field> must be <rule>.`
 */
export async function storeResult(store: ResultStore, key: string, value: unknown, field: string): Promise<ResultRef> {
  const unstorable = findUnstorable(value, field);
  if (unstorable) throw new PermanentTaskError(`${unstorable.field} must be ${unstorable.rule}.`);
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > RESULT_FILES.maxBytes) {
    throw new PermanentTaskError(
      `${field} must be at most ${RESULT_FILES.maxBytes} bytes of JSON (got ${bytes}); keep larger data in files of your own.`,
    );
  }
  await store.put(key, json);
  return { key, bytes };
}

/** Reads a stored result back whole; a missing object is an error (its record says it exists). */
export async function loadResult(store: ResultStore, ref: ResultRef): Promise<unknown> {
  const json = await store.get(ref.key);
  // S3 reads its writes at once: a missing object expired or was deleted, and will not come back.
  if (json === undefined) throw new PermanentTaskError(`The stored result ${ref.key} is missing.`);
  return JSON.parse(json);
}
