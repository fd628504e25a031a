/**
 * Runtime configuration, read once from environment variables. The CDK stack sets these
 * (infra/constructs/runtime-environment.ts) and the local stack passes the same shape directly.
 */
export interface RuntimeConfig {
  /** DynamoDB table holding tasks and API keys. */
  tableName: string;
  /** Queue URL per task type. */
  queueUrls: Record<string, string>;
  /** Days a finished task is kept before DynamoDB TTL removes it. */
  finishedTaskTtlDays: number;
  /** Tasks one tenant may create per second, sustained (token bucket refill rate). 0 disables the limit. */
  rateLimitPerSecond: number;
  /** Burst size of the per-tenant token bucket. */
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
  /** Lifetime of the presigned download URL of an export. */
  downloadUrlExpirySeconds: number;
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
  downloadUrlExpirySeconds: 'TASKLANE_DOWNLOAD_URL_EXPIRY_SECONDS',
} as const;

/** Environment variable holding the queue URL of one task type, e.g. `TASKLANE_QUEUE_URL_GENERIC`. */
export function queueUrlEnvName(type: string): string {
  return `TASKLANE_QUEUE_URL_${type.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`Environment variable ${name} is required but not set.`);
  return value;
}

function number(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Infinity): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new ConfigError(`Environment variable ${name} must be a number ${range}; got "${raw}".`);
  }
  return value;
}

function schemes(env: NodeJS.ProcessEnv): string[] {
  const raw = env[ENV.webhookSchemes] || 'https';
  const list = raw.split(',').map((s) => s.trim().toLowerCase());
  if (list.some((s) => s !== 'https' && s !== 'http')) {
    throw new ConfigError(`Environment variable ${ENV.webhookSchemes} must list http and/or https; got "${raw}".`);
  }
  return list;
}

export const DEFAULTS = {
  finishedTaskTtlDays: 30,
  rateLimitPerSecond: 50,
  rateLimitBurst: 100,
  downloadUrlExpirySeconds: 3600,
} as const;

/** SigV4 presigned URLs live at most 7 days: https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html */
export const MAX_DOWNLOAD_URL_EXPIRY_SECONDS = 604_800;

/** Reads the configuration for the given task types; fails fast naming the missing or bad variable. */
export function loadConfig(typeNames: readonly string[], env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const queueUrls: Record<string, string> = {};
  for (const type of typeNames) queueUrls[type] = required(env, queueUrlEnvName(type));
  return {
    tableName: required(env, ENV.tableName),
    queueUrls,
    finishedTaskTtlDays: number(env, ENV.finishedTaskTtlDays, DEFAULTS.finishedTaskTtlDays, 1),
    rateLimitPerSecond: number(env, ENV.rateLimitPerSecond, DEFAULTS.rateLimitPerSecond, 0),
    rateLimitBurst: number(env, ENV.rateLimitBurst, DEFAULTS.rateLimitBurst, 1),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    eventsBucket: env[ENV.eventsBucket] || undefined,
    flushFunctionName: env[ENV.flushFunctionName] || undefined,
    webhookQueueUrl: env[ENV.webhookQueueUrl] || undefined,
    // Loopback targets are never allowed in AWS; only the local stack turns them on.
    webhookPolicy: { allowedSchemes: schemes(env), allowLoopback: false },
    emailFrom: env[ENV.emailFrom] || undefined,
    filesBucket: env[ENV.filesBucket] || undefined,
    downloadUrlExpirySeconds: number(
      env,
      ENV.downloadUrlExpirySeconds,
      DEFAULTS.downloadUrlExpirySeconds,
      1,
      MAX_DOWNLOAD_URL_EXPIRY_SECONDS,
    ),
  };
}
