import type { Logger } from '@aws-lambda-powertools/logger';
import type { ScheduledEvent } from 'aws-lambda';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients';
import { createSweepStore } from '../shared/task-store';
import { SqsWebhookQueue } from '../adapters/sqs-webhook-queue';
import { PowertoolsTaskMetrics } from '../adapters/powertools-metrics';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { DynamoTokenStore } from '../adapters/dynamo-token-store';
import { DynamoChildRecords } from '../adapters/dynamo-child-records';
import { loadConfig, type RuntimeConfig } from '../config';
import { noMetrics, type TaskMetrics } from '../core/metrics';
import { systemClock, type Clock } from '../core/ports';
import { sweep, type SweepOptions } from '../core/sweeper';
import { createLogger } from '../shared/logger';
import { findTaskType, taskTypeNames } from '../task-types/registry';

/** Wires the sweeper to the table and queues; the local stack calls this on a timer, and once at start to recover. */
export function buildSweeper(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  options: { metrics?: TaskMetrics; clock?: Clock } & SweepOptions = {},
) {
  const deps = {
    store: createSweepStore(config, clients, logger, options.clock),
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    clock: options.clock ?? systemClock,
    log: logger,
    findType: findTaskType,
    webhookQueue: config.webhookQueueUrl ? new SqsWebhookQueue(clients.sqs, config.webhookQueueUrl) : undefined,
    metrics: options.metrics ?? noMetrics,
    tokens: new DynamoTokenStore(clients.dynamo, config.tableName, options.clock ?? systemClock),
    children: new DynamoChildRecords(clients.dynamo, config.tableName, options.clock ?? systemClock),
  };
  return (_event?: ScheduledEvent) => sweep(deps, { everythingDue: options.everythingDue });
}

export function buildSweeperFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(taskTypeNames(), env);
  return buildSweeper(config, createAwsClients(config), createLogger('tasklane-sweeper'), {
    metrics: new PowertoolsTaskMetrics(),
  });
}
