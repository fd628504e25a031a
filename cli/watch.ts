import { TasklaneApiError, type Tasklane } from '../client/src';
import type { TaskEventData } from '../functions/core/task-events';
import { TERMINAL_STATUSES, type TaskView } from '../functions/core/task';
import { CliError } from './errors';
import { getTask } from './tasks';

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

const BAR_WIDTH = 30;

/**
 * Follows a task on GET /tasks/{id}/stream until its final status and returns the task as it
 * ended. The client's `tasks.watch` resumes a dropped stream with Last-Event-ID (the server ends
 * streams after 14 minutes), so no event is shown twice or lost.
 */
export async function watchTask(client: Tasklane, id: string | undefined, out: WatchOutput): Promise<TaskView> {
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
  try {
    // The stream ends after the final status (or at once, 204, when the task ended in between).
    // The bar and its lines follow status and progress; a task's steps are in `tasklane get`.
    for await (const event of client.tasks.watch(start.task_id))
      if (event.event !== 'step') render(out, event.event, event.data, start.max_attempts);
  } catch (error) {
    // The API answered something other than a stream (401, 404): the task went away after the read.
    if (error instanceof TasklaneApiError)
      throw new CliError(`The task stream failed (HTTP ${error.status}): ${error.message}.`);
    throw error;
  }
  // Result, error and timestamps are in the task, not in the events.
  return getTask(client, start.task_id);
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
