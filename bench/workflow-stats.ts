import { PRICES } from './prices';
import { round } from './stats';

/** One status change as GET /tasks/{id} lists it in `status_history`. */
export interface HistoryEntry {
  status: string;
  at: string;
}

/** The parts of a workflow task's GET /tasks/{id} answer that its resume latency is read from. */
export interface WorkflowView {
  task_id: string;
  status: string;
  status_history: HistoryEntry[];
  steps?: Array<{ name: string; kind: string; status: string; wake_at?: string; task_id?: string }>;
}

/** How a parent's wait for children ended: woken by its last child's end, or by itself (they had all ended before it waited). */
export type ChildResumePath = 'fan-in' | 'self';

/**
 * Dollars per million runs of `steps` steps on the alternatives: Step Functions Standard bills each state
 * transition (one per step, as the issue counts it); Inngest bills each execution, the run itself and each step.
 */
export function alternativesPerMillion(steps: number) {
  const transitions = steps;
  const executions = steps + 1;
  return {
    stepFunctionsStandard: {
      transitions,
      usd: round(transitions * PRICES.stepFunctionsStandardPerThousandTransitions.usd * 1000, 2),
    },
    inngest: { executions, usd: round(executions * PRICES.inngestPerMillionExecutions.usd, 2) },
  };
}

const ms = (iso: string | undefined, what: string, id: string): number => {
  const value = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(value)) throw new Error(`task ${id}: no valid ${what} (${iso})`);
  return value;
};

/** When the task first entered `suspended`, and when it next went `running`; undefined if it never suspended so. */
export function suspension(
  history: readonly HistoryEntry[],
  suspended: 'sleeping' | 'waiting',
): { suspendedAt: string; resumedAt: string } | undefined {
  const from = history.findIndex((h) => h.status === suspended);
  if (from < 0) return undefined;
  const resumed = history.slice(from + 1).find((h) => h.status === 'running');
  return resumed ? { suspendedAt: history[from]!.at, resumedAt: resumed.at } : undefined;
}

/** Milliseconds from a completed workflow's sleep coming due (its step's `wake_at`) to the task running again. */
export function sleepResumeLagMs(view: WorkflowView): number {
  const sleep = view.steps?.find((s) => s.kind === 'sleep');
  const resumed = suspension(view.status_history, 'sleeping');
  if (!resumed) throw new Error(`task ${view.task_id}: no sleeping → running in its status_history`);
  return ms(resumed.resumedAt, 'resume', view.task_id) - ms(sleep?.wake_at, 'sleep wake_at', view.task_id);
}

/**
 * Milliseconds from the last child's terminal write (its `ended_at`) to the parent running again, and how
 * it was woken; undefined for a parent that never waited (every child had ended when it called waitForChildren).
 */
export function childResumeLagMs(
  view: WorkflowView,
  childEndedAt: readonly string[],
): { lagMs: number; path: ChildResumePath } | undefined {
  const waited = suspension(view.status_history, 'waiting');
  if (!waited) return undefined;
  if (childEndedAt.length === 0) throw new Error(`task ${view.task_id}: no children's ended_at given`);
  const lastEnded = Math.max(...childEndedAt.map((at) => ms(at, 'child ended_at', view.task_id)));
  const waitingAt = ms(waited.suspendedAt, 'waiting at', view.task_id);
  return {
    lagMs: ms(waited.resumedAt, 'resume', view.task_id) - lastEnded,
    path: lastEnded >= waitingAt ? 'fan-in' : 'self',
  };
}
