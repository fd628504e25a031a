import type { Readable } from 'node:stream';
import type { ListQuery, Page, WriteResult } from './ports';
import type { Task, TaskSource } from './task';
import type { SpawnOptions } from './task-steps';
import type { TaskTypeSettings } from './task-type-settings';

/** One e-mail as task code hands it to the sender; addresses are already validated. */
export interface EmailMessage {
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  /** Defaults to the configured sender (TASKLANE_EMAIL_FROM). */
  from?: string;
  replyTo?: string[];
}

/**
 * Sends e-mail. Implementations throw PermanentTaskError for a rejection no retry can fix and
 * RetryableTaskError for throttling and server faults, so task code needs no SDK knowledge.
 */
export interface EmailSender {
  send(message: EmailMessage): Promise<{ messageId: string }>;
}

/** An object written by a FileStore. */
export interface StoredFile {
  bucket: string;
  key: string;
  bytes: number;
}

/** The bucket task code writes files to and hands out links for. */
export interface FileStore {
  /** Streams `body` to `key` (multipart as it grows), so memory stays flat whatever the size. */
  upload(key: string, body: Readable, contentType: string, signal?: AbortSignal): Promise<StoredFile>;
  /** A time-limited GET URL for `key`. */
  downloadUrl(key: string): Promise<{ url: string; expiresInSeconds: number }>;
  /** Streams the object at `key`; undefined when there is none (or, in AWS, when the worker may not read it: S3 does not tell the two apart without ListBucket). */
  read(key: string, signal?: AbortSignal): Promise<{ body: Readable; bytes: number } | undefined>;
}

/** One task to create in bulk: its id is chosen by the caller (derived, so a repeat finds it) and its payload already validated. */
export interface NewTask {
  id: string;
  /** The type's definition (a TaskTypeDefinition fits): its name and settings are all a new record needs. */
  type: { name: string; settings: TaskTypeSettings };
  payload: unknown;
  source?: TaskSource;
}

export interface BulkCreateOutcome {
  /** Written by this call. */
  created: number;
  /** Already there with the same id (written by an earlier attempt of the caller). */
  existing: number;
}

/** The tenant's task records: read by types that report on them (export), created by types that fan out (import). */
export interface TaskRecords {
  list(query: ListQuery): Promise<Page<Task>>;
  /**
   * Creates tasks with caller-chosen ids and validated payloads, and queues them; ids that exist
   * already are counted, not overwritten (core/bulk-create.ts). The writes of one call run in
   * parallel, so callers pass a chunk at a time.
   */
  createMany(tenant: string, tasks: readonly NewTask[]): Promise<BulkCreateOutcome>;
}

/**
 * Canceling and rerunning the tenant's tasks with the API's own rules (DELETE /tasks/{id}, POST
 * /tasks/{id}/rerun), for types that act on other tasks (bulk). Refusals are errors of
 * core/errors.ts, told apart by class: NotFoundError, ConflictError, ValidationError.
 */
export interface TaskActions {
  /** The task; NotFoundError when there is none. */
  get(tenant: string, id: string): Promise<Task>;
  /** `canceled` at once (it was waiting) or `requested` (it is running); ConflictError once it has finished. */
  cancel(tenant: string, id: string): Promise<{ task: Task; outcome: 'canceled' | 'requested' }>;
  /** A new task repeating a finished one, once per `idempotencyKey` (a repeat finds it: `replayed`); ConflictError unless finished. */
  rerun(input: { tenant: string; id: string; idempotencyKey: string }): Promise<{ task: Task; replayed: boolean }>;
}

/** One ctx.spawn: the child's id is derived from the parent's and the step name (core/ids.ts childTaskId). */
export interface ChildInput {
  tenant: string;
  parent_id: string;
  step: string;
  id: string;
  type: string;
  payload: unknown;
  options?: SpawnOptions;
}

/**
 * The tasks ctx.spawn creates and ctx.waitForChildren waits for (core/child-steps.ts), for types that
 * use `create_tasks`. Refusals are PermanentTaskError: a spawn the API would refuse is a bug in the type.
 */
export interface ChildTasks {
  /** Checks a spawn as POST /tasks checks a create (type, payload, options). */
  check(input: ChildInput): void;
  /** Creates the child unless it exists, and queues it (a child found still pending is queued again). */
  create(input: ChildInput): Promise<void>;
  /** A child's record, for its outcome. */
  get(tenant: string, id: string): Promise<Task | undefined>;
  /** Makes the task waiting on `step` due to resume now (its children ended before it suspended); once only. */
  wakeWaiting(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult>;
}

/** What task code may reach besides its payload: built once per worker from configuration. */
export interface TaskServices {
  email: EmailSender;
  files: FileStore;
  tasks: TaskRecords;
  manage: TaskActions;
  /** Used by ctx.spawn and ctx.waitForChildren rather than by task code itself. */
  children: ChildTasks;
}
