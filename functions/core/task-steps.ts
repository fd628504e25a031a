/** An error as a step stores it (the shape of the task's own `error`). */
export interface StepError {
  name: string;
  message: string;
}

/**
 * The durable steps of a task (ctx.step, ctx.sleep, ctx.createToken / ctx.waitForToken), kept on the
 * task record under `steps`, keyed by name. A resumed or retried run replays run() from the top and
 * reads them back instead of doing the work again (README: "Durable steps").
 */
export type StepKind = 'step' | 'sleep' | 'token';

/**
 * - step: `completed` (its result is stored) or `failed` (its last try threw; the attempt's retry runs it again);
 * - sleep: `sleeping` until its wake time, then `completed`;
 * - token: `open` once created, `waiting` while the task waits for it, then `completed`, `failed` or `timed_out`.
 */
export type StepStatus = 'completed' | 'failed' | 'sleeping' | 'open' | 'waiting' | 'timed_out';

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
  /** A failed step's last error, or the error a token was failed with. */
  error?: StepError;
  /** A sleep's wake time. */
  wake_at?: string;
  /** A token's id, for POST /tokens/{token}/complete and /fail. */
  token?: string;
  /** When a waited-for token times out. */
  timeout_at?: string;
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
}
