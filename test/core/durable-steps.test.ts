import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type {
  Log,
  ResumeAttempt,
  StartAttempt,
  Suspension,
  TaskLifecycle,
  WriteResult,
} from '../../functions/core/ports';
import { canTransition } from '../../functions/core/state-machine';
import type { Task } from '../../functions/core/task';
import type { StepEntry } from '../../functions/core/task-steps';
import { defineTaskType, type TaskContext } from '../../functions/core/task-type';
import { runAttempt } from '../../functions/core/task-runner';
import { FIXED_NOW, taskItem, taskServices } from '../helpers/factories';
import { MemoryResultStore } from '../helpers/memory-result-store';
import { RESULT_FILES, type ResultRef, type ResultStore } from '../../functions/core/result-store';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** One task in memory, with the conditions of DynamoTaskStore's writes that the runner relies on. */
class FakeLifecycle implements TaskLifecycle {
  constructor(public task: Task) {}

  private write(ok: boolean, change: Partial<Task> = {}): Promise<WriteResult> {
    if (!ok) return Promise.resolve({ ok: false, current: structuredClone(this.task) });
    this.task = { ...this.task, ...change };
    return Promise.resolve({ ok: true, task: structuredClone(this.task) });
  }
  startAttempt(_t: string, _id: string, start: StartAttempt) {
    const ok = canTransition('start', this.task.status) && this.task.attempts < start.attempt;
    return this.write(ok, { status: 'running', attempts: start.attempt, steps: this.task.steps ?? {} });
  }
  saveStep(_t: string, _id: string, attempt: number, name: string, entry: StepEntry) {
    const ok = this.task.status === 'running' && this.task.attempts === attempt;
    return this.write(ok, { steps: { ...this.task.steps, [name]: entry } });
  }
  suspend(_t: string, _id: string, attempt: number, s: Suspension) {
    const ok = this.task.status === 'running' && this.task.attempts === attempt && !this.task.cancel_requested;
    return this.write(ok, {
      status: s.kind === 'sleep' ? 'sleeping' : 'waiting',
      wake_at: s.wakeAt,
      suspended_step: s.step,
      steps: { ...this.task.steps, [s.step]: s.entry },
    });
  }
  resume(_t: string, _id: string, r: ResumeAttempt) {
    const ok =
      canTransition('resume', this.task.status) &&
      this.task.attempts <= r.attempt &&
      (this.task.wake_at ?? '~') <= r.wakeUpTo;
    const steps = { ...this.task.steps };
    if (r.endsSleep) steps[r.endsSleep] = { ...steps[r.endsSleep]!, status: 'completed', ended_at: r.now };
    return this.write(ok, { status: 'running', attempts: r.attempt, wake_at: undefined, steps });
  }
  progress() {
    return this.write(true);
  }
  complete(_t: string, _id: string, attempt: number, result: unknown, _now: string, resultRef?: ResultRef) {
    return this.write(this.task.status === 'running' && this.task.attempts === attempt, {
      status: 'completed',
      ...(resultRef ? { result_ref: resultRef } : { result }),
    });
  }
  retry(_t: string, _id: string, attempt: number, error: Task['error']) {
    return this.write(this.task.status === 'running' && this.task.attempts === attempt, { status: 'retrying', error });
  }
  fail(_t: string, _id: string, _attempt: number | undefined, error: Task['error']) {
    return this.write(canTransition('fail', this.task.status), { status: 'failed', error });
  }
  cancelRunning() {
    return this.write(this.task.status === 'running', { status: 'canceled' });
  }
  cancelWaiting() {
    return this.write(canTransition('cancelWaiting', this.task.status), { status: 'canceled' });
  }
  expire() {
    return this.write(false);
  }
}

function setup(
  run: (ctx: TaskContext<unknown>) => Promise<unknown>,
  overrides: Partial<Task> = {},
  results?: ResultStore,
) {
  const store = new FakeLifecycle(taskItem({ id: 'T1', type: 'flow', payload: {}, max_attempts: 3, ...overrides }));
  let now = FIXED_NOW.getTime();
  const clock = { now: () => new Date(now) };
  const type = defineTaskType({
    name: 'flow',
    description: 'test double',
    payloadSchema: z.object({}),
    settings: {
      timeoutSeconds: 60,
      maxAttempts: 3,
      backoff: { baseSeconds: 1, capSeconds: 1 },
      batchSize: 1,
      maxConcurrency: 2,
      memoryMb: 256,
    },
    run,
  });
  const deliver = (attempt: number) =>
    runAttempt({ store, clock, log: silent, services: taskServices(), results, progressIntervalMs: 0 }, type, {
      message: { tenant: 'acme', task_id: 'T1' },
      attempt,
    });
  return { store, deliver, advance: (seconds: number) => (now += seconds * 1000) };
}

describe('ctx.step', () => {
  it('runs a step once: a retried attempt gets its stored result without running it again', async () => {
    // Prepare
    const charge = vi.fn(async () => ({ charge_id: 'ch_1' }));
    const { store, deliver } = setup(async (ctx) => {
      const charged = await ctx.step('charge', charge);
      await ctx.step('ship', async () => {
        if (ctx.attempt === 1) throw new Error('carrier down');
        return 'shipped';
      });
      return charged;
    });

    // Act
    const first = await deliver(1);
    const second = await deliver(2);

    // Assess
    expect(first.kind).toBe('retry');
    expect(second).toEqual({ kind: 'ack', reason: 'completed' });
    expect(charge).toHaveBeenCalledTimes(1);
    expect(store.task.result).toEqual({ charge_id: 'ch_1' });
    expect(store.task.steps?.charge).toMatchObject({ status: 'completed', attempts: 1, index: 0 });
    expect(store.task.steps?.ship).toMatchObject({ status: 'completed', attempts: 2, index: 1 });
  });

  it('fails the task permanently when a name is used twice in one run, naming it', async () => {
    // Prepare
    const { store, deliver } = setup(async (ctx) => {
      await ctx.step('a', async () => 1);
      await ctx.step('a', async () => 2);
    });

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'failed' });
    expect(store.task.error?.message).toMatch(/"a" is already used in this run/);
  });

  it('fails the task permanently when a step result is too large for the record and there is no result store', async () => {
    // Prepare
    const { store, deliver } = setup(async (ctx) => ctx.step('big', async () => 'x'.repeat(70_000)));

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'failed' });
    expect(store.task.error?.message).toMatch(/Step "big".*at most 65536 bytes/);
  });

  it('keeps a step result over the record limit in the result store and reads it back whole on a retry', async () => {
    // Prepare: a 200 KB step result, then a step that fails the first attempt.
    const results = new MemoryResultStore();
    const rows = Array.from({ length: 2000 }, (_, i) => ({ i, text: `row ${i} `.padEnd(90, '.') }));
    const load = vi.fn(async () => rows);
    const seen: unknown[] = [];
    const { store, deliver } = setup(
      async (ctx) => {
        const loaded = await ctx.step('load', load);
        seen.push(loaded);
        await ctx.step('flaky', async () => {
          if (ctx.attempt === 1) throw new Error('try again');
          return 'ok';
        });
        return { count: (loaded as unknown[]).length };
      },
      {},
      results,
    );

    // Act
    await deliver(1);
    const second = await deliver(2);

    // Assess
    expect(second).toEqual({ kind: 'ack', reason: 'completed' });
    expect(load).toHaveBeenCalledTimes(1);
    const entry = store.task.steps?.load;
    expect(entry?.result).toBeUndefined();
    expect(entry?.result_ref?.key).toMatch(/^results\/acme\/T1\/step-/);
    expect(entry?.result_bytes).toBe(JSON.stringify(rows).length);
    expect(results.objects.has(entry!.result_ref!.key)).toBe(true);
    expect(seen).toEqual([rows, rows]);
  });

  it('keeps a task result over the record limit in the result store, the record holding its key and size', async () => {
    // Prepare
    const results = new MemoryResultStore();
    const report = { lines: 'z'.repeat(300_000) };
    const { store, deliver } = setup(async () => report, {}, results);

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'completed' });
    expect(store.task.result).toBeUndefined();
    expect(store.task.result_ref).toEqual({
      key: expect.stringMatching(/^results\/acme\/T1\/result-/),
      bytes: 300_012,
    });
    expect(JSON.parse(results.objects.get(store.task.result_ref!.key)!)).toEqual(report);
  });

  it('fails the task permanently for a step result over the file limit, naming the step and the limit', async () => {
    // Prepare
    const results = new MemoryResultStore();
    const { store, deliver } = setup(
      async (ctx) => ctx.step('huge', async () => 'x'.repeat(RESULT_FILES.maxBytes)),
      {},
      results,
    );

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'failed' });
    expect(store.task.error?.message).toMatch(/Step "huge".*at most 10485760 bytes of JSON/);
    expect(results.objects.size).toBe(0);
  });
});

describe('ctx.sleep', () => {
  it('suspends with a delayed message for a short sleep, then resumes the same attempt from the top', async () => {
    // Prepare
    const before = vi.fn(async () => 'done');
    const { store, deliver, advance } = setup(async (ctx) => {
      await ctx.step('before', before);
      await ctx.sleep('nap', 30);
      return ctx.step('after', async () => 'after');
    });

    // Act
    const suspended = await deliver(1);
    const status = store.task.status;
    const early = await deliver(1);
    advance(30);
    const resumed = await deliver(1);

    // Assess
    expect(suspended).toEqual({ kind: 'defer', delaySeconds: 30 });
    expect(status).toBe('sleeping');
    expect(early).toEqual({ kind: 'defer', delaySeconds: 30 });
    expect(resumed).toEqual({ kind: 'ack', reason: 'completed' });
    expect(before).toHaveBeenCalledTimes(1);
    expect(store.task).toMatchObject({ status: 'completed', attempts: 1, result: 'after' });
    expect(store.task.steps?.nap).toMatchObject({ kind: 'sleep', status: 'completed' });
  });

  it('leaves the queue for a sleep beyond a queue message delay (the sweeper hands it back)', async () => {
    // Prepare
    const { store, deliver } = setup(async (ctx) => ctx.sleep('long', 86_400));

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'suspended' });
    expect(store.task.wake_at).toBe(new Date(FIXED_NOW.getTime() + 86_400_000).toISOString());
  });

  it('ends a task canceled while running at its sleep instead of suspending it', async () => {
    // Prepare
    const { store, deliver } = setup(async (ctx) => {
      store.task = { ...store.task, cancel_requested: true };
      await ctx.sleep('nap', 10);
    });

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'canceled' });
    expect(store.task.status).toBe('canceled');
  });
});

describe('ctx.waitForToken', () => {
  it('hands out one token per name across runs and returns the value it is completed with', async () => {
    // Prepare
    const tokens: string[] = [];
    const { store, deliver } = setup(async (ctx) => {
      tokens.push(await ctx.createToken('approval'));
      return ctx.waitForToken('approval', { timeoutSeconds: 60 });
    });

    // Act: wait, settle as the API does, then the resume delivery.
    const waiting = await deliver(1);
    const status = store.task.status;
    const entry = store.task.steps!.approval!;
    store.task = {
      ...store.task,
      wake_at: FIXED_NOW.toISOString(),
      steps: { approval: { ...entry, status: 'completed', result: { ok: true } } },
    };
    const resumed = await deliver(1);

    // Assess
    expect(waiting).toEqual({ kind: 'ack', reason: 'suspended' });
    expect(status).toBe('waiting');
    expect(entry).toMatchObject({ status: 'waiting', timeout_at: '2025-03-04T05:07:07.000Z' });
    expect(tokens[0]).toMatch(/^T1\.[A-Za-z0-9_-]{32}$/);
    expect(tokens).toEqual([tokens[0], tokens[0]]);
    expect(resumed).toEqual({ kind: 'ack', reason: 'completed' });
    expect(store.task.result).toEqual({ ok: true });
  });

  it('ignores a delivery for a waiting task whose token is not settled yet', async () => {
    // Prepare
    const { store, deliver } = setup(async (ctx) => {
      await ctx.createToken('t');
      return ctx.waitForToken('t', { timeoutSeconds: 60 });
    });
    await deliver(1);

    // Act
    const stray = await deliver(1);

    // Assess
    expect(stray).toEqual({ kind: 'ack', reason: 'duplicate' });
    expect(store.task.status).toBe('waiting');
  });
});
