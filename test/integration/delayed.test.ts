import { GetQueueAttributesCommand, PurgeQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../functions/shared/logger';
import { buildSweeper } from '../../functions/scheduled/build-sweeper';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient, untilQueueEmpty } from '../helpers/local-api';

/**
 * Delayed runs and expiry on the embedded stack: short delays go to SQS as DelaySeconds at once; longer
 * ones wait in the sweep index until the sweeper hands them to the queue (driven here with its clock
 * moved forward instead of waiting for hours).
 */
describe('delayed runs and expiry (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, scheduleIntervalMs: 0, rateLimitPerSecond: 0, progressIntervalMs: 0 });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());

  const post = (body: Record<string, unknown>) => api.request('POST', '/tasks', body);
  const queueUrl = (type: string) => stack.queues.find((q) => q.type.name === type)!.queueUrl;
  const delayedMessages = async (type: string) => {
    const { Attributes } = await stack.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl(type),
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    return Number(Attributes?.ApproximateNumberOfMessagesDelayed);
  };
  const sweepAtTime = (ms: number) =>
    buildSweeper(stack.config, stack.clients, createLogger('test-sweeper'), { clock: { now: () => new Date(ms) } })();

  it('keeps a 3 s delayed task scheduled, never starts it early, and starts it within 2 s of its run_at', async () => {
    // Act
    const created = await post({ type: 'generic', payload: { steps: 1, step_ms: 0 }, delay_seconds: 3 });
    const { task, seen } = await api.waitFor(created.body.task_id, (t) => t.status === 'completed', 20_000);

    // Assess
    expect(created.status).toBe(202);
    expect(created.body.status).toBe('scheduled');
    const runAt = Date.parse(created.body.run_at);
    expect(runAt - Date.parse(created.body.created_at)).toBe(3000);
    expect(seen[0]).toBe('scheduled');
    const startedAt = Date.parse(task.started_at!);
    expect(startedAt).toBeGreaterThanOrEqual(runAt);
    expect(startedAt - runAt).toBeLessThanOrEqual(2000);
  });

  it('keeps a task due in two hours out of the queue until the sweeper hands it over with the remaining delay', async () => {
    // Prepare
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl('email') }));
    const runAt = new Date(Date.now() + 2 * 3600_000);
    runAt.setUTCMilliseconds(0);
    const created = await post({
      type: 'email',
      payload: { to: 'a@example.com', subject: 'later', text: 'hi' },
      run_at: runAt.toISOString(),
    });

    // Act: a sweep an hour before (nothing to do), then one 10 minutes before it runs.
    const early = await sweepAtTime(runAt.getTime() - 3600_000);
    const messagesBefore = await delayedMessages('email');
    const handOff = await sweepAtTime(runAt.getTime() - 600_000);
    const messagesAfter = await delayedMessages('email');
    const after = await api.get(created.body.task_id);

    // Assess: no message until the hand-off, one (delayed ~10 minutes) after; still scheduled.
    expect(created.body.status).toBe('scheduled');
    expect(early.handedOff).toBe(0);
    expect(messagesBefore).toBe(0);
    expect(handOff.handedOff).toBe(1);
    expect(messagesAfter).toBe(1);
    expect(after.body.status).toBe('scheduled');
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl('email') }));
  });

  it('cancels a scheduled task at once, and it never runs', async () => {
    // Prepare
    const created = await post({ type: 'generic', payload: { steps: 1, step_ms: 0 }, delay_seconds: 2 });

    // Act
    const canceled = await api.cancel(created.body.task_id);
    // The message still arrives after its delay: once the queue is empty again, the worker has had it and is done.
    await untilQueueEmpty(stack.clients.sqs, queueUrl('generic'), 'the generic queue after the delay');
    const after = await api.get(created.body.task_id);

    // Assess
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
    expect(after.body).toMatchObject({ status: 'canceled', attempts: 0 });
    expect(after.body.started_at).toBeUndefined();
  });

  it('expires a task whose start_by passes before it starts, with a task.expired end', async () => {
    // Prepare: runs in 2 s, must start within 1 s of that... but a sweep a minute later finds it unstarted.
    const created = await post({
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      delay_seconds: 600,
      ttl_seconds: 601,
    });

    // Act: the sweeper, with its clock past start_by.
    const report = await sweepAtTime(Date.parse(created.body.start_by) + 60_000);
    const after = await api.get(created.body.task_id);

    // Assess
    expect(created.body.status).toBe('scheduled');
    expect(report.expired).toBeGreaterThanOrEqual(1);
    expect(after.body).toMatchObject({ status: 'expired', attempts: 0 });
    expect(after.body.ended_at).toBeDefined();
  });

  it('has the worker expire a task whose message arrives after its start_by, without running it', async () => {
    // Act: start_by is the run time itself, and the message cannot arrive before it.
    const created = await post({
      type: 'generic',
      payload: { steps: 1, step_ms: 0 },
      delay_seconds: 1,
      ttl_seconds: 1,
    });
    const { task } = await api.waitFor(created.body.task_id, (t) => t.status === 'expired', 10_000);

    // Assess
    expect(task).toMatchObject({ status: 'expired', attempts: 0 });
    expect(task.started_at).toBeUndefined();
  });

  it('puts back a message that arrives long before its task runs, as a new delayed message, without counting an attempt', async () => {
    // Prepare: due in an hour, so no message exists; one arrives anyway (a stray duplicate).
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl('generic') }));
    const created = await post({ type: 'generic', payload: { steps: 1, step_ms: 0 }, delay_seconds: 3600 });

    // Act
    await stack.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl('generic'),
        MessageBody: JSON.stringify({ tenant: 'local', task_id: created.body.task_id }),
      }),
    );
    await vi.waitFor(async () => expect(await delayedMessages('generic')).toBe(1), { timeout: 10_000, interval: 50 });
    const after = await api.get(created.body.task_id);

    // Assess
    expect(after.body).toMatchObject({ status: 'scheduled', attempts: 0 });
    await stack.clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl('generic') }));
  });

  it('lists scheduled tasks by status', async () => {
    // Prepare
    const created = await post({ type: 'generic', payload: { steps: 1, step_ms: 0 }, delay_seconds: 3600 });

    // Act
    const listed = await api.list('?status=scheduled&limit=100');

    // Assess
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((t) => t.task_id)).toContain(created.body.task_id);
    expect(listed.body.items.every((t) => t.status === 'scheduled')).toBe(true);
  });

  it.each([
    [{ delay_seconds: 5, run_at: '2099-01-01T00:00:00Z' }, ['run_at', 'delay_seconds']],
    [{ run_at: '2001-01-01T00:00:00Z' }, ['run_at']],
    [{ run_at: 'tomorrow' }, ['run_at']],
    [{ run_at: '2026-12-01T18:00:00' }, ['run_at']],
    [{ delay_seconds: -1 }, ['delay_seconds']],
    [{ delay_seconds: 1.5 }, ['delay_seconds']],
    [{ delay_seconds: 31_536_001 }, ['delay_seconds']],
    [{ delay_seconds: '60' }, ['delay_seconds']],
    [{ ttl_seconds: 0 }, ['ttl_seconds']],
    [{ ttl_seconds: 60, start_by: '2099-01-01T00:00:00Z' }, ['start_by', 'ttl_seconds']],
    [{ delay_seconds: 600, ttl_seconds: 60 }, ['ttl_seconds']],
    [{ delay_seconds: 600, start_by: new Date(Date.now() + 60_000).toISOString() }, ['start_by']],
  ])('refuses %j with a 400 naming %j', async (fields, named) => {
    // Act
    const response = await post({ type: 'generic', payload: { steps: 1, step_ms: 0 }, ...fields });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([...named].sort());
  });
});
