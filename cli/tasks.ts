import type { Page, Tasklane, TaskRedriveReport, TaskStatus } from '../client/src';
import type { TaskView } from '../functions/core/task';
import { parseDuration } from './duration';
import { CliError } from './errors';

export type TaskPage = Page<TaskView>;

export interface ListOptions {
  status?: string;
  type?: string;
  limit?: string;
  cursor?: string;
}

/** When a new task runs, as given on the command line. */
export interface TaskTiming {
  /** `--delay`: seconds, or a duration such as `10m` (cli/duration.ts). */
  delay?: string;
  /** `--at`: an RFC 3339 time. */
  at?: string;
  /** `--run-at`: the older name of `--at`, still taken. */
  runAt?: string;
  /** `--concurrency-key`: tasks sharing it run at most the type's concurrencyPerKey at once. */
  concurrencyKey?: string;
}

/** POST /tasks with the payload given as JSON text. */
export function createTask(
  client: Tasklane,
  type: string | undefined,
  payload: string | undefined,
  webhookUrl: string | undefined,
  timing: TaskTiming = {},
): Promise<TaskView> {
  if (!type)
    throw new CliError(
      'create needs the task type, e.g. "tasklane create generic --payload \'{"steps":5}\'" (see GET /task-types).',
    );
  if (timing.at !== undefined && timing.runAt !== undefined)
    throw new CliError('--run-at is another name for --at: give one of them.');
  const runAt = timing.at ?? timing.runAt;
  const delay = timing.delay === undefined ? undefined : parseDuration(timing.delay, '--delay');
  return client.tasks.create({
    type,
    payload: parsePayload(payload) ?? {},
    ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
    ...(runAt === undefined ? {} : { run_at: runAt }),
    ...(delay === undefined ? {} : { delay_seconds: delay }),
    ...(timing.concurrencyKey === undefined ? {} : { concurrency_key: timing.concurrencyKey }),
  });
}

/** POST /tasks/{id}/rerun: a new task repeating a finished one (with --payload, a different payload). */
export function rerunTask(client: Tasklane, id: string | undefined, payload: string | undefined): Promise<TaskView> {
  const parsed = parsePayload(payload);
  return client.tasks.rerun(requireTaskId(id, 'rerun'), parsed === undefined ? {} : { payload: parsed });
}

/** The value of --payload, parsed; undefined when it was not given. */
export function parsePayload(payload: string | undefined): unknown {
  if (payload === undefined) return undefined;
  try {
    return JSON.parse(payload);
  } catch (error) {
    throw new CliError(`--payload is not valid JSON: ${(error as Error).message}`);
  }
}

export function getTask(client: Tasklane, id: string | undefined): Promise<TaskView> {
  return client.tasks.get(requireTaskId(id, 'get'));
}

export async function cancelTask(client: Tasklane, id: string | undefined): Promise<TaskView> {
  return (await client.tasks.cancel(requireTaskId(id, 'cancel'))).task;
}

export function listTasks(client: Tasklane, options: ListOptions): Promise<TaskPage> {
  // The flags go as given: the API checks the status and the limit and names what it refuses.
  const query = {
    status: options.status as TaskStatus | undefined,
    type: options.type,
    limit: pageSize(options.limit),
  };
  return client.tasks.list(query).page(options.cursor);
}

/** `--limit` as the API reads it (a number, as zod's coerce makes it); undefined when not given. */
export function pageSize(limit: string | undefined): number | undefined {
  return limit === undefined ? undefined : Number(limit);
}

/** The task id, or a usage error naming the command. */
function requireTaskId(id: string | undefined, command: string): string {
  if (!id)
    throw new CliError(
      `${command} needs a task id, e.g. "tasklane ${command} 01M8FW54X830X4HT5D1AH85R16" (see "tasklane list").`,
    );
  return id;
}

/** A task for people: status line first, then what there is of result, error and timing. */
export function formatTask(task: TaskView): string {
  const lines = [
    `${task.task_id}  ${task.type}  ${task.status}  ${task.progress}%${task.progress_message ? `  ${task.progress_message}` : ''}`,
    `  attempts   ${task.attempts} of ${task.max_attempts}${task.cancel_requested ? '  (cancel requested)' : ''}`,
    `  created    ${task.created_at}`,
  ];
  if (task.run_at) lines.push(`  run at     ${task.run_at}`);
  if (task.start_by) lines.push(`  start by   ${task.start_by}`);
  if (task.started_at) lines.push(`  started    ${task.started_at}`);
  if (task.ended_at) lines.push(`  ended      ${task.ended_at}`);
  if (task.next_attempt_at) lines.push(`  next try   ${task.next_attempt_at}`);
  if (task.webhook_url) lines.push(`  webhook    ${task.webhook_url}`);
  if (task.concurrency_key) lines.push(`  key        ${task.concurrency_key}`);
  if (task.schedule_id) lines.push(`  schedule   ${task.schedule_id}`);
  if (task.rerun_of) lines.push(`  rerun of   ${task.rerun_of}`);
  lines.push(`  payload    ${JSON.stringify(task.payload)}`);
  if (task.result !== undefined) lines.push(`  result     ${JSON.stringify(task.result)}`);
  if (task.error) lines.push(`  error      ${task.error.name}: ${task.error.message}`);
  return lines.join('\n');
}

/** One line per task, newest first, and how to get the next page. */
export function formatList(page: TaskPage): string {
  if (page.items.length === 0) return 'No tasks.';
  const rows = page.items.map(
    (t) =>
      `${t.task_id}  ${t.type.padEnd(12)}  ${t.status.padEnd(9)}  ${String(t.progress).padStart(3)}%  ${t.created_at}`,
  );
  if (page.next_cursor) rows.push(`More: --cursor ${page.next_cursor}`);
  return rows.join('\n');
}

/** Calls the API's redrive more times than this at most: a DLQ refilling as fast as it drains would loop forever. */
const MAX_REDRIVE_CALLS = 100;

/**
 * POST /task-types/{type}/redrive until the DLQ is drained: each call moves up to 500 messages in at
 * most ~20 s and says `more` when there may be others. `progress` hears after each call.
 */
export async function redriveTaskType(
  client: Tasklane,
  type: string | undefined,
  progress: (report: TaskRedriveReport) => void,
  pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<TaskRedriveReport> {
  if (!type) throw new CliError('redrive needs a task type: tasklane redrive <type>.');
  const total: TaskRedriveReport = { type, moved: 0, task_ids: [], dropped: 0, left: 0, more: true };
  for (let call = 0; call < MAX_REDRIVE_CALLS && total.more; call++) {
    const report = await client.taskTypes.redrive(type);
    total.moved += report.moved;
    total.task_ids.push(...report.task_ids);
    total.dropped += report.dropped;
    // Messages left (other tenants', unfinished tasks') are seen again by every call: count the last call's.
    total.left = report.left;
    total.more = report.more;
    progress(total);
    // `more` with nothing moved: the tenant's creation limit; give it a second.
    if (report.more && report.moved === 0) await pause(1000);
  }
  return total;
}

export function formatRedrive(report: TaskRedriveReport): string {
  const lines = [`Moved ${report.moved} dead-lettered "${report.type}" task(s) into reruns.`];
  if (report.dropped > 0)
    lines.push(`Dropped ${report.dropped} message(s) whose task no longer exists or that are not task messages.`);
  if (report.left > 0)
    lines.push(`Left ${report.left} message(s) in the DLQ: another tenant's, or a task that has not ended yet.`);
  if (report.more) lines.push(`The DLQ may hold more: run the command again.`);
  return lines.join('\n');
}
