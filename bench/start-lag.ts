import { ratio, summarize, type Summary } from './stats';

/** The timestamps of a completed task that its start lag is read from (RFC 3339, as the API answers). */
export interface StartedTask {
  created_at: string;
  started_at?: string;
  run_at?: string;
}

/**
 * `n` delays from `fromMs` to `toMs`, evenly spread: the tasks come due one by one instead of all at
 * once, and at every fraction of a second, so the rounding of SQS's whole-second DelaySeconds shows.
 */
export function spreadDelaysMs(n: number, fromMs: number, toMs: number): number[] {
  if (n === 1) return [fromMs];
  return Array.from({ length: n }, (_, i) => Math.round(fromMs + (i * (toMs - fromMs)) / (n - 1)));
}

const ms = (iso: string | undefined, field: string): number => {
  const value = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(value)) throw new Error(`a completed task has no valid ${field}: ${iso}`);
  return value;
};

/** started_at − run_at of delayed tasks, and how many of them started before their run_at. */
export function startLag(tasks: readonly StartedTask[]): { lagMs: Summary; startedEarly: number } {
  const lags = tasks.map((t) => ms(t.started_at, 'started_at') - ms(t.run_at, 'run_at'));
  return { lagMs: summarize(lags), startedEarly: lags.filter((lag) => lag < 0).length };
}

/** started_at − created_at: the queue wait of tasks without a delay. */
export function queueWait(tasks: readonly StartedTask[]): Summary {
  return summarize(tasks.map((t) => ms(t.started_at, 'started_at') - ms(t.created_at, 'created_at')));
}

/** The delayed tasks' lag as a multiple of the immediate tasks' wait; null where that wait is 0 ms. */
export function lagRatio(lagMs: Summary, waitMs: Summary): { p50: number | null; p99: number | null } {
  const of = (lag: number, wait: number) => (wait > 0 ? ratio(lag, wait) : null);
  return { p50: of(lagMs.p50, waitMs.p50), p99: of(lagMs.p99, waitMs.p99) };
}
