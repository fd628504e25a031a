import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../functions/api/context';
import { errorResponse } from '../../functions/api/errors';
import { registerScheduleRoutes } from '../../functions/api/schedule-routes';
import { ScheduleService } from '../../functions/core/schedule-service';
import { registryDeps } from '../helpers/registry-deps';
import { FakeFiringTasks, InMemoryScheduleStore, movableClock, silentLog } from '../helpers/schedule-fakes';

/** The schedule routes over the real service and in-memory ports, for tenant `acme`. */
function setup(maxPerTenant = 100) {
  const clock = movableClock('2026-03-04T10:15:30.000Z');
  const store = new InMemoryScheduleStore();
  const service = new ScheduleService({
    store,
    tasks: new FakeFiringTasks(clock),
    clock,
    log: silentLog,
    maxPerTenant,
    ...registryDeps,
  });
  const app = new Hono<AppEnv>();
  app.onError((error, c) => errorResponse(c, error, silentLog));
  app.use('*', async (c, next) => {
    c.set('tenant', 'acme');
    await next();
  });
  registerScheduleRoutes(app, service);
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
  return { call, store };
}

const valid = { type: 'generic', payload: { steps: 1 }, cron: '0 9 * * 1-5', timezone: 'Europe/Paris' };

describe('POST /schedules', () => {
  it('answers 201 with the schedule, its next run and a Location', async () => {
    // Act
    const { status, headers, body } = await setup().call('POST', '/schedules', valid);

    // Assess: Thursday 2026-03-05 09:00 in Paris (UTC+1) is 08:00 UTC.
    expect(status).toBe(201);
    expect(body).toEqual({
      schedule_id: expect.stringMatching(/^[0-9A-Z]{26}$/),
      type: 'generic',
      payload: { steps: 1, step_ms: 1000, fail_attempts: 0 },
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      enabled: true,
      next_run_at: '2026-03-05T08:00:00.000Z',
      last_runs: [],
      created_at: '2026-03-04T10:15:30.000Z',
      updated_at: '2026-03-04T10:15:30.000Z',
    });
    expect(headers.get('location')).toBe(`/schedules/${body.schedule_id}`);
  });

  it.each([
    ['a missing cron', { cron: undefined }, 'cron'],
    ['a bad cron', { cron: '0 25 * * *' }, 'cron'],
    ['a 6-field cron', { cron: '0 0 9 * * *' }, 'cron'],
    ['a cron that is not a string', { cron: 5 }, 'cron'],
    ['a bad timezone', { timezone: 'Europe/Atlantis' }, 'timezone'],
    ['a missing type', { type: undefined }, 'type'],
    ['an unknown type', { type: 'teleport' }, 'type'],
    ['a bad payload', { payload: { steps: -1 } }, 'payload.steps'],
    ['an unknown payload field', { payload: { steps: 1, colour: 'red' } }, 'payload.colour'],
    ['a webhook_url that is not a URL', { webhook_url: 'not a url' }, 'webhook_url'],
    ['a loopback webhook_url', { webhook_url: 'https://127.0.0.1/hook' }, 'webhook_url'],
    ['an enabled that is not a boolean', { enabled: 'yes' }, 'enabled'],
    ['an unknown field', { run_at: '2026-03-05T00:00:00Z' }, 'run_at'],
  ])('refuses %s with 400 naming the field', async (_, change, field) => {
    // Act
    const { status, body } = await setup().call('POST', '/schedules', { ...valid, ...change });

    // Assess
    expect(status).toBe(400);
    expect(body.error.code).toBe('validation_error');
    expect(body.error.details).toContainEqual({ field, rule: expect.any(String) });
  });

  it('refuses a body that is not JSON', async () => {
    const { status, body } = await setup().call('POST', '/schedules', '{"type":');
    expect(status).toBe(400);
    expect(body.error.details).toEqual([{ field: 'body', rule: 'valid JSON' }]);
  });

  it('answers 409 schedule_limit beyond the tenant’s cap', async () => {
    const { call } = setup(1);
    await call('POST', '/schedules', valid);
    const { status, body } = await call('POST', '/schedules', valid);
    expect(status).toBe(409);
    expect(body.error).toMatchObject({ code: 'schedule_limit', details: { limit: 1 } });
  });
});

describe('GET, PATCH, DELETE /schedules/{id}', () => {
  it('reads, pauses, resumes and deletes a schedule', async () => {
    // Prepare
    const { call } = setup();
    const created = (await call('POST', '/schedules', valid)).body;
    const path = `/schedules/${created.schedule_id}`;

    // Act
    const read = await call('GET', path);
    const paused = await call('PATCH', path, { enabled: false });
    const resumed = await call('PATCH', path, { enabled: true, webhook_url: 'https://example.com/hook' });
    const deleted = await call('DELETE', path);
    const gone = await call('GET', path);

    // Assess
    expect(read).toMatchObject({ status: 200, body: created });
    expect(paused).toMatchObject({ status: 200, body: { enabled: false, next_run_at: null } });
    expect(resumed).toMatchObject({
      status: 200,
      body: { enabled: true, next_run_at: '2026-03-05T08:00:00.000Z', webhook_url: 'https://example.com/hook' },
    });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('not_found');
  });

  it.each([
    ['an empty change', {}, 'body'],
    ['a field that cannot change', { type: 'email' }, 'type'],
    ['a bad cron', { cron: '@hourly' }, 'cron'],
    ['a bad timezone', { timezone: 'Nowhere' }, 'timezone'],
    ['a bad payload', { payload: { steps: 'x' } }, 'payload.steps'],
    ['a bad webhook_url', { webhook_url: 'ftp://example.com' }, 'webhook_url'],
    ['a bad enabled', { enabled: 1 }, 'enabled'],
  ])('refuses %s with 400 naming the field', async (_, change, field) => {
    // Prepare
    const { call } = setup();
    const created = (await call('POST', '/schedules', valid)).body;

    // Act
    const { status, body } = await call('PATCH', `/schedules/${created.schedule_id}`, change);

    // Assess
    expect(status).toBe(400);
    expect(body.error.details).toContainEqual({ field, rule: expect.any(String) });
  });

  it.each([
    ['GET', undefined],
    ['PATCH', { enabled: false }],
    ['DELETE', undefined],
  ])('answers 404 to %s of an unknown schedule', async (method, body) => {
    const response = await setup().call(method, '/schedules/01ARZ3NDEKTSV4RRFFQ69G5FAV', body);
    expect(response.status).toBe(404);
  });
});

describe('GET /schedules', () => {
  it('pages through the tenant’s schedules, newest first', async () => {
    // Prepare
    const { call } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call('POST', '/schedules', valid)).body.schedule_id);

    // Act
    const first = await call('GET', '/schedules?limit=2');
    const second = await call('GET', `/schedules?limit=2&cursor=${first.body.next_cursor}`);

    // Assess
    expect(first.body.items.map((s: { schedule_id: string }) => s.schedule_id)).toEqual([ids[2], ids[1]]);
    expect(second.body.items.map((s: { schedule_id: string }) => s.schedule_id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();
  });

  it.each([['limit=0'], ['limit=101'], ['limit=abc'], ['status=active']])('refuses ?%s with 400', async (query) => {
    const { status } = await setup().call('GET', `/schedules?${query}`);
    expect(status).toBe(400);
  });
});
