import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError, ValidationError } from '../../functions/core/errors';
import { scheduledTaskId } from '../../functions/core/ids';
import { SCHEDULING } from '../../functions/core/schedule';
import { SchedulerRunError, fireDueSchedules } from '../../functions/core/schedule-firing';
import { ScheduleService } from '../../functions/core/schedule-service';
import { registryDeps } from '../helpers/registry-deps';
import { FakeFiringTasks, InMemoryScheduleStore, movableClock, silentLog } from '../helpers/schedule-fakes';

/** The scheduler over in-memory fakes; schedules are created through the service at 10:15:30 UTC. */
function setup() {
  const clock = movableClock('2026-03-04T10:15:30.000Z');
  const store = new InMemoryScheduleStore();
  const tasks = new FakeFiringTasks(clock);
  const service = new ScheduleService({ store, tasks, clock, log: silentLog, maxPerTenant: 100, ...registryDeps });
  const run = () => fireDueSchedules({ store, tasks, clock, log: silentLog });
  const create = (cron: string, extra: { enabled?: boolean; webhook_url?: string } = {}) =>
    service.create({ tenant: 'acme', type: 'generic', payload: { steps: 1 }, cron, ...extra });
  return { clock, store, tasks, service, run, create };
}

describe('fireDueSchedules', () => {
  it('creates a firing ahead of its time, as a task delayed to the fire time, and moves the schedule on', async () => {
    // Prepare
    const { clock, tasks, service, run, create } = setup();
    const schedule = await create('0 11 * * *', { webhook_url: 'https://example.com/hook' });

    // Act: 70 s before 11:00 the firing is within the 90 s lookahead.
    clock.set('2026-03-04T10:58:50.000Z');
    const report = await run();
    const after = await service.get('acme', schedule.id);

    // Assess
    expect(report).toMatchObject({ due: 1, fired: 1, caughtUp: 0, failed: 0 });
    const id = scheduledTaskId('acme', schedule.id, '2026-03-04T11:00:00.000Z');
    expect(tasks.firings).toEqual([
      {
        tenant: 'acme',
        type: 'generic',
        payload: { steps: 1, step_ms: 1000, fail_attempts: 0 },
        webhook_url: 'https://example.com/hook',
        id,
        run_at: '2026-03-04T11:00:00.000Z',
        schedule_id: schedule.id,
      },
    ]);
    expect(tasks.tasks.get(id)?.status).toBe('scheduled');
    expect(after.next_run_at).toBe('2026-03-05T11:00:00.000Z');
    expect(after.last_runs).toEqual([{ fire_at: '2026-03-04T11:00:00.000Z', task_id: id }]);
  });

  it('leaves a schedule alone until its time is within the lookahead', async () => {
    const { clock, tasks, run, create } = setup();
    await create('0 11 * * *');
    clock.set(
      new Date(Date.parse('2026-03-04T11:00:00.000Z') - (SCHEDULING.lookaheadSeconds + 1) * 1000).toISOString(),
    );
    expect(await run()).toMatchObject({ due: 0, fired: 0 });
    expect(tasks.firings).toHaveLength(0);
  });

  it('makes one task of a firing processed twice: a second run with the same view finds it made', async () => {
    // Prepare: the first run creates the task, then its write of the schedule is lost (as if it crashed).
    const { clock, store, tasks, run, create } = setup();
    const schedule = await create('0 11 * * *');
    clock.set('2026-03-04T10:59:30.000Z');
    const replace = store.replace.bind(store);
    store.replace = async () => {
      throw new Error('the scheduler died before moving the schedule on');
    };
    await run().catch(() => undefined);
    store.replace = replace;

    // Act
    const second = await run();

    // Assess
    expect(tasks.firings).toHaveLength(2);
    expect(new Set(tasks.firings.map((f) => f.id)).size).toBe(1);
    expect(tasks.tasks.size).toBe(1);
    expect(second.fired).toBe(1);
    expect((await store.get('acme', schedule.id))?.next_run_at).toBe('2026-03-05T11:00:00.000Z');
  });

  it('fires an every-minute schedule for each minute of a late run’s window, and no more', async () => {
    // Prepare: the 10:16 firing was due; the run comes at 10:16:40 (late, but within the 60 s grace).
    const { clock, tasks, store, run, create } = setup();
    const schedule = await create('* * * * *');
    clock.set('2026-03-04T10:16:40.000Z');

    // Act
    const report = await run();

    // Assess: 10:16 (late), 10:17 and 10:18 (ahead, within 90 s).
    expect(report.fired).toBe(3);
    expect(tasks.firings.map((f) => f.run_at)).toEqual([
      '2026-03-04T10:16:00.000Z',
      '2026-03-04T10:17:00.000Z',
      '2026-03-04T10:18:00.000Z',
    ]);
    expect((await store.get('acme', schedule.id))?.next_run_at).toBe('2026-03-04T10:19:00.000Z');
  });

  it('fires a missed schedule once, for its latest missed time, and skips to its next time after now', async () => {
    // Prepare: an every-5-minutes schedule, and a stack that was down from 10:16 to 12:42.
    const { clock, tasks, store, run, create } = setup();
    const schedule = await create('*/5 * * * *');
    clock.set('2026-03-04T12:42:10.000Z');

    // Act
    const report = await run();

    // Assess: one catch-up firing for 12:40, running at once; 12:45 is not yet within the lookahead.
    expect(report).toMatchObject({ fired: 1, caughtUp: 1 });
    expect(tasks.firings.map((f) => f.run_at)).toEqual(['2026-03-04T12:40:00.000Z']);
    expect([...tasks.tasks.values()][0]?.status).toBe('pending');
    const after = await store.get('acme', schedule.id);
    expect(after?.next_run_at).toBe('2026-03-04T12:45:00.000Z');
    expect(after?.last_runs.map((r) => r.fire_at)).toEqual(['2026-03-04T12:40:00.000Z']);
  });

  it('does not fire a paused schedule, and after resuming fires only times after the resume', async () => {
    // Prepare
    const { clock, tasks, service, run, create } = setup();
    const schedule = await create('*/5 * * * *');
    await service.update('acme', schedule.id, { enabled: false });
    clock.set('2026-03-04T11:00:30.000Z');
    const whilePaused = await run();

    // Act
    await service.update('acme', schedule.id, { enabled: true });
    clock.set('2026-03-04T11:04:00.000Z');
    await run();

    // Assess
    expect(whilePaused.due).toBe(0);
    expect(tasks.firings.map((f) => f.run_at)).toEqual(['2026-03-04T11:05:00.000Z']);
  });

  it('records a firing the task service refuses and moves on, rather than retrying it every minute', async () => {
    // Prepare
    const { clock, tasks, store, run, create } = setup();
    const schedule = await create('0 11 * * *');
    tasks.failWith = new ValidationError('The schedule’s payload is no longer valid for task type "generic".');
    clock.set('2026-03-04T10:59:30.000Z');

    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ fired: 0, refused: 1, failed: 0 });
    const after = await store.get('acme', schedule.id);
    expect(after?.next_run_at).toBe('2026-03-05T11:00:00.000Z');
    expect(after?.last_runs).toEqual([
      {
        fire_at: '2026-03-04T11:00:00.000Z',
        error: { code: 'validation_error', message: expect.stringContaining('no longer valid') },
      },
    ]);
  });

  it('keeps a firing that could not be made for the next run, fires the others, and ends the run in error', async () => {
    // Prepare
    const { clock, tasks, store, run, create } = setup();
    const failing = await create('0 11 * * *');
    tasks.failWith = new ServiceUnavailableError('queue down');
    clock.set('2026-03-04T10:59:30.000Z');

    // Act
    const error = await run().catch((e: unknown) => e);
    tasks.failWith = undefined;
    const retried = await run();

    // Assess
    expect(error).toBeInstanceOf(SchedulerRunError);
    expect((error as SchedulerRunError).report).toMatchObject({ due: 1, failed: 1 });
    expect(retried.fired).toBe(1);
    expect((await store.get('acme', failing.id))?.last_runs).toHaveLength(1);
  });

  it('keeps the last ten firings, newest first', async () => {
    const { clock, store, run, create } = setup();
    const schedule = await create('* * * * *');
    for (let minute = 0; minute < 12; minute++) {
      clock.set(new Date(Date.parse('2026-03-04T10:16:00.000Z') + minute * 60_000).toISOString());
      await run();
    }
    const runs = (await store.get('acme', schedule.id))!.last_runs;
    expect(runs).toHaveLength(SCHEDULING.lastRunsKept);
    expect(runs[0]?.fire_at).toBe('2026-03-04T10:28:00.000Z');
    expect(runs.map((r) => r.fire_at)).toEqual([...runs.map((r) => r.fire_at)].sort().reverse());
  });
});
