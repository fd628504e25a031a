import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { folderWithStackState, tasklane } from '../helpers/cli';
import { scheduledTaskId } from '../../functions/core/ids';
import type { ScheduleView } from '../../functions/core/schedule';
import { buildScheduler } from '../../functions/scheduled/build-scheduler';
import { createLogger } from '../../functions/shared/logger';
import { LOCAL_TENANT, startLocalStack, type LocalStack } from '../../local/stack';
import { apiClient } from '../helpers/local-api';

const MINUTE = 60_000;

/**
 * The schedules commands against the embedded local stack, through its state file like `--local` after
 * `npm start`. The scheduler's timer is off: the one test that needs a firing runs it by hand.
 */
describe('tasklane schedules (cli/run.ts, cli/schedules.ts)', () => {
  let stack: LocalStack;
  let api: ReturnType<typeof apiClient>;
  let cwd: string;

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, scheduleIntervalMs: 0, workers: false, rateLimitPerSecond: 0 });
    api = apiClient(stack.apiUrl, stack.apiKey);
    cwd = folderWithStackState(stack, 'tasklane-cli-schedules-');
  });
  afterAll(async () => {
    await stack?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });
  // Each test starts with no schedule, so the lists it prints are its own.
  afterEach(async () => {
    const { body } = await api.request<{ items: ScheduleView[] }>('GET', '/schedules?limit=100');
    for (const schedule of body.items) await api.request('DELETE', `/schedules/${schedule.schedule_id}`);
  });

  /** `schedules <args> --local --json`, its output parsed. */
  const json = async (...args: string[]) => {
    const { code, out, err } = await tasklane(['schedules', ...args, '--local', '--json'], cwd);
    if (code !== 0) throw new Error(`tasklane schedules ${args.join(' ')} exited ${code}: ${err}`);
    return JSON.parse(out);
  };

  it('creates a schedule with every option, and --json prints the API view', async () => {
    // Act
    const created = await tasklane(
      [
        'schedules',
        'create',
        'generic',
        '--cron',
        '0 9 * * 1-5',
        '--timezone',
        'Europe/Paris',
        '--payload',
        '{"steps":2,"step_ms":0}',
        '--webhook-url',
        'http://127.0.0.1:9/hooks',
        '--paused',
        '--local',
        '--json',
      ],
      cwd,
    );

    // Assess
    expect(created.code).toBe(0);
    const view = JSON.parse(created.out);
    expect(view).toMatchObject({
      type: 'generic',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      payload: { steps: 2, step_ms: 0, fail_attempts: 0 },
      webhook_url: 'http://127.0.0.1:9/hooks',
      enabled: false,
      next_run_at: null,
      last_runs: [],
    });
    expect((await api.request('GET', `/schedules/${view.schedule_id}`)).body).toEqual(view);
  });

  it('gets, lists, pauses, resumes and deletes a schedule with --json', async () => {
    // Prepare
    const created = await json('create', 'generic', '--cron', '*/5 * * * *');
    const id = created.schedule_id;

    // Act
    const got = await json('get', id);
    const listed = await json('list');
    const paused = await json('pause', id);
    const resumed = await json('resume', id);
    const deleted = await json('delete', id);
    const gone = await api.request('GET', `/schedules/${id}`);

    // Assess
    expect(created).toMatchObject({ type: 'generic', cron: '*/5 * * * *', timezone: 'UTC', enabled: true });
    expect(got).toEqual(created);
    expect(listed).toEqual({ items: [created], next_cursor: null });
    expect(paused).toMatchObject({ schedule_id: id, enabled: false, next_run_at: null });
    expect(resumed).toMatchObject({ schedule_id: id, enabled: true, next_run_at: expect.any(String) });
    expect(deleted).toEqual({ schedule_id: id, deleted: true });
    expect(gone.status).toBe(404);
  });

  it('shows a schedule for people: its next run and its last runs with their tasks', async () => {
    // Prepare: an hourly schedule, and the scheduler run a minute before its first time, which creates that firing.
    const created = await json('create', 'generic', '--cron', '0 * * * *', '--payload', '{"steps":1}');
    const id = created.schedule_id;
    const fireAt = new Date(created.next_run_at).getTime();
    await buildScheduler(stack.config, stack.clients, createLogger('test-scheduler'), {
      clock: { now: () => new Date(fireAt - MINUTE) },
    })();
    const fired = new Date(fireAt).toISOString();

    // Act
    const shown = await tasklane(['schedules', 'get', id, '--local'], cwd);

    // Assess
    expect(shown.code).toBe(0);
    const lines = shown.out.trimEnd().split('\n');
    expect(lines[0]).toBe(`${id}  generic  enabled`);
    expect(lines).toContain('  cron       0 * * * *  (UTC)');
    expect(lines).toContain(`  next run   ${new Date(fireAt + 60 * MINUTE).toISOString()}`);
    expect(lines).toContain(`  created    ${created.created_at}`);
    expect(lines.at(-1)).toBe(`  last runs  ${fired}  task ${scheduledTaskId(LOCAL_TENANT, id, fired)}`);
  });

  it('lists schedules a line each, newest first, with the cursor of the next page', async () => {
    // Prepare
    const older = await json('create', 'generic', '--cron', '0 9 * * *', '--timezone', 'America/New_York');
    const newer = await json('create', 'generic', '--cron', '30 6 * * 1', '--paused');

    // Act
    const page = await tasklane(['schedules', 'list', '--limit', '1', '--local'], cwd);
    const cursor = /More: --cursor (\S+)/.exec(page.out)?.[1];
    const next = await tasklane(['schedules', 'list', '--limit', '1', '--cursor', cursor ?? 'none', '--local'], cwd);

    // Assess
    expect(page.code).toBe(0);
    expect(page.out).toBe(
      `${newer.schedule_id}  generic       paused   ${'-'.padEnd(24)}  30 6 * * 1  (UTC)\nMore: --cursor ${cursor}\n`,
    );
    // Its first line only: a page that ends exactly at the limit may still carry a cursor (to an empty page).
    expect(next.out.split('\n')[0]).toBe(
      `${older.schedule_id}  generic       enabled  ${older.next_run_at}  0 9 * * *  (America/New_York)`,
    );
  });

  it('pauses and resumes for people, and says what it deleted', async () => {
    // Prepare
    const { schedule_id: id } = await json('create', 'generic', '--cron', '*/5 * * * *');

    // Act
    const paused = await tasklane(['schedules', 'pause', id, '--local'], cwd);
    const resumed = await tasklane(['schedules', 'resume', id, '--local'], cwd);
    const deleted = await tasklane(['schedules', 'delete', id, '--local'], cwd);
    const listed = await tasklane(['schedules', 'list', '--local'], cwd);

    // Assess
    expect(paused.out).toMatch(new RegExp(`^${id}  generic  paused\\n`));
    expect(paused.out).toContain('  next run   - (paused)\n');
    expect(resumed.out).toMatch(new RegExp(`^${id}  generic  enabled\\n`));
    expect(resumed.out).toMatch(/ {2}next run {3}\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z\n/);
    expect(deleted).toEqual({ code: 0, out: `Deleted schedule ${id}.\n`, err: '' });
    expect(listed.out).toBe('No schedules.\n');
  });

  it.each([
    [
      'a create without --cron',
      ['schedules', 'create', 'generic'],
      /schedules create needs the task type and --cron, e.g. "tasklane schedules create generic --cron '0 9 \* \* 1-5'"/,
    ],
    [
      'a cron expression and a zone the API refuses',
      ['schedules', 'create', 'generic', '--cron', '0 0 9 * * *', '--timezone', 'Mars/Olympus'],
      /The schedule is not valid: timezone and cron\.\n {2}timezone: an IANA time zone name.*"Mars\/Olympus" is not one\n {2}cron: a standard 5-field cron expression/,
    ],
    [
      'a payload that is not JSON',
      ['schedules', 'create', 'generic', '--cron', '* * * * *', '--payload', '{steps:1}'],
      /--payload is not valid JSON/,
    ],
    [
      'an unknown id',
      ['schedules', 'get', '01M8SEM40MRN3GNKW273R802PY'],
      /No schedule with id "01M8SEM40MRN3GNKW273R802PY"\./,
    ],
    [
      'an unknown id to delete',
      ['schedules', 'delete', '01M8SEM40MRN3GNKW273R802PY'],
      /No schedule with id "01M8SEM40MRN3GNKW273R802PY"\./,
    ],
    ['a missing id', ['schedules', 'pause'], /schedules pause needs a schedule id/],
    [
      'an unknown schedules command',
      ['schedules', 'frobnicate'],
      /Unknown schedules command "frobnicate"\. Use create, list, get, pause, resume or delete\./,
    ],
  ])('explains %s and exits 2', async (_, args, message) => {
    // Act
    const { code, err } = await tasklane([...args, '--local'], cwd);

    // Assess
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});
