import { describe, expect, it, vi } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  TaskCanceledError,
  ValidationError,
} from '../../functions/core/errors';
import type { ListQuery, Log, Page } from '../../functions/core/ports';
import { isTerminal, type Task, type TaskStatus } from '../../functions/core/task';
import type { TaskActions, TaskRecords } from '../../functions/core/task-services';
import type { TaskContext } from '../../functions/core/task-type';
import { issuesToDetails } from '../../functions/core/validation';
import { BULK_MAX_TASKS, BULK_PAGE_SIZE, bulkRerunKey } from '../../functions/task-types/bulk';
import { requireTaskType } from '../../functions/task-types/registry';
import { noDurableSteps, taskItem, taskServices } from '../helpers/factories';

const bulkType = requireTaskType('bulk');
const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const BULK_ID = '01JNKB0000000000000000BULK';
const BULK_CREATED_AT = '2025-03-04T06:00:00.000Z';

/** A task id that sorts by `n`, like the ULIDs the API mints. */
const idOf = (n: number) => `01JNK8${String(n).padStart(20, '0')}`;
/** `n` minutes before the bulk task was created. */
const minutesBefore = (n: number) => new Date(Date.parse(BULK_CREATED_AT) - n * 60_000).toISOString();

/**
 * The tenant's tasks in memory, listed and acted on with the rules of TaskService: cancel refuses a
 * finished task and asks a running one to stop; rerun refuses an unfinished task and makes one new
 * task per Idempotency-Key. `failAfter` makes actions throw once that many have succeeded (a crash).
 */
class FakeTasks implements Pick<TaskRecords, 'list'>, TaskActions {
  readonly tasks = new Map<string, Task>();
  readonly reruns: Task[] = [];
  private readonly byKey = new Map<string, Task>();
  private actions = 0;
  private minted = 0;
  failAfter?: number;
  /** Makes rerun of these ids throw this error. */
  readonly refuse = new Map<string, Error>();

  add(...tasks: Task[]): this {
    for (const task of tasks) this.tasks.set(task.id, task);
    return this;
  }

  /** Newest first, like the listing indexes; the cursor is the position of the page's last task, so tasks that leave the listing shift nothing. */
  async list(query: ListQuery): Promise<Page<Task>> {
    const position = (t: Task) => `${t.created_at}#${t.id}`;
    const all = [...this.tasks.values()]
      .filter((t) => t.tenant === query.tenant)
      .filter((t) => (!query.status || t.status === query.status) && (!query.type || t.type === query.type))
      .filter((t) => !query.cursor || position(t) < query.cursor)
      .sort((a, b) => (position(a) < position(b) ? 1 : -1));
    const items = all.slice(0, query.limit);
    return {
      items: structuredClone(items),
      nextCursor: all.length > query.limit ? position(items.at(-1)!) : undefined,
    };
  }

  async get(tenant: string, id: string): Promise<Task> {
    const task = this.tasks.get(id);
    if (!task || task.tenant !== tenant) throw new NotFoundError(`No task with id "${id}".`);
    return structuredClone(task);
  }

  async cancel(tenant: string, id: string): Promise<{ task: Task; outcome: 'canceled' | 'requested' }> {
    const task = await this.get(tenant, id);
    if (isTerminal(task.status)) throw new ConflictError('task_finished', `Task "${id}" already ended.`);
    this.crashPoint();
    const updated: Task =
      task.status === 'running' ? { ...task, cancel_requested: true } : { ...task, status: 'canceled' };
    this.tasks.set(id, updated);
    return { task: updated, outcome: task.status === 'running' ? 'requested' : 'canceled' };
  }

  async rerun(input: {
    tenant: string;
    id: string;
    idempotencyKey: string;
  }): Promise<{ task: Task; replayed: boolean }> {
    const original = await this.get(input.tenant, input.id);
    const refusal = this.refuse.get(input.id);
    if (refusal) throw refusal;
    if (!isTerminal(original.status)) throw new ConflictError('task_not_finished', `Task "${input.id}" is running.`);
    const earlier = this.byKey.get(input.idempotencyKey);
    if (earlier) return { task: earlier, replayed: true };
    this.crashPoint();
    const task = taskItem({
      id: `01JNKC${String(++this.minted).padStart(20, '0')}`,
      tenant: input.tenant,
      type: original.type,
      payload: original.payload,
      rerun_of: original.id,
      // Made while the bulk task runs: after it was created.
      created_at: '2025-03-04T06:00:05.000Z',
    });
    this.byKey.set(input.idempotencyKey, task);
    this.reruns.push(task);
    this.tasks.set(task.id, task);
    return { task, replayed: false };
  }

  private crashPoint(): void {
    if (this.failAfter !== undefined && this.actions >= this.failAfter) throw new Error('worker crashed');
    this.actions++;
  }
}

/** `count` tasks of tenant acme with `status`, the newest a minute before the bulk task. */
function tasksWith(status: TaskStatus, count: number, overrides: Partial<Task> = {}, from = 1): Task[] {
  return Array.from({ length: count }, (_, i) =>
    taskItem({ id: idOf(from + i), status, created_at: minutesBefore(from + i), ...overrides }),
  );
}

/** The bulk task itself, running, and the context of one of its attempts over `store`. */
function bulkContext(store: FakeTasks, payload: unknown, overrides: Partial<TaskContext<unknown>> = {}) {
  store.add(taskItem({ id: BULK_ID, type: 'bulk', status: 'running', created_at: BULK_CREATED_AT, payload }));
  const ctx: TaskContext<unknown> = {
    ...noDurableSteps,
    taskId: BULK_ID,
    tenant: 'acme',
    payload: bulkType.payloadSchema.parse(payload),
    attempt: 1,
    maxAttempts: 3,
    progress: vi.fn(async () => undefined),
    signal: new AbortController().signal,
    log: silent,
    services: taskServices({ tasks: { list: (q) => store.list(q), createMany: vi.fn() }, manage: store }),
    ...overrides,
  };
  return ctx;
}

describe('bulk payload', () => {
  it.each([
    ['a filter by status', { action: 'cancel', filter: { status: 'pending' } }],
    [
      'a filter by type and window',
      {
        action: 'rerun',
        filter: { type: 'email', created_after: '2026-01-01T00:00:00+01:00', created_before: '2026-02-01T00:00:00Z' },
      },
    ],
    ['ids alone', { action: 'rerun', filter: { ids: [idOf(1)] } }],
    [
      `${BULK_MAX_TASKS} ids`,
      { action: 'cancel', filter: { ids: Array.from({ length: BULK_MAX_TASKS }, (_, i) => idOf(i)) } },
    ],
  ])('accepts %s', (_what, payload) => {
    // Act
    const parsed = bulkType.payloadSchema.safeParse(payload);

    // Assess
    expect(parsed.error?.issues).toBeUndefined();
  });

  it.each([
    [
      'an empty filter',
      { action: 'cancel', filter: {} },
      'filter',
      'give at least one of status, type, created_after, created_before or ids: an empty filter would act on every task',
    ],
    [
      'no filter',
      { action: 'cancel' },
      'filter',
      'required: an object with at least one of status, type, created_after, created_before or ids',
    ],
    [
      'an unknown action',
      { action: 'delete', filter: { status: 'pending' } },
      'action',
      'must be one of: cancel, rerun',
    ],
    [
      'a time without a zone',
      { action: 'cancel', filter: { created_after: '2026-01-01T00:00:00' } },
      'filter.created_after',
      'must be an RFC 3339 date-time with a time zone, e.g. 2026-12-01T18:00:00Z',
    ],
    [
      'a window that ends before it starts',
      { action: 'cancel', filter: { created_after: '2026-02-01T00:00:00Z', created_before: '2026-01-01T00:00:00Z' } },
      'filter.created_after',
      'must be before created_before',
    ],
    ['no ids', { action: 'cancel', filter: { ids: [] } }, 'filter.ids', `must list 1–${BULK_MAX_TASKS} task ids`],
    [
      'more ids than the cap',
      { action: 'cancel', filter: { ids: Array.from({ length: BULK_MAX_TASKS + 1 }, (_, i) => idOf(i)) } },
      'filter.ids',
      `must list 1–${BULK_MAX_TASKS} task ids`,
    ],
    [
      'an id no task can have',
      { action: 'cancel', filter: { ids: ['not an id'] } },
      'filter.ids.0',
      'must be a task id',
    ],
    [
      'an unknown type',
      { action: 'cancel', filter: { type: 'transcode' } },
      'filter.type',
      'must be one of: generic, email, export, import, bulk, workflow',
    ],
    [
      'a rerun of unfinished tasks',
      { action: 'rerun', filter: { status: 'running' } },
      'filter.status',
      'rerun acts on finished tasks: completed, failed, canceled or expired',
    ],
    [
      'a cancel of finished tasks',
      { action: 'cancel', filter: { status: 'failed' } },
      'filter.status',
      'cancel acts on unfinished tasks: scheduled, pending, running, retrying, sleeping or waiting',
    ],
    [
      'an unknown filter field',
      { action: 'cancel', filter: { status: 'pending', tenant: 'other' } },
      'filter.tenant',
      'unknown field; remove it',
    ],
  ])('refuses %s, naming the field', (_what, payload, field, rule) => {
    // Act
    const parsed = bulkType.payloadSchema.safeParse(payload);

    // Assess
    expect(parsed.success).toBe(false);
    expect(issuesToDetails(parsed.error!.issues, '')).toEqual([{ field, rule }]);
  });

  it('keeps each id once', () => {
    // Act
    const parsed = bulkType.payloadSchema.parse({ action: 'cancel', filter: { ids: [idOf(1), idOf(2), idOf(1)] } });

    // Assess
    expect(parsed).toEqual({ action: 'cancel', filter: { ids: [idOf(1), idOf(2)] } });
  });
});

describe('bulk task', () => {
  it('cancels waiting tasks, asks running ones to stop, and skips finished ones and itself', async () => {
    // Prepare
    const store = new FakeTasks().add(
      ...tasksWith('scheduled', 120),
      ...tasksWith('pending', 30, {}, 200),
      ...tasksWith('retrying', 5, {}, 300),
      ...tasksWith('running', 2, {}, 400),
      ...tasksWith('completed', 7, {}, 500),
    );
    const ctx = bulkContext(store, { action: 'cancel', filter: { type: 'generic' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 164, applied: 157, skipped: 7 });
    const statuses = [...store.tasks.values()].filter((t) => t.type === 'generic').map((t) => t.status);
    expect(statuses.filter((s) => s === 'canceled')).toHaveLength(155);
    expect([...store.tasks.values()].filter((t) => t.cancel_requested).map((t) => t.id)).toEqual([
      idOf(400),
      idOf(401),
    ]);
    expect(store.tasks.get(BULK_ID)).toMatchObject({ status: 'running' });
    expect(ctx.progress).toHaveBeenLastCalledWith(100, '164 matched: 157 applied, 7 skipped');
  });

  it('leaves its own task alone even when it matches the filter', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('running', 1));
    const ctx = bulkContext(store, { action: 'cancel', filter: { status: 'running' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 1, applied: 1, skipped: 0 });
    expect(store.tasks.get(BULK_ID)?.cancel_requested).toBeUndefined();
  });

  it('reruns each failed task once, with a key derived from the bulk task and the target', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 250), ...tasksWith('completed', 3, {}, 400));
    const rerun = vi.spyOn(store, 'rerun');
    const ctx = bulkContext(store, { action: 'rerun', filter: { status: 'failed' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 250, applied: 250, skipped: 0 });
    expect(new Set(store.reruns.map((t) => t.rerun_of)).size).toBe(250);
    expect(rerun).toHaveBeenCalledWith({ tenant: 'acme', id: idOf(1), idempotencyKey: bulkRerunKey(BULK_ID, idOf(1)) });
    expect(ctx.progress).toHaveBeenCalledTimes(Math.ceil(250 / BULK_PAGE_SIZE) + 1);
  });

  it('makes no second rerun of any task when an attempt dies half way and the next one starts over', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 150));
    store.failAfter = 60;
    const payload = { action: 'rerun', filter: { status: 'failed' } };
    const first = bulkContext(store, payload);
    const crashed = await bulkType.run(first).catch((error: unknown) => error);
    store.failAfter = undefined;

    // Act
    const result = await bulkType.run({ ...first, attempt: 2 });

    // Assess
    expect(crashed).toEqual(new Error('worker crashed'));
    expect(store.reruns).toHaveLength(150);
    expect(new Set(store.reruns.map((t) => t.rerun_of)).size).toBe(150);
    expect(result).toEqual({ matched: 150, applied: 150, skipped: 0 });
  });

  it('leaves tasks created after it alone: a retry meets none of the reruns it made, even failed ones', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 3));
    const ctx = bulkContext(store, { action: 'rerun', filter: { status: 'failed' } });
    await bulkType.run(ctx);
    for (const rerun of store.reruns) store.tasks.set(rerun.id, { ...rerun, status: 'failed' });

    // Act
    const again = await bulkType.run({ ...ctx, attempt: 2 });

    // Assess
    expect(again).toEqual({ matched: 3, applied: 3, skipped: 0 });
    expect(store.reruns).toHaveLength(3);
  });

  it('acts on exactly the ids given, narrowed by the other fields, and counts those that do not exist', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 5), ...tasksWith('completed', 2, {}, 10));
    const ctx = bulkContext(store, {
      action: 'rerun',
      filter: { status: 'failed', ids: [idOf(1), idOf(3), idOf(10), '01JNK8ZZZZZZZZZZZZZZZZZZZZ'] },
    });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 2, applied: 2, skipped: 0, not_found: 1 });
    expect(store.reruns.map((t) => t.rerun_of).sort()).toEqual([idOf(1), idOf(3)]);
  });

  it('skips an unfinished task among ids given for a rerun', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 1), ...tasksWith('running', 1, {}, 2));
    const ctx = bulkContext(store, { action: 'rerun', filter: { ids: [idOf(1), idOf(2)] } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 2, applied: 1, skipped: 1, not_found: 0 });
  });

  it('keeps to the time window, both bounds exclusive, whatever the offset they are written with', async () => {
    // Prepare: tasks 1 … 10 minutes before the bulk task, 05:50 … 05:59 UTC.
    const store = new FakeTasks().add(...tasksWith('pending', 10));
    const ctx = bulkContext(store, {
      action: 'cancel',
      filter: { created_after: '2025-03-04T06:52:00+01:00', created_before: '2025-03-04T05:57:00Z' },
    });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 4, applied: 4, skipped: 0 });
    expect([...store.tasks.values()].filter((t) => t.status === 'canceled').map((t) => t.created_at)).toEqual([
      '2025-03-04T05:56:00.000Z',
      '2025-03-04T05:55:00.000Z',
      '2025-03-04T05:54:00.000Z',
      '2025-03-04T05:53:00.000Z',
    ]);
  });

  it('completes with zeros when the window starts when the bulk task was created', async () => {
    // Prepare: a task created in the same millisecond as the bulk task, so the window is empty.
    const store = new FakeTasks().add(taskItem({ id: idOf(9), created_at: BULK_CREATED_AT }));
    const ctx = bulkContext(store, { action: 'cancel', filter: { created_after: BULK_CREATED_AT } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 0, applied: 0, skipped: 0 });
    // The runner refuses a progress that is not a finite number (an empty window must not divide by zero).
    expect(vi.mocked(ctx.progress).mock.calls.map(([percent]) => Number.isFinite(percent))).not.toContain(false);
  });

  it('completes with zeros when nothing matches', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('completed', 3));
    const ctx = bulkContext(store, { action: 'cancel', filter: { type: 'email' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 0, applied: 0, skipped: 0 });
    expect(ctx.progress).toHaveBeenLastCalledWith(100, '0 matched: 0 applied, 0 skipped');
  });

  it(`stops at ${BULK_MAX_TASKS} tasks and says so`, async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('pending', BULK_MAX_TASKS + 5));
    const ctx = bulkContext(store, { action: 'cancel', filter: { status: 'pending' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({
      matched: BULK_MAX_TASKS,
      applied: BULK_MAX_TASKS,
      skipped: 0,
      capped: true,
      cap: BULK_MAX_TASKS,
    });
    expect([...store.tasks.values()].filter((t) => t.status === 'pending')).toHaveLength(5);
  });

  it('does not say capped when exactly the cap matched', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('pending', BULK_MAX_TASKS));
    const ctx = bulkContext(store, { action: 'cancel', filter: { status: 'pending' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: BULK_MAX_TASKS, applied: BULK_MAX_TASKS, skipped: 0 });
    // Every one of the cap's tasks goes through the fakes: about a second alone, several on a loaded machine.
  }, 30_000);

  it.each([
    ['its payload is no longer valid', new ValidationError('The payload is not valid.'), 'skips it'],
    ['it vanished since it was listed', new NotFoundError('No task.'), 'skips it'],
  ])('%s: %s and goes on', async (_what, error) => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 3));
    store.refuse.set(idOf(2), error);
    const ctx = bulkContext(store, { action: 'rerun', filter: { status: 'failed' } });

    // Act
    const result = await bulkType.run(ctx);

    // Assess
    expect(result).toEqual({ matched: 3, applied: 2, skipped: 1 });
  });

  it('fails the attempt, to be retried, when the table or queue is unavailable', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('failed', 3));
    store.refuse.set(idOf(2), new ServiceUnavailableError('The task could not be queued.'));
    const ctx = bulkContext(store, { action: 'rerun', filter: { status: 'failed' } });

    // Act
    const error = await bulkType.run(ctx).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ServiceUnavailableError);
  });

  it('stops at the checkpoint after a page once it is canceled, keeping what it did', async () => {
    // Prepare
    const store = new FakeTasks().add(...tasksWith('pending', 250));
    const ctx = bulkContext(
      store,
      { action: 'cancel', filter: { status: 'pending' } },
      {
        progress: vi.fn(async () => {
          throw new TaskCanceledError();
        }),
      },
    );

    // Act
    const error = await bulkType.run(ctx).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(TaskCanceledError);
    expect([...store.tasks.values()].filter((t) => t.status === 'canceled')).toHaveLength(BULK_PAGE_SIZE);
  });
});
