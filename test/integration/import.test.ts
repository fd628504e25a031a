import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createS3Client } from '../../functions/adapters/s3-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskServices } from '../../functions/adapters/task-services';
import { issueApiKey } from '../../functions/core/api-keys';
import { importedTaskId } from '../../functions/core/ids';
import { noMetrics } from '../../functions/core/metrics';
import { systemClock } from '../../functions/core/ports';
import type { TaskView } from '../../functions/core/task';
import { createLogger } from '../../functions/shared/logger';
import { createTaskStore } from '../../functions/shared/task-store';
import { IMPORT_CHUNK_SIZE, MAX_IMPORT_BYTES } from '../../functions/task-types/import';
import { UPLOAD_ID_PATTERN, UPLOAD_URL_EXPIRY_SECONDS, uploadKey } from '../../functions/task-types/uploads';
import { requireTaskType } from '../../functions/task-types/registry';
import { createSqsWorker } from '../../functions/workers/sqs-worker';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { FILES_BUCKET, startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, isTerminalView } from '../helpers/local-api';
import { sqsRecord } from '../helpers/factories';

type Api = ReturnType<typeof apiClient>;

/** POST /uploads, then PUT the CSV to the presigned URL as a client would. */
async function upload(api: Api, csv: string): Promise<string> {
  const { status, body } = await api.request('POST', '/uploads');
  expect(status).toBe(201);
  const put = await fetch(body.upload_url, { method: 'PUT', body: csv });
  expect(put.status).toBe(200);
  return body.upload_id;
}

/** Every task of one type the tenant has, through the paginated list. */
async function listAll(api: Api, type: string): Promise<TaskView[]> {
  const items: TaskView[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: TaskView[]; next_cursor: string | null } = (
      await api.list(`?type=${type}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    ).body;
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

describe('import tasks (local stack, uploads in fauxqs S3)', () => {
  let tenantSeq = 0;
  const newTenant = async (stack: LocalStack) => {
    const tenant = `imp${++tenantSeq}`;
    return { tenant, api: apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, tenant)).secret) };
  };

  describe('with workers running', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startLocalStack({
        port: 0,
        rateLimitPerSecond: 0,
        progressIntervalMs: 0,
        scheduleIntervalMs: 0,
        pollWaitSeconds: 1,
      });
    });
    afterAll(() => stack?.stop());

    it('POST /uploads answers 201 with an upload id and a presigned PUT URL that stores the file under the tenant’s uploads/', async () => {
      // Prepare
      const { tenant, api } = await newTenant(stack);
      const before = Date.now();

      // Act
      const { status, body } = await api.request('POST', '/uploads');
      const put = await fetch(body.upload_url, { method: 'PUT', body: 'a,b\n1,2\n' });
      const object = await createS3Client(stack.config).send(
        new GetObjectCommand({ Bucket: FILES_BUCKET, Key: uploadKey(tenant, body.upload_id) }),
      );

      // Assess
      expect(status).toBe(201);
      expect(body).toEqual({
        upload_id: expect.stringMatching(UPLOAD_ID_PATTERN),
        upload_url: expect.any(String),
        method: 'PUT',
        expires_at: expect.any(String),
        max_bytes: MAX_IMPORT_BYTES,
      });
      expect(Date.parse(body.expires_at) - before).toBeGreaterThanOrEqual(UPLOAD_URL_EXPIRY_SECONDS * 1000 - 1000);
      const signed = new URL(body.upload_url).searchParams;
      expect(signed.get('X-Amz-Expires')).toBe(String(UPLOAD_URL_EXPIRY_SECONDS));
      // A checksum signed at presign time is the empty body's; real S3 would refuse every file (the emulator does not check).
      expect([...signed.keys()].filter((k) => k.toLowerCase().includes('checksum'))).toEqual([]);
      expect(put.status).toBe(200);
      expect(await object.Body!.transformToString()).toBe('a,b\n1,2\n');
    });

    it('creates exactly the good rows, which then run, and reports each bad line with its reason', async () => {
      // Prepare
      const { api } = await newTenant(stack);
      const csv = [
        'recipient,title,body,ignored',
        'ada@example.com,"Invoice 1, final","Dear Ada,\nhere it is.",x', // lines 2–3: a quoted newline
        'not-an-address,Hello,Hi,x', // line 4: fails the email schema
        'bob@example.com,Hello,Hi', // line 5: one cell short
        '"[""cy@example.com"",""di@example.com""]","He said ""hi""",Hi,x', // line 6: a JSON list for a list field
        'eve@example.com,,Hi,x', // line 7: empty subject, so the field is missing
      ].join('\n');
      const uploadId = await upload(api, csv);

      // Act
      const created = await api.create('import', {
        upload_id: uploadId,
        task_type: 'email',
        columns: { recipient: 'to', title: 'subject', body: 'text' },
      });
      const { task } = await api.waitFor(created.body.task_id, isTerminalView);
      const emails = await listAll(api, 'email');
      await Promise.all(emails.map((e) => api.waitFor(e.task_id, isTerminalView)));
      const ran = await listAll(api, 'email');

      // Assess
      expect(task).toMatchObject({ status: 'completed', progress: 100 });
      expect(task.result).toMatchObject({ task_type: 'email', imported: 2, rejected: 3 });
      const errors = (task.result as { errors: { line: number; error: string }[] }).errors;
      expect(errors.map((e) => e.line)).toEqual([4, 5, 7]);
      expect(errors[0]!.error).toBe('payload.to: must be an e-mail address');
      expect(errors[1]!.error).toContain('Invalid Record Length');
      expect(errors[2]!.error).toMatch(/^payload\.subject: /);
      expect(emails.map((e) => e.payload).sort((a: any, b: any) => a.to[0].localeCompare(b.to[0]))).toEqual([
        { to: ['ada@example.com'], subject: 'Invoice 1, final', text: 'Dear Ada,\nhere it is.' },
        { to: ['cy@example.com', 'di@example.com'], subject: 'He said "hi"', text: 'Hi' },
      ]);
      expect(ran.map((e) => e.status)).toEqual(['completed', 'completed']);
      // The first row spans lines 2–3 (a quoted newline): a row is known by the line it ends on.
      expect(emails.map((e) => e.source).sort((a, b) => a!.line - b!.line)).toEqual([
        { import_id: task.task_id, line: 3 },
        { import_id: task.task_id, line: 6 },
      ]);
    });

    it('fails at once, without retries, when the upload is missing or belongs to another tenant', async () => {
      // Prepare
      const owner = await newTenant(stack);
      const other = await newTenant(stack);
      const uploadId = await upload(owner.api, 'steps,step_ms\n1,0\n');

      // Act
      const created = await other.api.create('import', { upload_id: uploadId, task_type: 'generic' });
      const { task } = await other.api.waitFor(created.body.task_id, isTerminalView);

      // Assess
      expect(task).toMatchObject({ status: 'failed', attempts: 1, error: { name: 'PermanentTaskError' } });
      expect(task.error!.message).toContain(`No upload "${uploadId}" for this tenant`);
      expect(await listAll(other.api, 'generic')).toEqual([]);
    });

    it('fails the import, creating nothing, when the header names no payload field', async () => {
      // Prepare
      const { api } = await newTenant(stack);
      const uploadId = await upload(api, 'steps,step ms\n1,0\n');

      // Act
      const created = await api.create('import', { upload_id: uploadId, task_type: 'generic' });
      const { task } = await api.waitFor(created.body.task_id, isTerminalView);

      // Assess
      expect(task).toMatchObject({ status: 'failed', error: { name: 'PermanentTaskError' } });
      expect(task.error!.message).toContain('CSV header "step ms" is not a payload field name');
      expect(await listAll(api, 'generic')).toEqual([]);
    });
  });

  describe('with the import worker driven by hand', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startLocalStack({
        port: 0,
        workers: false,
        rateLimitPerSecond: 0,
        progressIntervalMs: 0,
        scheduleIntervalMs: 0,
      });
    });
    afterAll(() => stack?.stop());

    it('a retry after a crash mid-import creates no duplicates: every good line is one task, with an id derived from the line', async () => {
      // Prepare
      const { tenant, api } = await newTenant(stack);
      const good = 3 * IMPORT_CHUNK_SIZE + 5;
      const lines = ['steps,step_ms', ...Array.from({ length: good }, (_, i) => `${(i % 9) + 1},0`), 'x,0', '2,-1'];
      const uploadId = await upload(api, lines.join('\n'));
      const created = await api.create('import', { upload_id: uploadId, task_type: 'generic' });
      const importId = created.body.task_id;
      const logger = createLogger('test-import-worker');
      const store = createTaskStore(stack.config, stack.clients, logger);
      const services = createTaskServices(stack.config, store, stack.clients);
      let chunks = 0;
      const crashing = {
        ...services,
        tasks: {
          ...services.tasks,
          // The first attempt dies after two chunks went through, as a Lambda timeout or crash would.
          createMany: async (...args: Parameters<typeof services.tasks.createMany>) => {
            if (++chunks > 2) throw new Error('simulated crash mid-import');
            return services.tasks.createMany(...args);
          },
        },
      };
      const queue = stack.queues.find((q) => q.type.name === 'import')!;
      const worker = (withServices: typeof services) =>
        createSqsWorker({
          type: requireTaskType('import'),
          store,
          services: withServices,
          sqs: stack.clients.sqs,
          queueUrl: queue.queueUrl,
          clock: systemClock,
          logger,
          metrics: noMetrics,
        });
      const received = await stack.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const message = toSqsRecord(received.Messages![0]!, queue.queueArn, 'us-east-1');

      // Act
      const first = await worker(crashing)({ Records: [message] }, localLambdaContext('tasklane-worker-import', 900));
      const afterCrash = (await api.get(importId)).body;
      const createdBeforeRetry = (await listAll(api, 'generic')).length;
      // The redelivery, as SQS makes it once the backoff has passed.
      await worker(services)(
        { Records: [sqsRecord({ body: message.body, receiveCount: 2 })] },
        localLambdaContext('tasklane-worker-import', 900),
      );
      const done = (await api.get(importId)).body;
      const tasks = await listAll(api, 'generic');

      // Assess
      expect(first.batchItemFailures).toHaveLength(1);
      expect(afterCrash).toMatchObject({ status: 'retrying', attempts: 1 });
      expect(createdBeforeRetry).toBe(2 * IMPORT_CHUNK_SIZE);
      expect(done).toMatchObject({ status: 'completed', attempts: 2 });
      expect(done.result).toMatchObject({
        imported: good,
        rejected: 2,
        errors: [{ line: good + 2 }, { line: good + 3 }],
      });
      expect(tasks).toHaveLength(good);
      const expectedIds = Array.from({ length: good }, (_, i) => importedTaskId(tenant, importId, i + 2));
      expect(tasks.map((t) => t.task_id).sort()).toEqual(expectedIds.sort());
      expect(tasks.every((t) => t.status === 'pending')).toBe(true);
      // Each task says where it came from, and its id follows from that.
      expect(
        tasks.every(
          (t) => t.source?.import_id === importId && t.task_id === importedTaskId(tenant, importId, t.source.line),
        ),
      ).toBe(true);
    });
  });
});
