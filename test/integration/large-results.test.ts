import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../functions/adapters/s3-client';
import { TABLE_KEY, taskKey } from '../../functions/adapters/table-schema';
import { STEP_LIMITS } from '../../functions/core/step-limits';
import type { StepView } from '../../functions/core/task-steps';
import { TASK_STORAGE } from '../../functions/core/task-storage';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, TEST_STACK } from '../helpers/local-api';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Results too large for the task record on the embedded stack: a `workflow` task whose `generate`
 * step returns ~200 KB and whose result is ~500 KB. Both land in the files bucket under results/,
 * the record keeps their key and size, a retry reads the step back whole, and GET links to the result.
 */
describe('results too large for the record (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack(TEST_STACK);
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  const s3 = () => createS3Client(stack.config);
  const readObject = async (key: string) => {
    const { Body } = await s3().send(new GetObjectCommand({ Bucket: stack.config.resultsBucket, Key: key }));
    return Body!.transformToString('utf8');
  };

  it('keeps a 200 KB step result and a 500 KB task result in S3; a retry gets the step back whole; GET links to the result', async () => {
    // Act: `process` fails attempt 1 after `generate` stored its random 200 KB, so attempt 2 replays it.
    const created = await api.create('workflow', { step_kb: 200, result_kb: 500, fail_attempts: 1 });
    const id = created.body.task_id;
    const { task } = await api.waitFor(id, (t) => t.status === 'completed', 30_000);

    // Assess: the view has the link and the size instead of the result.
    expect(task.attempts).toBe(2);
    expect(task.result).toBeUndefined();
    expect(task.result_bytes).toBeGreaterThan(500 * 1024);
    expect(task.result_url).toMatch(/^http/);
    expect(Date.parse(task.result_url_expires_at!)).toBeGreaterThan(Date.now());
    const generate = task.steps?.find((s: StepView) => s.name === 'generate');
    expect(generate).toMatchObject({ status: 'completed', attempts: 1 });
    expect(generate!.result_bytes).toBeGreaterThan(STEP_LIMITS.resultBytes);

    // Assess: the record holds references only, far below DynamoDB's 400 KB.
    const { Item } = await stack.clients.dynamo.send(
      new GetCommand({ TableName: stack.config.tableName, Key: taskKeyOf(id) }),
    );
    expect(Item?.result).toBeUndefined();
    expect(Item?.steps.generate.result).toBeUndefined();
    expect(Buffer.byteLength(JSON.stringify(Item))).toBeLessThan(16 * 1024);

    // Assess: both objects exist under the tenant's and task's prefix, with the sizes the record says.
    const prefix = `results/local/${id}/`;
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: stack.config.resultsBucket, Prefix: prefix }));
    const keys = (listed.Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual([Item?.result_ref.key, Item?.steps.generate.result_ref.key].sort());
    const stepText = await readObject(Item?.steps.generate.result_ref.key);
    expect(Buffer.byteLength(stepText)).toBe(generate!.result_bytes);

    // Assess: the download is the result, whole; its hash of the step is the stored step's (read back on attempt 2).
    const download = await fetch(task.result_url!);
    expect(download.status).toBe(200);
    const downloaded = await download.text();
    expect(downloaded).toBe(await readObject(Item?.result_ref.key));
    expect(Buffer.byteLength(downloaded)).toBe(task.result_bytes);
    const result = JSON.parse(downloaded) as { generated_sha256: string; filler: string; processed_on_attempt: number };
    expect(result.processed_on_attempt).toBe(2);
    expect(result.filler).toHaveLength(500 * 1024);
    expect(result.generated_sha256).toBe(sha256(stepText));
    expect(task.result_bytes).toBeGreaterThan(TASK_STORAGE.resultBytes);
  });

  it('keeps a small result inline, with no link', async () => {
    // Act
    const created = await api.create('workflow', {});
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 20_000);

    // Assess
    expect(task.result).toMatchObject({ finished_at: expect.any(String) });
    expect(task.result_url).toBeUndefined();
    expect(task.result_bytes).toBeUndefined();
  });
});

function taskKeyOf(id: string) {
  return { [TABLE_KEY]: taskKey('local', id) };
}
