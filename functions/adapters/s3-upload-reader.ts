import { GetObjectCommand, NoSuchKey, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { UploadReader } from '../core/payload-upload';
import { uploadKey } from '../task-types/uploads';

/** Reads uploads (POST /uploads) from the files bucket, refusing one over the caller's limit before reading its body. */
export class S3UploadReader implements UploadReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async read(tenant: string, uploadId: string, maxBytes: number) {
    try {
      const { Body, ContentLength } = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: uploadKey(tenant, uploadId) }),
      );
      if ((ContentLength ?? 0) > maxBytes) {
        // Not read: the connection is dropped rather than drained.
        (Body as { destroy?: () => void } | undefined)?.destroy?.();
        return { tooLarge: ContentLength ?? 0 };
      }
      return { text: (await Body?.transformToString('utf8')) ?? '' };
    } catch (error) {
      // Without s3:ListBucket (not granted), S3 answers a missing key with 403, not 404:
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403))
        return undefined;
      throw error;
    }
  }
}
