import type { RuntimeConfig } from '../config';
import type { UploadReader } from '../core/payload-upload';

/** The upload reader on the files bucket; the S3 client loads on first use (POST /tasks with payload_upload_id only). */
export function lazyS3UploadReader(config: Pick<RuntimeConfig, 'region' | 'endpoints'>, bucket: string): UploadReader {
  let reader: Promise<UploadReader> | undefined;
  const load = () =>
    (reader ??= Promise.all([import('./s3-client'), import('./s3-upload-reader')]).then(
      ([{ createS3Client }, { S3UploadReader }]) => new S3UploadReader(createS3Client(config), bucket),
    ));
  return { read: async (...args) => (await load()).read(...args) };
}
