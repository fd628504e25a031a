import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { queueUrlEnvName } from '../../functions/config';
import type { TaskTypeDefinition } from '../../functions/core/task-type';
import { TASK_TYPES } from '../../functions/task-types/registry';
import { type SynthesizedStack, synthTasklane } from './helpers/synth';
import { resourcesOf, taskTypeResources } from './helpers/template';

// A second entry beside the registry's, with settings unlike any default, proves the loop derives
// every per-type resource from its own entry.
const resize: TaskTypeDefinition = {
  ...TASK_TYPES[0]!,
  name: 'resize-image',
  settings: {
    timeoutSeconds: 60,
    maxAttempts: 3,
    backoff: { baseSeconds: 2, capSeconds: 60 },
    batchSize: 1,
    maxConcurrency: 2,
    memoryMb: 1024,
  },
};
const taskTypes = [...TASK_TYPES, resize];
const alarmTopicArn = 'arn:aws:sns:eu-west-1:123456789012:ops';

let synth: SynthesizedStack;

beforeAll(() => {
  synth = synthTasklane(
    {
      stage: 'staging',
      retentionDays: '7',
      authorizerCacheTtlSeconds: '0',
      apiThrottleRateLimit: '25',
      apiThrottleBurstLimit: '50',
      alarmTopicArn,
      tableRemovalPolicy: 'destroy',
      manageApiGatewayAccount: 'false',
      maxSchedulesPerTenant: '25',
      dashboardOrigin: 'https://tasks.example.com',
    },
    taskTypes,
  );
});

describe('TasklaneStack options', () => {
  it('lets the dashboard behind a custom domain read streams: its origin in the preflight and the stream function', () => {
    const [, stream] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(([, f]) =>
      f.Properties.Description?.includes('event stream'),
    )!;
    const preflight = Object.values(resourcesOf(synth.template, 'AWS::ApiGateway::Method')).find(
      (m) => m.Properties.HttpMethod === 'OPTIONS',
    )!;

    expect(stream.Properties.Environment.Variables.TASKLANE_DASHBOARD_ORIGIN).toBe('https://tasks.example.com');
    expect(
      preflight.Properties.Integration.IntegrationResponses[0].ResponseParameters[
        'method.response.header.Access-Control-Allow-Origin'
      ],
    ).toBe("'https://tasks.example.com'");
  });

  it("derives each type's queue, mapping and worker from its own registry entry", () => {
    const { queue, mapping, worker } = taskTypeResources(synth.template, 'resize-image');

    expect(queue.Properties).toMatchObject({ VisibilityTimeout: 360, RedrivePolicy: { maxReceiveCount: 3 } });
    expect(mapping.Properties).toMatchObject({ BatchSize: 1, ScalingConfig: { MaximumConcurrency: 2 } });
    expect(worker.Properties).toMatchObject({ Timeout: 60, MemorySize: 1024 });
  });

  it('gives every function the queue URL of every type', () => {
    for (const fn of Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
      // The authorizer and the task stream only read the table, and get its name alone.
      if (fn.Properties.Description?.includes('authorizer') || fn.Properties.Description?.includes('event stream'))
        continue;
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining(taskTypes.map((t) => queueUrlEnvName(t.name))),
      );
    }
  });

  it("names both APIs, and the stream API's stage, after the stage setting", () => {
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: 'tasklane-staging' });
    synth.template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'staging' });
    synth.template.hasResourceProperties('AWS::ApiGateway::RestApi', { Name: 'tasklane-stream-staging' });
  });

  it('applies the configured log retention, authorizer cache and throttling', () => {
    for (const group of Object.values(resourcesOf(synth.template, 'AWS::Logs::LogGroup')))
      expect(group.Properties.RetentionInDays).toBe(7);
    // Without caching there is no identity source, so a key in x-api-key reaches the authorizer too.
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: [],
    });
    synth.template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: '',
    });
    synth.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 }),
    });
    synth.template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 25, ThrottlingBurstLimit: 50 })],
    });
  });

  it('hands the API the configured cap on schedules per tenant', () => {
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'Tasklane HTTP API',
      Environment: { Variables: Match.objectLike({ TASKLANE_MAX_SCHEDULES_PER_TENANT: '25' }) },
    });
  });

  it('notifies the existing alarm topic and creates none', () => {
    synth.template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm')))
      expect(alarm.Properties.AlarmActions).toEqual([alarmTopicArn]);
    synth.template.hasOutput('AlarmTopicArn', { Value: alarmTopicArn });
  });

  it('deletes the table with the stack when asked to', () => {
    synth.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('leaves the API Gateway account setting alone when told to', () => {
    synth.template.resourceCountIs('AWS::ApiGateway::Account', 0);
  });

  it('adds a dashboard row for every type', () => {
    const [dashboard] = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard'));

    expect(JSON.stringify(dashboard!.Properties.DashboardBody)).toContain('## Task type `resize-image`');
  });
});
