import type { Logger } from '@aws-lambda-powertools/logger';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients';
import { DynamoRateLimiter } from '../adapters/dynamo-rate-limiter';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { createTaskStore } from '../shared/task-store';
import { DynamoWebhookSecretStore } from '../adapters/dynamo-webhook-secret-store';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { s3UploadLinks } from '../adapters/s3-upload-links';
import { lazyS3ResultStore } from '../adapters/lazy-s3-result-store';
import { lazyS3UploadReader } from '../adapters/lazy-s3-upload-reader';
import { loadConfig, type RuntimeConfig } from '../config';
import { noMetrics, type TaskMetrics } from '../core/metrics';
import { systemClock } from '../core/ports';
import { PowertoolsTaskMetrics } from '../adapters/powertools-metrics';
import { DynamoEventStore } from '../adapters/dynamo-event-store';
import { LambdaFlushTrigger, createLambdaClient } from '../adapters/lambda-flush-trigger';
import { EventService } from '../batching/event-service';
import type { FlushTrigger } from '../batching/ports';
import { unlimited } from '../core/rate-limiter';
import { TaskService } from '../core/task-service';
import { DynamoScheduleStore } from '../adapters/dynamo-schedule-store';
import { SqsTaskDeadLetters } from '../adapters/sqs-dead-letters';
import { SqsQueueDepths } from '../adapters/sqs-queue-depths';
import { ScheduleService } from '../core/schedule-service';
import { TokenService } from '../core/token-service';
import { DynamoTokenStore } from '../adapters/dynamo-token-store';
import { createLogger } from '../shared/logger';
import { taskTypeNames, taskTypes } from '../task-types/registry';
import { checkWebhookUrl } from '../webhooks/target-guard';
import type { WatchSettings } from '../core/task-watch';
import { createApp } from './app';
import type { TenantResolver } from './context';
import { tenantFromAuthorizer } from './tenant';
import type { DashboardOptions } from './dashboard-route';

/** Wires the API to DynamoDB and SQS; the tenant resolver differs between AWS and the local stack. */
export interface BuildApiOptions {
  metrics?: TaskMetrics;
  /** Early flush of buffered events; without it the schedule alone flushes. */
  flushTrigger?: FlushTrigger;
  /** Timing of GET /tasks/{id}/stream; WATCH_DEFAULTS otherwise (tests shorten it). */
  stream?: Partial<WatchSettings>;
  /** Serve the dashboard page at GET /. */
  dashboard?: DashboardOptions;
}

const noTrigger: FlushTrigger = { trigger: async () => undefined };

export function buildApi(
  config: RuntimeConfig,
  clients: AwsClients,
  logger: Logger,
  resolveTenant: TenantResolver,
  options: BuildApiOptions = {},
) {
  const metrics = options.metrics ?? noMetrics;
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
    store: createTaskStore(config, clients, logger),
    types: taskTypes,
    checkWebhookUrl: (url) => checkWebhookUrl(url, config.webhookPolicy),
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    clock: systemClock,
    log: logger,
    metrics,
    rateLimiter,
  });
  const eventStore = new DynamoEventStore(clients.dynamo, config.tableName);
  const events = {
    store: eventStore,
    service: new EventService({
      store: eventStore,
      trigger: options.flushTrigger ?? noTrigger,
      clock: systemClock,
      log: logger,
    }),
  };
  // The stream only reads: the same store, eventually consistent after its first read. While it
  // runs, the check that admitted it is made again (in AWS the stream function serves this route,
  // with its own re-check: see stream/build.ts).
  const stream = {
    reader: new DynamoTaskStore(clients.dynamo, config.tableName, config.finishedTaskTtlDays),
    settings: options.stream,
    recheckTenant: resolveTenant,
  };
  const schedules = new ScheduleService({
    store: new DynamoScheduleStore(clients.dynamo, config.tableName, systemClock),
    types: taskTypes,
    tasks,
    clock: systemClock,
    log: logger,
    checkWebhookUrl: (url) => checkWebhookUrl(url, config.webhookPolicy),
    maxPerTenant: config.maxSchedulesPerTenant,
  });
  const tokens = new TokenService({
    tokens: new DynamoTokenStore(clients.dynamo, config.tableName, systemClock),
    queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
    clock: systemClock,
    log: logger,
  });
  const webhookSecrets = new DynamoWebhookSecretStore(clients.dynamo, config.tableName);
  const uploads = config.filesBucket ? s3UploadLinks(config, config.filesBucket) : undefined;
  return createApp({
    tasks,
    types: taskTypes,
    resolveTenant,
    log: logger,
    events,
    stream,
    dashboard: options.dashboard,
    webhookSecrets,
    uploads,
    results: lazyS3ResultStore(config),
    payloadUploads: config.filesBucket ? lazyS3UploadReader(config, config.filesBucket) : undefined,
    schedules,
    tokens,
    queueDepths: new SqsQueueDepths(clients.sqs, config.queueUrls),
    // Every type's DLQ or none: a redrive route that knows half the types would surprise its caller.
    deadLetters:
      Object.keys(config.dlqUrls).length > 0 && taskTypeNames().every((type) => config.dlqUrls[type])
        ? new SqsTaskDeadLetters(clients.sqs, config.dlqUrls)
        : undefined,
  });
}

/** The Lambda wiring: configuration from the environment the CDK stack sets. */
export function buildApiFromEnv(env: NodeJS.ProcessEnv = process.env, dashboard?: DashboardOptions) {
  const config = loadConfig(taskTypeNames(), env);
  return buildApi(config, createAwsClients(config), createLogger('tasklane-api'), tenantFromAuthorizer, {
    metrics: new PowertoolsTaskMetrics(),
    dashboard,
    flushTrigger: config.flushFunctionName
      ? new LambdaFlushTrigger(createLambdaClient(config.region), config.flushFunctionName)
      : undefined,
  });
}
