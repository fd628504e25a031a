import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type LifecycleRule, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface LoggedBucketProps {
  /** What the bucket holds, for the access-log bucket's acknowledgement. */
  purpose: string;
  /** Key prefix of its server access logs. */
  logPrefix: string;
  lifecycleRules?: LifecycleRule[];
  /** Days the server access logs are kept (default 90). */
  accessLogRetentionDays?: number;
}

/**
 * Without this flag CDK grants S3's log delivery through the legacy `LogDeliveryWrite` ACL (cfn-lint
 * W3045); with it, through a bucket policy, which AWS recommends and which works with ACLs disabled.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
const ACCESS_LOGS_BY_BUCKET_POLICY = '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy';

/**
 * A private, encrypted, TLS-only bucket kept when the stack is deleted, with a companion bucket
 * for its server access logs: the events bucket and the files bucket are both built this way.
 */
export class LoggedBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: LoggedBucketProps) {
    super(scope, id);
    // Set here, not only in cdk.json, so that an app embedding the construct gets the same grant.
    this.node.setContext(ACCESS_LOGS_BY_BUCKET_POLICY, true);
    const common = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Data outlives the stack unless someone deletes it on purpose.
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new Bucket(this, 'AccessLogs', {
      ...common,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Long enough to investigate an incident; access logs are not an audit trail (CloudTrail is).
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 90) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `This bucket receives the server access logs of the ${props.purpose} bucket; logging its own access would recurse.`,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: props.logPrefix,
      lifecycleRules: props.lifecycleRules,
    });
  }
}
