import { PermanentTaskError } from './errors';
import { loadResult, resultKey, storeResult, type ResultRef, type ResultStore } from './result-store';
import { jsonBytes, unstorableStep } from './step-limits';
import type { Task } from './task';
import type { StepEntry } from './task-steps';

/**
 * The entry that stores a completed step's `result`: inline when the record holds it (STEP_LIMITS),
 * otherwise the result goes to the result store and the entry keeps its `result_ref`. Without a
 * store, or for a result that is no storable JSON or over RESULT_FILES.maxBytes, a PermanentTaskError
 * that starts with `what`.
 */
export async function completedStep(
  task: Pick<Task, 'tenant' | 'id' | 'payload'>,
  steps: Record<string, StepEntry>,
  name: string,
  base: StepEntry,
  result: unknown,
  results: ResultStore | undefined,
  what: string,
): Promise<StepEntry> {
  const { result: _result, result_ref: _ref, ...rest } = base;
  const inline: StepEntry = { ...rest, result, result_bytes: jsonBytes(result) };
  const record = { payload: task.payload, steps };
  const unstorable = unstorableStep(record, name, inline);
  if (!unstorable) return inline;
  if (!unstorable.tooLarge || !results)
    throw new PermanentTaskError(`${what}: ${unstorable.field} must be ${unstorable.rule}.`);
  const field = `steps[${JSON.stringify(name)}].result`;
  const ref = await storeResult(results, resultKey(task.tenant, task.id, 'step'), result, field).catch((error) => {
    throw error instanceof PermanentTaskError ? new PermanentTaskError(`${what}: ${error.message}`) : error;
  });
  const offloaded: StepEntry = { ...rest, result_ref: ref, result_bytes: ref.bytes };
  const still = unstorableStep(record, name, offloaded);
  if (still) throw new PermanentTaskError(`${what}: ${still.field} must be ${still.rule}.`);
  return offloaded;
}

/** A stored value (a step's result, a child task's result, a payload by reference), read back whole from the result store if it went there. */
export async function storedStepResult(
  stored: { result?: unknown; result_ref?: ResultRef },
  results: ResultStore | undefined,
): Promise<unknown> {
  if (!stored.result_ref) return stored.result;
  if (!results)
    throw new PermanentTaskError(
      `A result is stored in a file (${stored.result_ref.key}); this worker has no result store.`,
    );
  return loadResult(results, stored.result_ref);
}
