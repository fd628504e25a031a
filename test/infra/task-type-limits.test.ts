import { App, Stack } from 'aws-cdk-lib';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import type { TaskTypeDefinition } from '../../functions/core/task-type';
import { TASK_TYPES } from '../../functions/task-types/registry';
import { TaskTypeQueue } from '../../infra/constructs/task-type-queue';
import { assertDeployable } from '../../infra/task-type-limits';

const valid = TASK_TYPES[0]!;

function withSettings(settings: Partial<TaskTypeDefinition['settings']>, name = 'resize'): TaskTypeDefinition {
  return { ...valid, name, settings: { ...valid.settings, ...settings } };
}

describe('assertDeployable', () => {
  it.each(TASK_TYPES.map((type) => [type.name, type] as const))('accepts registry entry %s', (_, type) => {
    expect(() => assertDeployable(type)).not.toThrow();
  });

  it.each([
    [
      { timeoutSeconds: 901 },
      'tasklane: task type "resize" settings.timeoutSeconds must be an integer from 1 to 900 (got 901)',
    ],
    [{ memoryMb: 64 }, 'tasklane: task type "resize" settings.memoryMb must be an integer from 128 to 10240 (got 64)'],
    [{ maxAttempts: 0 }, 'tasklane: task type "resize" settings.maxAttempts must be an integer from 1 to 1000 (got 0)'],
    [{ batchSize: 11 }, 'tasklane: task type "resize" settings.batchSize must be an integer from 1 to 10 (got 11)'],
    [
      { maxConcurrency: 1 },
      'tasklane: task type "resize" settings.maxConcurrency must be an integer from 2 to 1000 (got 1)',
    ],
    [
      { concurrencyPerKey: 0 },
      'tasklane: task type "resize" settings.concurrencyPerKey must be an integer from 1 to 1000 (got 0)',
    ],
    [
      { concurrencyPerTenant: 1001 },
      'tasklane: task type "resize" settings.concurrencyPerTenant must be an integer from 1 to 1000 (got 1001)',
    ],
    [
      { timeoutSeconds: 1.5 },
      'tasklane: task type "resize" settings.timeoutSeconds must be an integer from 1 to 900 (got 1.5)',
    ],
  ])('rejects %j, naming the type and setting', (settings, message) => {
    expect(() => assertDeployable(withSettings(settings))).toThrow(message);
  });

  it('rejects a name that cannot become resource and variable names', () => {
    expect(() => assertDeployable(withSettings({}, 'Resize Image'))).toThrow(
      'tasklane: task type name must be 1–40 lower-case letters, digits or hyphens, starting with a letter (got "Resize Image")',
    );
  });
});

describe('TaskTypeQueue', () => {
  it('fails at synth, before bundling anything, when its registry entry is out of limits', () => {
    // Prepare
    const stack = new Stack(new App(), 'Stack');
    const alarmAction = new SnsAction(new Topic(stack, 'Topic'));

    // Act
    const build = () =>
      new TaskTypeQueue(stack, 'Resize', {
        type: withSettings({ batchSize: 20 }),
        logRetention: RetentionDays.ONE_DAY,
        alarmAction,
      });

    // Assess
    expect(build).toThrow('tasklane: task type "resize" settings.batchSize must be an integer from 1 to 10 (got 20)');
  });
});
