import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { RuntimeConfig } from '../config';

/** Its own module, so that only the functions that write to S3 bundle the S3 client. */
export function createS3Client(
  config: Pick<RuntimeConfig, 'region' | 'endpoints'>,
  options: Pick<S3ClientConfig, 'requestChecksumCalculation'> = {},
): S3Client {
  if (!config.endpoints) return new S3Client({ region: config.region, ...options });
  return new S3Client({
    ...options,
    region: config.region,
    endpoint: config.endpoints.s3 ?? config.endpoints.sqs,
    // Emulators serve buckets by path, not by virtual host.
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}
