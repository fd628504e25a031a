import { createHash, randomBytes } from 'node:crypto';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../functions/adapters/s3-client';
import { TABLE_KEY, taskKey } from '../../functions/adapters/table-schema';
import { PAYLOAD_UPLOADS } from '../../functions/core/payload-upload';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, TEST_STACK } from '../helpers/local-api';

type Api = ReturnType<typeof apiClient>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** POST /uploads, then PUT the body to the presigned URL as a client would. */
async function upload(api: Api, body: string): Promise<string> {
  const { status, body: link } = await api.request('POST', '/uploads');
  expect(status).toBe(201);
  const put = await fetch(link.upload_url, { method: 'PUT', body });
  expect(put.status).toBe(200);
  return link.upload_id;
}

/**
 * Payloads by reference on the embedded stack: POST /tasks with `payload_upload_id` checks the upload
 * (exists, at most 10 MiB, JSON, the type's schema), copies it to a key of the task's own, and the
 * worker reads it whole before run().
 */
describe('payloads by reference to an upload (local stack)', () => {
  let stack: LocalStack;
  let api: Api;

  beforeAll(async () => {
    stack = await startLocalStack(TEST_STACK);
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  const createFromUpload = (uploadId: string, extra: Record<string, unknown> = {}) =>
    api.request('POST', '/tasks', { type: 'workflow', payload_upload_id: uploadId, ...extra });

  it('runs a 3 MB payload by reference to completion, the worker getting it whole', async () => {
    // Prepare
    const data = randomBytes(1_500_000).toString('hex');
    const uploadId = await upload(api, JSON.stringify({ data }));

    // Act
    const created = await createFromUpload(uploadId);
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 30_000);

    // Assess: the run saw the whole payload; the view names the upload and the size instead of the payload.
    expect(created.status).toBe(202);
    expect(task.result).toMatchObject({ data_bytes: 3_000_000, data_sha256: sha256(data) });
    expect(task.payload).toBeNull();
    expect(task.payload_upload_id).toBe(uploadId);
    // The copy is the payload as the schema returned it: the defaults filled in.
    expect(task.payload_bytes).toBeGreaterThan(JSON.stringify({ data }).length);

    // Assess: the record holds the copy's key, a task-owned object that outlives the upload.
    const { Item } = await stack.clients.dynamo.send(
      new GetCommand({ TableName: stack.config.tableName, Key: { [TABLE_KEY]: taskKey('local', task.task_id) } }),
    );
    expect(Item?.payload_ref.key).toMatch(new RegExp(`^results/local/${task.task_id}/payload-`));
    expect(Buffer.byteLength(JSON.stringify(Item))).toBeLessThan(16 * 1024);
    const copy = await createS3Client(stack.config).send(
      new GetObjectCommand({ Bucket: stack.config.resultsBucket, Key: Item?.payload_ref.key }),
    );
    expect(JSON.parse(await copy.Body!.transformToString())).toMatchObject({ data });
  });

  it.each([
    {
      case: 'a missing upload',
      uploadId: async () => '01JZZZZZZZZZZZZZZZZZZZZZZZ',
      status: 400,
      field: 'payload_upload_id',
      rule: /an upload of this tenant/,
    },
    {
      case: 'an upload that is not JSON',
      uploadId: () => upload(api, 'name,email\nana,ana@example.com\n'),
      status: 400,
      field: 'payload_upload_id',
      rule: /one JSON document/,
    },
    {
      case: 'an upload over the limit',
      uploadId: () => upload(api, `"${'x'.repeat(PAYLOAD_UPLOADS.maxBytes - 1)}"`),
      status: 413,
      field: 'payload_upload_id',
      rule: new RegExp(`at most ${PAYLOAD_UPLOADS.maxBytes} bytes`),
    },
    {
      case: 'a payload failing the schema',
      uploadId: () => upload(api, JSON.stringify({ fail_attempts: 9 })),
      status: 400,
      field: 'payload.fail_attempts',
      rule: /2/,
    },
  ])(
    'refuses $case with $status naming the field and rule, creating nothing',
    async ({ uploadId, status, field, rule }) => {
      // Prepare
      const before = (await api.list('?type=workflow&limit=100')).body.items.length;

      // Act
      const response = await createFromUpload(await uploadId());

      // Assess
      expect(response.status).toBe(status);
      expect(response.body.error.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, rule: expect.stringMatching(rule) })]),
      );
      expect((await api.list('?type=workflow&limit=100')).body.items.length).toBe(before);
    },
  );

  it('refuses payload and payload_upload_id together, naming payload_upload_id', async () => {
    // Act
    const response = await createFromUpload('01JZZZZZZZZZZZZZZZZZZZZZZZ', { payload: {} });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([
      expect.objectContaining({ field: 'payload_upload_id', rule: expect.stringMatching(/exactly one of payload/) }),
    ]);
  });
});
