import { createDynamoClient } from '../adapters/aws-clients';
import { DynamoApiKeyStore } from '../adapters/dynamo-api-key-store';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { tenantFromApiKey, tenantFromAuthorizer } from '../api/tenant';
import { ConfigError, DEFAULTS, ENV } from '../config';
import type { WatchSettings } from '../core/task-watch';
import { createLogger } from '../shared/logger';
import { createStreamApp } from './app';

/**
 * The streaming Lambda's wiring: it reads tasks and, while a stream runs, the caller's key (both
 * GetItem on the table), so the table is all it needs to know. `settings` shorten the stream's
 * timing in tests; WATCH_DEFAULTS otherwise.
 */
export function buildStreamFromEnv(env: NodeJS.ProcessEnv = process.env, settings?: Partial<WatchSettings>) {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new ConfigError(`Environment variable ${ENV.tableName} is required but not set.`);
  const dynamo = createDynamoClient({ region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1' });
  // The TTL setting only matters to writes, which this function never makes.
  const reader = new DynamoTaskStore(dynamo, tableName, DEFAULTS.finishedTaskTtlDays);
  const recheckTenant = tenantFromApiKey(new DynamoApiKeyStore(dynamo, tableName));
  return createStreamApp({
    resolveTenant: tenantFromAuthorizer,
    log: createLogger('tasklane-stream'),
    stream: { reader, recheckTenant, settings },
    dashboardOrigin: env[ENV.dashboardOrigin] || undefined,
  });
}
