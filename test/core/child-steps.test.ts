import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordChildEnd, sweepChildrenWait } from '../../functions/core/child-fan-in';
import { ChildTaskCreator } from '../../functions/core/child-tasks';
import { childTaskId } from '../../functions/core/ids';
import type {
  ChildEnd,
  ChildRecords,
  Log,
  ResumeAttempt,
  StartAttempt,
  Suspension,
  TaskLifecycle,
  TaskMessage,
  TaskQueue,
  WriteResult,
} from '../../functions/core/ports';
import { canTransition } from '../../functions/core/state-machine';
import { isTerminal, type Task } from '../../functions/core/task';
import { runAttempt } from '../../functions/core/task-runner';
import type { ChildOutcome, StepEntry } from '../../functions/core/task-steps';
import { defineTaskType, type TaskContext } from '../../functions/core/task-type';
import { taskTypeLookup } from '../../functions/core/task-types';
import { FIXED_NOW, taskItem, taskServices } from '../helpers/factories';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const settings = {
  timeoutSeconds: 60,
  maxAttempts: 3,
  backoff: { baseSeconds: 1, capSeconds: 1 },
  batchSize: 1,
  maxConcurrency: 2,
  memoryMb: 256,
};
const leaf = defineTaskType({
  name: 'leaf',
  description: 'a child',
  payloadSchema: z.object({ n: z.number() }).strict(),
  settings,
  run: async () => null,
});

/**
 * Tasks in memory, with the conditions of the DynamoDB writes the journal and the fan-in rely on.
 * Each write applies at once and returns the record after it, as DynamoDB's ALL_NEW does.
 */
class World implements TaskLifecycle, ChildRecords {
  readonly tasks = new Map<string, Task>();
  readonly sent: { type: string; message: TaskMessage }[] = [];
  readonly queue: TaskQueue = {
    send: async (type, message) => void this.sent.push({ type, message }),
    sendMany: async () => undefined,
  };

  task(id: string): Task {
    return this.tasks.get(id)!;
  }
  private write(id: string, ok: boolean, change: (t: Task) => Partial<Task> = () => ({})): Promise<WriteResult> {
    const task = this.tasks.get(id);
    if (!task || !ok) return Promise.resolve({ ok: false, current: task && structuredClone(task) });
    this.tasks.set(id, { ...task, ...change(task) });
    return Promise.resolve({ ok: true, task: structuredClone(this.tasks.get(id)!) });
  }
  private running(id: string, attempt: number) {
    return this.task(id).status === 'running' && this.task(id).attempts === attempt;
  }
  async get(_tenant: string, id: string) {
    const task = this.tasks.get(id);
    return task && structuredClone(task);
  }
  async create(task: Task): Promise<WriteResult> {
    if (this.tasks.has(task.id)) return { ok: false, current: this.tasks.get(task.id) };
    this.tasks.set(task.id, task);
    return { ok: true, task };
  }
  startAttempt(_t: string, id: string, start: StartAttempt) {
    const ok = canTransition('start', this.task(id).status) && this.task(id).attempts < start.attempt;
    return this.write(id, ok, (t) => ({ status: 'running', attempts: start.attempt, steps: t.steps ?? {} }));
  }
  saveStep(_t: string, id: string, attempt: number, name: string, entry: StepEntry) {
    return this.write(id, this.running(id, attempt), (t) => ({ steps: { ...t.steps, [name]: entry } }));
  }
  suspend(_t: string, id: string, attempt: number, s: Suspension) {
    const ok = this.running(id, attempt) && !this.task(id).cancel_requested;
    return this.write(id, ok, (t) => ({
      status: s.kind === 'sleep' ? 'sleeping' : 'waiting',
      wake_at: s.wakeAt,
      sweep_at: s.sweepAt,
      suspended_step: s.step,
      steps: { ...t.steps, [s.step]: s.entry },
    }));
  }
  resume(_t: string, id: string, r: ResumeAttempt) {
    const task = this.task(id);
    const ok =
      canTransition('resume', task.status) && task.attempts <= r.attempt && (task.wake_at ?? '~') <= r.wakeUpTo;
    return this.write(id, ok, () => ({ status: 'running', attempts: r.attempt, wake_at: undefined }));
  }
  progress(_t: string, id: string) {
    return this.write(id, true);
  }
  complete(_t: string, id: string, attempt: number, result: unknown) {
    return this.write(id, this.running(id, attempt), () => ({ status: 'completed', result }));
  }
  retry(_t: string, id: string, attempt: number, error: Task['error']) {
    return this.write(id, this.running(id, attempt), () => ({ status: 'retrying', error }));
  }
  fail(_t: string, id: string, _a: number | undefined, error: Task['error']) {
    return this.write(id, canTransition('fail', this.task(id).status), () => ({ status: 'failed', error }));
  }
  cancelRunning(_t: string, id: string) {
    return this.write(id, this.task(id).status === 'running', () => ({ status: 'canceled' }));
  }
  cancelWaiting(_t: string, id: string) {
    return this.write(id, canTransition('cancelWaiting', this.task(id).status), () => ({ status: 'canceled' }));
  }
  expire(_t: string, id: string) {
    return this.write(id, false);
  }
  markChildEnded(_t: string, parentId: string, step: string, childId: string, end: ChildEnd) {
    const entry = this.tasks.get(parentId)?.steps?.[step];
    const ok = entry?.task_id === childId && entry.status === 'running';
    return this.write(parentId, ok, (t) => ({ steps: { ...t.steps, [step]: { ...entry!, ...end } } }));
  }
  wakeWaiting(_t: string, id: string, step: string, sweepAt: string, now: string) {
    const task = this.task(id);
    const ok = task.status === 'waiting' && task.suspended_step === step && !task.wake_at;
    return this.write(id, ok, () => ({ wake_at: now, sweep_at: sweepAt }));
  }
  timeOutWait(_t: string, id: string, step: string, sweepAt: string, now: string) {
    const task = this.task(id);
    const entry = task.steps?.[step];
    const ok =
      task.status === 'waiting' && task.suspended_step === step && !task.wake_at && entry?.status === 'waiting';
    return this.write(id, ok, (t) => ({
      wake_at: now,
      sweep_at: sweepAt,
      steps: { ...t.steps, [step]: { ...entry!, status: 'timed_out', ended_at: now } },
    }));
  }
  /** A child's terminal write, and the fan-in that follows it (as NotifyingTaskStore runs it). */
  async endChild(id: string, status: 'completed' | 'failed', at: string) {
    const child = { ...this.task(id), status, ended_at: at, ...(status === 'completed' ? { result: { id } } : {}) };
    if (status === 'failed') child.error = { name: 'Boom', message: `${id} failed` };
    this.tasks.set(id, child);
    await recordChildEnd({ records: this, queue: this.queue, log: silent }, child, at);
  }
}

function setup(run: (ctx: TaskContext<unknown>) => Promise<unknown>) {
  const world = new World();
  world.tasks.set('P', taskItem({ id: 'P', type: 'flow', payload: {}, max_attempts: 3 }));
  let now = FIXED_NOW.getTime();
  const clock = { now: () => new Date(now) };
  const children = new ChildTaskCreator({
    store: world,
    records: world,
    types: taskTypeLookup([leaf]),
    queue: world.queue,
    clock,
    checkWebhookUrl: () => undefined,
  });
  const type = defineTaskType({ name: 'flow', description: 'parent', payloadSchema: z.object({}), settings, run });
  const deliver = (attempt: number) =>
    runAttempt(
      { store: world, clock, log: silent, services: taskServices({ children }), progressIntervalMs: 0 },
      type,
      {
        message: { tenant: 'acme', task_id: 'P' },
        attempt,
      },
    );
  const childId = (name: string) => childTaskId('acme', 'P', name);
  return { world, deliver, childId, at: () => clock.now().toISOString(), advance: (s: number) => (now += s * 1000) };
}

/** Spawns `n` leaf children and returns what waiting for them all gives. */
const fanOut = (n: number, timeoutSeconds?: number) => async (ctx: TaskContext<unknown>) => {
  for (let i = 1; i <= n; i++) await ctx.spawn(`c${i}`, 'leaf', { n: i });
  return ctx.waitForChildren('all', { timeoutSeconds });
};

describe('ctx.spawn', () => {
  it('creates each child once, with parent_id and a derived id, its step written before the child', async () => {
    // Prepare
    const { world, deliver, childId } = setup(async (ctx) => {
      await ctx.spawn('c1', 'leaf', { n: 1 });
      await ctx.step('flaky', async () => {
        if (ctx.attempt === 1) throw new Error('flaky');
        return null;
      });
      return 'done';
    });

    // Act
    const first = await deliver(1);
    const second = await deliver(2);

    // Assess
    expect(first.kind).toBe('retry');
    expect(second).toEqual({ kind: 'ack', reason: 'completed' });
    expect([...world.tasks.values()].filter((t) => t.parent_id === 'P')).toHaveLength(1);
    expect(world.task(childId('c1'))).toMatchObject({
      type: 'leaf',
      parent_id: 'P',
      parent_step: 'c1',
      payload: { n: 1 },
    });
    expect(world.task('P').steps?.c1).toMatchObject({
      kind: 'child',
      status: 'running',
      task_id: childId('c1'),
      index: 0,
    });
    expect(world.sent.filter((s) => s.type === 'leaf')).toHaveLength(2);
  });

  it('fails the parent permanently for a payload the child type refuses, spawning nothing', async () => {
    // Prepare
    const { world, deliver } = setup(async (ctx) => ctx.spawn('bad', 'leaf', { n: 'one' }));

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'failed' });
    expect(world.task('P').error?.message).toMatch(
      /ctx\.spawn\("bad"\): the payload is not valid for "leaf".*payload\.n/,
    );
    expect(world.task('P').steps?.bad).toBeUndefined();
    expect(world.tasks.size).toBe(1);
  });
});

describe('ctx.waitForChildren', () => {
  it('suspends while children run; only the last end wakes the parent, once, and the outcomes come back', async () => {
    // Prepare
    const { world, deliver, childId, at } = setup(fanOut(3));
    const suspended = await deliver(1);
    const waiting = structuredClone(world.task('P'));

    // Act: two children end at once (no wake yet), then the last one ends together with a second
    // report of every end.
    const flowSends = () => world.sent.filter((s) => s.type === 'flow');
    const report = (c: string) =>
      recordChildEnd({ records: world, queue: world.queue, log: silent }, world.task(childId(c)), at());
    await Promise.all([
      world.endChild(childId('c1'), 'completed', at()),
      world.endChild(childId('c2'), 'failed', at()),
    ]);
    const beforeLast = flowSends().length;
    await Promise.all([world.endChild(childId('c3'), 'completed', at()), report('c1'), report('c2'), report('c3')]);
    const wakes = flowSends();
    const resumed = await deliver(1);
    const duplicate = await deliver(1);

    // Assess
    expect(suspended).toEqual({ kind: 'ack', reason: 'suspended' });
    expect(waiting).toMatchObject({ status: 'waiting', suspended_step: 'waitForChildren#1' });
    expect(waiting.steps?.['waitForChildren#1']).toMatchObject({
      kind: 'children',
      status: 'waiting',
      children: ['c1', 'c2', 'c3'],
    });
    expect(beforeLast).toBe(0);
    expect(wakes).toEqual([{ type: 'flow', message: { tenant: 'acme', task_id: 'P', attempt_base: 0 } }]);
    expect(resumed).toEqual({ kind: 'ack', reason: 'completed' });
    expect(duplicate).toEqual({ kind: 'ack', reason: 'duplicate' });
    expect(world.task('P').result).toEqual<ChildOutcome[]>([
      { name: 'c1', task_id: childId('c1'), status: 'completed', result: { id: childId('c1') } },
      {
        name: 'c2',
        task_id: childId('c2'),
        status: 'failed',
        error: { name: 'Boom', message: `${childId('c2')} failed` },
      },
      { name: 'c3', task_id: childId('c3'), status: 'completed', result: { id: childId('c3') } },
    ]);
    expect(world.task('P').steps?.['waitForChildren#1']).toMatchObject({ status: 'completed' });
  });

  it('wakes itself when its children all ended before it suspended (their ends found it running)', async () => {
    // Prepare: children end while the parent is still running, between the spawns and the wait.
    const { world, childId, at, deliver } = setup(async (ctx) => {
      await ctx.spawn('c1', 'leaf', { n: 1 });
      await ctx.step('meanwhile', async () => world.endChild(childId('c1'), 'completed', at()).then(() => null));
      return ctx.waitForChildren(['c1']);
    });

    // Act
    const first = await deliver(1);
    const resumed = await deliver(1);

    // Assess: its own message comes back at once, the same attempt.
    expect(first).toEqual({ kind: 'defer', delaySeconds: 0 });
    expect(world.sent.filter((s) => s.type === 'flow')).toEqual([]);
    expect(resumed).toEqual({ kind: 'ack', reason: 'completed' });
    expect(world.task('P')).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('reads the stored outcomes on a later run, without reading the children again', async () => {
    // Prepare
    const { world, deliver, childId, at } = setup(async (ctx) => {
      const outcomes = await ctx.waitForChildren(['c1']);
      await ctx.step('after', async () => {
        if (ctx.attempt === 1) throw new Error('after fails once');
        return null;
      });
      return outcomes;
    });
    world.tasks.set('P', {
      ...world.task('P'),
      steps: {
        c1: { kind: 'child', index: 0, status: 'completed', attempts: 1, started_at: at(), task_id: childId('c1') },
      },
    });
    world.tasks.set(childId('c1'), taskItem({ id: childId('c1'), status: 'completed', result: 'r1', parent_id: 'P' }));

    // Act
    await deliver(1);
    world.tasks.delete(childId('c1'));
    const second = await deliver(2);

    // Assess
    expect(second).toEqual({ kind: 'ack', reason: 'completed' });
    expect(world.task('P').result).toEqual([{ name: 'c1', task_id: childId('c1'), status: 'completed', result: 'r1' }]);
  });

  it('fails the parent permanently when the outcomes are too large to store, naming the wait', async () => {
    // Prepare: the child ended with a result over a step's 64 KiB.
    const { world, deliver, childId, at } = setup(fanOut(1));
    await deliver(1);
    await world.endChild(childId('c1'), 'completed', at());
    world.tasks.set(childId('c1'), { ...world.task(childId('c1')), result: 'x'.repeat(70_000) });

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'failed' });
    expect(world.task('P').error?.message).toMatch(/waitForChildren#1.*outcomes cannot be stored.*65536 bytes/);
  });

  it('fails the parent permanently for a name that was never spawned', async () => {
    // Prepare
    const { world, deliver } = setup(async (ctx) => ctx.waitForChildren(['ghost']));

    // Act
    const outcome = await deliver(1);

    // Assess
    expect(outcome).toEqual({ kind: 'ack', reason: 'failed' });
    expect(world.task('P').error?.message).toMatch(/waitForChildren#1.*unknown: ghost/);
  });
});

describe('the sweeper and a parent waiting for children', () => {
  const sweepDeps = (world: World, claims: string[]) => ({
    records: world,
    queue: world.queue,
    log: silent,
    claimSweep: async (next: string) => {
      claims.push(next);
      return true;
    },
  });

  it('marks a child whose end was lost and wakes the parent once', async () => {
    // Prepare: the child ended, but its worker died before recording it on the parent.
    const { world, deliver, childId, at } = setup(fanOut(1));
    await deliver(1);
    world.tasks.set(childId('c1'), { ...world.task(childId('c1')), status: 'completed', result: 'late' });

    // Act
    const first = await sweepChildrenWait(sweepDeps(world, []), world.task('P'), at());
    const again = await sweepChildrenWait(sweepDeps(world, []), world.task('P'), at());

    // Assess
    expect(first).toBe('reenqueued');
    expect(again).toBe('skipped');
    expect(world.sent.filter((s) => s.type === 'flow')).toHaveLength(1);
    expect(world.task('P').steps?.c1).toMatchObject({ status: 'completed' });
  });

  it('times the wait out once past its timeout; the parent fails naming the wait', async () => {
    // Prepare
    const { world, deliver, at, advance } = setup(fanOut(1, 60));
    await deliver(1);
    const claims: string[] = [];
    const early = await sweepChildrenWait(sweepDeps(world, claims), world.task('P'), at());
    advance(61);

    // Act
    const timedOut = await sweepChildrenWait(sweepDeps(world, claims), world.task('P'), at());
    const resumed = await deliver(1);

    // Assess
    expect(early).toBe('skipped');
    expect(claims).toEqual([world.task('P').steps?.['waitForChildren#1']?.timeout_at]);
    expect(timedOut).toBe('childWaitsTimedOut');
    expect(resumed).toEqual({ kind: 'ack', reason: 'failed' });
    expect(world.task('P').error).toMatchObject({
      name: 'ChildrenTimeoutError',
      message: expect.stringContaining('waitForChildren#1'),
    });
    expect(isTerminal(world.task('P').status)).toBe(true);
  });
});
