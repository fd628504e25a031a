import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULTS, MAX_DOWNLOAD_URL_EXPIRY_SECONDS } from '../functions/config';

/** Where alarms go: an existing SNS topic, or a new one (optionally with an e-mail subscription). */
export type AlarmDestination = { topicArn: string } | { email?: string };

/** Everything a deployment can configure, validated. Read it with `readConfig` or `parseConfig`. */
export interface TasklaneConfig {
  /** Deployment stage: names the stack (`Tasklane-<stage>`) and the API Gateway stage. */
  stage: string;
  /** Retention of every log group the stack creates. */
  logRetentionDays: RetentionDays;
  /** Days a finished task is kept before DynamoDB TTL removes it. */
  finishedTaskTtlDays: number;
  /** Tasks one tenant may create per second, sustained; 0 disables the per-tenant limit. */
  rateLimitPerSecond: number;
  /** Burst size of the per-tenant token bucket. */
  rateLimitBurst: number;
  /** How long API Gateway caches an authorizer decision per Authorization header; 0 disables caching. */
  authorizerCacheTtlSeconds: number;
  /** Where every alarm notifies (context alarmTopicArn or alarmEmail). */
  alarms: AlarmDestination;
  /** Stage-wide API Gateway throttling (requests per second, steady and burst). */
  apiThrottle: { rateLimit: number; burstLimit: number };
  /** URL schemes a task's webhook_url may use. */
  webhookSchemes: ('https' | 'http')[];
  /** What happens to the tasks table when the stack is deleted. */
  tableRemovalPolicy: 'retain' | 'destroy';
  /**
   * Whether this stack sets the region-wide API Gateway CloudWatch role that execution and access
   * logging need. Set false when the account already manages that setting elsewhere.
   */
  manageApiGatewayAccount: boolean;
  /** Sender of `email` tasks, a verified SES identity (address, or an address on a verified domain); unset: no e-mail is sent. */
  emailFrom?: string;
  /** Lifetime of an export's presigned download URL. */
  downloadUrlExpirySeconds: number;
}

/** The settings, by CDK context key. Each falls back to the environment variable `TASKLANE_<KEY_IN_SNAKE_CASE>`. */
export const CONFIG_KEYS = [
  'stage',
  'retentionDays',
  'finishedTaskTtlDays',
  'rateLimitPerSecond',
  'rateLimitBurst',
  'authorizerCacheTtlSeconds',
  'alarmTopicArn',
  'alarmEmail',
  'apiThrottleRateLimit',
  'apiThrottleBurstLimit',
  'tableRemovalPolicy',
  'webhookSchemes',
  'manageApiGatewayAccount',
  'emailFrom',
  'downloadUrlExpirySeconds',
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type ConfigInput = Partial<Record<ConfigKey, unknown>>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Environment variable a setting falls back to, e.g. `retentionDays` → `TASKLANE_RETENTION_DAYS`. */
export function envNameOf(key: ConfigKey): string {
  return `TASKLANE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Collects the raw settings: CDK context (`-c key=value`, cdk.json) first, then environment variables. */
export function readConfigInput(node: Node, env: NodeJS.ProcessEnv = process.env): ConfigInput {
  return Object.fromEntries(CONFIG_KEYS.map((key) => [key, node.tryGetContext(key) ?? env[envNameOf(key)]]));
}

/** Reads and validates the configuration of the app; fails synth on the first invalid setting. */
export function readConfig(node: Node, env: NodeJS.ProcessEnv = process.env): TasklaneConfig {
  return parseConfig(readConfigInput(node, env));
}

const RETENTION_CHOICES = Object.values(RetentionDays).filter(
  (days): days is RetentionDays => typeof days === 'number' && days !== RetentionDays.INFINITE,
);

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
// Standard (not FIFO) topics only: CloudWatch alarms cannot publish to FIFO topics.
const TOPIC_ARN_PATTERN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** Validates raw settings (strings from `-c`/env, or JSON values from cdk.json) and applies defaults. */
export function parseConfig(input: ConfigInput): TasklaneConfig {
  const alarmTopicArn = optionalString(
    input,
    'alarmTopicArn',
    TOPIC_ARN_PATTERN,
    'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
  );
  const alarmEmail = optionalString(input, 'alarmEmail', EMAIL_PATTERN, 'an e-mail address');
  if (alarmTopicArn && alarmEmail) {
    throw new ConfigError(
      `tasklane: context "alarmTopicArn" and "alarmEmail" cannot both be set: subscribe the address to the existing topic instead (got "${alarmTopicArn}" and "${alarmEmail}")`,
    );
  }
  return {
    // A checkout deploys a development stage unless told otherwise, never production by accident.
    stage:
      optionalString(
        input,
        'stage',
        STAGE_PATTERN,
        '1–32 lower-case letters, digits or hyphens, starting with a letter',
      ) ?? 'dev',
    // A month covers most incident investigations; raise it where compliance asks for more.
    logRetentionDays: oneOf(input, 'retentionDays', RETENTION_CHOICES) ?? RetentionDays.ONE_MONTH,
    // The runtime's own defaults (functions/config.ts), so a deployment without settings behaves like the local stack.
    finishedTaskTtlDays: integer(input, 'finishedTaskTtlDays', 1) ?? DEFAULTS.finishedTaskTtlDays,
    rateLimitPerSecond: number(input, 'rateLimitPerSecond', 0) ?? DEFAULTS.rateLimitPerSecond,
    rateLimitBurst: integer(input, 'rateLimitBurst', 1) ?? DEFAULTS.rateLimitBurst,
    // Short: a revoked key keeps working for at most this long; one authorizer call a minute per key is cheap. Max 3600:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
    authorizerCacheTtlSeconds: integer(input, 'authorizerCacheTtlSeconds', 0, 3600) ?? 60,
    // Without a topic ARN a new topic is created; alarms are visible in the console even with no subscriber.
    alarms: alarmTopicArn ? { topicArn: alarmTopicArn } : { email: alarmEmail },
    apiThrottle: {
      // A modest share of the 10,000 rps / 5,000 burst account quota that every API in the region shares:
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
      rateLimit: number(input, 'apiThrottleRateLimit', 1, 10_000) ?? 100,
      burstLimit: integer(input, 'apiThrottleBurstLimit', 1, 5000) ?? 200,
    },
    // Webhooks carry task results: TLS unless an operator explicitly allows plain http too.
    webhookSchemes: schemeList(input) ?? ['https'],
    // Task records outlive the stack unless someone explicitly asks otherwise.
    tableRemovalPolicy: oneOf(input, 'tableRemovalPolicy', ['retain', 'destroy'] as const) ?? 'retain',
    // Execution logging fails to deploy without the region's API Gateway CloudWatch role, so set it by default.
    manageApiGatewayAccount: boolean(input, 'manageApiGatewayAccount') ?? true,
    // No default: SES sends only from identities verified in the account, which no default can guess.
    emailFrom: optionalString(input, 'emailFrom', EMAIL_PATTERN, 'an e-mail address (a verified SES identity)'),
    downloadUrlExpirySeconds:
      integer(input, 'downloadUrlExpirySeconds', 1, MAX_DOWNLOAD_URL_EXPIRY_SECONDS) ??
      DEFAULTS.downloadUrlExpirySeconds,
  };
}

function schemeList(input: ConfigInput): ('https' | 'http')[] | undefined {
  const value = raw(input, 'webhookSchemes');
  if (value === undefined) return undefined;
  const list = Array.isArray(value)
    ? value
    : String(value)
        .split(',')
        .map((s) => s.trim());
  if (list.length === 0 || list.some((s) => s !== 'https' && s !== 'http'))
    throw invalid('webhookSchemes', 'a comma-separated list of https and/or http', value);
  return list as ('https' | 'http')[];
}

/** The raw value, or undefined when unset or empty (an empty `-c key=` or env var means "use the default"). */
function raw(input: ConfigInput, key: ConfigKey): unknown {
  const value = input[key];
  return value === undefined || value === null || value === '' ? undefined : value;
}

function echo(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}

function invalid(key: ConfigKey, expectation: string, value: unknown): ConfigError {
  return new ConfigError(`tasklane: context "${key}" must be ${expectation} (got ${echo(value)})`);
}

function optionalString(input: ConfigInput, key: ConfigKey, pattern: RegExp, expectation: string): string | undefined {
  const value = raw(input, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(key, expectation, value);
  return value;
}

function range(min: number, max: number): string {
  return max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
}

function number(input: ConfigInput, key: ConfigKey, min: number, max = Infinity): number | undefined {
  const value = raw(input, key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw invalid(key, `a number ${range(min, max)}`, value);
  }
  return parsed;
}

function integer(input: ConfigInput, key: ConfigKey, min: number, max = Infinity): number | undefined {
  const value = raw(input, key);
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof parsed !== 'number' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw invalid(key, `an integer ${range(min, max)}`, value);
  }
  return parsed;
}

function oneOf<T extends string | number>(input: ConfigInput, key: ConfigKey, choices: readonly T[]): T | undefined {
  const value = raw(input, key);
  if (value === undefined) return undefined;
  const match = choices.find((choice) => String(choice) === String(value));
  if (match === undefined) throw invalid(key, `one of ${choices.join(', ')}`, value);
  return match;
}

function boolean(input: ConfigInput, key: ConfigKey): boolean | undefined {
  const value = raw(input, key);
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalid(key, 'true or false', value);
}
