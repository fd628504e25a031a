import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Exports are downloaded through short-lived links; a week leaves time to fetch one again from a task's result. */
const EXPORT_RETENTION_DAYS = 7;

/** Files of task types: `exports/<tenant>/<task_id>.<csv|ndjson>`, with its access log bucket. */
export class FilesBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const common = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Exports expire on their own; emptying a retained bucket is left to its owner.
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new Bucket(this, 'AccessLogs', { ...common, objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the server access logs of the files bucket; logging its own access would recurse.',
    });
    this.bucket = new Bucket(this, 'Bucket', {
      ...common,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'files-bucket/',
      lifecycleRules: [
        { prefix: 'exports/', expiration: Duration.days(EXPORT_RETENTION_DAYS) },
        // A canceled or crashed export leaves its parts behind otherwise (lib-storage aborts, a killed Lambda cannot).
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
  }
}
