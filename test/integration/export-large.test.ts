import { parse } from 'csv-parse/sync';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DeleteMessageCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../functions/adapters/s3-client';
import { S3FileStore } from '../../functions/adapters/s3-file-store';
import { createTaskServices } from '../../functions/adapters/task-services';
import { issueApiKey } from '../../functions/core/api-keys';
import { newSortableId } from '../../functions/core/ids';
import { noMetrics } from '../../functions/core/metrics';
import { systemClock, type TaskCatalog, type TaskLifecycle } from '../../functions/core/ports';
import { newPendingTask } from '../../functions/core/new-task';
import type { TaskView } from '../../functions/core/task';
import { createLogger } from '../../functions/shared/logger';
import { createTaskStore } from '../../functions/shared/task-store';
import { EXPORT_PAGE_SIZE } from '../../functions/task-types/export';
import { requireTaskType } from '../../functions/task-types/registry';
import type { TaskServices } from '../../functions/core/task-services';
import { createSqsWorker } from '../../functions/workers/sqs-worker';
import { toSqsRecord } from '../../local/event-source-poller';
import { localLambdaContext } from '../../local/lambda-context';
import { FILES_BUCKET, startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

/** S3's smallest multipart part, which S3FileStore uses as its part size: one byte more and lib-storage goes multipart. */
const FIVE_MIB = 5 * 1024 * 1024;
/** Per-task payload text: about 60 KB, so a page of EXPORT_PAGE_SIZE tasks alone is more than one part. */
const LARGE_TEXT_BYTES = 60_000;

/** One S3 call as the client saw it: sent, then answered (`ok`) or refused (`error`). */
interface S3Call {
  command: string;
  phase: 'sent' | 'ok' | 'error';
  output?: any;
  error?: unknown;
}

/**
 * An S3 client on the local endpoint that logs every command and its outcome. Middleware, not a
 * wrapped `send`, so it sees whatever path lib-storage takes to the wire.
 */
function recordingS3Client(
  stack: LocalStack,
  slow: { command?: string; ms?: number } = {},
): { s3: S3Client; calls: S3Call[]; named: (command: string, phase?: S3Call['phase']) => S3Call[] } {
  const s3 = createS3Client(stack.config);
  const calls: S3Call[] = [];
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? 'unknown';
      calls.push({ command, phase: 'sent' });
      if (command === slow.command) await sleep(slow.ms ?? 0);
      try {
        const result = await next(args);
        calls.push({ command, phase: 'ok', output: result.output });
        return result;
      } catch (error) {
        calls.push({ command, phase: 'error', error });
        throw error;
      }
    },
    { step: 'initialize', name: 'recordS3Calls' },
  );
  return {
    s3,
    calls,
    named: (command, phase = 'ok') => calls.filter((c) => c.command === command && c.phase === phase),
  };
}

describe('large and canceled exports (local stack, export worker driven by hand, files in fauxqs S3)', () => {
  let stack: LocalStack;
  let store: TaskCatalog & TaskLifecycle;
  let tenantSeq = 0;
  const logger = createLogger('test-export-worker');

  beforeAll(async () => {
    // No pollers: the test delivers the export's message to a worker it builds, with services it can observe.
    stack = await startLocalStack({
      port: 0,
      workers: false,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
    });
    store = createTaskStore(stack.config, stack.clients, logger);
  });
  afterAll(() => stack?.stop());

  const newTenant = async () => {
    const tenant = `big${++tenantSeq}`;
    return { tenant, api: apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, tenant)).secret) };
  };

  /**
   * Writes `count` email task records straight into the store (never queued, so they stay pending):
   * far cheaper than creating and running hundreds of tasks through the API. created_at is spread
   * one millisecond apart from `startMs`, so the listing order (newest first) is known.
   */
  async function seedEmailTasks(
    tenant: string,
    count: number,
    startMs: number,
    text: (i: number) => string,
  ): Promise<string[]> {
    const type = requireTaskType('email');
    const tasks = Array.from({ length: count }, (_, i) =>
      newPendingTask({
        id: newSortableId(),
        tenant,
        type,
        payload: type.payloadSchema.parse({ to: 'a@example.com', subject: `Row ${i}`, text: text(i) }),
        now: new Date(startMs + i).toISOString(),
      }),
    );
    for (let i = 0; i < tasks.length; i += 20) {
      const written = await Promise.all(tasks.slice(i, i + 20).map((task) => store.create(task)));
      expect(written.every((w) => w.ok)).toBe(true);
    }
    return tasks.map((t) => t.id);
  }

  /** Creates an export through the API and receives its message from the export queue, as the event source mapping would. */
  async function createExport(
    api: ReturnType<typeof apiClient>,
    payload: unknown,
  ): Promise<{ id: string; message: Message }> {
    const created = await api.create('export', payload);
    expect(created.status).toBe(202);
    const queue = stack.queues.find((q) => q.type.name === 'export')!;
    for (let tries = 0; tries < 10; tries++) {
      const received = await stack.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queue.queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const message = received.Messages?.find((m) => JSON.parse(m.Body!).task_id === created.body.task_id);
      if (message) return { id: created.body.task_id, message };
    }
    throw new Error(`no message for export ${created.body.task_id}`);
  }

  /** One invocation of the export worker on the message, then the delete the event source mapping makes after success. */
  async function runExportWorker(message: Message, services: TaskServices) {
    const queue = stack.queues.find((q) => q.type.name === 'export')!;
    const worker = createSqsWorker({
      type: requireTaskType('export'),
      store,
      services,
      sqs: stack.clients.sqs,
      queueUrl: queue.queueUrl,
      clock: systemClock,
      logger,
      metrics: noMetrics,
      // Every progress call writes, so every page boundary is a cancellation checkpoint.
      progressIntervalMs: 0,
    });
    const response = await worker(
      { Records: [toSqsRecord(message, queue.queueArn, 'us-east-1')] },
      localLambdaContext('tasklane-worker-export', 900),
    );
    if (response.batchItemFailures.length === 0)
      await stack.clients.sqs.send(
        new DeleteMessageCommand({ QueueUrl: queue.queueUrl, ReceiptHandle: message.ReceiptHandle! }),
      );
    return response;
  }

  /** The worker's own services, except that files go through an S3 client whose calls the test can see. */
  const observedServices = (s3: S3Client): TaskServices => ({
    ...createTaskServices(stack.config, store, stack.clients),
    files: new S3FileStore(s3, FILES_BUCKET, stack.config.downloadUrlExpirySeconds),
  });

  it('exports a file above 5 MiB as a multipart upload whose download has result.bytes bytes and every row intact', async () => {
    // Prepare
    const { tenant, api } = await newTenant();
    // Two pages (the second partial) of ~60 KB rows: about 6.6 MB, so two parts.
    const count = EXPORT_PAGE_SIZE + 10;
    const text = (i: number) => `row ${i} `.padEnd(LARGE_TEXT_BYTES, 'x');
    const ids = await seedEmailTasks(tenant, count, Date.now() - 60_000, text);
    const { s3, named } = recordingS3Client(stack);
    // The type filter keeps the export's own record out of its file.
    const { id, message } = await createExport(api, { format: 'csv', filter: { type: 'email' } });

    // Act
    const response = await runExportWorker(message, observedServices(s3));
    const task = (await api.get(id)).body as TaskView;
    const result = task.result as { key: string; rows: number; bytes: number; download_url: string };
    const download = await fetch(result.download_url);
    const body = Buffer.from(await download.arrayBuffer());
    const rows = parse(body, { columns: true }) as Record<string, string>[];
    const head = await createS3Client(stack.config).send(
      new HeadObjectCommand({ Bucket: FILES_BUCKET, Key: result.key }),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(task).toMatchObject({ status: 'completed', progress: 100 });
    expect(download.status).toBe(200);
    expect(body.byteLength).toBeGreaterThan(FIVE_MIB);
    expect(result.bytes).toBe(body.byteLength);
    expect(result.rows).toBe(count);
    expect(rows).toHaveLength(count);
    // Rows span the part boundary: each one parses back to the text it was written with.
    expect(rows.map((r) => r.task_id).sort()).toEqual([...ids].sort());
    expect(rows.map((r) => JSON.parse(r.payload!).text).sort()).toEqual(ids.map((_, i) => text(i)).sort());
    // Multipart, seen from the client: one upload created, one UploadPart per 5 MiB (the last one shorter), completed, no single PUT.
    const parts = Math.ceil(body.byteLength / FIVE_MIB);
    expect(parts).toBe(2);
    expect(named('CreateMultipartUploadCommand')).toHaveLength(1);
    expect(named('UploadPartCommand')).toHaveLength(parts);
    expect(named('CompleteMultipartUploadCommand')).toHaveLength(1);
    expect(named('PutObjectCommand', 'sent')).toEqual([]);
    expect(named('AbortMultipartUploadCommand', 'sent')).toEqual([]);
    // ... and from the server: a completed multipart object's ETag ends in "-<part count>".
    expect(head.ETag).toMatch(new RegExp(`^"[0-9a-f]{32}-${parts}"$`));
    expect(head.ContentLength).toBe(body.byteLength);
  });

  it('a cancel requested mid-export stops it at the next page checkpoint: canceled, fewer pages read, multipart aborted, no object', async () => {
    // Prepare
    const { tenant, api } = await newTenant();
    const start = Date.now() - 60_000;
    // Three pages. The newest page (read first) holds the large rows, so a 5 MiB part is uploaded
    // before the cancel; the two older pages are small and only make the export longer.
    await seedEmailTasks(tenant, 2 * EXPORT_PAGE_SIZE, start, (i) => `small ${i}`);
    await seedEmailTasks(tenant, EXPORT_PAGE_SIZE, start + 10_000, (i) => `large ${i} `.padEnd(LARGE_TEXT_BYTES, 'x'));
    // A slow abort: were it sent in the background, the worker would return before it completed.
    const { s3, calls, named } = recordingS3Client(stack, { command: 'AbortMultipartUploadCommand', ms: 500 });
    const { id, message } = await createExport(api, { format: 'ndjson', filter: { type: 'email' } });
    const services = observedServices(s3);
    let pagesRead = 0;
    let cancelStatus: number | undefined;
    const canceling: TaskServices = {
      ...services,
      tasks: {
        ...services.tasks,
        list: async (query) => {
          // Before the second page: wait until part 1 is stored (so there is a multipart upload to
          // abort), then cancel through the API as a client would. The checkpoint after this page sees it.
          if (++pagesRead === 2) {
            await vi.waitFor(() => expect(named('UploadPartCommand')).toHaveLength(1), {
              timeout: 20_000,
              interval: 20,
            });
            cancelStatus = (await api.cancel(id)).status;
          }
          return services.tasks.list(query);
        },
      },
    };

    // Act
    const response = await runExportWorker(message, canceling);
    // The parts are aborted before the attempt ends, not in the background after it (a Lambda may freeze then).
    const abortedBeforeReturn = calls.filter(
      (c) => c.command === 'AbortMultipartUploadCommand' && c.phase === 'ok',
    ).length;
    const task = (await api.get(id)).body as TaskView;
    const key = `exports/${tenant}/${id}.ndjson`;
    const get = await createS3Client(stack.config)
      .send(new GetObjectCommand({ Bucket: FILES_BUCKET, Key: key }))
      .catch((error: unknown) => error);
    const listed = await createS3Client(stack.config).send(
      new ListObjectsV2Command({ Bucket: FILES_BUCKET, Prefix: `exports/${tenant}/` }),
    );
    const uploadId = named('CreateMultipartUploadCommand')[0]?.output?.UploadId as string;
    // A part sent to an aborted upload is refused: the upload (and its stored part) is gone.
    const lateUpload = await createS3Client(stack.config)
      .send(new UploadPartCommand({ Bucket: FILES_BUCKET, Key: key, UploadId: uploadId, PartNumber: 2, Body: 'late' }))
      .catch((error: unknown) => error);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(cancelStatus).toBe(202);
    expect(task).toMatchObject({ status: 'canceled' });
    expect(task.result).toBeUndefined();
    // Pages 1 and 2 of the three were read; the checkpoint after page 2 stopped the export.
    expect(pagesRead).toBe(2);
    expect(named('CreateMultipartUploadCommand')).toHaveLength(1);
    expect(named('UploadPartCommand')).toHaveLength(1);
    expect(named('CompleteMultipartUploadCommand', 'sent')).toEqual([]);
    expect(named('PutObjectCommand', 'sent')).toEqual([]);
    expect(named('AbortMultipartUploadCommand')).toHaveLength(1);
    expect(abortedBeforeReturn).toBe(1);
    expect(get).toBeInstanceOf(NoSuchKey);
    expect(listed.Contents ?? []).toEqual([]);
    expect(lateUpload).toMatchObject({ name: 'NoSuchUpload' });
  });
});
