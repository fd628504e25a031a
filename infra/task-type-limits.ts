import { CONCURRENCY } from '../functions/core/concurrency';
import type { TaskTypeDefinition } from '../functions/core/task-type';

/**
 * AWS limits that a registry entry's settings must respect, checked at synth so a bad entry fails
 * with the type and setting named instead of as a CloudFormation rollback.
 */
const LIMITS = [
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html
  { setting: 'timeoutSeconds', min: 1, max: 900 },
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
  { setting: 'memoryMb', min: 128, max: 10_240 },
  // SQS maxReceiveCount: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
  { setting: 'maxAttempts', min: 1, max: 1000 },
  // Above 10 needs a batching window, which would delay every task:
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
  { setting: 'batchSize', min: 1, max: 10 },
  // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html#events-sqs-max-concurrency
  { setting: 'maxConcurrency', min: 2, max: 1000 },
] as const;

/** Optional settings: checked when set (core/concurrency.ts). */
const OPTIONAL_LIMITS = [
  { setting: 'concurrencyPerKey', min: CONCURRENCY.minLimit, max: CONCURRENCY.maxLimit },
  { setting: 'concurrencyPerTenant', min: CONCURRENCY.minLimit, max: CONCURRENCY.maxLimit },
] as const;

/** Lower-case name: it becomes part of construct ids, output names and the queue URL variable. */
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/** Throws an error naming the task type and setting when a registry entry cannot be deployed. */
export function assertDeployable(type: Pick<TaskTypeDefinition, 'name' | 'settings'>): void {
  if (!NAME_PATTERN.test(type.name)) {
    throw new Error(
      `tasklane: task type name must be 1–40 lower-case letters, digits or hyphens, starting with a letter (got "${type.name}")`,
    );
  }
  const set = OPTIONAL_LIMITS.filter(({ setting }) => type.settings[setting] !== undefined);
  for (const { setting, min, max } of [...LIMITS, ...set]) {
    const value = type.settings[setting];
    if (value === undefined || !Number.isInteger(value) || value < min || value > max) {
      throw new Error(
        `tasklane: task type "${type.name}" settings.${setting} must be an integer from ${min} to ${max} (got ${value})`,
      );
    }
  }
}
