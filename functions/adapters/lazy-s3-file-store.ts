import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { RuntimeConfig } from '../config';
import type { S3FileStore } from './s3-file-store';

/**
 * The files bucket's store, built on first use and kept: the S3 client, lib-storage and the
 * presigner load then, not at a cold start of the API or a worker that may never touch a file.
 */
export function lazyS3FileStore(
  config: Pick<RuntimeConfig, 'region' | 'endpoints' | 'downloadUrlExpirySeconds'>,
  bucket: string,
  clientOptions: Pick<S3ClientConfig, 'requestChecksumCalculation'> = {},
): () => Promise<S3FileStore> {
  let store: Promise<S3FileStore> | undefined;
  return () =>
    (store ??= Promise.all([import('./s3-client'), import('./s3-file-store')]).then(
      ([{ createS3Client }, { S3FileStore }]) =>
        new S3FileStore(createS3Client(config, clientOptions), bucket, config.downloadUrlExpirySeconds),
    ));
}
