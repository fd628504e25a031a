import * as z from 'zod';
import { SCHEDULING } from './core/schedule';

/**
 * Runtime configuration, read once from environment variables. The CDK stack sets these
 * (infra/constructs/runtime-environment.ts) and the local stack passes the same shape directly.
 */
export interface RuntimeConfig {
  /** DynamoDB table holding tasks and API keys. */
  tableName: string;
  /** Queue URL per task type. */
  queueUrls: Record<string, string>;
  /** Dead-letter queue URL per task type (the API only: DLQ depth and redrive); types without one have no redrive. */
  dlqUrls: Record<string, string>;
  /** Days a finished task is kept before DynamoDB TTL removes it. */
  finishedTaskTtlDays: number;
  /**
   * Tasks one tenant may create per second, on average: the per-tenant limit is a fixed window of
   * `rateLimitBurst / rateLimitPerSecond` seconds (at least 1) holding at most `rateLimitBurst` creations
   * (functions/adapters/dynamo-rate-limiter.ts). 0 disables the limit.
   */
  rateLimitPerSecond: number;
  /** Task creations one tenant may make in one window of the per-tenant limit. */
  rateLimitBurst: number;
  /** Region for the AWS SDK clients. */
  region: string;
  /** Endpoint overrides (local emulators); unset in AWS. */
  endpoints?: { dynamodb?: string; sqs?: string; s3?: string; ses?: string };
  /** Bucket the flush writes event batches to (flush function only). */
  eventsBucket?: string;
  /** Function the API invokes asynchronously for an early flush once a full batch waits. */
  flushFunctionName?: string;
  /** The webhook delivery queue; without it no webhooks are queued. */
  webhookQueueUrl?: string;
  /** Which webhook targets are allowed. */
  webhookPolicy: { allowedSchemes: string[]; allowLoopback: boolean };
  /** Sender of `email` tasks (a verified SES identity); without it they fail with a clear error. */
  emailFrom?: string;
  /** Bucket of task files: `export` results under exports/ (workers that use files only). */
  filesBucket?: string;
  /**
   * Bucket of results too large for the task record (under results/: workers write and read them, the
   * API links to them); the files bucket in the CDK stack and locally. Without it such results fail the task.
   */
  resultsBucket?: string;
  /** Lifetime of the presigned download URL of an export or of a result in the results bucket. */
  downloadUrlExpirySeconds: number;
  /** Cron schedules one tenant may hold (POST /schedules answers 409 `schedule_limit` beyond it). */
  maxSchedulesPerTenant: number;
}

/** Names of the environment variables, shared with the CDK stack so the two cannot drift. */
export const ENV = {
  tableName: 'TASKLANE_TABLE',
  finishedTaskTtlDays: 'TASKLANE_FINISHED_TASK_TTL_DAYS',
  rateLimitPerSecond: 'TASKLANE_RATE_LIMIT_PER_SECOND',
  rateLimitBurst: 'TASKLANE_RATE_LIMIT_BURST',
  taskType: 'TASKLANE_TASK_TYPE',
  eventsBucket: 'TASKLANE_EVENTS_BUCKET',
  flushFunctionName: 'TASKLANE_FLUSH_FUNCTION',
  webhookQueueUrl: 'TASKLANE_WEBHOOK_QUEUE_URL',
  webhookSchemes: 'TASKLANE_WEBHOOK_SCHEMES',
  emailFrom: 'TASKLANE_EMAIL_FROM',
  filesBucket: 'TASKLANE_FILES_BUCKET',
  resultsBucket: 'TASKLANE_RESULTS_BUCKET',
  downloadUrlExpirySeconds: 'TASKLANE_DOWNLOAD_URL_EXPIRY_SECONDS',
  maxSchedulesPerTenant: 'TASKLANE_MAX_SCHEDULES_PER_TENANT',
  /** The API function: the stream's base URL (StreamUrl), which the dashboard page opens its streams at. */
  streamUrl: 'TASKLANE_STREAM_URL',
  /** The stream function: the dashboard's origin (the HTTP API's), allowed to read streams across origins. */
  dashboardOrigin: 'TASKLANE_DASHBOARD_ORIGIN',
} as const;

/** Environment variable holding the queue URL of one task type, e.g. `TASKLANE_QUEUE_URL_GENERIC`. */
export function queueUrlEnvName(type: string): string {
  return `TASKLANE_QUEUE_URL_${type.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** Environment variable holding the dead-letter queue URL of one task type, e.g. `TASKLANE_DLQ_URL_GENERIC`. */
export function dlqUrlEnvName(type: string): string {
  return `TASKLANE_DLQ_URL_${type.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** A missing or invalid setting: the message names it and echoes the value, for the operator who set it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const DEFAULTS = {
  finishedTaskTtlDays: 30,
  rateLimitPerSecond: 50,
  rateLimitBurst: 100,
  downloadUrlExpirySeconds: 3600,
  maxSchedulesPerTenant: SCHEDULING.defaultMaxPerTenant,
} as const;

/** SigV4 presigned URLs live at most 7 days: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html */
export const MAX_DOWNLOAD_URL_EXPIRY_SECONDS = 604_800;

/** Reads the configuration for the given task types; fails fast naming the missing or bad variable. */
export function loadConfig(typeNames: readonly string[], env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const queueUrls = read(
    z.object(Object.fromEntries(typeNames.map((type) => [queueUrlEnvName(type), z.string()]))),
    env,
  );
  const vars = read(settings(), env);
  return {
    tableName: vars[ENV.tableName],
    queueUrls: Object.fromEntries(typeNames.map((type) => [type, queueUrls[queueUrlEnvName(type)]!])),
    dlqUrls: Object.fromEntries(
      typeNames.flatMap((type) => (env[dlqUrlEnvName(type)] ? [[type, env[dlqUrlEnvName(type)]!]] : [])),
    ),
    finishedTaskTtlDays: vars[ENV.finishedTaskTtlDays] ?? DEFAULTS.finishedTaskTtlDays,
    rateLimitPerSecond: vars[ENV.rateLimitPerSecond] ?? DEFAULTS.rateLimitPerSecond,
    rateLimitBurst: vars[ENV.rateLimitBurst] ?? DEFAULTS.rateLimitBurst,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    eventsBucket: vars[ENV.eventsBucket],
    flushFunctionName: vars[ENV.flushFunctionName],
    webhookQueueUrl: vars[ENV.webhookQueueUrl],
    // TLS unless the stack allows plain http too. Loopback targets are never allowed in AWS; only the local stack turns them on.
    webhookPolicy: { allowedSchemes: vars[ENV.webhookSchemes] ?? ['https'], allowLoopback: false },
    emailFrom: vars[ENV.emailFrom],
    filesBucket: vars[ENV.filesBucket],
    resultsBucket: vars[ENV.resultsBucket],
    downloadUrlExpirySeconds: vars[ENV.downloadUrlExpirySeconds] ?? DEFAULTS.downloadUrlExpirySeconds,
    maxSchedulesPerTenant: vars[ENV.maxSchedulesPerTenant] ?? DEFAULTS.maxSchedulesPerTenant,
  };
}

// Schemas are built when loadConfig runs, never at module load: the authorizer and the stream import this
// module for ENV alone, and a schema built at load would bundle zod into them.

/**
 * The variables besides the queue URLs. A schema's description completes "Environment variable X …"
 * when a value is set but fails it; a bare `z.string()` is a required variable.
 */
function settings() {
  return z.object({
    [ENV.tableName]: z.string(),
    [ENV.finishedTaskTtlDays]: number(1),
    [ENV.rateLimitPerSecond]: number(0),
    [ENV.rateLimitBurst]: number(1),
    [ENV.eventsBucket]: z.string().optional(),
    [ENV.flushFunctionName]: z.string().optional(),
    [ENV.webhookQueueUrl]: z.string().optional(),
    [ENV.webhookSchemes]: z
      .string()
      .transform((list) => list.split(',').map((scheme) => scheme.trim().toLowerCase()))
      .pipe(z.array(z.enum(['https', 'http'])))
      .optional()
      .describe('must list http and/or https'),
    [ENV.emailFrom]: z.string().optional(),
    [ENV.filesBucket]: z.string().optional(),
    [ENV.resultsBucket]: z.string().optional(),
    [ENV.downloadUrlExpirySeconds]: number(1, MAX_DOWNLOAD_URL_EXPIRY_SECONDS),
    // The tenant's schedule ids share one item: SCHEDULING.maxPerTenantLimit keeps it far below 400 KB.
    [ENV.maxSchedulesPerTenant]: z.coerce
      .number()
      .int()
      .min(1)
      .max(SCHEDULING.maxPerTenantLimit)
      .optional()
      .describe(`must be a whole number from 1 to ${SCHEDULING.maxPerTenantLimit}`),
  });
}

function number(min: number, max = Infinity) {
  const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
  return z.coerce.number().min(min).max(max).optional().describe(`must be a number ${range}`);
}

/** Parses the environment with `schema`; throws a ConfigError naming the first bad variable. */
function read<Schema extends z.ZodObject>(schema: Schema, env: NodeJS.ProcessEnv): z.output<Schema> {
  // An empty variable counts as unset, so `TASKLANE_X=` means "use the default".
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (parsed.success) return parsed.data;
  const name = String(parsed.error.issues[0]!.path[0]);
  const value = env[name];
  // An unset variable fails only by being required.
  if (!value) throw new ConfigError(`Environment variable ${name} is required but not set.`);
  throw new ConfigError(`Environment variable ${name} ${schema.shape[name]?.description}; got "${value}".`);
}
