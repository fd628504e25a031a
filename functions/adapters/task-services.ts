import type { RuntimeConfig } from '../config';
import { PermanentTaskError } from '../core/errors';
import type { TaskStore } from '../core/ports';
import type { FileStore, TaskServices } from '../task-types/services';
import { createS3Client } from './s3-client';
import { S3FileStore } from './s3-file-store';
import { SesEmailSender, createSesClient } from './ses-email-sender';

/** A worker whose type does not use files gets no bucket (and no grant); reaching for one is a bug in the type. */
const noFiles: FileStore = {
  upload: () => Promise.reject(new PermanentTaskError('No files bucket is configured for this worker (TASKLANE_FILES_BUCKET).')),
  downloadUrl: () => Promise.reject(new PermanentTaskError('No files bucket is configured for this worker (TASKLANE_FILES_BUCKET).')),
};

/** The services task code reaches through `ctx.services`, built once per worker (clients are reused across invocations). */
export function createTaskServices(config: RuntimeConfig, store: TaskStore): TaskServices {
  return {
    email: new SesEmailSender(createSesClient(config), config.emailFrom),
    files: config.filesBucket ? new S3FileStore(createS3Client(config), config.filesBucket, config.downloadUrlExpirySeconds) : noFiles,
    tasks: store,
  };
}
