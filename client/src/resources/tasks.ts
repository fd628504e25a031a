import type { AnyTaskTypes, CreateTaskInput, TaskTypeMap, TaskTypes } from '../payloads';
import { Paginated, type Page } from '../pages';
import type { CallOptions, Transport } from '../transport';
import type { Task, TaskStatus, TaskStreamEvent } from '../types';
import { newIdempotencyKey } from '../idempotency';
import { watchTask, type WatchOptions } from './task-stream';

/** Options of a call that creates a task. */
export interface CreateOptions extends CallOptions {
  /**
   * The Idempotency-Key header: the same key and body return the same task instead of making a
   * second. A fresh UUID by default, so that the client's own retries never make two tasks; give
   * your own (an order id) to make your retries safe as well.
   */
  idempotencyKey?: string;
}

/** Filters of GET /tasks; `limit` is the page size (1–100, 20 by default). */
export interface ListTasksQuery<Types extends TaskTypeMap = AnyTaskTypes> {
  status?: TaskStatus;
  type?: keyof Types & string;
  limit?: number;
}

/** The body of POST /tasks/bulk: cancel or rerun the tenant's tasks that match `filter`. */
export type BulkActionInput = TaskTypes['bulk'];

/** How a cancel went: `canceled` at once (it was waiting), or `stopping` (running; it stops at its next checkpoint). */
export interface CanceledTask {
  task: Task;
  outcome: 'canceled' | 'stopping';
}

/** Tasks of the key's tenant: create, read, list, cancel, rerun, act in bulk and watch live. */
export class Tasks<Types extends TaskTypeMap = AnyTaskTypes> {
  constructor(private readonly transport: Transport) {}

  /** POST /tasks: a new task (status `pending`, or `scheduled` when delayed), with an Idempotency-Key. */
  create(input: CreateTaskInput<Types>, options: CreateOptions = {}): Promise<Task> {
    return this.keyedPost('tasks', input, options);
  }

  /** GET /tasks/{id}. */
  get(id: string, options?: CallOptions): Promise<Task> {
    return this.transport.json<Task>({ method: 'GET', path: taskPath(id), retrySafe: true }, options);
  }

  /** GET /tasks: newest first; iterate it for every task of every page, or call `.page()` for one page. */
  list(query: ListTasksQuery<Types> = {}): Paginated<Task> {
    return new Paginated((cursor, options) =>
      this.transport.json<Page<Task>>(
        { method: 'GET', path: 'tasks', query: { ...query, cursor }, retrySafe: true },
        options,
      ),
    );
  }

  /**
   * DELETE /tasks/{id}. A retried cancel whose first try did cancel answers 409 `task_finished`
   * (DELETE is retried like any idempotent request: the task is canceled either way).
   */
  async cancel(id: string, options?: CallOptions): Promise<CanceledTask> {
    const { status, body } = await this.transport.request<Task>(
      { method: 'DELETE', path: taskPath(id), retrySafe: true },
      options,
    );
    return { task: body, outcome: status === 202 ? 'stopping' : 'canceled' };
  }

  /**
   * POST /tasks/{id}/rerun: a new task repeating a finished one (its payload, or `payload`),
   * carrying `rerun_of`; 409 `task_not_finished` unless it ended. Keyed like create.
   */
  rerun(id: string, input: { payload?: unknown } = {}, options: CreateOptions = {}): Promise<Task> {
    return this.keyedPost(`${taskPath(id)}/rerun`, input, options);
  }

  /** POST /tasks/bulk: a `bulk` task that cancels or reruns every matching task; its `result` says what it did. */
  bulk(input: BulkActionInput, options: CreateOptions = {}): Promise<Task> {
    return this.keyedPost('tasks/bulk', input, options);
  }

  /**
   * GET /tasks/{id}/stream as an async iterator: the task's current state, then every status change
   * and progress, ending after the final status. A dropped connection is resumed with Last-Event-ID,
   * so no event is lost or repeated. Leaving the loop closes the stream.
   */
  watch(id: string, options: WatchOptions = {}): AsyncGenerator<TaskStreamEvent, void, undefined> {
    return watchTask(this.transport, taskPath(id), options);
  }

  /**
   * A POST that makes a task, with an Idempotency-Key: the caller's, or one made here and sent on
   * every retry of this call, so that retries return the task the first try made.
   */
  private keyedPost(path: string, body: unknown, options: CreateOptions): Promise<Task> {
    return this.transport.json<Task>(
      {
        method: 'POST',
        path,
        body,
        headers: { 'idempotency-key': options.idempotencyKey ?? newIdempotencyKey() },
        retrySafe: true,
      },
      options,
    );
  }
}

function taskPath(id: string): string {
  return `tasks/${encodeURIComponent(id)}`;
}
