import type { RuntimeConfig } from '../config';
import { createTasks } from '../core/bulk-create';
import { PermanentTaskError } from '../core/errors';
import type { TaskMetrics } from '../core/metrics';
import { systemClock, type TaskStore } from '../core/ports';
import type { EmailSender, FileStore, TaskServices } from '../task-types/services';
import type { AwsClients } from './aws-clients';
import { SqsTaskQueue } from './sqs-task-queue';

/** A worker whose type does not use files gets no bucket (and no grant); reaching for one is a bug in the type. */
const noBucket = () => Promise.reject(new PermanentTaskError('No files bucket is configured for this worker (TASKLANE_FILES_BUCKET).'));
const noFiles: FileStore = { upload: noBucket, downloadUrl: noBucket, read: noBucket };

/** Builds a value on first use and keeps it: the same promise for every caller. */
function once<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= build());
}

/**
 * The services task code reaches through `ctx.services`, built once per worker (clients are reused
 * across invocations). One worker bundle serves every type, so the SES and S3 clients load on a
 * type's first use of them, not at every worker's cold start.
 */
export function createTaskServices(config: RuntimeConfig, store: TaskStore, clients: AwsClients, metrics?: TaskMetrics): TaskServices {
  const bulk = { store, queue: new SqsTaskQueue(clients.sqs, config.queueUrls), clock: systemClock, metrics };
  const sender = once(async () => {
    const { SesEmailSender, createSesClient } = await import('./ses-email-sender');
    return new SesEmailSender(createSesClient(config), config.emailFrom);
  });
  const email: EmailSender = { send: async (message) => (await sender()).send(message) };
  const bucket = config.filesBucket;
  const fileStore = once(async () => {
    const [{ createS3Client }, { S3FileStore }] = await Promise.all([import('./s3-client'), import('./s3-file-store')]);
    return new S3FileStore(createS3Client(config), bucket!, config.downloadUrlExpirySeconds);
  });
  const files: FileStore = bucket
    ? {
        upload: async (...args) => (await fileStore()).upload(...args),
        downloadUrl: async (key) => (await fileStore()).downloadUrl(key),
        read: async (...args) => (await fileStore()).read(...args),
      }
    : noFiles;
  return {
    email,
    files,
    tasks: {
      list: (query) => store.list(query),
      createMany: (tenant, tasks) => createTasks(bulk, tenant, tasks),
    },
  };
}
