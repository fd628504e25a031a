import type { ResultRef } from './result-store';
import type { Task, TaskStatus, WebhookDeliveryState } from './task';
import type { StepEntry } from './task-steps';

/** A page of results with an opaque cursor for the next page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

export interface ListQuery {
  tenant: string;
  status?: TaskStatus;
  type?: string;
  limit: number;
  cursor?: string;
}

/** Result of a conditional write: `ok: false` means the condition failed (a lost race), with the current task if any. */
export type WriteResult = { ok: true; task: Task } | { ok: false; current?: Task };

export interface StartAttempt {
  attempt: number;
  now: string;
  /** When the sweeper should consider this attempt lost if no later write happened. */
  sweepAt: string;
  /**
   * A delayed task starts only if its `run_at` is at most this (now plus a second's tolerance for clocks);
   * a first attempt only if its `start_by` has not passed at `now`. Default: `now`.
   */
  runAtUpTo?: string;
}

export interface ReadOptions {
  /**
   * Strongly consistent (the default): sees every acknowledged write, at twice the read cost of an
   * eventually consistent read, which may lag by about a second.
   */
  consistent?: boolean;
}

/** Reading one task: the stream, the webhook worker and the API. */
export interface TaskReader {
  get(tenant: string, id: string, options?: ReadOptions): Promise<Task | undefined>;
}

/**
 * The writes of a task's life after its creation (the runner), each conditional on the statuses the
 * transition starts from. Wired with NotifyingTaskStore (webhooks/notifying-task-store.ts): a write
 * that ends a task with a webhook_url also queues the task's webhook.
 */
export interface TaskLifecycle {
  startAttempt(tenant: string, id: string, start: StartAttempt): Promise<WriteResult>;
  /** Records progress of the running attempt; returns the task so the worker sees `cancel_requested`. */
  progress(
    tenant: string,
    id: string,
    attempt: number,
    progress: number,
    message: string | undefined,
    now: string,
  ): Promise<WriteResult>;
  /** Ends the attempt `completed` with its result, or with `resultRef` to a result kept in the result store. */
  complete(
    tenant: string,
    id: string,
    attempt: number,
    result: unknown,
    now: string,
    resultRef?: ResultRef,
  ): Promise<WriteResult>;
  retry(
    tenant: string,
    id: string,
    attempt: number,
    error: Task['error'],
    nextAttemptAt: string,
    sweepAt: string,
    now: string,
  ): Promise<WriteResult>;
  fail(
    tenant: string,
    id: string,
    attempt: number | undefined,
    error: Task['error'],
    now: string,
  ): Promise<WriteResult>;
  cancelRunning(tenant: string, id: string, attempt: number, now: string): Promise<WriteResult>;
  /** Cancels a task that is not running (scheduled, pending or retrying): it never runs again. */
  cancelWaiting(tenant: string, id: string, now: string): Promise<WriteResult>;
  /** Ends a task whose first attempt did not start by its `start_by` (scheduled or pending, no attempt yet). */
  expire(tenant: string, id: string, now: string): Promise<WriteResult>;
  /** Stores one durable step of the running attempt (core/task-steps.ts). */
  saveStep(
    tenant: string,
    id: string,
    attempt: number,
    name: string,
    entry: StepEntry,
    now: string,
  ): Promise<WriteResult>;
  /**
   * Ends the running attempt's invocation without ending the attempt: `sleeping` until `wakeAt`, or
   * `waiting` until the token `step` is settled (only while it is still open). Not if cancellation was requested.
   */
  suspend(tenant: string, id: string, attempt: number, suspension: Suspension, now: string): Promise<WriteResult>;
  /** Runs a suspended task again once its wake time has come: the same attempt, or a later one if a resume died. */
  resume(tenant: string, id: string, resume: ResumeAttempt): Promise<WriteResult>;
}

/** A run suspending itself (ctx.sleep, ctx.waitForToken, ctx.waitForChildren). */
export interface Suspension {
  kind: 'sleep' | 'wait' | 'children';
  /** The sleep's, token's or wait's name, and its entry as it is to be stored. */
  step: string;
  entry: StepEntry;
  /** A sleep's wake time; a wait has none until its token is settled. */
  wakeAt?: string;
  sweepAt: string;
}

export interface ResumeAttempt {
  attempt: number;
  now: string;
  sweepAt: string;
  /** The latest wake_at this resume accepts (now plus the start tolerance). */
  wakeUpTo: string;
  /** The sleep this resume ends (marked completed by the same write). */
  endsSleep?: string;
}

/** What a settled token stores. */
export type TokenOutcome =
  | { status: 'completed'; result: unknown; result_bytes: number }
  | { status: 'failed'; error: Task['error'] }
  | { status: 'timed_out' };

/** Settling tokens (the API) and timing them out (the sweeper). */
export interface TokenRecords extends TaskReader {
  /** Settles the token `token` of step `step` if it is still open or waited for: once only. */
  settleToken(
    tenant: string,
    id: string,
    step: string,
    token: string,
    outcome: TokenOutcome,
    now: string,
  ): Promise<WriteResult>;
  /** Makes a task waiting on `step` due to resume now (its token is settled); once only. */
  wakeWaiting(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult>;
}

/** How a child ended, as its end records it on its parent's spawn step. */
export interface ChildEnd {
  status: 'completed' | 'failed' | 'canceled' | 'expired';
  ended_at: string;
  error?: Task['error'];
}

/** The parent's side of child tasks (core/child-fan-in.ts): a child's end marked on it, and its wake. */
export interface ChildRecords extends TaskReader {
  /** Marks the spawn step `step` of `parentId` ended, once (only while it is `running` for `childId`). */
  markChildEnded(
    tenant: string,
    parentId: string,
    step: string,
    childId: string,
    end: ChildEnd,
    now: string,
  ): Promise<WriteResult>;
  /** Makes a task waiting on `step` due to resume now; once only. */
  wakeWaiting(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult>;
  /** Times out the wait `step` of a task waiting on it and makes the task due to resume now; once only. */
  timeOutWait(tenant: string, id: string, step: string, sweepAt: string, now: string): Promise<WriteResult>;
}

/** Creating, reading, listing and canceling tasks on a client's behalf (the API). */
export interface TaskCatalog extends TaskReader, Pick<TaskLifecycle, 'cancelWaiting'> {
  /** Inserts a new task; fails (ok: false, with the existing task) if the id is taken. */
  create(task: Task): Promise<WriteResult>;
  list(query: ListQuery): Promise<Page<Task>>;
  /** Removes a task that is still pending (used when enqueueing it failed). */
  deletePending(tenant: string, id: string): Promise<void>;
  /** Asks a running task to stop at its next checkpoint. */
  requestCancel(tenant: string, id: string, now: string): Promise<WriteResult>;
}

/** What the sweeper reads and writes: the two sweep indexes, their claims, and failing a lost final attempt. */
export interface SweepStore extends Pick<TaskLifecycle, 'fail' | 'expire'>, TaskReader {
  /**
   * Tasks of one sweep shard whose `sweep_at` has passed, oldest first; `after`, the last task of the
   * previous page as it was listed, continues the listing behind it.
   */
  listDueForSweep(shard: number, now: string, limit: number, after?: Task): Promise<Task[]>;
  /** Moves `sweep_at` on, only if it is still `expected` (so concurrent sweepers act once). */
  claimSweep(tenant: string, id: string, expected: string, next: string, now: string): Promise<WriteResult>;
  /** Finished tasks of one shard whose webhook is unsettled and due for the sweeper; `after` as for listDueForSweep. */
  listWebhooksDue(shard: number, now: string, limit: number, after?: Task): Promise<Task[]>;
  /** Moves `webhook_sweep_at` on, only if it is still `expected`. */
  claimWebhookSweep(tenant: string, id: string, expected: string, next: string, now: string): Promise<WriteResult>;
}

/** The webhook delivery state on a finished task's record (the webhook worker, the redrive). */
export interface WebhookRecords extends TaskReader {
  /** Records a webhook delivery attempt while it is still pending; `nextSweepAt` undefined settles it. */
  recordWebhook(
    tenant: string,
    id: string,
    state: WebhookDeliveryState,
    nextSweepAt: string | undefined,
    now: string,
  ): Promise<WriteResult>;
  /** Makes a given-up webhook owed again (redrive from the webhook DLQ). */
  reopenWebhook(tenant: string, id: string, sweepAt: string, now: string): Promise<WriteResult>;
}

/** The message a task type's queue carries: the record is the source of truth, so only its key travels. */
export interface TaskMessage {
  tenant: string;
  task_id: string;
  /**
   * Attempts already made before this message existed (set when the sweeper re-enqueues a task
   * whose message was lost): the delivery's attempt number is attempt_base + receive count.
   */
  attempt_base?: number;
  /** Times this task's delivery was put back over a concurrency limit in a row (its next wait grows with it). */
  deferrals?: number;
}

/** Sending work to a task type's queue. */
export interface TaskQueue {
  /** Sends one message; `delaySeconds` (0–900, SQS DelaySeconds) keeps it from workers that long. */
  send(type: string, message: TaskMessage, options?: { delaySeconds?: number }): Promise<void>;
  /** Sends many messages to one type's queue in as few requests as the queue allows; throws if any is not accepted. */
  sendMany(type: string, messages: readonly TaskMessage[]): Promise<void>;
}

/** Time source, injectable for tests. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The subset of a structured logger the core uses (Powertools Logger satisfies it). */
export interface Log {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}
