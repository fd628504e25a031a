import type { UploadLinks } from '../api/upload-route';
import type { RuntimeConfig } from '../config';
import { lazyS3FileStore } from './lazy-s3-file-store';

/**
 * Upload links on the files bucket. The S3 client and presigner load on the first POST /uploads,
 * not at the API's cold start: every other route does without them.
 */
export function s3UploadLinks(
  config: Pick<RuntimeConfig, 'region' | 'endpoints' | 'downloadUrlExpirySeconds'>,
  bucket: string,
): UploadLinks {
  // By default the SDK signs the CRC32 of the (empty) body it presigns into the URL, and S3 then
  // rejects every real file PUT to it (aws/aws-sdk-js-v3#6994): no checksum unless required.
  const store = lazyS3FileStore(config, bucket, { requestChecksumCalculation: 'WHEN_REQUIRED' });
  return { uploadUrl: async (key, expiresInSeconds) => (await store()).uploadUrl(key, expiresInSeconds) };
}
