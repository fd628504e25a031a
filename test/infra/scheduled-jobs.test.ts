import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS, ENV, queueUrlEnvName } from '../../functions/config';
import { TASK_TYPES } from '../../functions/task-types/registry';
import { type SynthesizedStack, synthTasklane } from './helpers/synth';
import { asArray, referencedId, resourcesOf, statementsOfFunction, taskTypeResources } from './helpers/template';

let synth: SynthesizedStack;

beforeAll(() => {
  synth = synthTasklane();
});

/** The scheduled function whose description starts with `prefix`, and its schedule rule. */
function job(prefix: string) {
  const functions = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function'));
  const [id, fn] = functions.find(([, f]) => String(f.Properties.Description).startsWith(prefix))!;
  const rules = Object.values(resourcesOf(synth.template, 'AWS::Events::Rule'));
  const rule = rules.find((r) => r.Properties.Targets.some((t: { Arn: unknown }) => referencedId(t.Arn) === id));
  return { id, fn, rule };
}

describe('scheduled jobs', () => {
  it('runs the sweeper every minute without retries of a missed run', () => {
    const { rule } = job('Tasklane sweeper');

    expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule?.Properties.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
  });

  it('gives the sweeper the table and every queue, and lets it send to each', () => {
    const { fn } = job('Tasklane sweeper');
    const variables = fn.Properties.Environment.Variables;
    const statements = statementsOfFunction(synth.template, fn);

    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([ENV.tableName, ...TASK_TYPES.map((t) => queueUrlEnvName(t.name))]),
    );
    const sendTargets = statements
      .filter((s) => asArray(s.Action).includes('sqs:SendMessage'))
      .flatMap((s) => asArray(s.Resource));
    // Every type's queue, and the webhook queue (a task the sweeper fails owes its webhook).
    expect(sendTargets).toHaveLength(TASK_TYPES.length + 1);
    expect(statements.some((s) => asArray(s.Action).includes('dynamodb:UpdateItem'))).toBe(true);
  });

  it('alarms on sweeper errors', () => {
    const { id } = job('Tasklane sweeper');
    const alarms = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm'));

    expect(
      alarms.some(
        (a) =>
          a.Properties.MetricName === 'Errors' &&
          a.Properties.Dimensions?.some((d: { Value: unknown }) => referencedId(d.Value) === id),
      ),
    ).toBe(true);
  });

  it('runs the scheduler every minute without retries of a missed run, with the table and every type’s queue', () => {
    const { fn, rule } = job('Tasklane scheduler');
    const statements = statementsOfFunction(synth.template, fn);
    const sendTargets = statements
      .filter((s) => asArray(s.Action).includes('sqs:SendMessage'))
      .flatMap((s) => asArray(s.Resource));

    expect(rule?.Properties).toMatchObject({ ScheduleExpression: 'rate(1 minute)', State: 'ENABLED' });
    expect(rule?.Properties.Targets[0].RetryPolicy).toEqual({ MaximumRetryAttempts: 0 });
    // Each run ends within its minute, so runs never overlap.
    expect(fn.Properties.Timeout).toBeLessThan(60);
    // A firing is a new task on its type's queue; it ends no task, so no webhook queue.
    expect(sendTargets).toHaveLength(TASK_TYPES.length);
    expect(statements.some((s) => asArray(s.Action).includes('dynamodb:Query'))).toBe(true);
  });

  it('alarms when a scheduler run fails (a firing could not be created)', () => {
    const { id } = job('Tasklane scheduler');
    const alarms = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm'));

    expect(
      alarms.some(
        (a) =>
          a.Properties.MetricName === 'Errors' &&
          a.Properties.Dimensions?.some((d: { Value: unknown }) => referencedId(d.Value) === id),
      ),
    ).toBe(true);
  });

  it('hands the API the cap on schedules per tenant', () => {
    const [, api] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Description === 'Tasklane HTTP API',
    )!;
    expect(api.Properties.Environment.Variables[ENV.maxSchedulesPerTenant]).toBe(
      String(DEFAULTS.maxSchedulesPerTenant),
    );
  });

  it('runs the event flush every minute, writing only under events/ in an encrypted, TLS-only bucket', () => {
    const { fn, rule } = job('Tasklane event flush');
    const statements = statementsOfFunction(synth.template, fn);
    const puts = statements.filter((s) => asArray(s.Action).includes('s3:PutObject'));

    expect(rule?.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(Object.keys(fn.Properties.Environment.Variables)).toContain(ENV.eventsBucket);
    expect(puts).toHaveLength(1);
    expect(JSON.stringify(puts[0]!.Resource)).toContain('/events/*');
    expect(statements.some((s) => asArray(s.Action).includes('dynamodb:BatchWriteItem'))).toBe(true);
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { LogFilePrefix: 'events-bucket/' },
    });
  });

  it('lets the API invoke the flush early, by its unqualified ARN only', () => {
    const { id } = job('Tasklane event flush');
    const [, api] = Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Description === 'Tasklane HTTP API',
    )!;
    const invokes = statementsOfFunction(synth.template, api).filter((s) =>
      asArray(s.Action).includes('lambda:InvokeFunction'),
    );

    expect(referencedId(api.Properties.Environment.Variables[ENV.flushFunctionName])).toBe(id);
    expect(invokes.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [id, 'Arn'] }]);
  });

  it('alarms when the oldest buffered event waited over 5 minutes', () => {
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Tasklane',
      MetricName: 'OldestWaitingEventAge',
      Dimensions: [{ Name: 'service', Value: 'tasklane' }],
      Threshold: 300,
    });
  });
});

describe('webhook delivery', () => {
  const webhookWorker = () =>
    Object.entries(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Description === 'Tasklane worker of webhook deliveries',
    )!;

  it('has its own queue, DLQ, worker and event source mapping with partial batch responses', () => {
    const [id] = webhookWorker();
    const mappings = Object.values(resourcesOf(synth.template, 'AWS::Lambda::EventSourceMapping'));
    const mapping = mappings.find((m) => referencedId(m.Properties.FunctionName) === id);
    const queue = resourcesOf(synth.template, 'AWS::SQS::Queue')[referencedId(mapping?.Properties.EventSourceArn)!];

    expect(mapping?.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(queue?.Properties.RedrivePolicy.maxReceiveCount).toBe(12);
    expect(queue?.Properties.VisibilityTimeout).toBe(6 * 30);
  });

  it('tells every function that can end a task where to queue webhooks, and which schemes are allowed', () => {
    for (const fn of Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function'))) {
      const variables = fn.Properties.Environment?.Variables ?? {};
      if (
        !(ENV.tableName in variables) ||
        fn.Properties.Description?.includes('authorizer') ||
        fn.Properties.Description?.includes('stream')
      )
        continue;
      expect(variables[ENV.webhookSchemes]).toBe('https');
      expect(referencedId(variables[ENV.webhookQueueUrl])).toEqual(expect.any(String));
    }
  });

  it.each(TASK_TYPES.map((t) => t.name))(
    'lets the %s worker make the first delivery itself: the signing secret read (or created) as the webhook worker does, the webhook queue for a retry',
    (typeName) => {
      // Prepare
      const [tableId] = Object.keys(resourcesOf(synth.template, 'AWS::DynamoDB::Table'));
      const onTable = (fn: Parameters<typeof statementsOfFunction>[1]) =>
        statementsOfFunction(synth.template, fn)
          .filter((s) => referencedId(s.Resource) === tableId)
          .flatMap((s) => asArray(s.Action));
      const [, webhooks] = webhookWorker();
      const { worker } = taskTypeResources(synth.template, typeName);
      const webhookQueueId = referencedId(webhooks.Properties.Environment.Variables[ENV.webhookQueueUrl]);

      // Act
      const sends = statementsOfFunction(synth.template, worker).filter((s) =>
        asArray(s.Action).includes('sqs:SendMessage'),
      );

      // Assess
      expect(onTable(webhooks)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem']));
      expect(onTable(worker)).toEqual(expect.arrayContaining(onTable(webhooks)));
      expect(sends.some((s) => JSON.stringify(s.Resource).includes(`"${webhookQueueId}"`))).toBe(true);
      expect(worker.Properties.Environment.Variables[ENV.webhookSchemes]).toBe('https');
    },
  );

  it('alarms when deliveries reach the webhook DLQ', () => {
    const alarms = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Alarm'));
    expect(
      alarms.some((a) => String(a.Properties.AlarmDescription).startsWith('Messages of webhook deliveries exhausted')),
    ).toBe(true);
  });
});

describe('dashboard', () => {
  it('has a webhooks row graphing deliveries by outcome with the dimensions the worker emits', () => {
    const [dashboard] = Object.values(resourcesOf(synth.template, 'AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);

    expect(body).toContain('## Webhooks');
    for (const outcome of ['delivered', 'retried', 'failed']) {
      expect(body).toContain(
        `[\\"Tasklane\\",\\"WebhookDeliveries\\",\\"Outcome\\",\\"${outcome}\\",\\"service\\",\\"tasklane\\"`,
      );
    }
  });
});
