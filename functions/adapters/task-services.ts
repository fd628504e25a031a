import type { RuntimeConfig } from '../config';
import { createTasks } from '../core/bulk-create';
import { PermanentTaskError } from '../core/errors';
import type { TaskMetrics } from '../core/metrics';
import { systemClock, type TaskStore } from '../core/ports';
import type { FileStore, TaskServices } from '../task-types/services';
import type { AwsClients } from './aws-clients';
import { createS3Client } from './s3-client';
import { S3FileStore } from './s3-file-store';
import { SesEmailSender, createSesClient } from './ses-email-sender';
import { SqsTaskQueue } from './sqs-task-queue';

/** A worker whose type does not use files gets no bucket (and no grant); reaching for one is a bug in the type. */
const noBucket = () => Promise.reject(new PermanentTaskError('No files bucket is configured for this worker (TASKLANE_FILES_BUCKET).'));
const noFiles: FileStore = { upload: noBucket, downloadUrl: noBucket, read: noBucket };

/** The services task code reaches through `ctx.services`, built once per worker (clients are reused across invocations). */
export function createTaskServices(config: RuntimeConfig, store: TaskStore, clients: AwsClients, metrics?: TaskMetrics): TaskServices {
  const bulk = { store, queue: new SqsTaskQueue(clients.sqs, config.queueUrls), clock: systemClock, metrics };
  return {
    email: new SesEmailSender(createSesClient(config), config.emailFrom),
    files: config.filesBucket ? new S3FileStore(createS3Client(config), config.filesBucket, config.downloadUrlExpirySeconds) : noFiles,
    tasks: {
      list: (query) => store.list(query),
      createMany: (tenant, tasks) => createTasks(bulk, tenant, tasks),
    },
  };
}
