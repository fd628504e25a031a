import type { ResultRef } from './result-store';
/** An error as a step stores it (the shape of the task's own `error`). */
export interface StepError {
  name: string;
  message: string;
}

/**
 * The durable steps of a task (ctx.step, ctx.sleep, ctx.createToken / ctx.waitForToken, ctx.spawn /
 * ctx.waitForChildren), kept on the
 * task record under `steps`, keyed by name. A resumed or retried run replays run() from the top and
 * reads them back instead of doing the work again (README: "Durable steps").
 */
export type StepKind = 'step' | 'sleep' | 'token' | 'child' | 'children';

/**
 * - step: `completed` (its result is stored) or `failed` (its last try threw; the attempt's retry runs it again);
 * - sleep: `sleeping` until its wake time, then `completed`;
 * - token: `open` once created, `waiting` while the task waits for it, then `completed`, `failed` or `timed_out`;
 * - child: `running` from its spawn until the child ends, then the child's own end status (written by the child's end);
 * - children (a ctx.waitForChildren): `waiting` until its children ended, then `completed` (or `timed_out`).
 */
export type StepStatus =
  | 'completed'
  | 'failed'
  | 'sleeping'
  | 'open'
  | 'waiting'
  | 'timed_out'
  | 'running'
  | 'canceled'
  | 'expired';

/** One step as stored on the task record. */
export interface StepEntry {
  kind: StepKind;
  /** Order of first use within the task (0, 1, …), so the steps list reads as the run went. */
  index: number;
  status: StepStatus;
  /** Runs of a step's function that ended (succeeded or threw); 1 for sleeps and tokens. */
  attempts: number;
  started_at: string;
  ended_at?: string;
  /** A step's result, or the value a token was completed with. */
  result?: unknown;
  /** Size of `result` as JSON text, in bytes. */
  result_bytes?: number;
  /** Where a result too large for the record is stored instead of `result` (core/result-store.ts). */
  result_ref?: ResultRef;
  /** A failed step's last error, or the error a token was failed with. */
  error?: StepError;
  /** A sleep's wake time. */
  wake_at?: string;
  /** A token's id, for POST /tokens/{token}/complete and /fail. */
  token?: string;
  /** When a waited-for token, or a wait for children, times out. */
  timeout_at?: string;
  /** A child's task id. */
  task_id?: string;
  /** The names of the children a wait is for. */
  children?: string[];
}

/** The public shape of one step in GET /tasks/{id}: no result, only its size. */
export interface StepView {
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempts: number;
  started_at: string;
  ended_at?: string;
  result_bytes?: number;
  error?: StepError;
  wake_at?: string;
  token?: string;
  timeout_at?: string;
  task_id?: string;
  children?: string[];
}

/** The steps of a record as a list in the order the run first reached them; undefined when there are none. */
export function stepViews(steps: Record<string, StepEntry> | undefined): StepView[] | undefined {
  const entries = Object.entries(steps ?? {});
  if (entries.length === 0) return undefined;
  return entries
    .sort(([, a], [, b]) => a.index - b.index)
    .map(([name, entry]) => ({
      name,
      kind: entry.kind,
      status: entry.status,
      attempts: entry.attempts,
      started_at: entry.started_at,
      ended_at: entry.ended_at,
      result_bytes: entry.result_bytes,
      error: entry.error,
      wake_at: entry.wake_at,
      token: entry.token,
      timeout_at: entry.timeout_at,
      task_id: entry.task_id,
      children: entry.children,
    }));
}

/** The durable methods of the task context (TaskContext in task-type.ts; StepJournal in durable-steps.ts). */
export interface DurableContext {
  /** Runs `fn` once per task and stores its JSON result; later runs get the stored result. */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Suspends the task (`sleeping`) for 1 s to a year; run() then replays from the top. */
  sleep(name: string, seconds: number): Promise<void>;
  /** A token for POST /tokens/{token}/complete or /fail, the same on every run. */
  createToken(name: string): Promise<string>;
  /** Suspends the task (`waiting`) until its token is settled; returns the value, or throws for fail and timeout. */
  waitForToken<T = unknown>(name: string, options: { timeoutSeconds: number }): Promise<T>;
  /** Creates a child task of any type once per name (its id derives from this task's and the name); returns its id. */
  spawn(name: string, type: string, payload: unknown, options?: SpawnOptions): Promise<string>;
  /** Suspends the task (`waiting`) until the named children (or all spawned so far) ended; returns their outcomes. */
  waitForChildren(names: readonly string[] | 'all', options?: { timeoutSeconds?: number }): Promise<ChildOutcome[]>;
}

/** What ctx.spawn accepts besides type and payload (as on POST /tasks). */
export interface SpawnOptions {
  webhook_url?: string;
  concurrency_key?: string;
}

/** How one child ended, as ctx.waitForChildren returns it. */
export interface ChildOutcome {
  name: string;
  task_id: string;
  status: 'completed' | 'failed' | 'canceled' | 'expired';
  result?: unknown;
  error?: StepError;
}

/** Whether a child step's child has ended. */
export function childEnded(entry: StepEntry | undefined): boolean {
  return entry?.kind === 'child' && entry.status !== 'running';
}
