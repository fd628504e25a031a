import type { Logger } from '@aws-lambda-powertools/logger';
import type { ScheduledEvent } from 'aws-lambda';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients';
import { DynamoScheduleStore } from '../adapters/dynamo-schedule-store';
import { PowertoolsTaskMetrics } from '../adapters/powertools-metrics';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { loadConfig, type RuntimeConfig } from '../config';
import { noMetrics, type TaskMetrics } from '../core/metrics';
import { systemClock, type Clock } from '../core/ports';
import { fireDueSchedules } from '../core/schedule-firing';
import { TaskService } from '../core/task-service';
import { createLogger } from '../shared/logger';
import { createTaskStore } from '../shared/task-store';
import { taskTypeNames, taskTypes } from '../task-types/registry';
import { checkWebhookUrl } from '../webhooks/target-guard';

/** Wires the scheduler to the table and queues; the local stack calls this on the sweeper's timer. */
export function buildScheduler(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  options: { metrics?: TaskMetrics; clock?: Clock } = {},
) {
  const clock = options.clock ?? systemClock;
  // Firings are tasks like any other: created through the task service, into the same table and queues.
  const tasks = new TaskService({
    store: createTaskStore(config, clients, logger, clock),
    types: taskTypes,
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    clock,
    log: logger,
    metrics: options.metrics ?? noMetrics,
    checkWebhookUrl: (url) => checkWebhookUrl(url, config.webhookPolicy),
  });
  const deps = { store: new DynamoScheduleStore(clients.dynamo, config.tableName, clock), tasks, clock, log: logger };
  return (_event?: ScheduledEvent) => fireDueSchedules(deps);
}

export function buildSchedulerFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(taskTypeNames(), env);
  return buildScheduler(config, createAwsClients(config), createLogger('tasklane-scheduler'), {
    metrics: new PowertoolsTaskMetrics(),
  });
}
