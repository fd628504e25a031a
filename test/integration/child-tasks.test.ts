import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChildOutcome, StepView } from '../../functions/core/task-steps';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { workflow } from '../../functions/task-types/workflow';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, TEST_STACK } from '../helpers/local-api';

/**
 * Child tasks on the embedded stack, with the `workflow` type spawning `generic` children: they fan
 * in once, a replay finds the children it spawned, failures show in the outcomes, the wait times out
 * through the sweeper, and canceling a waiting parent cancels its children.
 */
describe('child tasks (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  // Every run of a workflow task, by task id: the workers are built from the registry's definition.
  const runs = new Map<string, number>();
  const run = workflow.run.bind(workflow);

  beforeAll(async () => {
    vi.spyOn(workflow, 'run').mockImplementation((ctx) => {
      runs.set(ctx.taskId, (runs.get(ctx.taskId) ?? 0) + 1);
      return run(ctx);
    });
    stack = await startLocalStack(TEST_STACK);
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(async () => {
    await stack?.stop();
    vi.restoreAllMocks();
  });

  const create = (payload: Record<string, unknown>) => api.create('workflow', payload);
  const childSteps = (task: { steps?: StepView[] }) => task.steps?.filter((s) => s.kind === 'child') ?? [];
  const outcomes = (task: { result?: unknown }) => (task.result as { children: ChildOutcome[] }).children;
  const sweepAtTime = (ms: number) =>
    buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), { clock: { now: () => new Date(ms) } })();

  it('fans 20 children in once: the parent runs once before the wait and once after it', async () => {
    // Act
    const created = await create({ children: 20, child_ms: 500 });
    const { task, seen } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 60_000);

    // Assess
    expect(seen).toContain('waiting');
    expect(runs.get(task.task_id)).toBe(2);
    expect(task.attempts).toBe(1);
    expect(outcomes(task)).toHaveLength(20);
    expect(outcomes(task).every((o) => o.status === 'completed' && o.result !== undefined)).toBe(true);
    expect(childSteps(task)).toHaveLength(20);
    expect(childSteps(task).every((s) => s.status === 'completed' && s.task_id)).toBe(true);
    expect(task.steps?.find((s) => s.kind === 'children')).toMatchObject({
      name: 'waitForChildren#1',
      status: 'completed',
      children: expect.arrayContaining(['child-1', 'child-20']),
    });
    const child = await api.get(childSteps(task)[0]!.task_id!);
    expect(child.body).toMatchObject({ type: 'generic', status: 'completed', parent_id: task.task_id });
  });

  it('does not spawn again when a retried attempt replays the spawns', async () => {
    // Act: `process` fails the first attempt, after the three spawns.
    const created = await create({ children: 3, child_ms: 10, fail_attempts: 1 });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 30_000);
    const generic = await api.list('?type=generic&limit=100');

    // Assess
    expect(task.attempts).toBe(2);
    expect(generic.body.items.filter((t) => t.parent_id === task.task_id)).toHaveLength(3);
    expect(childSteps(task).map((s) => s.attempts)).toEqual([1, 1, 1]);
    expect(outcomes(task).map((o) => o.task_id)).toEqual(childSteps(task).map((s) => s.task_id));
  });

  it('returns a failed child in the outcomes; the parent goes on', async () => {
    // Act: child-1 fails each of its attempts.
    const created = await create({ children: 2, failing_children: 1, child_ms: 10 });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 45_000);

    // Assess
    expect(outcomes(task)).toEqual([
      {
        name: 'child-1',
        task_id: expect.any(String),
        status: 'failed',
        error: { name: 'RetryableTaskError', message: expect.any(String) },
      },
      { name: 'child-2', task_id: expect.any(String), status: 'completed', result: expect.any(Object) },
    ]);
    expect(childSteps(task).map((s) => s.status)).toEqual(['failed', 'completed']);
  });

  it('times the wait out through the sweeper: the parent fails naming the wait', async () => {
    // Prepare: a child that runs five seconds, and a one-second wait.
    const created = await create({ children: 1, child_ms: 5000, children_timeout_seconds: 1 });
    const { task: waiting } = await api.waitFor(created.body.task_id, (t) => t.status === 'waiting', 20_000);
    const wait = waiting.steps!.find((s) => s.kind === 'children')!;
    const timeoutAt = Date.parse(wait.timeout_at!);

    // Act: a sweep before the timeout (nothing to do), then one after it, at the real time (the
    // worker's clock must agree that the parent is due).
    const before = await sweepAtTime(timeoutAt - 500);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, timeoutAt + 50 - Date.now())));
    const report = await sweepAtTime(Date.now());
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'failed', 20_000);

    // Assess
    expect(before.childWaitsTimedOut).toBe(0);
    expect(report.childWaitsTimedOut).toBe(1);
    expect(task.error).toMatchObject({
      name: 'ChildrenTimeoutError',
      message: expect.stringContaining('waitForChildren#1'),
    });
    expect(task.steps!.find((s) => s.kind === 'children')).toMatchObject({ status: 'timed_out' });
    await api.cancel(childSteps(task)[0]!.task_id!);
  });

  it('cancels the children of a parent canceled while it waits for them', async () => {
    // Prepare
    const created = await create({ children: 3, child_ms: 3000 });
    const { task: waiting } = await api.waitFor(created.body.task_id, (t) => t.status === 'waiting', 20_000);

    // Act
    const canceled = await api.cancel(created.body.task_id);
    const children = await Promise.all(
      childSteps(waiting).map((s) => api.waitFor(s.task_id!, (t) => t.status === 'canceled', 20_000)),
    );
    const parent = await api.get(created.body.task_id);

    // Assess
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(children.map((c) => c.task.status)).toEqual(['canceled', 'canceled', 'canceled']);
    expect(parent.body.status).toBe('canceled');
    expect(childSteps(parent.body).map((s) => s.status)).toEqual(['canceled', 'canceled', 'canceled']);
    expect(runs.get(created.body.task_id)).toBe(1);
  });
});
