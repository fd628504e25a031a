import { isTerminal, type StatusChange, type Task, type TaskStatus } from './task';

/** The payload of a stream event: the task's state as of that event. */
export interface TaskEventData {
  task_id: string;
  status: TaskStatus;
  /** 0–100; never lower than the previous event's within one attempt. */
  progress: number;
  /** The progress message on progress events; the error on `retrying` and `failed` status events. */
  message?: string;
  attempt: number;
}

/** One Server-Sent Event: `event:` is its name, `id:` its seq (the client's Last-Event-ID on reconnect). */
export interface TaskEvent {
  event: 'status' | 'progress';
  id: number;
  data: TaskEventData;
}

/** The event a fresh stream starts with: the task as it is now. */
export function currentStateEvent(task: Task): TaskEvent {
  return {
    event: 'status',
    id: task.seq ?? 0,
    data: withMessage(
      { task_id: task.id, status: task.status, progress: task.progress, attempt: task.attempts },
      task,
      true,
    ),
  };
}

/**
 * The events a client that has seen everything up to seq `after` has missed, oldest first: one
 * status event per status change since (so a quick `retrying` between two `running` shows), then
 * the current progress if it moved after the last change. `lastProgress` is the progress the
 * caller last sent, for a superseded status change that did not record its own.
 */
export function eventsAfter(task: Task, after: number, lastProgress = 0): TaskEvent[] {
  const seq = task.seq ?? 0;
  if (seq <= after) return [];
  const history = task.status_history ?? [];
  const latest = history.at(-1);
  // A task written before the feed existed: all we know is its current state.
  if (!latest) return [currentStateEvent(task)];
  const events = history
    .filter((change) => change.seq > after)
    .map((change) => statusEvent(task, change, change === latest, lastProgress));
  if (seq > latest.seq && task.status === 'running') {
    events.push({
      event: 'progress',
      id: seq,
      data: {
        task_id: task.id,
        status: task.status,
        progress: task.progress,
        attempt: task.attempts,
        ...(task.progress_message ? { message: task.progress_message } : {}),
      },
    });
  }
  return events;
}

/** Whether `event` is the last one the task will ever have. */
export function isFinalEvent(event: TaskEvent): boolean {
  return event.event === 'status' && isTerminal(event.data.status);
}

/** The Last-Event-ID header as a seq; anything but a non-negative integer counts as absent. */
export function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

function statusEvent(task: Task, change: StatusChange, isLatest: boolean, lastProgress: number): TaskEvent {
  // A change that left progress alone (retry, fail, cancel) happened at the task's current progress
  // if it is the latest; a superseded one (a `retrying` before the next start) at the last one sent.
  const progress = change.progress ?? (isLatest ? task.progress : lastProgress);
  const data: TaskEventData = { task_id: task.id, status: change.status, progress, attempt: change.attempt };
  return { event: 'status', id: change.seq, data: isLatest ? withMessage(data, task, false) : data };
}

/**
 * The error of a `retrying` or `failed` task; for a snapshot of a running task (not the moment it
 * started, which had no message yet) its latest progress message.
 */
function withMessage(data: TaskEventData, task: Task, snapshot: boolean): TaskEventData {
  const message =
    data.status === 'retrying' || data.status === 'failed'
      ? task.error?.message
      : data.status === 'running' && snapshot
        ? task.progress_message
        : undefined;
  return message ? { ...data, message } : data;
}
