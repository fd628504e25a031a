import { describe, expect, it } from 'vitest';
import type { Log, SweepStore, TaskCatalog, TaskLifecycle, TaskMessage, WriteResult } from '../../functions/core/ports';
import { sweep, type SweeperDeps } from '../../functions/core/sweeper';
import { isTerminal, type Task } from '../../functions/core/task';
import { generic } from '../../functions/task-types/generic';
import type { WebhookMessage } from '../../functions/webhooks/event';
import { NotifyingTaskStore } from '../../functions/webhooks/notifying-task-store';
import { queuedWebhooks } from '../../functions/webhooks/webhook-sender';
import { FIXED_NOW, taskItem } from '../helpers/factories';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const _NOW = FIXED_NOW.toISOString();
const at = (seconds: number) => new Date(FIXED_NOW.getTime() + seconds * 1000).toISOString();

/**
 * The sweep side of the task store, in memory, with the DynamoDB adapter's semantics: each sweep
 * index lists its entries oldest first, a page at a time, continuing behind the previous page's last
 * entry as listed; claims and fails are conditional. Every task sits in shard 0, so one shard holds
 * several pages.
 */
function sweepStore(tasks: Task[], webhookQueue: { send(message: WebhookMessage): Promise<void> }) {
  const unused = (name: string) => () => Promise.reject(new Error(`the sweeper does not ${name}`));
  const byId = new Map(tasks.map((t) => [t.id, { ...t }]));
  const position = (time: string | undefined, id: string) => `${time}|${id}`;
  const page = (time: (t: Task) => string | undefined, shard: number, now: string, limit: number, after?: Task) =>
    shard !== 0
      ? []
      : [...byId.values()]
          .filter(
            (t) =>
              time(t) !== undefined &&
              time(t)! <= now &&
              (!after || position(time(t), t.id) > position(time(after), after.id)),
          )
          .sort((a, b) => position(time(a), a.id).localeCompare(position(time(b), b.id)))
          .slice(0, limit)
          .map((t) => ({ ...t }));
  const write = (id: string, allowed: boolean, change: Partial<Task>): WriteResult => {
    const task = byId.get(id);
    if (!task || !allowed) return { ok: false, current: task && { ...task } };
    Object.assign(task, change);
    return { ok: true, task: { ...task } };
  };
  const lifecycle: Partial<TaskCatalog & TaskLifecycle> = {
    fail: async (_tenant, id, attempt, error, now) =>
      write(id, byId.get(id)?.attempts === attempt && !isTerminal(byId.get(id)!.status), {
        status: 'failed',
        error,
        ended_at: now,
        sweep_at: undefined,
        webhook_sweep_at: at(300),
      }),
    complete: unused('complete'),
    cancelRunning: unused('cancelRunning'),
    cancelWaiting: unused('cancelWaiting'),
    expire: async (_tenant, id, now) => {
      const task = byId.get(id);
      const allowed =
        !!task &&
        ['scheduled', 'pending'].includes(task.status) &&
        task.attempts === 0 &&
        !!task.start_by &&
        task.start_by < now;
      return write(id, allowed, { status: 'expired', ended_at: now, sweep_at: undefined, webhook_sweep_at: at(300) });
    },
  };
  // As every function wires it (shared/task-store.ts): the sweeper fails a task through the lifecycle with the webhook step.
  const notifying = new NotifyingTaskStore(
    lifecycle as TaskCatalog & TaskLifecycle,
    queuedWebhooks(webhookQueue),
    silent,
  );
  const store: SweepStore = {
    fail: (...args) => notifying.fail(...args),
    expire: (...args) => notifying.expire(...args),
    get: async (_tenant, id) => {
      const task = byId.get(id);
      return task && { ...task };
    },
    listDueForSweep: async (shard, now, limit, after) => page((t) => t.sweep_at, shard, now, limit, after),
    listWebhooksDue: async (shard, now, limit, after) =>
      page((t) => (t.webhook?.status === 'pending' ? t.webhook_sweep_at : undefined), shard, now, limit, after),
    claimSweep: async (_tenant, id, expected, next) =>
      write(id, byId.get(id)?.sweep_at === expected && !isTerminal(byId.get(id)!.status), { sweep_at: next }),
    claimWebhookSweep: async (_tenant, id, expected, next) =>
      write(id, byId.get(id)?.webhook_sweep_at === expected, { webhook_sweep_at: next }),
  };
  return { store, get: (id: string) => byId.get(id)! };
}

function setup(tasks: Task[]) {
  const sent: TaskMessage[] = [];
  const delays: (number | undefined)[] = [];
  const webhooks: WebhookMessage[] = [];
  const webhookQueue = { send: async (message: WebhookMessage) => void webhooks.push(message) };
  const { store, get } = sweepStore(tasks, webhookQueue);
  const deps: SweeperDeps = {
    store,
    queue: {
      send: async (_type, message, options) => {
        sent.push(message);
        delays.push(options?.delaySeconds);
      },
      sendMany: async () => undefined,
    },
    clock: { now: () => FIXED_NOW },
    log: silent,
    findType: (name) => (name === 'generic' ? generic : undefined),
    webhookQueue,
  };
  return { deps, sent, delays, webhooks, get };
}

/** `count` running tasks on their first attempt, their sweep times spread from an hour ago to a year ahead. */
const runningTasks = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    taskItem({
      id: `01JNK8Z6S4Y5Q3W2E1R0T9${String(i).padStart(4, '0')}`,
      status: 'running',
      attempts: 1,
      sweep_at: at(-3_600 + i * 120_000),
    }),
  );

describe('sweep', () => {
  it('with everything due, re-drives every active task of a shard once, across pages and however far off its sweep time', async () => {
    // Prepare: 250 tasks, more than two pages of one shard.
    const tasks = runningTasks(250);
    const { deps, sent, get } = setup(tasks);

    // Act
    const report = await sweep(deps, { everythingDue: true });

    // Assess: each re-driven once, continuing its attempt count, and watched again from now on.
    expect(report).toEqual({
      due: 250,
      reenqueued: 250,
      handedOff: 0,
      expired: 0,
      failed: 0,
      skipped: 0,
      webhooksResent: 0,
      tokensTimedOut: 0,
      childWaitsTimedOut: 0,
    });
    expect(sent.toSorted((a, b) => a.task_id.localeCompare(b.task_id))).toEqual(
      tasks.map((t) => ({ tenant: 'acme', task_id: t.id, attempt_base: 1 })),
    );
    expect(new Set(tasks.map((t) => get(t.id).sweep_at))).toEqual(new Set([at(generic.settings.timeoutSeconds + 90)]));
  });

  it('on schedule, takes one page per shard of what is due and leaves the rest for the next run', async () => {
    // Prepare: 250 tasks whose time has come, and one whose time has not.
    const later = taskItem({ id: '01JNK8Z6S4Y5Q3W2E1R0T9LATE', status: 'running', attempts: 1, sweep_at: at(60) });
    const due = runningTasks(250).map((t) => ({ ...t, sweep_at: at(-1) }));
    const { deps, sent } = setup([...due, later]);

    // Act
    const report = await sweep(deps);

    // Assess
    expect(report.reenqueued).toBe(100);
    expect(sent.map((m) => m.task_id)).not.toContain(later.id);
  });

  it('with everything due, fails a task whose lost attempt was its last, queues its webhook once, and re-sends webhooks already owed', async () => {
    // Prepare: one task on its final attempt, one finished task whose webhook message was lost.
    const last = taskItem({
      id: '01JNK8Z6S4Y5Q3W2E1R0T9LAST',
      status: 'running',
      attempts: 5,
      max_attempts: 5,
      sweep_at: at(900),
      webhook_url: 'https://example.com/hook',
      webhook: { status: 'pending', attempts: 0 },
    });
    const owed = taskItem({
      id: '01JNK8Z6S4Y5Q3W2E1R0T9OWED',
      status: 'completed',
      attempts: 1,
      webhook_url: 'https://example.com/hook',
      webhook: { status: 'pending', attempts: 0 },
      webhook_sweep_at: at(200),
    });
    const { deps, sent, webhooks, get } = setup([last, owed]);

    // Act
    const report = await sweep(deps, { everythingDue: true });

    // Assess
    expect(report).toMatchObject({ failed: 1, webhooksResent: 1 });
    expect(get(last.id)).toMatchObject({ status: 'failed', attempts: 5, error: { name: 'AttemptLost' } });
    expect(sent).toEqual([]);
    expect(webhooks.toSorted((a, b) => a.task_id.localeCompare(b.task_id))).toEqual([
      { tenant: 'acme', task_id: last.id, event: 'task.failed' },
      { tenant: 'acme', task_id: owed.id, event: 'task.completed' },
    ]);
  });
});

describe('sweep of delayed and expiring tasks', () => {
  const scheduled = (id: string, runInSeconds: number, extra: Partial<Task> = {}) =>
    taskItem({
      id,
      status: 'scheduled',
      attempts: 0,
      run_at: at(runInSeconds),
      // Due for the hand-off: 15 minutes before it runs.
      sweep_at: at(runInSeconds - 900),
      ...extra,
    });

  it('hands a delayed task to its queue with the remaining delay once its run time is within 15 minutes, and watches it after', async () => {
    // Prepare: due in 14 minutes (its hand-off time passed a minute ago).
    const task = scheduled('01JNK8Z6S4Y5Q3W2E1R0T9DLY1', 840);
    const { deps, sent, delays, get } = setup([task]);

    // Act
    const report = await sweep(deps);

    // Assess: one message, delayed to the second it runs; the task stays scheduled, watched a grace period after it.
    expect(report).toMatchObject({ due: 1, handedOff: 1, reenqueued: 0 });
    expect(sent).toEqual([{ tenant: 'acme', task_id: task.id }]);
    expect(delays).toEqual([840]);
    expect(get(task.id)).toMatchObject({ status: 'scheduled', sweep_at: at(840 + 300) });
  });

  it('leaves a delayed task further ahead than a message can wait, even when everything is due', async () => {
    // Prepare: due in a day.
    const task = scheduled('01JNK8Z6S4Y5Q3W2E1R0T9DLY2', 86_400);
    const { deps, sent, get } = setup([task]);

    // Act
    const report = await sweep(deps, { everythingDue: true });

    // Assess
    expect(report).toMatchObject({ due: 1, handedOff: 0, skipped: 1 });
    expect(sent).toEqual([]);
    expect(get(task.id).sweep_at).toBe(task.sweep_at);
  });

  it('re-sends, without delay, a delayed task whose run time passed while its message was lost', async () => {
    // Prepare: ran due 10 minutes ago, still scheduled, its watch time passed.
    const task = scheduled('01JNK8Z6S4Y5Q3W2E1R0T9DLY3', -600, { sweep_at: at(-1) });
    const { deps, sent, delays } = setup([task]);

    // Act
    const report = await sweep(deps);

    // Assess
    expect(report).toMatchObject({ reenqueued: 1 });
    expect(sent).toEqual([{ tenant: 'acme', task_id: task.id }]);
    expect(delays).toEqual([undefined]);
  });

  it('expires a task not started by its start_by, with its webhook, and sends it no message', async () => {
    // Prepare: pending, message lost, start_by passed.
    const task = taskItem({
      id: '01JNK8Z6S4Y5Q3W2E1R0T9EXP1',
      status: 'pending',
      attempts: 0,
      start_by: at(-30),
      sweep_at: at(-1),
      webhook_url: 'https://hooks.example.com/t',
      webhook: { status: 'pending', attempts: 0 },
    });
    const { deps, sent, webhooks, get } = setup([task]);

    // Act
    const report = await sweep(deps);

    // Assess
    expect(report).toMatchObject({ expired: 1, reenqueued: 0 });
    expect(get(task.id).status).toBe('expired');
    expect(sent).toEqual([]);
    expect(webhooks).toEqual([{ tenant: 'acme', task_id: task.id, event: 'task.expired' }]);
  });
});
