import { S3Client } from '@aws-sdk/client-s3';
import type { RuntimeConfig } from '../config';

/** Its own module, so that only the functions that write to S3 bundle the S3 client. */
export function createS3Client(config: Pick<RuntimeConfig, 'region' | 'endpoints'>): S3Client {
  if (!config.endpoints) return new S3Client({ region: config.region });
  return new S3Client({
    region: config.region,
    endpoint: config.endpoints.s3 ?? config.endpoints.sqs,
    // Emulators serve buckets by path, not by virtual host.
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
