import type { AddressInfo } from 'node:net';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { createAwsClients, type AwsClients } from '../functions/adapters/aws-clients';
import { DynamoApiKeyStore } from '../functions/adapters/dynamo-api-key-store';
import { buildApi } from '../functions/api/build';
import type { WatchSettings } from '../functions/core/task-watch';
import type { BackoffSettings } from '../functions/core/retry-policy';
import { buildBrowserBundle } from '../client/browser-bundle';
import { loadDashboardHtml } from '../functions/dashboard/page';
import type { TenantResolver } from '../functions/api/context';
import { DEFAULTS, type RuntimeConfig } from '../functions/config';
import { authenticate, extractApiKey, issueApiKey, type ApiKeyStore } from '../functions/core/api-keys';
import { createLogger } from '../functions/shared/logger';
import { TASK_TYPES } from '../functions/task-types/registry';
import { buildWorker } from '../functions/workers/build';
import { startEmulators, type Emulators } from './emulators';
import { createLocalServer } from './http-server';
import { EventSourcePoller } from './event-source-poller';
import { localLambdaContext } from './lambda-context';
import { ulid } from 'ulid';
import { createBucket, createTable, createTypeQueues, deleteTable, type ProvisionedQueue } from './provision';
import { startSchedules } from './schedules';
import { buildSweeper } from '../functions/scheduled/build-sweeper';
import { buildScheduler } from '../functions/scheduled/build-scheduler';
import { buildWebhookWorker } from '../functions/workers/build-webhook-worker';
import { WEBHOOK_QUEUE } from '../functions/webhooks/settings';
import { buildFlush } from '../functions/scheduled/build-flush';
import { createS3Client } from '../functions/adapters/s3-client';
import { localFlushTrigger } from './flush-trigger';
import { recoverAfterRestart } from './recover';

export interface LocalStackOptions {
  /** API port; 0 picks a free one. */
  port?: number;
  /** Persist DynamoDB data in this folder between runs. */
  dataDir?: string;
  /** API key for tenant `local`; generated when unset. */
  apiKey?: string;
  /** Per-tenant creation limit; 0 disables it. */
  rateLimitPerSecond?: number;
  rateLimitBurst?: number;
  /** Cron schedules one tenant may hold (default DEFAULTS.maxSchedulesPerTenant). */
  maxSchedulesPerTenant?: number;
  /** Progress write interval of the workers (ms). */
  progressIntervalMs?: number;
  /** Long-poll wait of the local event source pollers (s). */
  pollWaitSeconds?: number;
  /** Allow webhooks to loopback addresses (default true locally, never in AWS). */
  allowLoopbackWebhooks?: boolean;
  /** Start the event-source pollers (default true); tests that deliver messages by hand turn them off. */
  workers?: boolean;
  /** How often the scheduled functions run (sweeper, scheduler, flush); 0 turns them off (tests run them by hand). */
  scheduleIntervalMs?: number;
  /** Timing of task streams (tests shorten heartbeats and the maximum duration). */
  stream?: Partial<WatchSettings>;
  /** Sender of `email` tasks (default tasklane@localhost). */
  emailFrom?: string;
  /** An external DynamoDB endpoint instead of the embedded dynalite (default: $TASKLANE_DYNAMODB_ENDPOINT). */
  dynamodbEndpoint?: string;
  /**
   * The table's name. Default: `tasklane-local` on the embedded dynalite; on an external endpoint, which
   * several stacks may share (the test tiers do), a fresh name that the stack deletes when it stops.
   */
  tableName?: string;
  /**
   * Retry backoff of every task type and of webhook deliveries, in place of their own (default: each
   * keeps its own). Tests shorten it so real retries take about a second each; the registry is untouched.
   */
  retryBackoff?: BackoffSettings;
  /** Tasks of one tenant running at once per type, for every type (default: each type's concurrencyPerTenant). */
  concurrencyPerTenant?: number;
}

export interface LocalStack {
  apiUrl: string;
  apiKey: string;
  endpoints: { dynamodb: string; sqs: string; ses: string };
  /** `dynalite` (embedded) or `external` (TASKLANE_DYNAMODB_ENDPOINT). */
  dynamodbEngine: Emulators['dynamodbEngine'];
  config: RuntimeConfig;
  queues: ProvisionedQueue[];
  /** The webhook delivery queue and its DLQ. */
  webhookQueue: ProvisionedQueue;
  apiKeys: ApiKeyStore;
  clients: AwsClients;
  stop(): Promise<void>;
}

export const LOCAL_TENANT = 'local';
export const DEFAULT_TABLE = 'tasklane-local';
/** Locally the schedules run more often than AWS's every minute, so effects show up quickly. */
const DEFAULT_SCHEDULE_INTERVAL_MS = 10_000;
const REGION = 'us-east-1';
export const EVENTS_BUCKET = 'tasklane-events';
export const FILES_BUCKET = 'tasklane-files';
const DEFAULT_EMAIL_FROM = 'tasklane@localhost';

/**
 * The whole system in one process: emulators, table and queues from the registry, the API
 * (same Hono app as the Lambda), and one event-source poller per task type invoking the same
 * worker handler the Lambda runs.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const emulators: Emulators = await startEmulators({
    dataDir: options.dataDir,
    dynamodbEndpoint: options.dynamodbEndpoint,
  });
  const stopped: Array<() => Promise<void>> = [() => emulators.stop()];
  const stop = async () => {
    for (const step of stopped.reverse()) await step();
  };
  try {
    const endpoints = { dynamodb: emulators.dynamodb, sqs: emulators.sqs, ses: emulators.ses };
    const clients = createAwsClients({ region: REGION, endpoints });
    const generatedTable = options.tableName === undefined && emulators.dynamodbEngine === 'external';
    const tableName = options.tableName ?? (generatedTable ? `tasklane-${ulid().toLowerCase()}` : DEFAULT_TABLE);
    await createTable(clients.dynamo, tableName);
    if (generatedTable) stopped.push(() => deleteTable(clients.dynamo, tableName));
    const queues = await Promise.all(TASK_TYPES.map((type) => createTypeQueues(clients.sqs, type)));
    const webhookQueue = await createTypeQueues(clients.sqs, WEBHOOK_QUEUE);
    const config: RuntimeConfig = {
      tableName,
      queueUrls: Object.fromEntries(queues.map((q) => [q.type.name, q.queueUrl])),
      dlqUrls: Object.fromEntries(queues.map((q) => [q.type.name, q.dlqUrl])),
      finishedTaskTtlDays: DEFAULTS.finishedTaskTtlDays,
      rateLimitPerSecond: options.rateLimitPerSecond ?? DEFAULTS.rateLimitPerSecond,
      rateLimitBurst: options.rateLimitBurst ?? DEFAULTS.rateLimitBurst,
      region: REGION,
      endpoints,
      eventsBucket: EVENTS_BUCKET,
      webhookQueueUrl: webhookQueue.queueUrl,
      // Locally receivers run on this machine: loopback http targets are allowed, by this setting only.
      webhookPolicy: { allowedSchemes: ['http', 'https'], allowLoopback: options.allowLoopbackWebhooks ?? true },
      emailFrom: options.emailFrom ?? DEFAULT_EMAIL_FROM,
      filesBucket: FILES_BUCKET,
      resultsBucket: FILES_BUCKET,
      downloadUrlExpirySeconds: DEFAULTS.downloadUrlExpirySeconds,
      maxSchedulesPerTenant: options.maxSchedulesPerTenant ?? DEFAULTS.maxSchedulesPerTenant,
    };
    await createBucket(createS3Client(config), EVENTS_BUCKET);
    await createBucket(createS3Client(config), FILES_BUCKET);
    // The previous run's messages and attempts died with it: re-drive what it left unfinished, before anything runs.
    await recoverAfterRestart(emulators.dynamodbEngine, config, clients);
    const runFlush = buildFlush(config, clients, createLogger('tasklane-flush'));
    // The early flush the API asks for once a full batch waits (AWS: an asynchronous Lambda invoke).
    const flushTrigger = localFlushTrigger(runFlush);

    const apiKeys = new DynamoApiKeyStore(clients.dynamo, tableName);
    const apiKey = await ensureLocalKey(apiKeys, options.apiKey);
    // The same check the AWS authorizer makes, as middleware.
    const resolveTenant: TenantResolver = (c) =>
      authenticate(
        apiKeys,
        extractApiKey((name) => c.req.header(name)),
      );
    const app = buildApi(config, clients, createLogger('tasklane-api'), resolveTenant, {
      flushTrigger,
      stream: options.stream,
      // Loopback only, for the local tenant: the dashboard opens ready to use.
      dashboard: { html: loadDashboardHtml(), apiKey, clientScript: buildBrowserBundle },
    });
    const server = createLocalServer({ fetch: app.fetch, port: options.port ?? 3000, hostname: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    stopped.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );

    const consumers = [
      ...queues.map((queue) => ({
        queue,
        handler: buildWorker(config, queue.type.name, clients, createLogger(`tasklane-worker-${queue.type.name}`), {
          progressIntervalMs: options.progressIntervalMs,
          backoff: options.retryBackoff,
          webhookBackoff: options.retryBackoff,
          concurrencyPerTenant: options.concurrencyPerTenant,
        }),
      })),
      {
        queue: webhookQueue,
        handler: buildWebhookWorker(config, clients, createLogger('tasklane-webhooks'), {
          backoff: options.retryBackoff,
        }),
      },
    ];
    const pollers = (options.workers === false ? [] : consumers).map(
      ({ queue: { type, queueUrl, queueArn }, handler }) => {
        const poller = new EventSourcePoller({
          sqs: clients.sqs,
          queueUrl,
          queueArn,
          region: REGION,
          batchSize: type.settings.batchSize,
          maxConcurrency: type.settings.maxConcurrency,
          handler,
          context: () =>
            localLambdaContext(`tasklane-worker-${type.name}`, type.settings.timeoutSeconds, type.settings.memoryMb),
          waitTimeSeconds: options.pollWaitSeconds,
          onError: (error) => console.error(`[tasklane] poller for ${type.name}:`, error),
        });
        poller.start();
        return poller;
      },
    );
    const schedules = startSchedules(options.scheduleIntervalMs ?? DEFAULT_SCHEDULE_INTERVAL_MS, [
      { name: 'sweeper', run: buildSweeper(config, clients, createLogger('tasklane-sweeper')) },
      { name: 'scheduler', run: buildScheduler(config, clients, createLogger('tasklane-scheduler')) },
      { name: 'flush', run: () => runFlush() },
    ]);
    stopped.push(() => flushTrigger.idle());
    stopped.push(() => schedules.stop());
    // Pollers stop first (finishing in-flight work), before the server and the emulators go.
    stopped.push(() => Promise.all(pollers.map((p) => p.stop())).then(() => undefined));

    const { port } = server.address() as AddressInfo;
    return {
      apiUrl: `http://127.0.0.1:${port}`,
      apiKey,
      endpoints,
      dynamodbEngine: emulators.dynamodbEngine,
      config,
      queues,
      webhookQueue,
      apiKeys,
      clients,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function ensureLocalKey(store: ApiKeyStore, preset: string | undefined): Promise<string> {
  try {
    return (await issueApiKey(store, LOCAL_TENANT, { secret: preset, description: 'local stack' })).secret;
  } catch (error) {
    // The preset key survives in --data-dir from an earlier run.
    if (preset && error instanceof ConditionalCheckFailedException) return preset;
    throw error;
  }
}
