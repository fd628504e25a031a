import { price, type CostResult } from './aws-cost';
import { startCountedStack, type CountedStack, type TaskBody } from './counted-stack';
import { progress } from './progress';
import { TARGETS } from './settings';
import { alternativesPerMillion, type WorkflowView } from './workflow-stats';

/** Steps of the workflow priced: prepare, process, step-1, step-2, finish (functions/task-types/workflow.ts). */
export const WORKFLOW_STEPS = 5;
/** The shipped `workflow` type with two extra steps: no sleep, no children, no token, no failure. */
export const WORKFLOW_RUN: TaskBody = { type: 'workflow', payload: { extra_steps: WORKFLOW_STEPS - 3 } };

export interface WorkflowCostResult {
  runs: number;
  /** Runs timed uncounted, for the Lambda durations. */
  timedRuns: number;
  task: TaskBody;
  /** What one run does, as the report says it. */
  does: string;
  perRun: CostResult['perTask'];
  usdPerMillion: Pick<CostResult['usdPerMillion'], 'lines' | 'total' | 'byFunction'>;
  comparison: ReturnType<typeof alternativesPerMillion>;
  target: { usd: number; met: boolean };
  idleReceives: number;
  notes: string[];
}

/** Throws unless the last run completed with its five steps stored (the payload does what the report says). */
async function checkLastRun(counted: CountedStack): Promise<void> {
  const { apiUrl, apiKey } = counted.stack;
  const get = async <T>(path: string) =>
    (await (await fetch(`${apiUrl}${path}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as T;
  const { items } = await get<{ items: Array<{ task_id: string }> }>('/tasks?type=workflow&limit=1');
  const view = await get<WorkflowView>(`/tasks/${items[0]?.task_id}`);
  const steps = (view.steps ?? []).filter((s) => s.kind === 'step' && s.status === 'completed');
  if (view.status !== 'completed' || steps.length !== WORKFLOW_STEPS) {
    throw new Error(
      `workflow ${view.task_id} ended ${view.status} with ${steps.length} completed steps, not ${WORKFLOW_STEPS}`,
    );
  }
}

/**
 * AWS calls, Lambda time and dollars of a 5-step workflow, run by run through the counted embedded stack (one
 * pass counted, one timed), priced as the generic task is (bench/aws-cost.ts price), beside Step Functions and Inngest.
 */
export async function measureWorkflowCost(runs: number, timedRuns: number): Promise<WorkflowCostResult> {
  const counted = await startCountedStack();
  try {
    // The first run of a type loads its code: not a per-run cost.
    await counted.run(1, { count: false, task: WORKFLOW_RUN, webhook: false });
    progress(`workflow cost: counting ${runs} runs of ${JSON.stringify(WORKFLOW_RUN)}`);
    const counting = await counted.run(runs, { task: WORKFLOW_RUN, webhook: false });
    await checkLastRun(counted);
    progress(`workflow cost: timing ${timedRuns} more runs uncounted`);
    const timed = await counted.run(timedRuns, { count: false, task: WORKFLOW_RUN, webhook: false });
    const priced = price(
      runs,
      counting.records,
      { postMs: timed.postMs, invocations: timed.invocations, tasks: timedRuns },
      { included: false, delivered: 0, note: 'none' },
      [],
    );
    const total = priced.usdPerMillion.total;
    return {
      runs,
      timedRuns,
      task: WORKFLOW_RUN,
      does:
        'POST /tasks; one worker invocation runs prepare, process, a progress update (50 %), step-1, step-2 and finish, ' +
        'each step one conditional write of its entry on the task item, then completes the task; no webhook',
      perRun: priced.perTask,
      usdPerMillion: {
        lines: priced.usdPerMillion.lines,
        total,
        byFunction: priced.usdPerMillion.byFunction,
      },
      comparison: alternativesPerMillion(WORKFLOW_STEPS),
      target: { usd: TARGETS.workflowUsdPerMillion, met: total <= TARGETS.workflowUsdPerMillion },
      idleReceives: priced.idleReceives,
      notes: priced.notes,
    };
  } finally {
    await counted.stop();
  }
}
