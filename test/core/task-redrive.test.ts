import { describe, expect, it } from 'vitest';
import { NotFoundError, RateLimitedError, ServiceUnavailableError } from '../../functions/core/errors';
import type { Log } from '../../functions/core/ports';
import type { Task } from '../../functions/core/task';
import {
  type DeadLetter,
  redriveTaskDeadLetters,
  type TaskDeadLetters,
  type TaskRedriveDeps,
} from '../../functions/core/task-redrive';
import type { RerunInput } from '../../functions/core/task-service';
import { FIXED_NOW, taskItem } from '../helpers/factories';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A DLQ as SQS keeps one: received messages are hidden until deleted or released. */
class FakeDeadLetters implements TaskDeadLetters {
  readonly messages = new Map<string, { body: string; hidden: boolean }>();
  receives = 0;

  add(id: string, body: unknown): void {
    this.messages.set(id, { body: typeof body === 'string' ? body : JSON.stringify(body), hidden: false });
  }
  async depth(): Promise<number> {
    return this.messages.size;
  }
  async receive(): Promise<DeadLetter[]> {
    this.receives++;
    const visible = [...this.messages].filter(([, m]) => !m.hidden).slice(0, 10);
    for (const [, m] of visible) m.hidden = true;
    return visible.map(([id, m]) => ({ messageId: id, body: m.body, receiptHandle: `rh-${id}` }));
  }
  async delete(_type: string, handle: string): Promise<void> {
    this.messages.delete(handle.slice(3));
  }
  async release(_type: string, handle: string): Promise<void> {
    const m = this.messages.get(handle.slice(3));
    if (m) m.hidden = false;
  }
}

/** TaskService's get and rerun over a map, keeping reruns by Idempotency-Key as the service does. */
function fakeTasks(tasks: Task[], failRerun: (input: RerunInput) => Error | undefined = () => undefined) {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const byKey = new Map<string, Task>();
  const reruns: RerunInput[] = [];
  return {
    reruns,
    byKey,
    async get(tenant: string, id: string) {
      const task = byId.get(id);
      if (!task || task.tenant !== tenant) throw new NotFoundError(`No task "${id}".`);
      return task;
    },
    async rerun(input: RerunInput) {
      reruns.push(input);
      const error = failRerun(input);
      if (error) throw error;
      const existing = input.idempotencyKey && byKey.get(input.idempotencyKey);
      if (existing) return { task: existing, replayed: true };
      const task = taskItem({ id: `rerun-${reruns.length}`, tenant: input.tenant, rerun_of: input.id });
      if (input.idempotencyKey) byKey.set(input.idempotencyKey, task);
      return { task, replayed: false };
    },
  };
}

function deps(deadLetters: TaskDeadLetters, tasks: TaskRedriveDeps['tasks']): TaskRedriveDeps {
  return { deadLetters, tasks, log: silent, clock: { now: () => FIXED_NOW } };
}

const failed = (id: string, tenant = 'acme') => taskItem({ id, tenant, status: 'failed' });

describe('redriveTaskDeadLetters', () => {
  it("reruns the tenant's dead-lettered tasks, deletes their messages, and releases what is not its to move", async () => {
    // Prepare
    const dlq = new FakeDeadLetters();
    dlq.add('m1', { tenant: 'acme', task_id: 't1' });
    dlq.add('m2', { tenant: 'acme', task_id: 't2' });
    dlq.add('m3', { tenant: 'globex', task_id: 'g1' });
    dlq.add('m4', { tenant: 'acme', task_id: 'still-running' });
    dlq.add('m5', 'not json');
    dlq.add('m6', { tenant: 'acme', task_id: 'gone' });
    const tasks = fakeTasks([
      failed('t1'),
      failed('t2'),
      failed('g1', 'globex'),
      taskItem({ id: 'still-running', tenant: 'acme', status: 'running' }),
    ]);

    // Act
    const report = await redriveTaskDeadLetters(deps(dlq, tasks), 'acme', 'generic');

    // Assess
    expect(report).toEqual({
      type: 'generic',
      moved: 2,
      task_ids: ['rerun-1', 'rerun-2'],
      dropped: 2,
      left: 2,
      more: false,
    });
    expect(tasks.reruns.map((r) => [r.id, r.idempotencyKey])).toEqual([
      ['t1', 'dlq-redrive m1'],
      ['t2', 'dlq-redrive m2'],
    ]);
    expect([...dlq.messages.keys()]).toEqual(['m3', 'm4']);
    expect([...dlq.messages.values()].every((m) => !m.hidden)).toBe(true);
  });

  it('reruns each message once when a redrive that failed half-way is run again', async () => {
    // Prepare
    const dlq = new FakeDeadLetters();
    dlq.add('m1', { tenant: 'acme', task_id: 't1' });
    dlq.add('m2', { tenant: 'acme', task_id: 't2' });
    let outage = true;
    // t2's rerun is written, then the call fails before the message is deleted (as a timeout after the write would).
    const tasks = fakeTasks([failed('t1'), failed('t2')]);
    const flaky: TaskRedriveDeps['tasks'] = {
      get: tasks.get,
      rerun: async (input) => {
        const outcome = await tasks.rerun(input);
        if (outage && input.id === 't2') throw new ServiceUnavailableError('table throttled');
        return outcome;
      },
    };

    // Act
    const first = redriveTaskDeadLetters(deps(dlq, flaky), 'acme', 'generic');
    await expect(first).rejects.toThrow(ServiceUnavailableError);
    outage = false;
    const second = await redriveTaskDeadLetters(deps(dlq, flaky), 'acme', 'generic');

    // Assess
    expect(second).toMatchObject({ moved: 1, more: false });
    expect(tasks.byKey.size).toBe(2);
    expect(dlq.messages.size).toBe(0);
  });

  it('stops at the tenant rate limit with more: true, leaving the rest visible in the DLQ', async () => {
    // Prepare
    const dlq = new FakeDeadLetters();
    for (const i of [1, 2, 3]) dlq.add(`m${i}`, { tenant: 'acme', task_id: `t${i}` });
    const tasks = fakeTasks([failed('t1'), failed('t2'), failed('t3')], (input) =>
      input.id === 't1' ? undefined : new RateLimitedError(1),
    );

    // Act
    const report = await redriveTaskDeadLetters(deps(dlq, tasks), 'acme', 'generic');

    // Assess
    expect(report).toMatchObject({ moved: 1, more: true });
    expect([...dlq.messages.keys()]).toEqual(['m2', 'm3']);
    expect([...dlq.messages.values()].every((m) => !m.hidden)).toBe(true);
  });

  it('stops after its message limit and says there may be more', async () => {
    // Prepare
    const dlq = new FakeDeadLetters();
    const ids = Array.from({ length: 25 }, (_, i) => `t${i}`);
    for (const id of ids) dlq.add(`m-${id}`, { tenant: 'acme', task_id: id });
    const tasks = fakeTasks(ids.map((id) => failed(id)));

    // Act
    const report = await redriveTaskDeadLetters(deps(dlq, tasks), 'acme', 'generic', {
      maxMessages: 10,
      budgetMs: 60_000,
    });

    // Assess
    expect(report).toMatchObject({ moved: 10, more: true });
    expect(dlq.messages.size).toBe(15);
  });

  it('answers at once with zeros for an empty DLQ', async () => {
    // Prepare
    const dlq = new FakeDeadLetters();

    // Act
    const report = await redriveTaskDeadLetters(deps(dlq, fakeTasks([])), 'acme', 'generic');

    // Assess
    expect(report).toEqual({ type: 'generic', moved: 0, task_ids: [], dropped: 0, left: 0, more: false });
    expect(dlq.receives).toBe(1);
  });
});
