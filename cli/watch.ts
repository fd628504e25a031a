import { EventSource, type FetchLike } from 'eventsource';
import type { TaskEventData } from '../functions/core/task-events';
import { TERMINAL_STATUSES, type TaskView } from '../functions/core/task';
import { CliError } from './errors';
import { unreachable, type ApiClient } from './http';
import { getTask, taskPath } from './tasks';

/** Where watch writes, and how: a redrawn bar on a terminal, a line per event otherwise, JSON lines for scripts. */
export interface WatchOutput {
  write(text: string): void;
  tty: boolean;
  json: boolean;
}

/** Exit codes of `watch` (and `create --watch`), by the task's final status. */
export const EXIT_CODES: Record<'completed' | 'failed' | 'canceled' | 'expired', number> = {
  completed: 0,
  failed: 1,
  canceled: 3,
  expired: 4,
};

/** Reconnects in a row without getting a stream before watch gives up (the stream itself says 1 s apart). */
const MAX_FAILED_CONNECTS = 10;
const BAR_WIDTH = 30;

/**
 * Follows a task on GET /tasks/{id}/stream until its final status and returns the task as it
 * ended. The EventSource reconnects on its own with Last-Event-ID (the server ends streams after 14
 * minutes); the key travels in the Authorization header through its fetch.
 */
export async function watchTask(client: ApiClient, id: string | undefined, out: WatchOutput): Promise<TaskView> {
  // A plain read first: an unknown id, a bad key or an unreachable API get their clear message here.
  const start = await getTask(client, id);
  if (TERMINAL_STATUSES.has(start.status)) {
    render(
      out,
      'status',
      { task_id: start.task_id, status: start.status, progress: start.progress, attempt: start.attempts },
      start.max_attempts,
    );
    return start;
  }
  const withKey: FetchLike = (url, init) => fetch(url, { ...init, headers: { ...init.headers, ...client.headers } });
  const source = new EventSource(client.url(`${taskPath(id, 'watch')}/stream`), { fetch: withKey });
  const ended = await new Promise<{ ok: true } | { ok: false; error: CliError }>((resolve) => {
    let failures = 0;
    source.addEventListener('open', () => (failures = 0));
    for (const name of ['status', 'progress'] as const) {
      source.addEventListener(name, (event) => {
        const data = JSON.parse(event.data) as TaskEventData;
        render(out, name, data, start.max_attempts);
        if (name === 'status' && TERMINAL_STATUSES.has(data.status)) resolve({ ok: true });
      });
    }
    source.addEventListener('error', (event) => {
      // CLOSED: the server answered something other than a stream (204 once the task ended, 401, 404).
      if (source.readyState === EventSource.CLOSED) {
        resolve(
          event.code === 204
            ? { ok: true }
            : {
                ok: false,
                error: new CliError(
                  `The task stream failed${event.code ? ` (HTTP ${event.code})` : ''}: ${event.message ?? 'no details'}.`,
                ),
              },
        );
      } else if (++failures >= MAX_FAILED_CONNECTS) {
        resolve({
          ok: false,
          error: unreachable(client.target.baseUrl, new Error(event.message ?? 'the stream keeps dropping')),
        });
      }
    });
  });
  source.close();
  if (!ended.ok) throw ended.error;
  // Result, error and timestamps are in the task, not in the events.
  return getTask(client, id);
}

/** One event: a JSON line, a line of text, or the bar redrawn in place. */
function render(out: WatchOutput, name: 'status' | 'progress', data: TaskEventData, maxAttempts: number): void {
  if (out.json) {
    out.write(`${JSON.stringify({ event: name, ...data })}\n`);
    return;
  }
  const pct = Math.max(0, Math.min(100, data.progress));
  const filled = Math.round((pct / 100) * BAR_WIDTH);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
  const line = `${bar} ${pct.toFixed(0).padStart(3)}%  ${data.status.padEnd(9)}  attempt ${data.attempt}/${maxAttempts}${data.message ? `  ${data.message}` : ''}`;
  if (!out.tty) out.write(`${line}\n`);
  // On a terminal the bar redraws in place while running; any other status keeps its own line.
  else out.write(`\r\x1b[K${line}${data.status === 'running' ? '' : '\n'}`);
}
