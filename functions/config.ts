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

/**
 * Reads the configuration for the given task types; fails fast naming the missing or bad variable
 * (the queues first, then the table, then the settings in the order below). Parsed by hand, not with
 * zod: the flush and the webhook worker need no other schema, and zod would be most of their bundle
 * beyond the SDK clients (bench/results/bundles.md).
 */
export function loadConfig(typeNames: readonly string[], env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const queueUrls = Object.fromEntries(typeNames.map((type) => [type, required(env, queueUrlEnvName(type))]));
  const tableName = required(env, ENV.tableName);
  return {
    tableName,
    queueUrls,
    dlqUrls: Object.fromEntries(
      typeNames.flatMap((type) => (env[dlqUrlEnvName(type)] ? [[type, env[dlqUrlEnvName(type)]!]] : [])),
    ),
    finishedTaskTtlDays: optional(env, ENV.finishedTaskTtlDays, number(1)) ?? DEFAULTS.finishedTaskTtlDays,
    rateLimitPerSecond: optional(env, ENV.rateLimitPerSecond, number(0)) ?? DEFAULTS.rateLimitPerSecond,
    rateLimitBurst: optional(env, ENV.rateLimitBurst, number(1)) ?? DEFAULTS.rateLimitBurst,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    eventsBucket: optional(env, ENV.eventsBucket, text),
    flushFunctionName: optional(env, ENV.flushFunctionName, text),
    webhookQueueUrl: optional(env, ENV.webhookQueueUrl, text),
    // TLS unless the stack allows plain http too. Loopback targets are never allowed in AWS; only the local stack turns them on.
    webhookPolicy: { allowedSchemes: optional(env, ENV.webhookSchemes, schemes) ?? ['https'], allowLoopback: false },
    emailFrom: optional(env, ENV.emailFrom, text),
    filesBucket: optional(env, ENV.filesBucket, text),
    resultsBucket: optional(env, ENV.resultsBucket, text),
    downloadUrlExpirySeconds:
      optional(env, ENV.downloadUrlExpirySeconds, number(1, MAX_DOWNLOAD_URL_EXPIRY_SECONDS)) ??
      DEFAULTS.downloadUrlExpirySeconds,
    // The tenant's schedule ids share one item: SCHEDULING.maxPerTenantLimit keeps it far below 400 KB.
    maxSchedulesPerTenant:
      optional(env, ENV.maxSchedulesPerTenant, number(1, SCHEDULING.maxPerTenantLimit, { whole: true })) ??
      DEFAULTS.maxSchedulesPerTenant,
  };
}

/** How one setting is read: its value, or undefined when it breaks `rule` (which completes "Environment variable X …"). */
interface Setting<T> {
  parse(value: string): T | undefined;
  rule: string;
}

const text: Setting<string> = { parse: (value) => value, rule: '' };

const schemes: Setting<Array<'https' | 'http'>> = {
  parse(value) {
    const list = value.split(',').map((scheme) => scheme.trim().toLowerCase());
    return list.every((scheme) => scheme === 'https' || scheme === 'http')
      ? (list as Array<'https' | 'http'>)
      : undefined;
  },
  rule: 'must list http and/or https',
};

/** A finite number (as `Number()` reads it) in [min, max]. */
function number(min: number, max = Infinity, { whole = false } = {}): Setting<number> {
  const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
  return {
    parse(value) {
      const n = Number(value);
      return Number.isFinite(n) && n >= min && n <= max && (!whole || Number.isInteger(n)) ? n : undefined;
    },
    rule: `must be a ${whole ? 'whole ' : ''}number ${range}`,
  };
}

// An empty variable counts as unset, so `TASKLANE_X=` means "use the default".

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`Environment variable ${name} is required but not set.`);
  return value;
}

/** The setting's value, undefined when unset; throws a ConfigError naming the variable and echoing a bad value. */
function optional<T>(env: NodeJS.ProcessEnv, name: string, setting: Setting<T>): T | undefined {
  const value = env[name];
  if (!value) return undefined;
  const parsed = setting.parse(value);
  if (parsed === undefined) throw new ConfigError(`Environment variable ${name} ${setting.rule}; got "${value}".`);
  return parsed;
}
