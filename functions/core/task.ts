import type { PayloadRef, ResultRef } from './result-store';
import { stepViews, type StepEntry, type StepView } from './task-steps';

/** The task model shared by the API, the workers and the store. */
export const TASK_STATUSES = [
  'scheduled',
  'pending',
  'running',
  'retrying',
  'sleeping',
  'waiting',
  'completed',
  'failed',
  'canceled',
  'expired',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'canceled', 'expired']);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export interface TaskError {
  /** Error class name, e.g. `RetryableTaskError`. */
  name: string;
  message: string;
}

export interface Task {
  id: string;
  tenant: string;
  type: string;
  status: TaskStatus;
  /** 0–100; never decreases within an attempt. */
  progress: number;
  progress_message?: string;
  /** null for a payload by reference (`payload_ref`). */
  payload: unknown;
  /** A payload given by reference to an upload (POST /tasks `payload_upload_id`): its task-owned copy. */
  payload_ref?: PayloadRef;
  result?: unknown;
  /** Where a result too large for the record is stored instead of `result` (core/result-store.ts). */
  result_ref?: ResultRef;
  error?: TaskError;
  /** Attempts started so far (1 while the first attempt runs). */
  attempts: number;
  max_attempts: number;
  created_at: string;
  updated_at: string;
  started_at?: string;
  ended_at?: string;
  /** When the next attempt is due, while `retrying`. */
  next_attempt_at?: string;
  /** When the first attempt may start (a delayed task: `scheduled` until then). */
  run_at?: string;
  /** A task whose first attempt has not started by then ends `expired` without running. */
  start_by?: string;
  /** The schedule whose firing created this task. */
  schedule_id?: string;
  /** The finished task this one reruns (POST /tasks/{id}/rerun). */
  rerun_of?: string;
  /** Tasks sharing it run at most the type's concurrencyPerKey at once. */
  concurrency_key?: string;
  webhook_url?: string;
  /** Delivery of the terminal-event webhook; `pending` from creation until delivered or given up. */
  webhook?: WebhookDeliveryState;
  /** When the sweeper should re-send an unsettled webhook (set when the task ends; internal). */
  webhook_sweep_at?: string;
  cancel_requested?: boolean;
  idempotency_key?: string;
  /** Where a task created by another task came from: the import and the CSV line. */
  source?: TaskSource;
  /** Hash of the create request, to tell an idempotent replay from a conflicting reuse of the key. */
  request_fingerprint?: string;
  /**
   * When the sweeper should look at this task if nothing else has touched it (sparse index; unset
   * once the task is terminal). See core/sweeper.ts.
   */
  sweep_at?: string;
  /** Epoch seconds after which a finished task is deleted (DynamoDB TTL); reads ignore expired tasks. */
  expires_at?: number;
  /**
   * Change-feed position: grows with every write that changes status, progress or a step, so a stream can
   * tell what a client has not seen yet (see adapters/task-feed-attributes.ts).
   */
  seq?: number;
  /** The latest status changes, oldest first (bounded), each with the seq it happened at. */
  status_history?: StatusChange[];
  /** The seq of the latest progress write. */
  progress_seq?: number;
  /** The seq of each durable step's latest change, by step name. */
  step_seqs?: Record<string, number>;
  /** Durable steps by name (core/task-steps.ts); an empty map once an attempt started. */
  steps?: Record<string, StepEntry>;
  /**
   * When a suspended task resumes: a sleeping task's wake time; a waiting task's once its token
   * was completed, failed or timed out (unset until then).
   */
  wake_at?: string;
  /** The sleep or token a `sleeping` or `waiting` task is suspended on. */
  suspended_step?: string;
  /** The task that spawned this one (ctx.spawn), and the name of the spawn step on it. */
  parent_id?: string;
  parent_step?: string;
}

/** The task that created this one, for tasks created in bulk (import): `line` is the CSV line of its row. */
export interface TaskSource {
  import_id: string;
  line: number;
}

/** Where the webhook of a finished task stands. */
export interface WebhookDeliveryState {
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status_code?: number;
  last_error?: string;
  delivered_at?: string;
}

/** One status change in a task's history. */
export interface StatusChange {
  seq: number;
  status: TaskStatus;
  /** The task's attempt count when the change happened (0 while pending). */
  attempt: number;
  at: string;
  /** Progress the change set (0 on start, 100 on completion); absent when it left progress as it was. */
  progress?: number;
}

/** The public JSON shape of a task: internal bookkeeping fields are left out. */
export interface TaskView {
  task_id: string;
  type: string;
  status: TaskStatus;
  progress: number;
  progress_message?: string;
  payload: unknown;
  /** A payload given by reference (`payload` is null then): the upload it came from, and its size as JSON. */
  payload_upload_id?: string;
  payload_bytes?: number;
  result?: unknown;
  /** A result stored in a file (too large for the record): its size as JSON; GET /tasks/{id} adds `result_url`. */
  result_bytes?: number;
  /** A presigned GET link to such a result, and when it expires (GET /tasks/{id} only). */
  result_url?: string;
  result_url_expires_at?: string;
  error?: TaskError;
  attempts: number;
  max_attempts: number;
  created_at: string;
  updated_at: string;
  started_at?: string;
  ended_at?: string;
  next_attempt_at?: string;
  run_at?: string;
  start_by?: string;
  schedule_id?: string;
  rerun_of?: string;
  concurrency_key?: string;
  webhook_url?: string;
  webhook?: WebhookDeliveryState;
  cancel_requested?: boolean;
  source?: TaskSource;
  wake_at?: string;
  suspended_step?: string;
  parent_id?: string;
  steps?: StepView[];
}

/** One task as GET /tasks/{id} shows it: the view and its status changes, oldest first (at most 50 kept). */
export interface TaskDetailView extends TaskView {
  status_history: Array<Omit<StatusChange, 'seq'>>;
}

export function toDetailView(task: Task): TaskDetailView {
  return {
    ...toView(task),
    status_history: (task.status_history ?? []).map(({ seq: _seq, ...change }) => change),
  };
}

export function toView(task: Task): TaskView {
  return {
    task_id: task.id,
    type: task.type,
    status: task.status,
    progress: task.progress,
    progress_message: task.progress_message,
    payload: task.payload,
    payload_upload_id: task.payload_ref?.upload_id,
    payload_bytes: task.payload_ref?.bytes,
    result: task.result,
    result_bytes: task.result_ref?.bytes,
    error: task.error,
    attempts: task.attempts,
    max_attempts: task.max_attempts,
    created_at: task.created_at,
    updated_at: task.updated_at,
    started_at: task.started_at,
    ended_at: task.ended_at,
    next_attempt_at: task.next_attempt_at,
    run_at: task.run_at,
    start_by: task.start_by,
    schedule_id: task.schedule_id,
    rerun_of: task.rerun_of,
    concurrency_key: task.concurrency_key,
    webhook_url: task.webhook_url,
    webhook: task.webhook,
    cancel_requested: task.cancel_requested || undefined,
    source: task.source,
    wake_at: task.wake_at,
    suspended_step: task.suspended_step,
    parent_id: task.parent_id,
    steps: stepViews(task.steps),
  };
}
