import { App, Validations } from 'aws-cdk-lib';
import { ConfigError } from '../functions/config';
import { readConfig, type TasklaneConfig } from './config';
import { nagPacks } from './nag-packs';
import { TasklaneStack } from './tasklane-stack';

const app = new App();
const config = configOrExit(app);
// Environment-agnostic (no env): synth needs no credentials, and account and region come from the deploy.
new TasklaneStack(app, `Tasklane-${config.stage}`, {
  config,
  description: `Tasklane background tasks (${config.stage}): REST API, DynamoDB, an SQS queue and worker per task type`,
});
// cdk-nag 3 runs as a CDK policy-validation plugin: any unacknowledged finding fails `cdk synth`.
Validations.of(app).addPlugins(...nagPacks(app));

/** An invalid setting ends synth with its message alone; a stack trace would bury it. */
function configOrExit(scope: App): TasklaneConfig {
  try {
    return readConfig(scope.node);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
