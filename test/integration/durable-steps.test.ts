import { GetQueueAttributesCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../functions/core/api-keys';
import type { StepView } from '../../functions/core/task-steps';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { createLogger } from '../../functions/shared/logger';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, TEST_STACK } from '../helpers/local-api';

/**
 * Durable steps on the embedded stack, with the `workflow` type: stored steps are not run again by a
 * retry or a resume; sleeps end the invocation and come back through the queue (long ones through the
 * sweeper, driven here with its clock moved); tokens settle once, per tenant, and time out.
 */
describe('durable steps (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let other: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack(TEST_STACK);
    api = apiClient(stack.apiUrl, stack.apiKey);
    other = apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, 'other-tenant')).secret);
  });
  afterAll(() => stack?.stop());

  const create = (payload: Record<string, unknown>) => api.create('workflow', payload);
  const step = (task: { steps?: StepView[] }, name: string) => task.steps?.find((s) => s.name === name);
  const queueUrl = () => stack.queues.find((q) => q.type.name === 'workflow')!.queueUrl;
  const sweepAtTime = (ms: number) =>
    buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), { clock: { now: () => new Date(ms) } })();
  const delayedMessages = async () => {
    const { Attributes } = await stack.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl(), AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
  };
  /** Creates a task that waits for its `approval` token, and returns it once it waits. */
  const waitingTask = async (timeoutSeconds = 3600) => {
    const created = await create({ token_timeout_seconds: timeoutSeconds });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'waiting', 20_000);
    return { id: created.body.task_id, token: step(task, 'approval')!.token!, task };
  };

  it('does not run a completed step again when a later step fails and the attempt is retried', async () => {
    // Act
    const created = await create({ fail_attempts: 1 });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 20_000);

    // Assess: prepare ran once (on attempt 1), process failed once and ran again on attempt 2.
    expect(task.attempts).toBe(2);
    expect(step(task, 'prepare')).toMatchObject({ kind: 'step', status: 'completed', attempts: 1 });
    expect(step(task, 'process')).toMatchObject({ status: 'completed', attempts: 2 });
    expect(Date.parse(step(task, 'prepare')!.ended_at!)).toBeLessThan(Date.parse(step(task, 'process')!.started_at));
    expect(task.result).toMatchObject({
      prepared_at: expect.any(String),
      processed_on_attempt: 2,
      finished_at: expect.any(String),
    });
    expect(task.steps?.map((s) => s.name)).toEqual(['prepare', 'process', 'finish']);
    expect(step(task, 'prepare')!.result_bytes).toBeGreaterThan(0);
  });

  it('runs extra_steps more steps, in order between process and finish, in one attempt', async () => {
    // Act
    const created = await create({ extra_steps: 2 });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 20_000);

    // Assess: the bench's 5-step run (bench/workflow-cost.ts).
    expect(task.steps?.map((s) => [s.name, s.kind, s.status])).toEqual([
      ['prepare', 'step', 'completed'],
      ['process', 'step', 'completed'],
      ['step-1', 'step', 'completed'],
      ['step-2', 'step', 'completed'],
      ['finish', 'step', 'completed'],
    ]);
    expect(task.attempts).toBe(1);
  });

  it('sleeps 2 s without a worker, then resumes the same attempt without running earlier steps again', async () => {
    // Act
    const created = await create({ sleep_seconds: 2 });
    const { task, seen } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 20_000);

    // Assess
    expect(seen).toContain('sleeping');
    expect(task.attempts).toBe(1);
    const sleep = step(task, 'cool-down')!;
    expect(sleep).toMatchObject({ kind: 'sleep', status: 'completed' });
    expect(Date.parse(sleep.ended_at!)).toBeGreaterThanOrEqual(Date.parse(sleep.wake_at!));
    expect(Date.parse(sleep.wake_at!) - Date.parse(sleep.started_at)).toBe(2000);
    expect(step(task, 'prepare')).toMatchObject({ attempts: 1 });
    expect(Date.parse(step(task, 'prepare')!.ended_at!)).toBeLessThan(Date.parse(sleep.started_at));
    expect(Date.parse(step(task, 'finish')!.started_at)).toBeGreaterThanOrEqual(Date.parse(sleep.wake_at!));
  });

  it('keeps a two-hour sleep off the queue until the sweeper hands it over with the remaining delay', async () => {
    // Prepare
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
    const created = await create({ sleep_seconds: 7200 });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'sleeping', 20_000);
    const wakeAt = Date.parse(task.wake_at!);

    // Act: a sweep an hour before the wake time (nothing to do), then one 10 minutes before.
    const early = await sweepAtTime(wakeAt - 3600_000);
    const before = await delayedMessages();
    const handOff = await sweepAtTime(wakeAt - 600_000);
    const after = await delayedMessages();
    const still = await api.get(created.body.task_id);

    // Assess
    expect(task.suspended_step).toBe('cool-down');
    expect(wakeAt - Date.parse(step(task, 'cool-down')!.started_at)).toBe(7200_000);
    expect(early.handedOff).toBe(0);
    expect(before).toBe(0);
    expect(handOff.handedOff).toBe(1);
    expect(after).toBe(1);
    expect(still.body).toMatchObject({ status: 'sleeping', attempts: 1 });
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl() }));
  });

  it('cancels a sleeping task at once, and it stays canceled', async () => {
    // Prepare
    const created = await create({ sleep_seconds: 3600 });
    await api.waitFor(created.body.task_id, (t) => t.status === 'sleeping', 20_000);

    // Act
    const canceled = await api.cancel(created.body.task_id);
    const again = await api.cancel(created.body.task_id);

    // Assess
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(again.status).toBe(409);
  });

  it('resumes a waiting task with the value its token was completed with; a second call is a 409', async () => {
    // Prepare
    const { id, token, task: waiting } = await waitingTask();

    // Act
    const completed = await api.request('POST', `/tokens/${token}/complete`, { value: { approved_by: 'ana' } });
    const twice = await api.request('POST', `/tokens/${token}/complete`, { value: 'again' });
    const { task } = await api.waitFor(id, (t) => t.status === 'completed', 20_000);

    // Assess
    expect(waiting.suspended_step).toBe('approval');
    expect(step(waiting, 'approval')).toMatchObject({
      kind: 'token',
      status: 'waiting',
      timeout_at: expect.any(String),
    });
    expect(token).toMatch(new RegExp(`^${id}\\.[A-Za-z0-9_-]{32}$`));
    expect(completed.status).toBe(200);
    expect(completed.body).toEqual({ task_id: id, step: 'approval', status: 'completed' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('token_settled');
    expect(task.result).toMatchObject({ approval: { approved_by: 'ana' } });
    expect(task.attempts).toBe(1);
    expect(step(task, 'ask-approval')).toMatchObject({ attempts: 1 });
  });

  it('fails the task when its token is failed', async () => {
    // Prepare
    const { id, token } = await waitingTask();

    // Act
    const failed = await api.request('POST', `/tokens/${token}/fail`, { error: 'rejected by ana' });
    const { task } = await api.waitFor(id, (t) => t.status === 'failed', 20_000);

    // Assess
    expect(failed.status).toBe(200);
    expect(task.error).toMatchObject({ name: 'TokenFailedError', message: expect.stringContaining('rejected by ana') });
    expect(step(task, 'approval')).toMatchObject({ status: 'failed' });
    expect(step(task, 'finish')).toBeUndefined();
  });

  it("answers 404 for an unknown token and for another tenant's token, and leaves it open", async () => {
    // Prepare
    const { id, token } = await waitingTask();

    // Act
    const foreign = await other.request('POST', `/tokens/${token}/complete`, { value: 1 });
    const unknown = await api.request('POST', `/tokens/${id}.${'A'.repeat(32)}/complete`, { value: 1 });
    const garbage = await api.request('POST', '/tokens/not-a-token/fail', { error: 'x' });
    const after = await api.get(id);

    // Assess
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(garbage.status).toBe(404);
    expect(after.body.status).toBe('waiting');
    expect(step(after.body, 'approval')!.status).toBe('waiting');
    await api.cancel(id);
  });

  it('times out a token through the sweeper: the task fails with the step named', async () => {
    // Prepare
    const { id, task: waiting } = await waitingTask(1);
    const timeoutAt = Date.parse(step(waiting, 'approval')!.timeout_at!);

    // Act: a sweep just before the timeout (nothing to do), then one after it (the worker's clock must
    // agree that the task is due, so this one waits for the real time to pass).
    const before = await sweepAtTime(timeoutAt - 500);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, timeoutAt + 50 - Date.now())));
    const report = await sweepAtTime(Date.now());
    const { task } = await api.waitFor(id, (t) => t.status === 'failed', 20_000);

    // Assess
    expect(before.tokensTimedOut).toBe(0);
    expect(report.tokensTimedOut).toBe(1);
    expect(task.error).toMatchObject({ name: 'TokenTimeoutError', message: expect.stringContaining('"approval"') });
    expect(step(task, 'approval')).toMatchObject({ status: 'timed_out' });
  });

  it('cancels a waiting task at once; its token then answers 409', async () => {
    // Prepare
    const { id, token } = await waitingTask();

    // Act
    const canceled = await api.cancel(id);
    const late = await api.request('POST', `/tokens/${token}/complete`, { value: 1 });

    // Assess
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(late.status).toBe(409);
    expect((await api.get(id)).body.status).toBe('canceled');
  });
});
