import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS, ENV, loadConfig } from '../functions/config';

const TYPES = ['generic', 'send-email'] as const;

/** The environment the stack gives a task function (infra/constructs/runtime-environment.ts), minus the optional parts. */
function stackEnvironment(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    AWS_REGION: 'eu-west-1',
    TASKLANE_TABLE: 'Tasklane-prod-Tasks',
    TASKLANE_QUEUE_URL_GENERIC: 'https://sqs.eu-west-1.amazonaws.com/123456789012/generic',
    TASKLANE_QUEUE_URL_SEND_EMAIL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-email',
    ...overrides,
  };
}

describe('loadConfig', () => {
  it('applies the defaults when only the wiring is set', () => {
    // Act
    const config = loadConfig(TYPES, stackEnvironment());

    // Assess
    expect(config).toEqual({
      tableName: 'Tasklane-prod-Tasks',
      queueUrls: {
        generic: 'https://sqs.eu-west-1.amazonaws.com/123456789012/generic',
        'send-email': 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-email',
      },
      dlqUrls: {},
      finishedTaskTtlDays: DEFAULTS.finishedTaskTtlDays,
      rateLimitPerSecond: DEFAULTS.rateLimitPerSecond,
      rateLimitBurst: DEFAULTS.rateLimitBurst,
      region: 'eu-west-1',
      webhookPolicy: { allowedSchemes: ['https'], allowLoopback: false },
      downloadUrlExpirySeconds: DEFAULTS.downloadUrlExpirySeconds,
      maxSchedulesPerTenant: DEFAULTS.maxSchedulesPerTenant,
    });
  });

  it('reads every variable the stack sets', () => {
    // Prepare
    const env = stackEnvironment({
      [ENV.finishedTaskTtlDays]: '7',
      [ENV.rateLimitPerSecond]: '2.5',
      [ENV.rateLimitBurst]: '10',
      [ENV.eventsBucket]: 'tasklane-events',
      [ENV.flushFunctionName]: 'Tasklane-prod-Flush',
      [ENV.webhookQueueUrl]: 'https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks',
      [ENV.webhookSchemes]: 'https, HTTP',
      [ENV.emailFrom]: 'noreply@example.com',
      [ENV.filesBucket]: 'tasklane-files',
      [ENV.downloadUrlExpirySeconds]: '900',
      [ENV.maxSchedulesPerTenant]: '250',
      TASKLANE_DLQ_URL_GENERIC: 'https://sqs.eu-west-1.amazonaws.com/123456789012/generic-dlq',
      TASKLANE_DLQ_URL_SEND_EMAIL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-email-dlq',
    });

    // Act
    const config = loadConfig(TYPES, env);

    // Assess
    expect(config).toMatchObject({
      finishedTaskTtlDays: 7,
      rateLimitPerSecond: 2.5,
      rateLimitBurst: 10,
      eventsBucket: 'tasklane-events',
      flushFunctionName: 'Tasklane-prod-Flush',
      webhookQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks',
      webhookPolicy: { allowedSchemes: ['https', 'http'], allowLoopback: false },
      emailFrom: 'noreply@example.com',
      filesBucket: 'tasklane-files',
      downloadUrlExpirySeconds: 900,
      maxSchedulesPerTenant: 250,
      dlqUrls: {
        generic: 'https://sqs.eu-west-1.amazonaws.com/123456789012/generic-dlq',
        'send-email': 'https://sqs.eu-west-1.amazonaws.com/123456789012/send-email-dlq',
      },
    });
  });

  it('treats an empty variable as unset', () => {
    // Act
    const config = loadConfig(TYPES, stackEnvironment({ [ENV.rateLimitBurst]: '', [ENV.emailFrom]: '' }));

    // Assess
    expect(config).toMatchObject({ rateLimitBurst: DEFAULTS.rateLimitBurst, emailFrom: undefined });
  });

  it('falls back to AWS_DEFAULT_REGION, then us-east-1', () => {
    // Prepare
    const { AWS_REGION: _, ...withoutRegion } = stackEnvironment();

    // Act & Assess
    expect(loadConfig(TYPES, { ...withoutRegion, AWS_DEFAULT_REGION: 'eu-central-1' }).region).toBe('eu-central-1');
    expect(loadConfig(TYPES, withoutRegion).region).toBe('us-east-1');
  });

  it.each([
    [
      'TASKLANE_QUEUE_URL_SEND_EMAIL',
      undefined,
      'Environment variable TASKLANE_QUEUE_URL_SEND_EMAIL is required but not set.',
    ],
    ['TASKLANE_TABLE', '', 'Environment variable TASKLANE_TABLE is required but not set.'],
    [
      'TASKLANE_FINISHED_TASK_TTL_DAYS',
      '0',
      'Environment variable TASKLANE_FINISHED_TASK_TTL_DAYS must be a number ≥ 1; got "0".',
    ],
    [
      'TASKLANE_RATE_LIMIT_PER_SECOND',
      'fast',
      'Environment variable TASKLANE_RATE_LIMIT_PER_SECOND must be a number ≥ 0; got "fast".',
    ],
    [
      'TASKLANE_RATE_LIMIT_BURST',
      'Infinity',
      'Environment variable TASKLANE_RATE_LIMIT_BURST must be a number ≥ 1; got "Infinity".',
    ],
    [
      'TASKLANE_DOWNLOAD_URL_EXPIRY_SECONDS',
      '604801',
      'Environment variable TASKLANE_DOWNLOAD_URL_EXPIRY_SECONDS must be a number from 1 to 604800; got "604801".',
    ],
    [
      'TASKLANE_MAX_SCHEDULES_PER_TENANT',
      '2.5',
      'Environment variable TASKLANE_MAX_SCHEDULES_PER_TENANT must be a whole number from 1 to 10000; got "2.5".',
    ],
    [
      'TASKLANE_WEBHOOK_SCHEMES',
      'https,ftp',
      'Environment variable TASKLANE_WEBHOOK_SCHEMES must list http and/or https; got "https,ftp".',
    ],
  ])('rejects %s = %j, naming the variable and echoing the value', (name, value, message) => {
    // Act & Assess
    expect(() => loadConfig(TYPES, stackEnvironment({ [name]: value }))).toThrow(new ConfigError(message));
  });

  it('reports the first bad variable: the queues, then the table, then the settings', () => {
    // Prepare
    const env = stackEnvironment({
      TASKLANE_QUEUE_URL_GENERIC: undefined,
      [ENV.tableName]: undefined,
      [ENV.rateLimitBurst]: '0',
    });

    // Act & Assess
    expect(() => loadConfig(TYPES, env)).toThrow(
      'Environment variable TASKLANE_QUEUE_URL_GENERIC is required but not set.',
    );
  });

  it('throws a ConfigError, so callers can tell bad configuration from a bug', () => {
    // Act & Assess
    expect(() => loadConfig(TYPES, {})).toThrow(ConfigError);
  });
});
