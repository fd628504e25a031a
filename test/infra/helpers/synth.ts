import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { TaskTypeDefinition } from '../../../functions/task-types/definition';
import { type ConfigInput, parseConfig, type TasklaneConfig } from '../../../infra/config';
import { TasklaneStack } from '../../../infra/tasklane-stack';

export interface SynthesizedStack {
  app: App;
  stack: TasklaneStack;
  template: Template;
  config: TasklaneConfig;
}

/**
 * Builds the stack the way infra/app.ts does, with real esbuild bundling (a few seconds): call it
 * once per test file, in beforeAll.
 */
export function synthTasklane(input: ConfigInput = {}, taskTypes?: readonly TaskTypeDefinition[]): SynthesizedStack {
  const app = new App();
  const config = parseConfig({ stage: 'test', ...input });
  const stack = new TasklaneStack(app, 'Tasklane-test', { config, taskTypes });
  return { app, stack, template: Template.fromStack(stack), config };
}
