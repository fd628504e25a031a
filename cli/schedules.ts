import type { Page, Tasklane } from '../client/src';
import type { ScheduleRun, ScheduleView } from '../functions/core/schedule';
import { CliError } from './errors';
import { pageSize, parsePayload } from './tasks';

export type SchedulePage = Page<ScheduleView>;

/** `schedules create`'s options, as given on the command line. */
export interface NewSchedule {
  cron?: string;
  timezone?: string;
  payload?: string;
  webhookUrl?: string;
  paused: boolean;
}

/** POST /schedules: the cron expression and zone are checked by the API, which names what is wrong. */
export function createSchedule(
  client: Tasklane,
  type: string | undefined,
  options: NewSchedule,
): Promise<ScheduleView> {
  if (!type || options.cron === undefined)
    throw new CliError(
      'schedules create needs the task type and --cron, e.g. "tasklane schedules create generic --cron \'0 9 * * 1-5\'".',
    );
  const payload = parsePayload(options.payload);
  return client.schedules.create({
    type,
    cron: options.cron,
    ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
    ...(payload === undefined ? {} : { payload }),
    ...(options.webhookUrl === undefined ? {} : { webhook_url: options.webhookUrl }),
    ...(options.paused ? { enabled: false } : {}),
  });
}

/** GET /schedules: the tenant's schedules, newest first, a page at a time. */
export function listSchedules(client: Tasklane, options: { limit?: string; cursor?: string }): Promise<SchedulePage> {
  return client.schedules.list({ limit: pageSize(options.limit) }).page(options.cursor);
}

/** GET /schedules/{id}: with its next run and its last firings. */
export function getSchedule(client: Tasklane, id: string | undefined): Promise<ScheduleView> {
  return client.schedules.get(requireScheduleId(id, 'get'));
}

/** PATCH /schedules/{id} with `enabled`: pause (a firing already created for a time ahead is canceled) or resume. */
export function setScheduleEnabled(client: Tasklane, id: string | undefined, enabled: boolean): Promise<ScheduleView> {
  return client.schedules.update(requireScheduleId(id, enabled ? 'resume' : 'pause'), { enabled });
}

/** DELETE /schedules/{id}. */
export function deleteSchedule(client: Tasklane, id: string | undefined): Promise<void> {
  return client.schedules.delete(requireScheduleId(id, 'delete'));
}

/** The schedule id, or a usage error naming the command. */
function requireScheduleId(id: string | undefined, command: string): string {
  if (!id)
    throw new CliError(
      `schedules ${command} needs a schedule id, e.g. "tasklane schedules ${command} 01M8SEM40MRN3GNKW273R802PY" (see "tasklane schedules list").`,
    );
  return id;
}

/** A schedule for people: what it runs and when, then its last firings, newest first. */
export function formatSchedule(schedule: ScheduleView): string {
  const lines = [
    `${schedule.schedule_id}  ${schedule.type}  ${schedule.enabled ? 'enabled' : 'paused'}`,
    `  cron       ${schedule.cron}  (${schedule.timezone})`,
    `  next run   ${schedule.next_run_at ?? '- (paused)'}`,
  ];
  if (schedule.webhook_url) lines.push(`  webhook    ${schedule.webhook_url}`);
  lines.push(`  payload    ${JSON.stringify(schedule.payload)}`, `  created    ${schedule.created_at}`);
  const runs = schedule.last_runs.length ? schedule.last_runs.map(formatRun) : ['none yet'];
  lines.push(...runs.map((run, i) => `  ${i === 0 ? 'last runs' : '         '}  ${run}`));
  return lines.join('\n');
}

/** One firing: the task it created, or why it created none. */
function formatRun(run: ScheduleRun): string {
  return 'task_id' in run
    ? `${run.fire_at}  task ${run.task_id}`
    : `${run.fire_at}  not fired: ${run.error.code}: ${run.error.message}`;
}

/** One line per schedule, newest first, and how to get the next page. */
export function formatScheduleList(page: SchedulePage): string {
  if (page.items.length === 0) return 'No schedules.';
  const rows = page.items.map(
    (s) =>
      `${s.schedule_id}  ${s.type.padEnd(12)}  ${(s.enabled ? 'enabled' : 'paused').padEnd(7)}  ${(s.next_run_at ?? '-').padEnd(24)}  ${s.cron}  (${s.timezone})`,
  );
  if (page.next_cursor) rows.push(`More: --cursor ${page.next_cursor}`);
  return rows.join('\n');
}
