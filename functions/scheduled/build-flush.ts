import type { Logger } from '@aws-lambda-powertools/logger';
import type { ScheduledEvent } from 'aws-lambda';
import { createDynamoClient, type AwsClients } from '../adapters/aws-clients';
import { DynamoEventStore } from '../adapters/dynamo-event-store';
import { reportOldestWaitingEventAge } from '../adapters/powertools-metrics';
import { S3BatchSink } from '../adapters/s3-batch-sink';
import { createS3Client } from '../adapters/s3-client';
import { flush, type FlushDeps } from '../batching/flush';
import { loadConfig, ENV, type RuntimeConfig } from '../config';
import { systemClock, type Clock } from '../core/ports';
import { createLogger } from '../shared/logger';

/** A scheduled run (every tenant) or an early flush asked for by the API (`{tenant}`). */
export type FlushEvent = Partial<ScheduledEvent> | { tenant: string };

/** Wires the flush to the table and the bucket; the local stack calls this on a timer and on trigger. */
export function buildFlush(
  config: RuntimeConfig,
  clients: Pick<AwsClients, 'dynamo'>,
  logger: Logger,
  options: { clock?: Clock; afterStep?: FlushDeps['afterStep']; reportOldestAge?: (seconds: number) => void } = {},
) {
  const bucket = config.eventsBucket;
  if (!bucket) throw new Error(`Environment variable ${ENV.eventsBucket} is required by the flush but not set.`);
  const deps: FlushDeps = {
    store: new DynamoEventStore(clients.dynamo, config.tableName),
    sink: new S3BatchSink(createS3Client(config), bucket),
    clock: options.clock ?? systemClock,
    log: logger,
    bucket,
    afterStep: options.afterStep,
    reportOldestAge: options.reportOldestAge,
  };
  return (event?: FlushEvent) =>
    flush(deps, event && 'tenant' in event && typeof event.tenant === 'string' ? { tenant: event.tenant } : undefined);
}

export function buildFlushFromEnv(env: NodeJS.ProcessEnv = process.env) {
  // The flush sends to no task queue: no type names, so no registry (and its types' code) in its bundle.
  const config = loadConfig([], env);
  return buildFlush(config, { dynamo: createDynamoClient(config) }, createLogger('tasklane-flush'), {
    reportOldestAge: reportOldestWaitingEventAge,
  });
}
