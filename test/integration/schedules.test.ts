import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoScheduleStore } from '../../functions/adapters/dynamo-schedule-store';
import { issueApiKey } from '../../functions/core/api-keys';
import { scheduledTaskId } from '../../functions/core/ids';
import type { Schedule, ScheduleView } from '../../functions/core/schedule';
import { ScheduleService } from '../../functions/core/schedule-service';
import { buildScheduler } from '../../functions/scheduled/build-scheduler';
import { createLogger } from '../../functions/shared/logger';
import type { TaskView } from '../../functions/core/task';
import { startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';
import { registryDeps } from '../helpers/registry-deps';

const MINUTE = 60_000;

/**
 * Cron schedules on the embedded stack: the scheduler is run by hand with its clock set where each
 * test needs it (the stack's own timer is off), the way test/integration/sweeper.test.ts drives the sweeper.
 */
describe('schedules (local stack)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;

  beforeAll(async () => {
    stack = await startLocalStack({
      port: 0,
      scheduleIntervalMs: 0,
      rateLimitPerSecond: 0,
      progressIntervalMs: 0,
      maxSchedulesPerTenant: 8,
    });
    api = apiClient(stack.apiUrl, stack.apiKey);
  });
  afterAll(() => stack?.stop());
  // Each test starts with no schedule of tenant `local`, so a scheduler run's report is that test's alone.
  afterEach(async () => {
    const { body } = await api.request<{ items: ScheduleView[] }>('GET', '/schedules?limit=100');
    for (const schedule of body.items) await remove(schedule.schedule_id);
  });

  const runScheduler = (at: number) =>
    buildScheduler(stack.config, stack.clients, createLogger('test-scheduler'), {
      clock: { now: () => new Date(at) },
    })();
  const post = (body: Record<string, unknown>) =>
    api.request<ScheduleView & { error?: any }>('POST', '/schedules', body);
  const getSchedule = (id: string) => api.request<ScheduleView & { error?: any }>('GET', `/schedules/${id}`);
  const patch = (id: string, body: Record<string, unknown>) =>
    api.request<ScheduleView & { error?: any }>('PATCH', `/schedules/${id}`, body);
  const remove = (id: string) => api.request('DELETE', `/schedules/${id}`);
  /** The tenant's tasks of one schedule (every page). */
  const tasksOf = async (scheduleId: string) => {
    const found: TaskView[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.list(`?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      found.push(...page.body.items.filter((t) => t.schedule_id === scheduleId));
      cursor = page.body.next_cursor;
    } while (cursor);
    return found;
  };
  /**
   * A schedule as the API would have made it at `createdAt` (a time in the past), so that its fire
   * times are behind the real clock too and its tasks can run now: the same service and store.
   */
  const createdAt = async (at: number, cron: string): Promise<Schedule> =>
    new ScheduleService({
      store: new DynamoScheduleStore(stack.clients.dynamo, stack.config.tableName, { now: () => new Date(at) }),
      tasks: { get: () => Promise.reject(new Error('unused')), cancel: () => Promise.reject(new Error('unused')) },
      clock: { now: () => new Date(at) },
      log: createLogger('test-schedules'),
      maxPerTenant: 100,
      ...registryDeps,
    }).create({ tenant: 'local', type: 'generic', payload: { steps: 1, step_ms: 0 }, cron });

  it('fires on time: one task carrying schedule_id, delayed to the fire time, which runs', async () => {
    // Prepare: every 5 minutes, created ten minutes ago, so its first fire time is behind the real clock.
    const schedule = await createdAt(Date.now() - 10 * MINUTE, '*/5 * * * *');
    const fireAt = Date.parse(schedule.next_run_at!);

    // Act: the scheduler, with its clock at the fire time.
    const report = await runScheduler(fireAt);
    const view = await getSchedule(schedule.id);
    const taskId = scheduledTaskId('local', schedule.id, new Date(fireAt).toISOString());
    const { task } = await api.waitFor(taskId, (t) => t.status === 'completed');

    // Assess
    expect(report).toMatchObject({ fired: 1, caughtUp: 0, failed: 0 });
    expect(view.body.last_runs).toEqual([{ fire_at: new Date(fireAt).toISOString(), task_id: taskId }]);
    expect(view.body.next_run_at).toBe(new Date(fireAt + 5 * MINUTE).toISOString());
    expect(task).toMatchObject({ schedule_id: schedule.id, run_at: new Date(fireAt).toISOString(), attempts: 1 });
    expect(await tasksOf(schedule.id)).toHaveLength(1);
  });

  it('creates a firing ahead of its time as a scheduled task, and the same firing processed twice makes one task', async () => {
    // Prepare
    const created = await post({ type: 'generic', payload: { steps: 1, step_ms: 0 }, cron: '0 * * * *' });
    const fireAt = Date.parse(created.body.next_run_at!);

    // Act: two scheduler runs at once, a minute before the fire time, both reading the schedule due.
    const reports = await Promise.all([runScheduler(fireAt - MINUTE), runScheduler(fireAt - MINUTE)]);
    const view = await getSchedule(created.body.schedule_id);
    const tasks = await tasksOf(created.body.schedule_id);

    // Assess
    expect(created.status).toBe(201);
    expect(reports[0]!.fired + reports[1]!.fired).toBe(1);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ status: 'scheduled', run_at: new Date(fireAt).toISOString() });
    expect(view.body.last_runs).toHaveLength(1);
    expect(view.body.next_run_at).toBe(new Date(fireAt + 60 * MINUTE).toISOString());
    await api.cancel(tasks[0]!.task_id);
  });

  it('fires nothing while paused, and after resuming skips the times missed while paused', async () => {
    // Prepare
    const created = await post({ type: 'generic', payload: { steps: 1 }, cron: '*/5 * * * *' });
    const id = created.body.schedule_id;
    const paused = await patch(id, { enabled: false });

    // Act: a run in an hour finds nothing due; resume, then a run a minute before the next time.
    const whilePaused = await runScheduler(Date.now() + 60 * MINUTE);
    const resumed = await patch(id, { enabled: true });
    const nextAt = Date.parse(resumed.body.next_run_at!);
    await runScheduler(nextAt - MINUTE);
    const tasks = await tasksOf(id);

    // Assess
    expect(paused.body).toMatchObject({ enabled: false, next_run_at: null });
    expect(whilePaused.due).toBe(0);
    expect(nextAt).toBeGreaterThan(Date.now());
    expect(nextAt - Date.now()).toBeLessThanOrEqual(5 * MINUTE);
    expect(tasks.map((t) => t.run_at)).toEqual([new Date(nextAt).toISOString()]);
    await api.cancel(tasks[0]!.task_id);
  });

  it('fires a schedule that missed its times while the stack was down once, for the latest, and moves past now', async () => {
    // Prepare: hourly at a minute half an hour from now, created three hours ago; the stack was "down" since.
    const now = Date.now();
    const minute = (new Date(now).getUTCMinutes() + 30) % 60;
    const schedule = await createdAt(now - 3 * 60 * MINUTE, `${minute} * * * *`);

    // Act
    const report = await runScheduler(now);
    const view = await getSchedule(schedule.id);
    const tasks = await tasksOf(schedule.id);

    // Assess: the latest missed time was about half an hour ago; its task runs at once.
    expect(report).toMatchObject({ fired: 1, caughtUp: 1 });
    expect(tasks).toHaveLength(1);
    const latestMissed = Date.parse(tasks[0]!.run_at!);
    expect(now - latestMissed).toBeGreaterThan(25 * MINUTE);
    expect(now - latestMissed).toBeLessThan(35 * MINUTE);
    expect(Date.parse(view.body.next_run_at!)).toBe(latestMissed + 60 * MINUTE);
    await api.waitFor(tasks[0]!.task_id, (t) => t.status === 'completed');
  });

  it('deletes a schedule: 204, then 404; the firing created ahead is canceled and nothing fires after', async () => {
    // Prepare
    const created = await post({ type: 'generic', payload: { steps: 1 }, cron: '*/5 * * * *' });
    const id = created.body.schedule_id;
    const fireAt = Date.parse(created.body.next_run_at!);
    await runScheduler(fireAt - MINUTE);
    const [ahead] = await tasksOf(id);

    // Act
    const deleted = await remove(id);
    const later = await runScheduler(fireAt + 10 * MINUTE);

    // Assess
    expect(deleted.status).toBe(204);
    expect((await getSchedule(id)).status).toBe(404);
    expect((await remove(id)).status).toBe(404);
    expect((await api.get(ahead!.task_id)).body.status).toBe('canceled');
    expect(later.fired).toBe(0);
    expect(await tasksOf(id)).toHaveLength(1);
  });

  it('pages through the tenant’s schedules, keeps them from other tenants, and refuses one beyond the cap with 409', async () => {
    // Prepare: tenant `pager` (cap 8) with a fresh key.
    const pager = apiClient(stack.apiUrl, (await issueApiKey(stack.apiKeys, 'pager')).secret);
    const body = { type: 'generic', payload: { steps: 1 }, cron: '0 0 * * *' };
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await pager.request('POST', '/schedules', body)).body.schedule_id);

    // Act
    const pages: string[][] = [];
    const cursors: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: ScheduleView[]; next_cursor: string | null } } = await pager.request(
        'GET',
        `/schedules?limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      pages.push(page.body.items.map((s) => s.schedule_id));
      cursor = page.body.next_cursor;
      if (cursor) cursors.push(cursor);
    } while (cursor);
    const beyond = await pager.request('POST', '/schedules', body);
    const fromLocal = await getSchedule(ids[0]!);
    const foreignCursor = await api.request('GET', `/schedules?limit=3&cursor=${cursors[0]}`);
    await pager.request('DELETE', `/schedules/${ids[0]}`);
    const afterDelete = await pager.request('POST', '/schedules', body);

    // Assess
    expect(pages.map((p) => p.length)).toEqual([3, 3, 2]);
    expect(pages.flat()).toEqual([...ids].reverse());
    expect(beyond.status).toBe(409);
    expect(beyond.body.error).toMatchObject({ code: 'schedule_limit', details: { limit: 8 } });
    expect(fromLocal.status).toBe(404);
    expect(foreignCursor.status).toBe(400);
    expect(afterDelete.status).toBe(201);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ cron: '0 0 * * * *' }, 'cron'],
      [{ timezone: 'Moon/Base' }, 'timezone'],
      [{ type: 'nope' }, 'type'],
      [{ payload: { steps: 0 } }, 'payload.steps'],
      [{ webhook_url: 'ftp://example.com/' }, 'webhook_url'],
      [{ every: '5m' }, 'every'],
    ];
    for (const [change, field] of cases) {
      const response = await post({ type: 'generic', payload: { steps: 1 }, cron: '0 * * * *', ...change });
      expect(response.status, field).toBe(400);
      expect(response.body.error.details, field).toContainEqual({ field, rule: expect.any(String) });
    }
  });
});
