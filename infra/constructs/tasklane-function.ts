import { type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PROJECT_ROOT, projectPath } from '../paths';

export interface TasklaneFunctionProps {
  /** Entry file relative to the repository root; it exports `handler`. */
  entry: string;
  description: string;
  timeout: Duration;
  memoryMb: number;
  logRetention: RetentionDays;
  /**
   * Why the function needs no Lambda dead-letter queue: those only catch failed asynchronous
   * invocations, and no Tasklane function is invoked asynchronously.
   */
  noDeadLetterQueueBecause: string;
  /** Shell commands that add files to the bundle's folder after esbuild wrote it (the API's client module). */
  afterBundling?: (outputDir: string) => string[];
  /** esbuild `define`s: expressions replaced at bundle time (a task type's worker, infra/worker-bundle.ts). */
  define?: Record<string, string>;
}

/**
 * One bundled Node.js Lambda the way every Tasklane function is built: the newest runtime on Graviton,
 * its own role (no AWS managed policies) writing only to its own log group, X-Ray tracing.
 */
export class TasklaneFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: TasklaneFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', { retention: props.logRetention });
    // Replaces the AWSLambdaBasicExecutionRole managed policy with write access to this log group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: projectPath(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      // Graviton: 20% cheaper per GB-second than x86 (https://aws.amazon.com/lambda/pricing/).
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memoryMb,
      role: this.role,
      logGroup: this.logGroup,
      // Lambda's own START/END/REPORT lines as JSON too, queryable next to the Powertools logs.
      loggingFormat: LoggingFormat.JSON,
      tracing: Tracing.ACTIVE,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: projectPath('package-lock.json'),
      environment: {
        // Stack traces point into the TypeScript sources; NodejsFunction does not set this itself:
        // https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_lambda_nodejs-readme.html
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node24',
        // Bundle the AWS SDK too, so the deployed code runs the versions package-lock.json pins
        // rather than whatever the runtime ships.
        externalModules: [],
        // esbuild's bundle-size summary is noise in synth and test output; its warnings still show.
        logLevel: LogLevel.WARNING,
        // The dashboard page is imported as a string (functions/api/handler.ts): no file to read at run time.
        loader: { '.html': 'text' },
        ...(props.define && { define: props.define }),
        ...(props.afterBundling && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (_inputDir: string, outputDir: string) => props.afterBundling?.(outputDir) ?? [],
          },
        }),
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is granted on "*": these actions support no resource-level permissions (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html). test/infra asserts no other statement uses "*".',
    });
    Validations.of(this.fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: props.noDeadLetterQueueBecause });
  }
}
