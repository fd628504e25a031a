import type { StatusChange, Task, TaskStatus } from '../core/task';
import type { RawSetClauses } from './update-expression';

/**
 * The change feed kept on every task item, so that GET /tasks/{id}/stream can work out from one
 * GetItem exactly which status and progress events a client has not seen (and resume from
 * Last-Event-ID) without an extra table, a stream or a write per event:
 *
 * - `seq` grows with every write that changes status or progress;
 * - `status_history` gets one entry per status change (`status`, `attempt`, `at`, and `progress`
 *   when the change sets it), the oldest dropped beyond HISTORY_LIMIT.
 *
 * An entry cannot hold its own seq: UpdateItem can compute `x + n` into an attribute but not into
 * a list element, and reading the item first would add a read and a race to every transition. So a
 * status change moves `seq` to the next multiple of STATUS_STEP (also kept in `status_seq`), and a
 * progress write adds 1. The entry n places from the end of the history then has seq
 * `status_seq − n × STATUS_STEP`, which `readFeed` derives.
 *
 * A progress write also keeps its own seq in `progress_seq`, and every write that changes a durable
 * step (`steps.<name>`) moves `seq` by 1 too and keeps that seq in `step_seq.<name>` (a map of its
 * own: one update cannot set both `steps.<name>` and a path inside it). A step change made by a
 * status change gets the status change's seq + 1, so it follows that status event. A step's entry
 * keeps only its latest status, so a stream sends that; two changes of one step between two polls
 * show as the later one.
 */

/**
 * The seq step of a status change. Larger than the progress writes one status period can hold: an
 * attempt runs at most 900 s (the Lambda cap) and the ProgressReporter coalesces its writes (1 s
 * apart by default), so even 1 ms apart would make at most 900,000.
 */
export const STATUS_STEP = 1_000_000;

/**
 * Status changes kept per task (24 attempts' worth, so the item stays small and cheap to poll). A
 * client further behind misses only the oldest changes: the latest, the task's current status, is
 * always kept.
 */
export const HISTORY_LIMIT = 50;

export const FEED_ATTRIBUTES = {
  seq: 'seq',
  statusSeq: 'status_seq',
  history: 'status_history',
  progressSeq: 'progress_seq',
  stepSeqs: 'step_seq',
} as const;

/** A history entry as stored: its seq is implied by its position. */
export interface StoredStatusChange {
  status: TaskStatus;
  /**
   * Unset where the writer does not know it (the API canceling a waiting task, the sweeper failing
   * one): both are terminal, so the entry is the last and the task's own `attempts` applies.
   */
  attempt?: number;
  at: string;
  progress?: number;
}

/**
 * What a write adds to the feed: a progress update, a change of the durable step named `step`, or a
 * status change with its history entry (and the step it changes, if any).
 */
export type FeedChange =
  | { kind: 'progress' }
  | { kind: 'step'; step: string }
  | { kind: 'status'; entry: StoredStatusChange; step?: string };

/** Added to an attempt's start, beside the `steps` map: the map of each step's latest seq. */
export const STEP_SEQS_MAP: RawSetClauses = {
  sets: ['#feedStepSeqs = if_not_exists(#feedStepSeqs, :feedNoSteps)'],
  names: { '#feedStepSeqs': FEED_ATTRIBUTES.stepSeqs },
  values: { ':feedNoSteps': {} },
};

/** SET clauses, names and values a write adds for its feed change. */
export function feedUpdate(change: FeedChange): {
  sets: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
} {
  if (change.kind !== 'status') {
    // Both from the old seq: every operand of one UpdateExpression reads the item as it was.
    const own = change.kind === 'progress' ? '#feedProgressSeq' : '#feedStepSeqs.#feedStepName';
    return {
      sets: [
        '#feedSeq = if_not_exists(#feedSeq, :feedZero) + :feedOne',
        `${own} = if_not_exists(#feedSeq, :feedZero) + :feedOne`,
      ],
      names: {
        '#feedSeq': FEED_ATTRIBUTES.seq,
        ...(change.kind === 'progress'
          ? { '#feedProgressSeq': FEED_ATTRIBUTES.progressSeq }
          : { '#feedStepSeqs': FEED_ATTRIBUTES.stepSeqs, '#feedStepName': change.step }),
      },
      values: { ':feedZero': 0, ':feedOne': 1 },
    };
  }
  // With a step, seq goes one past the status change's, to the step's change.
  const step = change.step;
  return {
    sets: [
      // All from the old status_seq: every operand of one UpdateExpression reads the item as it was.
      `#feedSeq = if_not_exists(#feedStatusSeq, :feedZero) + ${step === undefined ? ':feedStep' : ':feedStepAndOne'}`,
      '#feedStatusSeq = if_not_exists(#feedStatusSeq, :feedZero) + :feedStep',
      '#feedHistory = list_append(if_not_exists(#feedHistory, :feedEmpty), :feedEntry)',
      ...(step === undefined
        ? []
        : ['#feedStepSeqs.#feedStepName = if_not_exists(#feedStatusSeq, :feedZero) + :feedStepAndOne']),
    ],
    names: {
      '#feedSeq': FEED_ATTRIBUTES.seq,
      '#feedStatusSeq': FEED_ATTRIBUTES.statusSeq,
      '#feedHistory': FEED_ATTRIBUTES.history,
      ...(step === undefined ? {} : { '#feedStepSeqs': FEED_ATTRIBUTES.stepSeqs, '#feedStepName': step }),
    },
    values: {
      ':feedZero': 0,
      ':feedStep': STATUS_STEP,
      ':feedEmpty': [],
      ':feedEntry': [change.entry],
      ...(step === undefined ? {} : { ':feedStepAndOne': STATUS_STEP + 1 }),
    },
  };
}

/** The feed attributes of a newly created task: seq 0, with its first status as the only entry. */
export function initialFeed(task: Task): Record<string, unknown> {
  const entry: StoredStatusChange = {
    status: task.status,
    attempt: task.attempts,
    at: task.created_at,
    progress: task.progress,
  };
  return { [FEED_ATTRIBUTES.seq]: 0, [FEED_ATTRIBUTES.statusSeq]: 0, [FEED_ATTRIBUTES.history]: [entry] };
}

/**
 * Turns the stored feed attributes of an item into `seq`, `status_history` with each entry's seq,
 * `progress_seq` and `step_seqs`.
 */
export function readFeed(
  item: Record<string, unknown>,
): Pick<Task, 'seq' | 'status_history' | 'progress_seq' | 'step_seqs'> {
  const stored = Array.isArray(item[FEED_ATTRIBUTES.history])
    ? (item[FEED_ATTRIBUTES.history] as StoredStatusChange[])
    : undefined;
  const seq = typeof item[FEED_ATTRIBUTES.seq] === 'number' ? (item[FEED_ATTRIBUTES.seq] as number) : undefined;
  const progressSeq = item[FEED_ATTRIBUTES.progressSeq];
  const stepSeqs = item[FEED_ATTRIBUTES.stepSeqs];
  const own = {
    ...(typeof progressSeq === 'number' ? { progress_seq: progressSeq } : {}),
    ...(stepSeqs && typeof stepSeqs === 'object' ? { step_seqs: stepSeqs as Record<string, number> } : {}),
  };
  if (!stored) return seq === undefined ? own : { seq, ...own };
  const statusSeq =
    typeof item[FEED_ATTRIBUTES.statusSeq] === 'number' ? (item[FEED_ATTRIBUTES.statusSeq] as number) : 0;
  const attempts = typeof item.attempts === 'number' ? item.attempts : 0;
  const history: StatusChange[] = stored.map((entry, i) => ({
    ...entry,
    attempt: entry.attempt ?? attempts,
    seq: statusSeq - (stored.length - 1 - i) * STATUS_STEP,
  }));
  return { seq: seq ?? statusSeq, status_history: history, ...own };
}
