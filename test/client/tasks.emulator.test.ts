import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  Tasklane,
  UnauthorizedError,
  ValidationError,
  type Task,
  type TaskTypes,
} from '../../client/src';
import { issueApiKey } from '../../functions/core/api-keys';
import { taskTypeNames } from '../../functions/task-types/registry';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { ONE_SECOND_RETRIES } from '../helpers/local-api';

/** Follows a task's stream to its end and returns the task as it ended. */
async function finished(tasklane: Tasklane<TaskTypes>, id: string): Promise<Task> {
  for await (const _event of tasklane.tasks.watch(id));
  return tasklane.tasks.get(id);
}

/** The client against the embedded local stack: every route it wraps, as a user calls it. */
describe('Tasklane client (local stack)', () => {
  let stack: LocalStack;
  let tasklane: Tasklane<TaskTypes>;
  /** A client of a tenant of its own, per test that counts what its tenant holds. */
  let newTenant: (name: string) => Promise<Tasklane<TaskTypes>>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 50,
      pollWaitSeconds: 1,
      stream: { pollIntervalMs: 50 },
      retryBackoff: ONE_SECOND_RETRIES,
    });
    tasklane = new Tasklane<TaskTypes>({ baseUrl: stack.apiUrl, apiKey: stack.apiKey });
    newTenant = async (name) => {
      const { secret } = await issueApiKey(stack.apiKeys, name);
      return new Tasklane<TaskTypes>({ baseUrl: stack.apiUrl, apiKey: secret });
    };
  });
  afterAll(() => stack?.stop());

  describe('tasks', () => {
    it('creates a task, reads it, and sees it complete', async () => {
      // Act
      const created = await tasklane.tasks.create({ type: 'generic', payload: { steps: 2, step_ms: 50 } });
      const read = await tasklane.tasks.get(created.task_id);
      const ended = await finished(tasklane, created.task_id);

      // Assess
      expect(created).toMatchObject({ type: 'generic', status: 'pending', payload: { steps: 2, step_ms: 50 } });
      expect(read.task_id).toBe(created.task_id);
      expect(ended).toMatchObject({ status: 'completed', progress: 100, result: { steps: 2, elapsed_ms: 100 } });
    });

    it('lists every task over pages, newest first, and one page with its cursor', async () => {
      // Prepare: delayed an hour, so they wait as `scheduled` and no worker touches them.
      const client = await newTenant('paging');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++)
        ids.push((await client.tasks.create({ type: 'generic', delay_seconds: 3600 })).task_id);

      // Act
      const listed: string[] = [];
      for await (const task of client.tasks.list({ status: 'scheduled', limit: 2 })) listed.push(task.task_id);
      const first = await client.tasks.list({ limit: 2 }).page();
      const second = await client.tasks.list({ limit: 2 }).page(first.next_cursor ?? undefined);

      // Assess
      expect(listed).toEqual([...ids].reverse());
      expect(first.items.map((t) => t.task_id)).toEqual([ids[4], ids[3]]);
      expect(second.items.map((t) => t.task_id)).toEqual([ids[2], ids[1]]);
      expect(second.next_cursor).toEqual(expect.any(String));
    });

    it('cancels a waiting task at once, and a second cancel is a conflict', async () => {
      // Prepare
      const task = await tasklane.tasks.create({ type: 'generic', delay_seconds: 3600 });

      // Act
      const canceled = await tasklane.tasks.cancel(task.task_id);
      const again = await tasklane.tasks.cancel(task.task_id).catch((e: unknown) => e);

      // Assess
      expect(canceled).toMatchObject({ outcome: 'canceled', task: { task_id: task.task_id, status: 'canceled' } });
      expect(again).toBeInstanceOf(ConflictError);
      expect(again).toMatchObject({ status: 409, code: 'task_finished' });
    });

    it('reruns a finished task, with its payload or a new one, and refuses an unfinished one', async () => {
      // Prepare
      const original = await tasklane.tasks.create({ type: 'generic', payload: { steps: 1, step_ms: 0 } });
      await finished(tasklane, original.task_id);
      const waiting = await tasklane.tasks.create({ type: 'generic', delay_seconds: 3600 });

      // Act
      const same = await tasklane.tasks.rerun(original.task_id);
      const changed = await tasklane.tasks.rerun(original.task_id, { payload: { steps: 2, step_ms: 0 } });
      const refused = await tasklane.tasks.rerun(waiting.task_id).catch((e: unknown) => e);

      // Assess
      expect(same).toMatchObject({ rerun_of: original.task_id, payload: { steps: 1, step_ms: 0 } });
      expect(changed).toMatchObject({ rerun_of: original.task_id, payload: { steps: 2, step_ms: 0 } });
      expect(same.task_id).not.toBe(changed.task_id);
      expect(refused).toMatchObject({ name: 'ConflictError', code: 'task_not_finished' });
      await tasklane.tasks.cancel(waiting.task_id);
    });

    it('cancels in bulk through a bulk task whose result says what it did', async () => {
      // Prepare
      const client = await newTenant('bulk');
      for (let i = 0; i < 3; i++) await client.tasks.create({ type: 'generic', delay_seconds: 3600 });

      // Act
      const bulk = await client.tasks.bulk({ action: 'cancel', filter: { status: 'scheduled', type: 'generic' } });
      const ended = await finished(client, bulk.task_id);

      // Assess
      expect(bulk.type).toBe('bulk');
      expect(ended).toMatchObject({ status: 'completed', result: { matched: 3, applied: 3, skipped: 0 } });
    });
  });

  describe('errors', () => {
    it('throws ValidationError naming each bad field of a payload', async () => {
      // Act
      const error = await tasklane.tasks
        .create({ type: 'generic', payload: { steps: 0, step_ms: 70_000 } })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ status: 400, code: 'validation_error' });
      expect((error as ValidationError).details).toEqual([
        { field: 'payload.steps', rule: expect.stringMatching(/>=1/) },
        { field: 'payload.step_ms', rule: expect.stringMatching(/<=60000/) },
      ]);
    });

    it('throws ValidationError listing the known types for an unknown one', async () => {
      // Act: a client without the type map takes any name, as a script calling a newer API would.
      const untyped = new Tasklane({ baseUrl: stack.apiUrl, apiKey: stack.apiKey });
      const error = await untyped.tasks.create({ type: 'resize-image', payload: {} }).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      for (const name of taskTypeNames()) expect((error as Error).message).toContain(name);
    });

    it('throws NotFoundError for an unknown task and UnauthorizedError for a key the API refuses', async () => {
      // Prepare
      const stranger = new Tasklane({ baseUrl: stack.apiUrl, apiKey: 'tl_unknown0_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' });

      // Act
      const missing = await tasklane.tasks.get('01ARZ3NDEKTSV4RRFFQ69G5FAV').catch((e: unknown) => e);
      const refused = await stranger.tasks.get('01ARZ3NDEKTSV4RRFFQ69G5FAV').catch((e: unknown) => e);

      // Assess
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing).toMatchObject({ status: 404, code: 'not_found' });
      expect(refused).toBeInstanceOf(UnauthorizedError);
      expect(refused).toMatchObject({ status: 401, code: 'unauthorized' });
    });
  });

  describe('schedules', () => {
    it('creates, reads, lists, pauses, resumes, changes and deletes a schedule', async () => {
      // Prepare
      const client = await newTenant('schedules');

      // Act
      const created = await client.schedules.create({
        type: 'generic',
        payload: { steps: 1 },
        cron: '0 9 * * 1-5',
        timezone: 'Europe/Paris',
      });
      const read = await client.schedules.get(created.schedule_id);
      const listed: string[] = [];
      for await (const schedule of client.schedules.list({ limit: 1 })) listed.push(schedule.schedule_id);
      const paused = await client.schedules.pause(created.schedule_id);
      const resumed = await client.schedules.resume(created.schedule_id);
      const changed = await client.schedules.update(created.schedule_id, { cron: '*/15 * * * *' });
      await client.schedules.delete(created.schedule_id);
      const gone = await client.schedules.get(created.schedule_id).catch((e: unknown) => e);

      // Assess
      expect(read).toMatchObject({ schedule_id: created.schedule_id, enabled: true, timezone: 'Europe/Paris' });
      expect(listed).toEqual([created.schedule_id]);
      expect(paused).toMatchObject({ enabled: false, next_run_at: null });
      expect(resumed).toMatchObject({ enabled: true, next_run_at: expect.any(String) });
      expect(changed.cron).toBe('*/15 * * * *');
      expect(gone).toBeInstanceOf(NotFoundError);
    });

    it('throws ValidationError naming the cron and the time zone', async () => {
      // Act
      const error = await tasklane.schedules
        .create({ type: 'generic', cron: '0 0 9 * * *', timezone: 'Mars/Olympus' })
        .catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.map((d) => d.field).sort()).toEqual(['cron', 'timezone']);
    });
  });

  describe('tokens', () => {
    it('completes the token a waiting task handed out, which resumes it; a second settle is a conflict', async () => {
      // Prepare: a workflow that waits for its `approval` token.
      const task = await tasklane.tasks.create({ type: 'workflow', payload: { token_timeout_seconds: 60 } });
      for await (const event of tasklane.tasks.watch(task.task_id)) if (event.data.status === 'waiting') break;
      const token = (await tasklane.tasks.get(task.task_id)).steps?.find((step) => step.token)?.token ?? '';

      // Act
      const settled = await tasklane.tokens.complete(token, { approved_by: 'ada' });
      const again = await tasklane.tokens.fail(token, 'too late').catch((e: unknown) => e);
      const ended = await finished(tasklane, task.task_id);

      // Assess
      expect(settled).toEqual({ task_id: task.task_id, step: 'approval', status: 'completed' });
      expect(again).toBeInstanceOf(ConflictError);
      expect(ended.status).toBe('completed');
    });

    it('throws NotFoundError for an unknown token', async () => {
      // Act
      const error = await tasklane.tokens.complete('tok_unknown', true).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(NotFoundError);
    });
  });

  describe('task types, events, uploads and the webhook secret', () => {
    it('lists the registered types and redrives an empty dead-letter queue', async () => {
      // Act
      const types = await tasklane.taskTypes.list();
      const report = await tasklane.taskTypes.redrive('generic');

      // Assess
      expect(types.map((t) => t.name).sort()).toEqual(taskTypeNames().sort());
      expect(types.find((t) => t.name === 'generic')).toMatchObject({
        dlq_depth: 0,
        payload_schema: expect.any(Object),
      });
      expect(report).toMatchObject({ type: 'generic', moved: 0, task_ids: [], more: false });
    });

    it('buffers events and counts the ones waiting', async () => {
      // Prepare
      const client = await newTenant('events');

      // Act
      const one = await client.events.send({ user: 'u1', action: 'signup' });
      const two = await client.events.send([{ n: 1 }, { n: 2 }]);
      const stats = await client.events.stats();

      // Assess
      expect(one).toHaveLength(1);
      expect(two).toHaveLength(2);
      expect(stats).toMatchObject({ waiting: 3 });
    });

    it('signs an upload link', async () => {
      // Act
      const link = await tasklane.uploads.create();

      // Assess
      expect(link).toMatchObject({ method: 'PUT', upload_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1/) });
    });

    it('reads and rotates the webhook secret', async () => {
      // Prepare
      const client = await newTenant('secret');

      // Act
      const before = await client.webhooks.secret();
      const rotated = await client.webhooks.rotateSecret();
      const after = await client.webhooks.secret();

      // Assess
      expect(before.secret).toMatch(/^whsec_/);
      expect(rotated).toMatchObject({ previous_secret: before.secret, previous_valid_hours: 24 });
      expect(after).toEqual({ secret: rotated.secret, previous_secret: before.secret });
    });
  });
});
