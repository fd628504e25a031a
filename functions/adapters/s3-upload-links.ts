import type { UploadLinks } from '../api/upload-route';
import type { RuntimeConfig } from '../config';

/**
 * Upload links on the files bucket. The S3 client and presigner load on the first POST /uploads,
 * not at the API's cold start: every other route does without them.
 */
export function s3UploadLinks(config: Pick<RuntimeConfig, 'region' | 'endpoints' | 'downloadUrlExpirySeconds'>, bucket: string): UploadLinks {
  let store: Promise<{ uploadUrl(key: string, expiresInSeconds: number): Promise<string> }> | undefined;
  return {
    async uploadUrl(key, expiresInSeconds) {
      store ??= Promise.all([import('./s3-client'), import('./s3-file-store')]).then(
        // By default the SDK signs the CRC32 of the (empty) body it presigns into the URL, and S3 then
        // rejects every real file PUT to it (aws/aws-sdk-js-v3#6994): no checksum unless required.
        ([{ createS3Client }, { S3FileStore }]) =>
          new S3FileStore(createS3Client(config, { requestChecksumCalculation: 'WHEN_REQUIRED' }), bucket, config.downloadUrlExpirySeconds),
      );
      return (await store).uploadUrl(key, expiresInSeconds);
    },
  };
}
