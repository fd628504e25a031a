import type { Logger } from '@aws-lambda-powertools/logger';
import { createAwsClients, type AwsClients } from '../adapters/aws-clients';
import { createTaskStore, type WebhookSenderFactory } from '../shared/task-store';
import { invocationTimeLeftMs } from '../shared/invocation-deadline';
import { DynamoWebhookSecretStore } from '../adapters/dynamo-webhook-secret-store';
import { webhookSweepAt } from '../webhooks/deliver';
import { DirectWebhookSender } from '../webhooks/direct-delivery';
import { postWebhook } from '../webhooks/http-delivery';
import { ENV, loadConfig, type RuntimeConfig } from '../config';
import { noMetrics, type TaskMetrics } from '../core/metrics';
import { systemClock } from '../core/ports';
import type { BackoffSettings } from '../core/retry-policy';
import { countWebhookDelivery, PowertoolsTaskMetrics } from '../adapters/powertools-metrics';
import { createLogger } from '../shared/logger';
import { requireTaskType, taskTypeNames, taskTypes } from '../task-types/registry';
import { createSqsWorker } from './sqs-worker';
import { createTaskServices } from '../adapters/task-services';
import { DynamoConcurrencySlots } from '../adapters/dynamo-concurrency-slots';
import { SqsTaskQueue } from '../adapters/sqs-task-queue';
import { TaskService } from '../core/task-service';
import { checkWebhookUrl, resolveCheckedTarget } from '../webhooks/target-guard';
import { ChildTaskCreator } from '../core/child-tasks';
import { DynamoChildRecords } from '../adapters/dynamo-child-records';
import { lazyS3ResultStore } from '../adapters/lazy-s3-result-store';

/**
 * A task worker's webhooks: the first attempt made at once, with the webhook worker's delivery and
 * record writes, queued only to retry (webhooks/direct-delivery.ts).
 */
function directWebhooks(
  config: RuntimeConfig,
  clients: AwsClients,
  log: Logger,
  backoff?: BackoffSettings,
  countOutcome?: (outcome: 'delivered' | 'retried' | 'failed') => void,
): WebhookSenderFactory {
  return ({ store, queue }) =>
    new DirectWebhookSender({
      queue,
      delivery: {
        recordAttempt: async (task, state, next) => {
          const now = systemClock.now().toISOString();
          await store.recordWebhook(task.tenant, task.id, state, next && webhookSweepAt(now, next), now);
          countOutcome?.(state.status === 'pending' ? 'retried' : state.status);
        },
        secrets: new DynamoWebhookSecretStore(clients.dynamo, config.tableName),
        resolveTarget: resolveCheckedTarget,
        post: postWebhook,
        policy: config.webhookPolicy,
        clock: systemClock,
        log,
        backoff,
      },
      timeLeftMs: invocationTimeLeftMs,
    });
}

/** Wires the worker of one task type to its store and queue; the local stack calls this too. */
export function buildWorker(
  config: RuntimeConfig,
  typeName: string,
  clients: AwsClients,
  logger: Logger,
  options: {
    metrics?: TaskMetrics;
    progressIntervalMs?: number;
    backoff?: BackoffSettings;
    /** A per-tenant limit in place of the type's (the local stack's bench and tests set it). */
    concurrencyPerTenant?: number;
    /** The webhook backoff in place of WEBHOOK_DELIVERY's, for the worker's first webhook attempt. */
    webhookBackoff?: BackoffSettings;
    /** Counts the outcome of each first webhook attempt (the webhook worker's metric). */
    countWebhookOutcome?: (outcome: 'delivered' | 'retried' | 'failed') => void;
  } = {},
) {
  const registered = requireTaskType(typeName);
  // Settings given here replace the type's own for this worker only (the local stack's tests shorten the
  // backoff); the registry stays as it is.
  const type = {
    ...registered,
    settings: {
      ...registered.settings,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.concurrencyPerTenant ? { concurrencyPerTenant: options.concurrencyPerTenant } : {}),
    },
  };
  const queueUrl = config.queueUrls[type.name];
  if (!queueUrl) throw new Error(`No queue URL configured for task type "${type.name}".`);
  const store = createTaskStore(config, clients, logger);
  // The attempt's own end delivers its webhook at once (a try, queued if it fails); the tasks a type acts
  // on (cancels, children) queue theirs, so a bulk cancel never waits on receivers.
  const runnerStore = createTaskStore(
    config,
    clients,
    logger,
    systemClock,
    directWebhooks(config, clients, logger, options.webhookBackoff, options.countWebhookOutcome),
  );
  const metrics = options.metrics ?? noMetrics;
  // A worker bundled for one type (infra/worker-bundle.ts defines TASKLANE_BUNDLED_TYPE) is never one that
  // creates or manages tasks, so esbuild drops the two wirings below from it, with the webhook URL check.
  // A type that acts on other tasks cancels and reruns them by the API's rules (and webhooks); no
  // creation rate limit: the request that created the acting task was counted.
  const actions =
    process.env.TASKLANE_BUNDLED_TYPE === undefined && type.uses?.includes('manage_tasks')
      ? new TaskService({
          store,
          types: taskTypes,
          queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
          clock: systemClock,
          log: logger,
          metrics,
          checkWebhookUrl: (url) => checkWebhookUrl(url, config.webhookPolicy),
        })
      : undefined;
  // A type that creates tasks may spawn children (ctx.spawn) of any type, with the API's rules.
  const children =
    process.env.TASKLANE_BUNDLED_TYPE === undefined && type.uses?.includes('create_tasks')
      ? new ChildTaskCreator({
          store,
          records: new DynamoChildRecords(clients.dynamo, config.tableName, systemClock),
          types: taskTypes,
          queue: new SqsTaskQueue(clients.sqs, config.queueUrls),
          clock: systemClock,
          metrics,
          checkWebhookUrl: (url) => checkWebhookUrl(url, config.webhookPolicy),
        })
      : undefined;
  return createSqsWorker({
    type,
    store: runnerStore,
    services: createTaskServices(config, store, clients, metrics, actions, children),
    results: lazyS3ResultStore(config),
    sqs: clients.sqs,
    queueUrl,
    clock: systemClock,
    logger,
    metrics,
    progressIntervalMs: options.progressIntervalMs,
    concurrency: { slots: new DynamoConcurrencySlots(clients.dynamo, config.tableName, systemClock), reader: store },
  });
}

/** The Lambda wiring: configuration from the environment the CDK stack sets. */
export function buildWorkerFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const typeName = env[ENV.taskType];
  if (!typeName) throw new Error(`Environment variable ${ENV.taskType} is required but not set.`);
  const config = loadConfig(taskTypeNames(), env);
  return buildWorker(config, typeName, createAwsClients(config), createLogger(`tasklane-worker-${typeName}`), {
    metrics: new PowertoolsTaskMetrics(),
    countWebhookOutcome: countWebhookDelivery,
  });
}
