import { createAwsClients } from '../adapters/aws-clients';
import { DynamoTaskStore } from '../adapters/dynamo-task-store';
import { tenantFromAuthorizer } from '../api/tenant';
import { ConfigError, DEFAULTS, ENV } from '../config';
import { createLogger } from '../shared/logger';
import { createStreamApp } from './app';

/** The streaming Lambda's wiring: it reads tasks, so the table is all it needs to know. */
export function buildStreamFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new ConfigError(`Environment variable ${ENV.tableName} is required but not set.`);
  const clients = createAwsClients({ region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1' });
  // The TTL setting only matters to writes, which this function never makes.
  const reader = new DynamoTaskStore(clients.dynamo, tableName, DEFAULTS.finishedTaskTtlDays);
  return createStreamApp({ resolveTenant: tenantFromAuthorizer, log: createLogger('tasklane-stream'), stream: { reader } });
}
