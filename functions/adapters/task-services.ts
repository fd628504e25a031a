import type { RuntimeConfig } from '../config';
import { createTasks } from '../core/bulk-create';
import { PermanentTaskError } from '../core/errors';
import type { TaskMetrics } from '../core/metrics';
import { systemClock, type TaskCatalog } from '../core/ports';
import type { ChildTasks, EmailSender, FileStore, TaskActions, TaskServices } from '../core/task-services';
import type { AwsClients } from './aws-clients';
import { lazyS3FileStore } from './lazy-s3-file-store';
import type { SesEmailSender } from './ses-email-sender';
import { SqsTaskQueue } from './sqs-task-queue';

/** A worker whose type does not use files gets no bucket (and no grant); reaching for one is a bug in the type. */
const noBucket = () =>
  Promise.reject(new PermanentTaskError('No files bucket is configured for this worker (TASKLANE_FILES_BUCKET).'));
const noFiles: FileStore = { upload: noBucket, downloadUrl: noBucket, read: noBucket };
/** Likewise for a worker whose type does not use `manage_tasks`: it has no grant to queue reruns. */
const notManaging = () =>
  Promise.reject(
    new PermanentTaskError('This task type does not declare `manage_tasks`: it may not cancel or rerun tasks.'),
  );
const noActions: TaskActions = { get: notManaging, cancel: notManaging, rerun: notManaging };
/** Likewise for `create_tasks`: ctx.spawn needs the grant to send to other types' queues. */
const notCreating = () => {
  throw new PermanentTaskError('This task type does not declare `create_tasks`: it may not spawn child tasks.');
};
const noChildren: ChildTasks = {
  check: notCreating,
  create: async () => notCreating(),
  get: async () => notCreating(),
  wakeWaiting: async () => notCreating(),
};

/** A worker bundled without SES: only a type that declares `email` may send (and has the grant to). */
const noEmail: EmailSender = {
  send: () =>
    Promise.reject(new PermanentTaskError('This task type does not declare `email`: it may not send e-mail.')),
};

/** SES behind the EmailSender port, loaded on the first e-mail, not at the cold start. */
function sesEmailSender(config: RuntimeConfig): EmailSender {
  let sender: Promise<SesEmailSender> | undefined;
  const loadSender = () =>
    (sender ??= import('./ses-email-sender').then(
      ({ SesEmailSender, createSesClient }) => new SesEmailSender(createSesClient(config), config.emailFrom),
    ));
  return { send: async (message) => (await loadSender()).send(message) };
}

/**
 * The services task code reaches through `ctx.services`, built once per worker (clients are reused
 * across invocations). The SES and S3 clients load on a type's first use of them, not at the cold
 * start. `actions` (a TaskService, which needs the registry) comes from the composition root, for types
 * that use `manage_tasks`; so do `children` (ctx.spawn), for types that use `create_tasks`.
 */
export function createTaskServices(
  config: RuntimeConfig,
  store: TaskCatalog,
  clients: AwsClients,
  metrics?: TaskMetrics,
  actions?: TaskActions,
  children?: ChildTasks,
): TaskServices {
  const bulk = { store, queue: new SqsTaskQueue(clients.sqs, config.queueUrls), clock: systemClock, metrics };
  // A worker bundled for a type that does not use `email` has no SES client in it (infra/worker-bundle.ts
  // defines the variable, and esbuild drops the import); unbundled, every worker can send.
  const email: EmailSender = process.env.TASKLANE_BUNDLED_EMAIL === 'no' ? noEmail : sesEmailSender(config);
  const fileStore = config.filesBucket ? lazyS3FileStore(config, config.filesBucket) : undefined;
  const files: FileStore = fileStore
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
    manage: actions ?? noActions,
    children: children ?? noChildren,
  };
}
