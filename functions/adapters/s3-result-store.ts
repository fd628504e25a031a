import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ResultStore } from '../core/result-store';

/** ResultStore on the files bucket: one JSON object per result (at most 10 MiB: one PUT), presigned GET links. */
export class S3ResultStore implements ResultStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly expiresInSeconds: number,
  ) {}

  async put(key: string, json: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: json, ContentType: 'application/json' }),
    );
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await Body?.transformToString('utf8');
    } catch (error) {
      // Without s3:ListBucket (not granted), S3 answers a missing key with 403, not 404:
      // https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403))
        return undefined;
      throw error;
    }
  }

  async link(key: string): Promise<{ url: string; expiresInSeconds: number }> {
    const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: this.expiresInSeconds,
    });
    return { url, expiresInSeconds: this.expiresInSeconds };
  }
}
