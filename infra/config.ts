import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { ConfigError, DEFAULTS, MAX_DOWNLOAD_URL_EXPIRY_SECONDS } from '../functions/config';
import { SCHEDULING } from '../functions/core/schedule';

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
  /**
   * Tasks one tenant may create per second, on average; 0 disables the per-tenant limit. With
   * `rateLimitBurst` it sets the limit's fixed window: `rateLimitBurst / rateLimitPerSecond` seconds, at least 1.
   */
  rateLimitPerSecond: number;
  /** Task creations one tenant may make in one window of the per-tenant limit. */
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
  /** Cron schedules one tenant may hold. */
  maxSchedulesPerTenant: number;
  /**
   * The origin the dashboard page is served from, allowed to read task streams across origins;
   * unset: the HTTP API's own endpoint. Set it when a custom domain fronts the API.
   */
  dashboardOrigin?: string;
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
  'maxSchedulesPerTenant',
  'dashboardOrigin',
] as const;

export type ConfigKey = (typeof CONFIG_KEYS)[number];
export type ConfigInput = Partial<Record<ConfigKey, unknown>>;

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
/** An https origin: scheme, host and optional port, no path (what a browser sends in `Origin`). */
const HTTPS_ORIGIN_PATTERN = /^https:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/;

function range(min: number, max: number): string {
  return max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`;
}

// `-c key=value` and environment variables give strings, cdk.json gives JSON values: each rule takes both.
// A rule's description is what the setting must be, echoed when a value fails it.

function number(min: number, max = Infinity) {
  return z
    .union([z.number(), z.string().trim().min(1).transform(Number)])
    .pipe(z.number().min(min).max(max))
    .describe(`a number ${range(min, max)}`);
}

function integer(min: number, max = Infinity) {
  return z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/)
        .transform(Number),
    ])
    .pipe(z.int().min(min).max(max))
    .describe(`an integer ${range(min, max)}`);
}

function text(pattern: RegExp, expectation: string) {
  return z.string().regex(pattern).describe(expectation);
}

/** Each setting's rule. An unset setting skips it, and `parseConfig` applies the default. */
const SETTINGS = {
  alarmTopicArn: text(TOPIC_ARN_PATTERN, 'an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)'),
  alarmEmail: text(EMAIL_PATTERN, 'an e-mail address'),
  stage: text(STAGE_PATTERN, '1–32 lower-case letters, digits or hyphens, starting with a letter'),
  retentionDays: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .pipe(z.literal(RETENTION_CHOICES))
    .describe(`one of ${RETENTION_CHOICES.join(', ')}`),
  finishedTaskTtlDays: integer(1),
  rateLimitPerSecond: number(0),
  rateLimitBurst: integer(1),
  authorizerCacheTtlSeconds: integer(0, 3600),
  apiThrottleRateLimit: number(1, 10_000),
  apiThrottleBurstLimit: integer(1, 5000),
  webhookSchemes: z
    .union([z.array(z.unknown()), z.string().transform((list) => list.split(',').map((scheme) => scheme.trim()))])
    .pipe(z.array(z.enum(['https', 'http'])).min(1))
    .describe('a comma-separated list of https and/or http'),
  tableRemovalPolicy: z.enum(['retain', 'destroy']).describe('one of retain, destroy'),
  manageApiGatewayAccount: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
    .describe('true or false'),
  emailFrom: text(EMAIL_PATTERN, 'an e-mail address (a verified SES identity)'),
  downloadUrlExpirySeconds: integer(1, MAX_DOWNLOAD_URL_EXPIRY_SECONDS),
  // The tenant's schedule ids share one item: SCHEDULING.maxPerTenantLimit keeps it far below 400 KB.
  maxSchedulesPerTenant: integer(1, SCHEDULING.maxPerTenantLimit),
  dashboardOrigin: text(HTTPS_ORIGIN_PATTERN, 'an https origin without a path, e.g. https://tasks.example.com'),
} satisfies Record<ConfigKey, z.ZodType>;

/** An unset or empty value (an empty `-c key=` or env var, a JSON null) means "use the default". */
function unset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

const settingsSchema = z
  .object(SETTINGS)
  .partial()
  .refine((settings) => !(settings.alarmTopicArn && settings.alarmEmail), {
    error: (issue) => {
      const { alarmTopicArn, alarmEmail } = issue.input as { alarmTopicArn: string; alarmEmail: string };
      return `tasklane: context "alarmTopicArn" and "alarmEmail" cannot both be set: subscribe the address to the existing topic instead (got "${alarmTopicArn}" and "${alarmEmail}")`;
    },
  });

/** Validates raw settings (strings from `-c`/env, or JSON values from cdk.json) and applies defaults. */
export function parseConfig(input: ConfigInput): TasklaneConfig {
  const parsed = settingsSchema.safeParse(
    Object.fromEntries(Object.entries(input).filter(([, value]) => !unset(value))),
  );
  if (!parsed.success) throw configError(parsed.error.issues[0]!, input);
  const settings = parsed.data;
  return {
    // A checkout deploys a development stage unless told otherwise, never production by accident.
    stage: settings.stage ?? 'dev',
    // A month covers most incident investigations; raise it where compliance asks for more.
    logRetentionDays: settings.retentionDays ?? RetentionDays.ONE_MONTH,
    // The runtime's own defaults (functions/config.ts), so a deployment without settings behaves like the local stack.
    finishedTaskTtlDays: settings.finishedTaskTtlDays ?? DEFAULTS.finishedTaskTtlDays,
    rateLimitPerSecond: settings.rateLimitPerSecond ?? DEFAULTS.rateLimitPerSecond,
    rateLimitBurst: settings.rateLimitBurst ?? DEFAULTS.rateLimitBurst,
    // Short: a revoked key keeps working for at most this long; one authorizer call a minute per key is cheap. Max 3600:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/configure-api-gateway-lambda-authorization.html
    authorizerCacheTtlSeconds: settings.authorizerCacheTtlSeconds ?? 60,
    // Without a topic ARN a new topic is created; alarms are visible in the console even with no subscriber.
    alarms: settings.alarmTopicArn ? { topicArn: settings.alarmTopicArn } : { email: settings.alarmEmail },
    apiThrottle: {
      // A modest share of the 10,000 rps / 5,000 burst account quota that every API in the region shares:
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
      rateLimit: settings.apiThrottleRateLimit ?? 100,
      burstLimit: settings.apiThrottleBurstLimit ?? 200,
    },
    // Webhooks carry task results: TLS unless an operator explicitly allows plain http too.
    webhookSchemes: settings.webhookSchemes ?? ['https'],
    // Task records outlive the stack unless someone explicitly asks otherwise.
    tableRemovalPolicy: settings.tableRemovalPolicy ?? 'retain',
    // Execution logging fails to deploy without the region's API Gateway CloudWatch role, so set it by default.
    manageApiGatewayAccount: settings.manageApiGatewayAccount ?? true,
    // No default: SES sends only from identities verified in the account, which no default can guess.
    emailFrom: settings.emailFrom,
    downloadUrlExpirySeconds: settings.downloadUrlExpirySeconds ?? DEFAULTS.downloadUrlExpirySeconds,
    maxSchedulesPerTenant: settings.maxSchedulesPerTenant ?? DEFAULTS.maxSchedulesPerTenant,
    // No default here: the stack uses the HTTP API's endpoint, known only at deploy.
    dashboardOrigin: settings.dashboardOrigin,
  };
}

/** The first failure as a ConfigError: a setting's names it and echoes its value; a rule across settings says its own. */
function configError(issue: z.core.$ZodIssue, input: ConfigInput): ConfigError {
  const key = issue.path[0] as ConfigKey | undefined;
  if (key === undefined) return new ConfigError(issue.message);
  return new ConfigError(`tasklane: context "${key}" must be ${SETTINGS[key].description} (got ${echo(input[key])})`);
}

function echo(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
}
