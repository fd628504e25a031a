import { findUnstorable } from './storable-json';
import type { Task } from './task';
import type { StepEntry } from './task-steps';
import { TASK_STORAGE } from './task-storage';
import { TIMING } from './task-timing';

/** Limits of durable steps (README: "Durable steps"). */
export const STEP_LIMITS = {
  /** One step's result, or one token's value, as stored. */
  resultBytes: 64 * 1024,
  /**
   * The payload and every step together (names and bookkeeping included), as stored: the payload's
   * own allowance, so the record stays within DynamoDB's 400 KB item beside the largest result.
   */
  payloadAndStepsBytes: TASK_STORAGE.payloadBytes,
  /** A step's name, in characters. */
  nameChars: 128,
  /** The longest sleep and the longest token timeout: one year, as for delayed runs. */
  maxSuspendSeconds: TIMING.maxDelaySeconds,
} as const;

/** Why `entry` cannot join the task's steps (too large for one step or for the record), or undefined. */
export function unstorableStep(task: Pick<Task, 'payload' | 'steps'>, name: string, entry: StepEntry) {
  const field = `steps[${JSON.stringify(name)}]`;
  return (
    findUnstorable(entry.result, `${field}.result`, STEP_LIMITS.resultBytes) ??
    findUnstorable(
      { payload: task.payload, steps: { ...task.steps, [name]: entry } },
      'payload and steps',
      STEP_LIMITS.payloadAndStepsBytes,
    )
  );
}

/** A step result's `result_bytes`: its JSON size in UTF-8 (0 for no result). */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value), 'utf8');
}
