import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors';
import { fireDueSchedules } from '../../functions/core/schedule-firing';
import { ScheduleService } from '../../functions/core/schedule-service';
import { registryDeps } from '../helpers/registry-deps';
import { FakeFiringTasks, InMemoryScheduleStore, movableClock, silentLog } from '../helpers/schedule-fakes';

/** The use cases over in-memory fakes of their ports; the clock starts at 10:15:30 UTC. */
function setup(maxPerTenant = 100) {
  const clock = movableClock('2026-03-04T10:15:30.000Z');
  const store = new InMemoryScheduleStore();
  const tasks = new FakeFiringTasks(clock);
  const service = new ScheduleService({ store, tasks, clock, log: silentLog, maxPerTenant, ...registryDeps });
  const runScheduler = () => fireDueSchedules({ store, tasks, clock, log: silentLog });
  return { clock, store, tasks, service, runScheduler };
}

const hourly = { tenant: 'acme', type: 'generic', payload: { steps: 1 }, cron: '0 * * * *' };

/** The ValidationError's details, or a failure if the promise did not reject with one. */
async function detailsOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).details;
}

describe('ScheduleService.create', () => {
  it('stores the schedule with its payload as the type reads it and the next fire time', async () => {
    // Prepare
    const { service } = setup();

    // Act
    const schedule = await service.create({ ...hourly, timezone: 'Asia/Kolkata' });

    // Assess: 11:00 in Kolkata (UTC+5:30) is 05:30 UTC; the next after 10:15 UTC is 10:30 UTC (16:00 IST).
    expect(schedule).toMatchObject({
      tenant: 'acme',
      type: 'generic',
      payload: { steps: 1, step_ms: 1000, fail_attempts: 0 },
      cron: '0 * * * *',
      timezone: 'Asia/Kolkata',
      enabled: true,
      next_run_at: '2026-03-04T10:30:00.000Z',
      last_runs: [],
      created_at: '2026-03-04T10:15:30.000Z',
      version: 1,
    });
    expect(schedule.id).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('creates a paused schedule with no next run', async () => {
    const { service } = setup();
    const schedule = await service.create({ ...hourly, enabled: false });
    expect(schedule.enabled).toBe(false);
    expect(schedule.next_run_at).toBeUndefined();
  });

  it.each([
    ['an unknown type', { type: 'nope' }, 'type'],
    ['a payload the type refuses', { payload: { steps: 0 } }, 'payload.steps'],
    ['a payload the table cannot store', { payload: { steps: 1, n: Number.MAX_VALUE } }, 'payload.n'],
    ['a private webhook_url', { webhook_url: 'https://10.0.0.1/hook' }, 'webhook_url'],
    ['a cron with seconds', { cron: '0 0 * * * *' }, 'cron'],
    ['an unknown time zone', { timezone: 'Atlantis/Capital' }, 'timezone'],
  ])('refuses %s with a 400 naming the field', async (_, change, field) => {
    const { service, store } = setup();
    const details = await detailsOf(service.create({ ...hourly, ...change }));
    expect(details).toEqual([expect.objectContaining({ field })]);
    expect(store.schedules.size).toBe(0);
  });

  it('refuses a schedule beyond the tenant’s cap with 409 schedule_limit, and counts tenants apart', async () => {
    // Prepare
    const { service } = setup(2);
    await service.create(hourly);
    await service.create(hourly);

    // Act
    const refused = await service.create(hourly).catch((e: unknown) => e);
    const otherTenant = await service.create({ ...hourly, tenant: 'globex' });

    // Assess
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'schedule_limit', status: 409, details: { limit: 2 } });
    expect(otherTenant.tenant).toBe('globex');
  });
});

describe('ScheduleService.get and delete', () => {
  it('answers 404 for an unknown id, a malformed one, and another tenant’s schedule', async () => {
    const { service } = setup();
    const theirs = await service.create({ ...hourly, tenant: 'globex' });
    for (const id of [theirs.id, '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'not-an-id']) {
      await expect(service.get('acme', id)).rejects.toBeInstanceOf(NotFoundError);
      await expect(service.delete('acme', id)).rejects.toBeInstanceOf(NotFoundError);
    }
    expect((await service.get('globex', theirs.id)).id).toBe(theirs.id);
  });

  it('frees a place under the cap when a schedule is deleted', async () => {
    const { service } = setup(1);
    const first = await service.create(hourly);
    await service.delete('acme', first.id);
    await expect(service.create(hourly)).resolves.toMatchObject({ tenant: 'acme' });
  });

  it('cancels the firing created ahead of its time when the schedule is deleted', async () => {
    // Prepare: at 10:59:00 the scheduler created the 11:00 firing (due within its lookahead).
    const { service, tasks, clock, runScheduler } = setup();
    const schedule = await service.create(hourly);
    clock.set('2026-03-04T10:59:00.000Z');
    await runScheduler();
    const [firing] = [...tasks.tasks.values()];

    // Act
    await service.delete('acme', schedule.id);

    // Assess
    expect(firing?.status).toBe('canceled');
  });
});

describe('ScheduleService.update', () => {
  it('pauses: no next run, and the firing already created for a time ahead is canceled', async () => {
    // Prepare
    const { service, tasks, clock, runScheduler } = setup();
    const schedule = await service.create(hourly);
    clock.set('2026-03-04T10:59:00.000Z');
    await runScheduler();

    // Act
    const paused = await service.update('acme', schedule.id, { enabled: false });

    // Assess
    expect(paused).toMatchObject({ enabled: false, version: 3 });
    expect(paused.next_run_at).toBeUndefined();
    expect(tasks.canceled).toHaveLength(1);
  });

  it('resumes from now: the times missed while paused are skipped', async () => {
    // Prepare
    const { service, clock } = setup();
    const schedule = await service.create(hourly);
    await service.update('acme', schedule.id, { enabled: false });
    clock.set('2026-03-04T15:40:00.000Z');

    // Act
    const resumed = await service.update('acme', schedule.id, { enabled: true });

    // Assess
    expect(resumed.next_run_at).toBe('2026-03-04T16:00:00.000Z');
  });

  it('recomputes the next run from now on a new cron or time zone, and keeps it on a new payload', async () => {
    const { service } = setup();
    const schedule = await service.create(hourly);

    const payloadOnly = await service.update('acme', schedule.id, { payload: { steps: 2 } });
    const newCron = await service.update('acme', schedule.id, { cron: '*/5 * * * *' });
    const newZone = await service.update('acme', schedule.id, { cron: '0 12 * * *', timezone: 'America/New_York' });

    expect(payloadOnly).toMatchObject({ next_run_at: '2026-03-04T11:00:00.000Z', payload: { steps: 2 } });
    expect(newCron.next_run_at).toBe('2026-03-04T10:20:00.000Z');
    // Noon in New York (EST, UTC−5) is 17:00 UTC.
    expect(newZone.next_run_at).toBe('2026-03-04T17:00:00.000Z');
  });

  it('keeps a firing created ahead when the new cron still fires at its time, and cancels it when not', async () => {
    // Prepare: the 11:00 firing exists.
    const { service, tasks, clock, runScheduler } = setup();
    const schedule = await service.create(hourly);
    clock.set('2026-03-04T10:59:00.000Z');
    await runScheduler();

    // Act
    await service.update('acme', schedule.id, { cron: '*/10 * * * *' });
    const keptCanceled = tasks.canceled.length;
    await service.update('acme', schedule.id, { cron: '45 * * * *' });

    // Assess
    expect(keptCanceled).toBe(0);
    expect(tasks.canceled).toHaveLength(1);
  });

  it('sets and removes the webhook_url, checking it like a task’s', async () => {
    const { service } = setup();
    const schedule = await service.create(hourly);

    const withHook = await service.update('acme', schedule.id, { webhook_url: 'https://example.com/hook' });
    const without = await service.update('acme', schedule.id, { webhook_url: null });
    const details = await detailsOf(service.update('acme', schedule.id, { webhook_url: 'http://169.254.169.254/' }));

    expect(withHook.webhook_url).toBe('https://example.com/hook');
    expect(without.webhook_url).toBeUndefined();
    expect(details).toEqual([expect.objectContaining({ field: 'webhook_url' })]);
  });

  it('validates a new payload against the schedule’s type', async () => {
    const { service } = setup();
    const schedule = await service.create(hourly);
    const details = await detailsOf(service.update('acme', schedule.id, { payload: { steps: 'many' } }));
    expect(details).toEqual([expect.objectContaining({ field: 'payload.steps' })]);
  });

  it('applies a change on top of a firing that landed between its read and its write', async () => {
    // Prepare: the scheduler advances the schedule right after the update read it.
    const { service, store, clock, tasks } = setup();
    const schedule = await service.create(hourly);
    clock.set('2026-03-04T10:59:00.000Z');
    const read = store.get.bind(store);
    let raced = false;
    store.get = async (tenant, id) => {
      const found = await read(tenant, id);
      if (!raced) {
        raced = true;
        await fireDueSchedules({ store, tasks, clock, log: silentLog });
      }
      return found;
    };

    // Act
    const updated = await service.update('acme', schedule.id, { payload: { steps: 7 } });

    // Assess: the firing is kept on the record, and the change is in.
    expect(updated.last_runs).toHaveLength(1);
    expect(updated).toMatchObject({ payload: { steps: 7 }, next_run_at: '2026-03-04T12:00:00.000Z', version: 3 });
  });
});
