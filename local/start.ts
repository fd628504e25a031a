/** `npm start`: the whole system on this machine, no Docker and no AWS account. */
import { parseArgs } from 'node:util';
import { DEFAULT_TABLE, EVENTS_BUCKET, FILES_BUCKET, LOCAL_TENANT, startLocalStack } from './stack';
import { removeLocalState, writeLocalState } from '../cli/local-state';
import { TASK_TYPES } from '../functions/task-types/registry';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'schedule-ms': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (values.help) {
  console.log(`Usage: npm start -- [--port N] [--data-dir DIR] [--schedule-ms N]

  --port N        API port (default: $PORT or 3000)
  --data-dir DIR  keep DynamoDB data in DIR between runs (default: in memory)
  --schedule-ms N how often the sweeper, the scheduler and the event flush run (default 10000; AWS: every minute)

Environment: PORT, TASKLANE_API_KEY (key for tenant "local"), TASKLANE_RATE_LIMIT_PER_SECOND,
TASKLANE_RATE_LIMIT_BURST, TASKLANE_MAX_SCHEDULES_PER_TENANT, TASKLANE_CONCURRENCY_PER_TENANT (tasks of one
tenant running at once, per type, for every type; default: each type's own setting), TASKLANE_EMAIL_FROM (default tasklane@localhost),
TASKLANE_DYNAMODB_ENDPOINT (an external DynamoDB, e.g. AWS's DynamoDB Local at http://127.0.0.1:8000,
instead of the embedded dynalite), TASKLANE_TABLE_NAME (default ${DEFAULT_TABLE}),
POWERTOOLS_LOG_LEVEL (default WARN locally).`);
  process.exit(0);
}

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// The SDK's notice about its future Node 22 requirement is for us (see README, Troubleshooting), not for every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`tasklane: --port/PORT must be a port number 0–65535 (got "${values.port ?? process.env.PORT}")`);
  process.exit(2);
}
const scheduleMs = values['schedule-ms'];
if (scheduleMs !== undefined && !(Number.isInteger(Number(scheduleMs)) && Number(scheduleMs) >= 0)) {
  console.error(`tasklane: --schedule-ms must be a whole number of milliseconds ≥ 0 (got "${scheduleMs}")`);
  process.exit(2);
}
if (values['data-dir'] && process.env.TASKLANE_DYNAMODB_ENDPOINT) {
  console.error(
    "tasklane: --data-dir keeps the embedded dynalite's data; with TASKLANE_DYNAMODB_ENDPOINT the external engine keeps it. Use one.",
  );
  process.exit(2);
}
const numberEnv = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const concurrencyPerTenant = numberEnv('TASKLANE_CONCURRENCY_PER_TENANT');
if (
  concurrencyPerTenant !== undefined &&
  !(Number.isInteger(concurrencyPerTenant) && concurrencyPerTenant >= 1 && concurrencyPerTenant <= 1000)
) {
  console.error(
    `tasklane: TASKLANE_CONCURRENCY_PER_TENANT must be a whole number from 1 to 1000 (got "${process.env.TASKLANE_CONCURRENCY_PER_TENANT}")`,
  );
  process.exit(2);
}

const started = Date.now();
const stack = await startLocalStack({
  port,
  dataDir: values['data-dir'],
  scheduleIntervalMs: scheduleMs === undefined ? undefined : Number(scheduleMs),
  apiKey: process.env.TASKLANE_API_KEY || undefined,
  rateLimitPerSecond: numberEnv('TASKLANE_RATE_LIMIT_PER_SECOND'),
  rateLimitBurst: numberEnv('TASKLANE_RATE_LIMIT_BURST'),
  maxSchedulesPerTenant: numberEnv('TASKLANE_MAX_SCHEDULES_PER_TENANT'),
  concurrencyPerTenant,
  emailFrom: process.env.TASKLANE_EMAIL_FROM || undefined,
  tableName: process.env.TASKLANE_TABLE_NAME || DEFAULT_TABLE,
}).catch((error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE')
    console.error(`tasklane: port ${port} is in use; stop the other process or set PORT / --port.`);
  else console.error('tasklane: the local stack failed to start:', error);
  process.exit(1);
});

const ownsStateFile = writeLocalState({
  apiUrl: stack.apiUrl,
  apiKey: stack.apiKey,
  dynamodb: stack.endpoints.dynamodb,
  sqs: stack.endpoints.sqs,
  tableName: stack.config.tableName,
  webhookQueueUrl: stack.webhookQueue.queueUrl,
  webhookDlqUrl: stack.webhookQueue.dlqUrl,
  pid: process.pid,
});

console.log(`Tasklane local stack ready in ${Date.now() - started} ms

  API          ${stack.apiUrl}
  Dashboard    ${stack.apiUrl}/   (opens with the key below)
  API key      ${stack.apiKey}   (tenant "${LOCAL_TENANT}")
  DynamoDB     ${stack.endpoints.dynamodb}   (${dynamoDescription()})
  SQS / S3     ${stack.endpoints.sqs}   (fauxqs; event batches in bucket ${EVENTS_BUCKET}, exports, uploads and large results in ${FILES_BUCKET})
  SES          ${stack.endpoints.ses}   (aws-ses-v2-local; open it to read the e-mails sent, from ${stack.config.emailFrom})
  Task types   ${TASK_TYPES.map((t) => t.name).join(', ')}
${stack.queues.map((q) => `  Queue        ${q.queueUrl}\n  DLQ          ${q.dlqUrl}`).join('\n')}
  Webhooks     ${stack.webhookQueue.queueUrl}   (DLQ ${stack.webhookQueue.dlqUrl})

Try it:
  curl -s -X POST ${stack.apiUrl}/tasks -H 'Authorization: Bearer ${stack.apiKey}' -H 'Content-Type: application/json' -d '{"type":"generic","payload":{"steps":5,"step_ms":200}}'

  npx tasklane create generic --payload '{"steps":5,"step_ms":200}' --watch --local

More keys:  npx tasklane keys create --tenant acme --local
Ctrl-C stops everything.`);
if (!ownsStateFile) {
  console.warn(`\nNote: another local stack is running in this folder; "--local" commands keep talking to that one.`);
}

function dynamoDescription(): string {
  const table = `table ${stack.config.tableName}`;
  if (stack.dynamodbEngine === 'external') return `external engine from TASKLANE_DYNAMODB_ENDPOINT, ${table}`;
  return `dynalite, ${table}${values['data-dir'] ? `, data in ${values['data-dir']}` : ', in memory'}`;
}

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping (finishing in-flight attempts)…`);
  const force = setTimeout(() => {
    console.error('tasklane: still busy after 10 s; exiting anyway.');
    process.exit(1);
  }, 10_000);
  force.unref();
  removeLocalState();
  stack.stop().then(
    () => process.exit(0),
    (error) => {
      console.error('tasklane: error while stopping:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
