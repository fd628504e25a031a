import { Transform, pipeline, type Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FileStore, StoredFile } from '../core/task-services';

/** 5 MiB, S3's smallest multipart part: memory holds about `queueSize` parts, whatever the object's size. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 2;

/** FileStore on one S3 bucket: multipart uploads via lib-storage, presigned GET links. */
export class S3FileStore implements FileStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly expiresInSeconds: number,
  ) {}

  async upload(key: string, body: Readable, contentType: string, signal?: AbortSignal): Promise<StoredFile> {
    let bytes = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        callback(null, chunk);
      },
    });
    // An error of the source destroys `counted` with it, which fails the upload below.
    pipeline(body, counted, () => undefined);
    // Cancellation and timeouts fail the body too, rather than lib-storage's own abort: its abort
    // rejects at once and sends AbortMultipartUpload later, in the background (a frozen Lambda might
    // never send it), while a failed body makes done() reject only after the parts are aborted.
    const stop = () =>
      counted.destroy(signal?.reason instanceof Error ? signal.reason : new Error('The upload was aborted.'));
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    // Upload sends one PUT below PART_SIZE and a multipart upload above it, aborting the parts on failure.
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: counted, ContentType: contentType },
      partSize: PART_SIZE,
      queueSize: QUEUE_SIZE,
    });
    try {
      await upload.done();
    } finally {
      signal?.removeEventListener('abort', stop);
    }
    return { bucket: this.bucket, key, bytes };
  }

  async downloadUrl(key: string): Promise<{ url: string; expiresInSeconds: number }> {
    const url = await getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: this.expiresInSeconds,
    });
    return { url, expiresInSeconds: this.expiresInSeconds };
  }

  async read(key: string, signal?: AbortSignal): Promise<{ body: Readable; bytes: number } | undefined> {
    try {
      const { Body, ContentLength } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        abortSignal: signal,
      });
      // In Node.js the SDK's body is an IncomingMessage, a Readable.
      return { body: Body as Readable, bytes: ContentLength ?? 0 };
    } catch (error) {
      // Without s3:ListBucket, which is not granted (it would list every tenant's files), S3 answers
      // a missing key with 403, not 404: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
      if (error instanceof NoSuchKey || (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 403))
        return undefined;
      throw error;
    }
  }

  /**
   * A time-limited PUT URL for `key`. Content type and length are not signed, so any client
   * (curl -T, fetch) can use it; the reader enforces its own size limit.
   */
  async uploadUrl(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
