import { GetObjectCommand, NoSuchKey, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3FileStore } from '../../functions/adapters/s3-file-store';

const s3 = mockClient(S3Client);
const s3Error = (name: string, status: number) =>
  new S3ServiceException({
    name,
    $fault: status < 500 ? 'client' : 'server',
    $metadata: { httpStatusCode: status },
    message: name,
  });

describe('S3FileStore.read', () => {
  const store = new S3FileStore(s3 as unknown as S3Client, 'files', 3600);
  beforeEach(() => s3.reset());

  it.each([
    ['404 NoSuchKey', new NoSuchKey({ $metadata: { httpStatusCode: 404 }, message: 'NoSuchKey' })],
    ['403 AccessDenied, what S3 answers for a missing key without ListBucket', s3Error('AccessDenied', 403)],
  ])('answers undefined, not an error, for %s', async (_case, error) => {
    // Prepare
    s3.on(GetObjectCommand).rejects(error);

    // Act
    const file = await store.read('uploads/acme/01JNK8Z6S4Y5Q3W2E1R0T9P8N7.csv');

    // Assess
    expect(file).toBeUndefined();
  });

  it('throws a server fault, so the attempt is retried', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(s3Error('InternalError', 500));

    // Act
    const outcome = store.read('uploads/acme/01JNK8Z6S4Y5Q3W2E1R0T9P8N7.csv');

    // Assess
    await expect(outcome).rejects.toMatchObject({ name: 'InternalError' });
  });
});
