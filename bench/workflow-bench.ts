import { progress } from './progress';
import { QUICK } from './settings';
import { measureWorkflowCost, WORKFLOW_STEPS, type WorkflowCostResult } from './workflow-cost';
import { measureResumeLatency, type ResumeLatencyResult } from './workflow-resume';

/** How much the durable-steps bench does (`BENCH_QUICK=1`: small counts, to check the bench itself). */
export const WORKFLOW_SETTINGS = QUICK
  ? { costRuns: 10, costTimedRuns: 5, resumeRuns: 8 }
  : {
      /** 5-step workflows counted for the AWS bill, one at a time. */
      costRuns: 50,
      /** Runs timed without the counting, for Lambda durations. */
      costTimedRuns: 20,
      /** Sleeping workflows, and as many waiting for children, for the resume latency. */
      resumeRuns: 30,
    };

export interface WorkflowResult {
  cost: WorkflowCostResult;
  resume: ResumeLatencyResult;
}

/** The 5-step workflow's cost, then its resume latencies, each on a fresh stack. */
export async function measureWorkflow(): Promise<WorkflowResult> {
  const cost = await measureWorkflowCost(WORKFLOW_SETTINGS.costRuns, WORKFLOW_SETTINGS.costTimedRuns);
  progress(`workflow cost: $${cost.usdPerMillion.total} per million ${WORKFLOW_STEPS}-step runs`);
  const resume = await measureResumeLatency(WORKFLOW_SETTINGS.resumeRuns);
  progress(
    `workflow resume: after a sleep p50 ${resume.sleep.lagMs.p50} ms, p99 ${resume.sleep.lagMs.p99} ms; after the last child p50 ${resume.children.lagMs.p50} ms, p99 ${resume.children.lagMs.p99} ms`,
  );
  return { cost, resume };
}

/** Issue 17's target, as a row of the report's targets table. */
export function workflowTarget({ cost }: WorkflowResult): { target: string; value: string; met: boolean } {
  return {
    target: `≤ $${cost.target.usd} per million ${WORKFLOW_STEPS}-step workflow runs`,
    value: `$${cost.usdPerMillion.total}`,
    met: cost.target.met,
  };
}

const ms = (value: number) => value.toFixed(1);

/** The report's durable-steps sections: cost per million runs against the alternatives, and resume latency. */
export function renderWorkflow({ cost: c, resume: r }: WorkflowResult): string {
  const p = c.perRun;
  const lambda = p.lambda
    .map((l) => `${l.function} ${l.invocations} invocation × ${ms(l.ms.p50)} ms p50 at ${l.memoryMb} MB`)
    .join('; ');
  const calls = Object.entries(p.calls)
    .map(([k, v]) => `${k} ${v.calls}${v.wru ? ` (${v.wru} WRU)` : ''}${v.rru ? ` (${v.rru} RRU)` : ''}`)
    .join(', ');
  const rows = [
    ...c.usdPerMillion.lines.map((l) => `| ${l.item} | ${l.usd.toFixed(2)} |`),
    `| **Tasklane total** | **${c.usdPerMillion.total.toFixed(2)}** |`,
    `| Step Functions Standard (${c.comparison.stepFunctionsStandard.transitions} state transitions, orchestration alone) | ${c.comparison.stepFunctionsStandard.usd.toFixed(2)} |`,
    `| Inngest (${c.comparison.inngest.executions} executions: the run and each step) | ${c.comparison.inngest.usd.toFixed(2)} |`,
  ];
  const fanIn = r.children;
  return `## Durable steps: cost of a ${WORKFLOW_STEPS}-step workflow

${c.runs} runs of \`${JSON.stringify(c.task)}\` through the embedded stack, one at a time, every AWS call
counted and priced as the generic task is (bench/aws-cost.ts; Lambda durations from ${c.timedRuns} more runs, uncounted). One run:
${c.does}.

Per run: ${p.apiGatewayRequests} API Gateway request; ${lambda}; SQS ${p.sqsRequests} requests; DynamoDB ${p.dynamo.wru} WRU
(table ${p.dynamo.wruTable}, indexes ${p.dynamo.wruIndexes}) and ${p.dynamo.rru} RRU.
Calls: ${calls}.

| item | $ per million runs |
|---|---|
${rows.join('\n')}

Target ≤ $${c.target.usd} (issue 17): ${c.target.met ? 'met' : '**missed**'}. The alternatives are their orchestration
charge alone; their compute (Lambda, or the host Inngest calls) comes on top. Not per run: idle long polling
(${c.idleReceives} empty receives), the sweeper, CloudWatch Logs.

## Durable steps: resume latency (local)

On a fresh local stack in its own process, workflows created ${r.gapMs} ms apart; latencies from the records:
the \`running\` entry of \`status_history\` after the suspension, against the sleep step's \`wake_at\` or the
children's \`ended_at\` (their terminal write).

- **After a sleep** (${r.sleep.runs} workflows sleeping ${r.sleep.sleepSeconds.join(' or ')} s): p50 ${ms(r.sleep.lagMs.p50)} ms, p99 ${ms(r.sleep.lagMs.p99)} ms, max ${ms(r.sleep.lagMs.max)} ms.
- **After the last child ends** (${fanIn.runs} parents of ${fanIn.children} \`generic\` children of ${fanIn.childMs} ms): p50 ${ms(fanIn.lagMs.p50)} ms, p99 ${ms(fanIn.lagMs.p99)} ms, max ${ms(fanIn.lagMs.max)} ms over the ${fanIn.lagMs.n} parents woken by their last child's end
  (${fanIn.selfWoken} woke themselves, their children having ended before they waited; ${fanIn.neverWaited} never waited).

What bounds them: a sleep within 15 min comes back as a message with a whole-second DelaySeconds, rounded up
from the suspend (so never early, up to 1 s late), then the queue wait (locally the poller's 1 s long poll,
which fauxqs ends within about 20 ms of a message becoming visible; in AWS the event source mapping's polling).
A last child's end sends the parent's resume message at once (core/child-fan-in.ts), so only the queue wait
remains. The sweeper (locally every 10 s, in AWS every minute) is only the safety net: it re-sends a resume
lost 5 min after it was due, and looks at a parent waiting for children every 15 min.
`;
}
