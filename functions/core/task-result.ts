import { PermanentTaskError } from './errors';
import { resultKey, storeResult, type ResultRef, type ResultStore } from './result-store';
import type { Task } from './task';
import { unstorableResult } from './task-storage';

/**
 * A task's result as its completion stores it: inline when the record holds it (TASK_STORAGE.resultBytes),
 * otherwise written to the result store with only its reference on the record. A result that cannot
 * be stored (no storable JSON, over RESULT_FILES.maxBytes, or too large with no store) is returned as
 * the permanent failure it is: another attempt would return the same.
 */
export async function recordableResult(
  result: unknown,
  task: Pick<Task, 'tenant' | 'id'>,
  results: ResultStore | undefined,
): Promise<{ result?: unknown; ref?: ResultRef } | PermanentTaskError> {
  const unstorable = unstorableResult(result);
  if (!unstorable) return { result };
  if (!unstorable.tooLarge || !results)
    return new PermanentTaskError(
      `The task's result cannot be stored: ${unstorable.field} must be ${unstorable.rule}.`,
    );
  try {
    return { ref: await storeResult(results, resultKey(task.tenant, task.id, 'result'), result, 'result') };
  } catch (error) {
    if (error instanceof PermanentTaskError)
      return new PermanentTaskError(`The task's result cannot be stored: ${error.message}`);
    throw error;
  }
}

/** For a task whose result is in the result store: a presigned GET link to it and when the link expires. */
export async function resultLink(
  task: Pick<Task, 'result_ref'>,
  results: ResultStore | undefined,
  now: Date,
): Promise<{ result_url?: string; result_url_expires_at?: string }> {
  if (!task.result_ref || !results) return {};
  const { url, expiresInSeconds } = await results.link(task.result_ref.key);
  return { result_url: url, result_url_expires_at: new Date(now.getTime() + expiresInSeconds * 1000).toISOString() };
}
