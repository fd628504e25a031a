import { isTerminal, type StatusChange, type Task, type TaskStatus } from './task';
import type { StepKind, StepStatus } from './task-steps';

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

/** The payload of a `step` event: a durable step's new status (README: "Durable steps"). */
export interface StepEventData {
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  /** When the step ended, for an ended status; when it started otherwise. */
  at: string;
}

/** One Server-Sent Event: `event:` is its name, `id:` its seq (the client's Last-Event-ID on reconnect). */
export type TaskEvent =
  | { event: 'status' | 'progress'; id: number; data: TaskEventData }
  | { event: 'step'; id: number; data: StepEventData };

/** The step statuses that begin a step or keep it going; the others end it (its `ended_at`). */
const UNENDED_STEP: ReadonlySet<StepStatus> = new Set<StepStatus>(['open', 'waiting', 'sleeping', 'running']);

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
 * The events a client that has seen everything up to seq `after` has missed, in seq order: one
 * status event per status change since (so a quick `retrying` between two `running` shows), one
 * step event per durable step that changed since (with its latest status), and the current progress
 * if it moved after the last status change. `lastProgress` is the progress the caller last sent, for
 * a superseded status change that did not record its own. Nothing follows a terminal status event:
 * a child that ends after its parent marks its spawn step, but the parent's stream has ended.
 */
export function eventsAfter(task: Task, after: number, lastProgress = 0): TaskEvent[] {
  const seq = task.seq ?? 0;
  if (seq <= after) return [];
  const history = task.status_history ?? [];
  const latest = history.at(-1);
  // A task written before the feed existed: all we know is its current state.
  if (!latest) return [currentStateEvent(task)];
  const events: TaskEvent[] = history
    .filter((change) => change.seq > after)
    .map((change) => statusEvent(task, change, change === latest, lastProgress));
  events.push(...stepEvents(task, after));
  // Items written before progress writes kept their own seq (they have no step seqs either): the latest write
  // was progress. Newer items without progress_seq had no progress write: their seq may be a step's.
  const progressSeq = task.progress_seq ?? (task.step_seqs ? undefined : seq);
  if (progressSeq !== undefined && progressSeq > latest.seq && progressSeq > after && task.status === 'running') {
    events.push({
      event: 'progress',
      id: progressSeq,
      data: {
        task_id: task.id,
        status: task.status,
        progress: task.progress,
        attempt: task.attempts,
        ...(task.progress_message ? { message: task.progress_message } : {}),
      },
    });
  }
  const ordered = events.sort((a, b) => a.id - b.id);
  return isTerminal(task.status) ? ordered.filter((event) => event.id <= latest.seq) : ordered;
}

/** A step event for each durable step whose latest change has a seq after `after`. */
function stepEvents(task: Task, after: number): TaskEvent[] {
  return Object.entries(task.step_seqs ?? {}).flatMap(([name, stepSeq]): TaskEvent[] => {
    const entry = task.steps?.[name];
    if (!entry || stepSeq <= after) return [];
    const at = UNENDED_STEP.has(entry.status) ? entry.started_at : (entry.ended_at ?? entry.started_at);
    return [
      {
        event: 'step',
        id: stepSeq,
        data: { name, kind: entry.kind, status: entry.status, attempts: entry.attempts, at },
      },
    ];
  });
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
