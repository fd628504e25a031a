/**
 * `npm run bench:cost`: only the AWS requests and dollars per task of `npm run bench` (both workloads,
 * the floor and issue 17's targets), printed as JSON; minutes instead of the full run's quarter hour.
 * `BENCH_QUICK=1` uses its small counts. Writes nothing under bench/results.
 */
import { measureAwsCost } from './aws-cost';
import { SETTINGS } from './settings';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const cost = await measureAwsCost(SETTINGS.costTasks, SETTINGS.costTimedTasks, SETTINGS.costLowProgressTasks);
const summary = (w: typeof cost | typeof cost.lowProgress) => ({
  tasks: w.tasks,
  payload: w.payload,
  webhook: w.webhook.note,
  usdPerMillion: w.usdPerMillion.total,
  lines: w.usdPerMillion.lines,
  byFunction: w.usdPerMillion.byFunction,
  perTask: {
    sqsRequests: w.perTask.sqsRequests,
    lambda: w.perTask.lambda.map((l) => ({ function: l.function, invocations: l.invocations, p50Ms: l.ms.p50 })),
    dynamo: w.perTask.dynamo,
    calls: w.perTask.calls,
  },
  floor: w.floor,
  vsFloor: w.vsFloor,
});
console.log(JSON.stringify({ reference: summary(cost), lowProgress: summary(cost.lowProgress) }, null, 2));
