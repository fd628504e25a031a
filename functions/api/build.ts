import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients';
import { DynamoRateLimiter } from '../adapters/dynamo-rate-limiter';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { loadConfig, type RuntimeConfig } from '../config';
import { noMetrics, type TaskMetrics } from '../core/metrics';
import { systemClock } from '../core/ports';
import { PowertoolsTaskMetrics } from '../adapters/powertools-metrics';
import { unlimited } from '../core/rate-limiter';
import { TaskService } from '../core/task-service';
import { createLogger } from '../shared/logger';
import { taskTypeNames } from '../task-types/registry';
import { createApp, type TenantResolver } from './app';

/** Wires the API to DynamoDB and SQS; the tenant resolver differs between AWS and the local stack. */
export function buildApi(config: RuntimeConfig, clients: AwsClients, logger: Logger, resolveTenant: TenantResolver, metrics: TaskMetrics = noMetrics) {
  const rateLimiter =
    config.rateLimitPerSecond > 0
      ? new DynamoRateLimiter(
          clients.dynamo,
          config.tableName,
          config.rateLimitBurst,
          // A window that holds `burst` creations at the sustained rate: e.g. 100 per 2 s at 50/s.
          Math.max(1, Math.round(config.rateLimitBurst / config.rateLimitPerSecond)),
          systemClock,
        )
      : unlimited;
  const tasks = new TaskService({
    store: new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays),
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    clock: systemClock,
    log: logger,
    metrics,
    rateLimiter,
  });
  return createApp({ tasks, resolveTenant, log: logger });
}

/**
 * In AWS the REST API's Lambda authorizer has already checked the key; the API trusts only the
 * tenant it put in the request context.
 */
export const tenantFromAuthorizer: TenantResolver = async (c) => {
  const event = (c.env as { event?: APIGatewayProxyEvent } | undefined)?.event;
  const tenant = event?.requestContext?.authorizer?.tenant;
  return typeof tenant === 'string' && tenant !== '' ? tenant : undefined;
};

/** The Lambda wiring: configuration from the environment the CDK stack sets. */
export function buildApiFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(taskTypeNames(), env);
  return buildApi(config, createAwsClients(config), createLogger('tasklane-api'), tenantFromAuthorizer, new PowertoolsTaskMetrics());
}
