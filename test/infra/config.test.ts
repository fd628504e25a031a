import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS } from '../../functions/config';
import { envNameOf, parseConfig, readConfig } from '../../infra/config';

describe('parseConfig', () => {
  it('applies the defaults when nothing is set', () => {
    expect(parseConfig({})).toEqual({
      stage: 'dev',
      logRetentionDays: RetentionDays.ONE_MONTH,
      finishedTaskTtlDays: DEFAULTS.finishedTaskTtlDays,
      rateLimitPerSecond: DEFAULTS.rateLimitPerSecond,
      rateLimitBurst: DEFAULTS.rateLimitBurst,
      authorizerCacheTtlSeconds: 60,
      alarms: { email: undefined },
      apiThrottle: { rateLimit: 100, burstLimit: 200 },
      tableRemovalPolicy: 'retain',
      webhookSchemes: ['https'],
      manageApiGatewayAccount: true,
      emailFrom: undefined,
      downloadUrlExpirySeconds: DEFAULTS.downloadUrlExpirySeconds,
      maxSchedulesPerTenant: DEFAULTS.maxSchedulesPerTenant,
    });
  });

  it('reads strings as -c and environment variables give them', () => {
    const config = parseConfig({
      stage: 'prod',
      retentionDays: '90',
      finishedTaskTtlDays: '7',
      rateLimitPerSecond: '2.5',
      rateLimitBurst: '10',
      authorizerCacheTtlSeconds: '0',
      alarmEmail: 'ops@example.com',
      apiThrottleRateLimit: '50',
      apiThrottleBurstLimit: '60',
      tableRemovalPolicy: 'destroy',
      manageApiGatewayAccount: 'false',
      webhookSchemes: 'https,http',
      emailFrom: 'noreply@example.com',
      downloadUrlExpirySeconds: '900',
      maxSchedulesPerTenant: '250',
    });

    expect(config).toEqual({
      stage: 'prod',
      webhookSchemes: ['https', 'http'],
      logRetentionDays: RetentionDays.THREE_MONTHS,
      finishedTaskTtlDays: 7,
      rateLimitPerSecond: 2.5,
      rateLimitBurst: 10,
      authorizerCacheTtlSeconds: 0,
      alarms: { email: 'ops@example.com' },
      apiThrottle: { rateLimit: 50, burstLimit: 60 },
      tableRemovalPolicy: 'destroy',
      manageApiGatewayAccount: false,
      emailFrom: 'noreply@example.com',
      downloadUrlExpirySeconds: 900,
      maxSchedulesPerTenant: 250,
    });
  });

  it('reads JSON values as cdk.json gives them', () => {
    const config = parseConfig({
      retentionDays: 7,
      rateLimitPerSecond: 2.5,
      rateLimitBurst: 10,
      manageApiGatewayAccount: false,
      webhookSchemes: ['https', 'http'],
      alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
    });

    expect(config).toMatchObject({
      logRetentionDays: 7,
      rateLimitPerSecond: 2.5,
      rateLimitBurst: 10,
      manageApiGatewayAccount: false,
      webhookSchemes: ['https', 'http'],
      alarms: { topicArn: 'arn:aws:sns:us-east-1:123456789012:ops' },
    });
  });

  it('treats an empty value as unset', () => {
    expect(parseConfig({ stage: '', alarmEmail: '' })).toMatchObject({ stage: 'dev', alarms: { email: undefined } });
  });

  it.each([
    [
      'retentionDays',
      '12',
      'tasklane: context "retentionDays" must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got "12")',
    ],
    [
      'retentionDays',
      9999,
      'tasklane: context "retentionDays" must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 9999)',
    ],
    [
      'stage',
      'Prod',
      'tasklane: context "stage" must be 1–32 lower-case letters, digits or hyphens, starting with a letter (got "Prod")',
    ],
    [
      'stage',
      5,
      'tasklane: context "stage" must be 1–32 lower-case letters, digits or hyphens, starting with a letter (got 5)',
    ],
    ['finishedTaskTtlDays', '0', 'tasklane: context "finishedTaskTtlDays" must be an integer ≥ 1 (got "0")'],
    ['finishedTaskTtlDays', '1.5', 'tasklane: context "finishedTaskTtlDays" must be an integer ≥ 1 (got "1.5")'],
    ['rateLimitPerSecond', 'fast', 'tasklane: context "rateLimitPerSecond" must be a number ≥ 0 (got "fast")'],
    ['rateLimitBurst', '0', 'tasklane: context "rateLimitBurst" must be an integer ≥ 1 (got "0")'],
    ['rateLimitBurst', 2.5, 'tasklane: context "rateLimitBurst" must be an integer ≥ 1 (got 2.5)'],
    [
      'authorizerCacheTtlSeconds',
      '3601',
      'tasklane: context "authorizerCacheTtlSeconds" must be an integer from 0 to 3600 (got "3601")',
    ],
    [
      'alarmTopicArn',
      'ops-topic',
      'tasklane: context "alarmTopicArn" must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) (got "ops-topic")',
    ],
    [
      'alarmTopicArn',
      'arn:aws:sns:us-east-1:123456789012:ops.fifo',
      'tasklane: context "alarmTopicArn" must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>) (got "arn:aws:sns:us-east-1:123456789012:ops.fifo")',
    ],
    ['alarmEmail', 'ops', 'tasklane: context "alarmEmail" must be an e-mail address (got "ops")'],
    [
      'dashboardOrigin',
      'https://tasks.example.com/',
      'tasklane: context "dashboardOrigin" must be an https origin without a path, e.g. https://tasks.example.com (got "https://tasks.example.com/")',
    ],
    [
      'dashboardOrigin',
      'http://tasks.example.com',
      'tasklane: context "dashboardOrigin" must be an https origin without a path, e.g. https://tasks.example.com (got "http://tasks.example.com")',
    ],
    [
      'apiThrottleRateLimit',
      '0',
      'tasklane: context "apiThrottleRateLimit" must be a number from 1 to 10000 (got "0")',
    ],
    [
      'apiThrottleBurstLimit',
      '5001',
      'tasklane: context "apiThrottleBurstLimit" must be an integer from 1 to 5000 (got "5001")',
    ],
    [
      'tableRemovalPolicy',
      'snapshot',
      'tasklane: context "tableRemovalPolicy" must be one of retain, destroy (got "snapshot")',
    ],
    [
      'webhookSchemes',
      'https,ftp',
      'tasklane: context "webhookSchemes" must be a comma-separated list of https and/or http (got "https,ftp")',
    ],
    [
      'webhookSchemes',
      [],
      'tasklane: context "webhookSchemes" must be a comma-separated list of https and/or http (got [])',
    ],
    [
      'emailFrom',
      'noreply',
      'tasklane: context "emailFrom" must be an e-mail address (a verified SES identity) (got "noreply")',
    ],
    [
      'downloadUrlExpirySeconds',
      '604801',
      'tasklane: context "downloadUrlExpirySeconds" must be an integer from 1 to 604800 (got "604801")',
    ],
    [
      'maxSchedulesPerTenant',
      '10001',
      'tasklane: context "maxSchedulesPerTenant" must be an integer from 1 to 10000 (got "10001")',
    ],
    ['manageApiGatewayAccount', 'yes', 'tasklane: context "manageApiGatewayAccount" must be true or false (got "yes")'],
  ])('rejects %s = %j, naming the setting and echoing the value', (key, value, message) => {
    expect(() => parseConfig({ [key]: value })).toThrow(new ConfigError(message));
  });

  it('rejects an alarm topic ARN and an alarm e-mail together', () => {
    expect(() =>
      parseConfig({ alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops', alarmEmail: 'ops@example.com' }),
    ).toThrow(
      'tasklane: context "alarmTopicArn" and "alarmEmail" cannot both be set: subscribe the address to the existing topic instead (got "arn:aws:sns:us-east-1:123456789012:ops" and "ops@example.com")',
    );
  });
});

describe('readConfig', () => {
  it('prefers CDK context over environment variables', () => {
    const app = new App({ context: { retentionDays: '7' } });

    const config = readConfig(app.node, { TASKLANE_RETENTION_DAYS: '14', TASKLANE_STAGE: 'staging' });

    expect(config).toMatchObject({ logRetentionDays: 7, stage: 'staging' });
  });

  it('fails on an invalid environment variable like on invalid context', () => {
    expect(() => readConfig(new App().node, { TASKLANE_RATE_LIMIT_BURST: 'lots' })).toThrow(
      'tasklane: context "rateLimitBurst" must be an integer ≥ 1 (got "lots")',
    );
  });
});

describe('envNameOf', () => {
  it.each([
    ['stage', 'TASKLANE_STAGE'],
    ['retentionDays', 'TASKLANE_RETENTION_DAYS'],
    ['apiThrottleBurstLimit', 'TASKLANE_API_THROTTLE_BURST_LIMIT'],
  ] as const)('maps %s to %s', (key, env) => {
    expect(envNameOf(key)).toBe(env);
  });
});
