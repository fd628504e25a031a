import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { TaskTypeDefinition } from '../../../functions/core/task-type';
import { type ConfigInput, parseConfig, type TasklaneConfig } from '../../../infra/config';
import { TasklaneStack } from '../../../infra/tasklane-stack';

export interface SynthesizedStack {
  app: App;
  stack: TasklaneStack;
  template: Template;
  config: TasklaneConfig;
}

export interface SynthOptions {
  /**
   * Bundle every Lambda entry with esbuild, as `cdk deploy` does (seconds per function). Off by
   * default: CDK then stages no code, and the template is otherwise the same. One test bundles.
   * https://docs.aws.amazon.com/cdk/v2/guide/context.html (aws:cdk:bundling-stacks)
   */
  bundle?: boolean;
}

/** Builds the stack the way infra/app.ts does: call it once per configuration, in beforeAll. */
export function synthTasklane(
  input: ConfigInput = {},
  taskTypes?: readonly TaskTypeDefinition[],
  options: SynthOptions = {},
): SynthesizedStack {
  const app = new App(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
  const config = parseConfig({ stage: 'test', ...input });
  const stack = new TasklaneStack(app, 'Tasklane-test', { config, taskTypes });
  return { app, stack, template: Template.fromStack(stack), config };
}
