import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config';
import { TASK_TYPES } from '../../functions/task-types/registry';
import { type SynthesizedStack, synthTasklane } from './helpers/synth';
import { asArray, resourcesOf, statementsOfFunction, taskTypeResources } from './helpers/template';

/** What a statement grants, with CloudFormation functions flattened to text for matching. */
const allGrantsOf = (synth: SynthesizedStack, typeName: string) =>
  statementsOfFunction(synth.template, taskTypeResources(synth.template, typeName).worker).map((s) => ({
    actions: asArray(s.Action),
    resources: JSON.stringify(s.Resource),
  }));
/** The grants besides results/ (every function that runs tasks or shows them has that one: see below). */
const grantsOf = (synth: SynthesizedStack, typeName: string) =>
  allGrantsOf(synth, typeName).filter((g) => !g.resources.includes('/results/*'));
const apiFunction = (synth: SynthesizedStack) =>
  Object.values(resourcesOf(synth.template, 'AWS::Lambda::Function')).find(
    (f) => f.Properties.Description === 'Tasklane HTTP API',
  )!;
const envOf = (synth: SynthesizedStack, typeName: string): Record<string, unknown> =>
  taskTypeResources(synth.template, typeName).worker.Properties.Environment.Variables;

describe('TasklaneStack: grants of the types that use services', () => {
  let withSender: SynthesizedStack;
  let withoutSender: SynthesizedStack;

  beforeAll(() => {
    withSender = synthTasklane({ emailFrom: 'noreply@example.com', downloadUrlExpirySeconds: '900' });
    withoutSender = synthTasklane();
  });

  it('lets the email worker SendEmail from the configured sender’s address or domain identity, and sets the sender', () => {
    // Act
    const ses = grantsOf(withSender, 'email').filter((g) => g.actions.some((a) => a.startsWith('ses:')));

    // Assess
    expect(ses).toHaveLength(1);
    expect(ses[0]!.actions).toEqual(['ses:SendEmail']);
    expect(ses[0]!.resources).toContain(':identity/noreply@example.com');
    expect(ses[0]!.resources).toContain(':identity/example.com');
    expect(envOf(withSender, 'email')[ENV.emailFrom]).toBe('noreply@example.com');
  });

  it('grants no SES action and sets no sender when emailFrom is unset', () => {
    // Act
    const ses = grantsOf(withoutSender, 'email').filter((g) => g.actions.some((a) => a.startsWith('ses:')));

    // Assess
    expect(ses).toEqual([]);
    expect(envOf(withoutSender, 'email')[ENV.emailFrom]).toBeUndefined();
  });

  it('lets the export worker put, get and abort objects under exports/ of the files bucket only, with the link expiry', () => {
    // Act
    const s3 = grantsOf(withSender, 'export').filter((g) => g.actions.some((a) => a.startsWith('s3:')));
    const env = envOf(withSender, 'export');

    // Assess
    expect(s3).toHaveLength(1);
    expect([...s3[0]!.actions].sort()).toEqual(['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject']);
    expect(s3[0]!.resources).toContain('/exports/*');
    expect(env[ENV.downloadUrlExpirySeconds]).toBe('900');
    expect(env[ENV.filesBucket]).toBeDefined();
  });

  it('lets the import worker read objects under uploads/ only, and send to every task type’s queue (its own for deferrals)', () => {
    // Act
    const s3 = grantsOf(withSender, 'import').filter((g) => g.actions.some((a) => a.startsWith('s3:')));
    const sends = grantsOf(withSender, 'import').filter((g) => g.actions.includes('sqs:SendMessage'));
    const queueIds = TASK_TYPES.map((t) => taskTypeResources(withSender.template, t.name).queueId);

    // Assess
    expect(s3).toEqual([{ actions: ['s3:GetObject'], resources: expect.stringContaining('/uploads/*') }]);
    for (const queueId of queueIds) expect(sends.some((g) => g.resources.includes(`"${queueId}"`))).toBe(true);
    expect(envOf(withSender, 'import')[ENV.filesBucket]).toBeDefined();
  });

  it('lets the bulk worker send to every task type’s queue (a rerun goes where its original went), and reach no bucket', () => {
    // Act
    const sends = grantsOf(withSender, 'bulk').filter((g) => g.actions.includes('sqs:SendMessage'));
    const queueIds = TASK_TYPES.map((t) => taskTypeResources(withSender.template, t.name).queueId);

    // Assess
    for (const queueId of queueIds) expect(sends.some((g) => g.resources.includes(`"${queueId}"`))).toBe(true);
    expect(grantsOf(withSender, 'bulk').some((g) => g.actions.some((a) => a.startsWith('s3:')))).toBe(false);
  });

  it('lets the API sign upload URLs and read uploads as payloads: PutObject and GetObject under uploads/ only, with the files bucket set', () => {
    // Act
    const [, api] = Object.entries(resourcesOf(withSender.template, 'AWS::Lambda::Function')).find(
      ([, f]) => f.Properties.Description === 'Tasklane HTTP API',
    )!;
    const s3 = statementsOfFunction(withSender.template, api).filter(
      (s) => asArray(s.Action).some((a) => a.startsWith('s3:')) && !JSON.stringify(s.Resource).includes('/results/*'),
    );

    // Assess
    expect(s3.map((s) => ({ actions: asArray(s.Action), resources: JSON.stringify(s.Resource) }))).toEqual([
      { actions: ['s3:PutObject', 's3:GetObject'], resources: expect.stringContaining('/uploads/*') },
    ]);
    expect(api.Properties.Environment.Variables[ENV.filesBucket]).toBeDefined();
  });

  it.each(['generic', 'email'])('gives the %s worker no S3 access beyond results/ and no files bucket', (typeName) => {
    // Act
    const s3 = grantsOf(withSender, typeName).filter((g) => g.actions.some((a) => a.startsWith('s3:')));

    // Assess
    expect(s3).toEqual([]);
    expect(envOf(withSender, typeName)[ENV.filesBucket]).toBeUndefined();
  });

  it.each(TASK_TYPES.map((t) => t.name))(
    'lets the %s worker put and get objects under results/ of the files bucket only, with the bucket and link expiry set',
    (typeName) => {
      // Act
      const results = allGrantsOf(withSender, typeName).filter((g) => g.resources.includes('/results/*'));
      const env = envOf(withSender, typeName);

      // Assess
      expect(results).toHaveLength(1);
      expect([...results[0]!.actions].sort()).toEqual(['s3:GetObject', 's3:PutObject']);
      expect(results[0]!.resources).toContain('FilesBucket');
      expect(env[ENV.resultsBucket]).toBeDefined();
      expect(env[ENV.downloadUrlExpirySeconds]).toBe('900');
    },
  );

  it('lets the API get (the presigned result_url carries it) and put (payload copies) objects under results/ only, with the bucket set', () => {
    // Act
    const api = apiFunction(withSender);
    const results = statementsOfFunction(withSender.template, api).filter((s) =>
      JSON.stringify(s.Resource).includes('/results/*'),
    );

    // Assess
    expect(results.map((s) => asArray(s.Action))).toEqual([['s3:GetObject', 's3:PutObject']]);
    expect(api.Properties.Environment.Variables[ENV.resultsBucket]).toBeDefined();
    expect(api.Properties.Environment.Variables[ENV.downloadUrlExpirySeconds]).toBe('900');
  });

  it('expires exports after a week, uploads and abandoned multipart uploads after a day, results a year after the record TTL', () => {
    // Act
    const buckets = Object.values(resourcesOf(withSender.template, 'AWS::S3::Bucket'));
    const rules = buckets.flatMap((b) => b.Properties.LifecycleConfiguration?.Rules ?? []);

    // Assess
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: 'exports/', ExpirationInDays: 7, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 1, Status: 'Enabled' }),
        expect.objectContaining({ Prefix: 'results/', ExpirationInDays: 365 + 30, Status: 'Enabled' }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }),
      ]),
    );
  });
});
