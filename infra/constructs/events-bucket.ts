import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Where the flush writes event batches (`events/YYYY/MM/DD/<batch_id>.ndjson`), with its access log bucket. */
export class EventsBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const common = {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Event data outlives the stack unless someone deletes it on purpose.
      removalPolicy: RemovalPolicy.RETAIN,
    };
    const accessLogs = new Bucket(this, 'AccessLogs', { ...common, objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the server access logs of the events bucket; logging its own access would recurse.',
    });
    this.bucket = new Bucket(this, 'Bucket', { ...common, serverAccessLogsBucket: accessLogs, serverAccessLogsPrefix: 'events-bucket/' });
  }
}
