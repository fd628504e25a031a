import type { IPolicyValidationPlugin } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The cdk-nag rule packs Tasklane must pass with no unacknowledged finding (errors and warnings alike). */
export function nagPacks(scope: IConstruct): IPolicyValidationPlugin[] {
  return [new AwsSolutionsChecks(scope), new ServerlessChecks(scope)];
}
