import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { LoggedBucket } from '../../../infra/constructs/logged-bucket';

describe('LoggedBucket', () => {
  let template: Template;

  beforeAll(() => {
    // Prepare: a bare app, without cdk.json's context, as a user's own app would build it.
    const stack = new Stack(new App(), 'Test');
    new LoggedBucket(stack, 'Files', { purpose: 'files', logPrefix: 'files-bucket/' });
    template = Template.fromStack(stack);
  });

  it('lets S3 deliver access logs by bucket policy, with ACLs disabled (no legacy LogDeliveryWrite grant)', () => {
    // Assess
    const buckets = Object.values(template.findResources('AWS::S3::Bucket'));
    expect(buckets.some((b) => b.Properties?.AccessControl)).toBe(false);
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LoggingConfiguration: Match.absent(),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:PutObject',
            Effect: 'Allow',
            Principal: { Service: 'logging.s3.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it('expires access logs instead of keeping them forever', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Status: 'Enabled', ExpirationInDays: 90 })]),
      },
    });
  });

  it('logs the data bucket into the access-log bucket under its prefix', () => {
    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'files-bucket/' },
    });
  });
});
