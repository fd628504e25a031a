import { API_ORIGIN, type CallRecord, type Invocation } from './instrument';
import { costFloor, type CostFloor } from './cost-floor';
import { COST_PAYLOAD, LOW_PROGRESS_PAYLOAD, startCountedStack, type CostPayload } from './counted-stack';
import { PRICES, STEP_FUNCTIONS_TRANSITIONS_PER_TASK } from './prices';
import { progress } from './progress';
import { SETTINGS } from './settings';
import { round, summarize, type Summary } from './stats';

/** The API function's memory (infra/constructs/api.ts); workers report theirs in the Lambda context. */
const API_MEMORY_MB = 512;

export interface LambdaUsage {
  function: string;
  memoryMb: number;
  invocations: number;
  recordsPerInvocation: number;
  ms: Summary;
  gbSeconds: number;
}

/** The bill of one workload: generic tasks with one payload. */
export interface WorkloadCost {
  tasks: number;
  payload: CostPayload;
  webhook: { included: boolean; delivered: number; note: string };
  notes: string[];
  perTask: {
    apiGatewayRequests: number;
    lambda: LambdaUsage[];
    sqsRequests: number;
    dynamo: { wru: number; wruTable: number; wruIndexes: number; rru: number; wruKeysOnly: number };
    s3: { put: number; get: number };
    ses: number;
    /** Calls per task by `Service.Operation`, with DynamoDB units. */
    calls: Record<string, { calls: number; wru: number; rru: number }>;
  };
  /** Empty receives of the whole run (idle long polling: a fixed cost, not per task). */
  idleReceives: number;
  usdPerMillion: {
    lines: Array<{ item: string; usd: number }>;
    total: number;
    /** The same total by who spends it: each function (its Lambda time, its calls) and each event source mapping. */
    byFunction: Record<string, number>;
    totalWithKeysOnlyIndexes: number;
  };
  comparison: { stepFunctionsStandardTransitions: number; qstashMessages: number };
  /** The least these tasks can cost (cost-floor.ts), from the same prices and this run's durations. */
  floor: CostFloor;
  /** Measured total ÷ floor. */
  vsFloor: number;
}

/** The reference workload (COST_PAYLOAD), and the same tasks with as little progress as generic allows. */
export interface CostResult extends WorkloadCost {
  lowProgress: WorkloadCost;
}

/**
 * AWS calls, Lambda time and dollars of generic tasks run through the embedded stack: one pass counts
 * every call with its DynamoDB units (reading each item before and after a write, which slows the
 * calls), a second, uncounted pass times the handlers.
 */
export async function measureAwsCost(
  tasks: number,
  timedTasks: number,
  lowProgressTasks = SETTINGS.costLowProgressTasks,
): Promise<CostResult> {
  const counted = await startCountedStack();
  try {
    progress(
      `aws cost: counting ${tasks} generic tasks (${COST_PAYLOAD.steps} progress updates each${counted.webhookUrl ? ', a webhook each' : ''})`,
    );
    const counting = await counted.run(tasks);
    const webhook = {
      included: Boolean(counted.webhookUrl),
      delivered: counting.delivered,
      note: counted.webhookUrl
        ? `${counting.delivered} of ${tasks} webhooks delivered to a local receiver`
        : 'not included (see notes)',
    };
    progress(`aws cost: timing ${timedTasks} more tasks uncounted`);
    const timed = await counted.run(timedTasks, { count: false });
    const reference = price(
      tasks,
      counting.records,
      { postMs: timed.postMs, invocations: timed.invocations, tasks: timedTasks },
      webhook,
      counted.notes,
    );

    const payload = LOW_PROGRESS_PAYLOAD;
    progress(
      `aws cost: counting ${lowProgressTasks} generic tasks with ${payload.steps} progress update, then timing as many`,
    );
    const low = await counted.run(lowProgressTasks, { task: { type: 'generic', payload } });
    const lowTimed = await counted.run(lowProgressTasks, { count: false, task: { type: 'generic', payload } });
    const lowProgress = price(
      lowProgressTasks,
      low.records,
      { postMs: lowTimed.postMs, invocations: lowTimed.invocations, tasks: lowProgressTasks },
      { ...webhook, delivered: low.delivered, note: `${low.delivered} of ${lowProgressTasks} webhooks delivered` },
      [],
      payload,
    );
    return { ...reference, lowProgress };
  } finally {
    await counted.stop();
  }
}

/** Dollars of one call: SQS requests, DynamoDB units, S3 and SES requests. */
function callUsd(r: CallRecord): number {
  const perMillion = (usd: number) => usd / 1_000_000;
  const wru = (r.wru.current?.table ?? 0) + (r.wru.current?.indexes ?? 0);
  switch (r.service) {
    case 'SQS':
      return r.requests * perMillion(PRICES.sqsStandardPerMillion.usd);
    case 'DynamoDB':
      return wru * perMillion(PRICES.dynamoWritePerMillion.usd) + r.rru * perMillion(PRICES.dynamoReadPerMillion.usd);
    case 'S3':
      return (/^(Get|Head)/.test(r.operation) ? PRICES.s3GetPerThousand.usd : PRICES.s3PutPerThousand.usd) / 1000;
    case 'SES':
    case 'SESv2':
      return PRICES.sesPerThousand.usd / 1000;
    default:
      return 0;
  }
}

function lambdaUsage(name: string, memoryMb: number, durations: number[], records: number, tasks: number): LambdaUsage {
  // Lambda bills duration rounded up to the millisecond, per invocation.
  const gbSeconds = durations.reduce((sum, ms) => sum + (Math.ceil(ms) / 1000) * (memoryMb / 1024), 0);
  return {
    function: name,
    memoryMb,
    invocations: round(durations.length / tasks),
    recordsPerInvocation: round(records / Math.max(1, durations.length), 2),
    ms: summarize(durations),
    gbSeconds: round(gbSeconds / tasks, 6),
  };
}

/** Per-task usage and its price per million tasks. */
export interface Timing {
  tasks: number;
  /** POST /tasks as the client saw it. */
  postMs: number[];
  invocations: Invocation[];
}

/** Per-task usage and its price per million tasks: calls from the counted pass, Lambda time from the timed one. */
export function price(
  tasks: number,
  records: CallRecord[],
  timing: Timing,
  webhook: WorkloadCost['webhook'],
  notes: string[],
  payload: CostPayload = COST_PAYLOAD,
): WorkloadCost {
  const billed = records.filter((r) => !r.empty);
  const calls: WorkloadCost['perTask']['calls'] = {};
  for (const r of billed) {
    const key = `${r.service}.${r.operation}`;
    calls[key] ??= { calls: 0, wru: 0, rru: 0 };
    const entry = calls[key];
    entry.calls += r.requests;
    entry.wru += (r.wru.current?.table ?? 0) + (r.wru.current?.indexes ?? 0);
    entry.rru += r.rru;
  }
  for (const entry of Object.values(calls)) {
    entry.calls = round(entry.calls / tasks, 2);
    entry.wru = round(entry.wru / tasks, 2);
    entry.rru = round(entry.rru / tasks, 2);
  }
  const sum = (pick: (r: CallRecord) => number) => billed.reduce((s, r) => s + pick(r), 0) / tasks;
  const dynamo = {
    wruTable: round(
      sum((r) => r.wru.current?.table ?? 0),
      2,
    ),
    wruIndexes: round(
      sum((r) => r.wru.current?.indexes ?? 0),
      2,
    ),
    wru: round(
      sum((r) => (r.wru.current?.table ?? 0) + (r.wru.current?.indexes ?? 0)),
      2,
    ),
    wruKeysOnly: round(
      sum((r) => (r.wru.keysOnly?.table ?? 0) + (r.wru.keysOnly?.indexes ?? 0)),
      2,
    ),
    rru: round(
      sum((r) => r.rru),
      2,
    ),
  };
  const count = (service: string, operations?: RegExp) =>
    round(
      sum((r) => (r.service === service && (!operations || operations.test(r.operation)) ? r.requests : 0)),
      3,
    );
  const s3 = {
    put: count('S3', /^(Put|Copy|Post|List|CreateMultipart|UploadPart|CompleteMultipart)/),
    get: count('S3', /^(Get|Head)/),
  };

  const invocationsOf = new Map<string, Invocation[]>();
  for (const i of timing.invocations)
    invocationsOf.set(i.functionName, [...(invocationsOf.get(i.functionName) ?? []), i]);
  const lambda = [
    // API Gateway invokes the API function once per request; its duration is the request as the client saw it (an upper bound).
    lambdaUsage(API_ORIGIN, API_MEMORY_MB, timing.postMs, timing.postMs.length, timing.tasks),
    ...[...invocationsOf].map(([name, list]) =>
      lambdaUsage(
        name,
        list[0]!.memoryMb,
        list.map((i) => i.ms),
        list.reduce((s, i) => s + i.records, 0),
        timing.tasks,
      ),
    ),
  ];
  notes.push(
    'Authorizer: 0 invocations per task; API Gateway caches its answer per key (authorizerCacheTtlSeconds, 60 s).',
  );

  const perTask = {
    apiGatewayRequests: 1,
    lambda,
    sqsRequests: count('SQS'),
    dynamo,
    s3,
    ses: count('SES') + count('SESv2'),
    calls,
  };
  const lambdaRequests = lambda.reduce((s, l) => s + l.invocations, 0);
  const gbSeconds = lambda.reduce((s, l) => s + l.gbSeconds, 0);
  const million = 1_000_000;
  const lines = [
    { item: 'API Gateway HTTP API requests', usd: perTask.apiGatewayRequests * PRICES.apiGatewayHttpPerMillion.usd },
    { item: 'Lambda requests', usd: lambdaRequests * PRICES.lambdaRequestsPerMillion.usd },
    { item: 'Lambda duration (Arm)', usd: gbSeconds * PRICES.lambdaArmGbSecond.usd * million },
    { item: 'SQS requests', usd: perTask.sqsRequests * PRICES.sqsStandardPerMillion.usd },
    { item: 'DynamoDB writes', usd: dynamo.wru * PRICES.dynamoWritePerMillion.usd },
    { item: 'DynamoDB reads', usd: dynamo.rru * PRICES.dynamoReadPerMillion.usd },
    { item: 'S3 requests', usd: (s3.put * PRICES.s3PutPerThousand.usd + s3.get * PRICES.s3GetPerThousand.usd) * 1000 },
    { item: 'SES', usd: perTask.ses * PRICES.sesPerThousand.usd * 1000 },
  ].map((l) => ({ item: l.item, usd: round(l.usd, 2) }));
  const total = round(
    lines.reduce((s, l) => s + l.usd, 0),
    2,
  );
  const byFunction: Record<string, number> = {};
  const add = (who: string, usd: number) => (byFunction[who] = (byFunction[who] ?? 0) + usd);
  for (const r of billed) add(r.origin, (callUsd(r) * million) / tasks);
  for (const l of lambda)
    add(
      l.function,
      l.invocations * PRICES.lambdaRequestsPerMillion.usd + l.gbSeconds * PRICES.lambdaArmGbSecond.usd * million,
    );
  add(API_ORIGIN, perTask.apiGatewayRequests * PRICES.apiGatewayHttpPerMillion.usd);
  for (const who of Object.keys(byFunction)) byFunction[who] = round(byFunction[who]!, 2);
  const keysOnlyDelta = (dynamo.wruKeysOnly - dynamo.wru) * PRICES.dynamoWritePerMillion.usd;
  // The floor's two invocations at the durations measured here: the API's and the task worker's, one each.
  const perInvocation = (l: LambdaUsage | undefined) => (l && l.invocations > 0 ? l.gbSeconds / l.invocations : 0);
  const floor = costFloor(payload.steps, {
    api: perInvocation(lambda.find((l) => l.function === API_ORIGIN)),
    worker: perInvocation(lambda.find((l) => l.function.endsWith('-generic'))),
  });
  return {
    tasks,
    payload,
    webhook,
    notes,
    perTask,
    idleReceives: records.filter((r) => r.empty).length,
    usdPerMillion: { lines, total, byFunction, totalWithKeysOnlyIndexes: round(total + keysOnlyDelta, 2) },
    comparison: {
      stepFunctionsStandardTransitions: round(
        STEP_FUNCTIONS_TRANSITIONS_PER_TASK * PRICES.stepFunctionsStandardPerThousandTransitions.usd * 1000,
        2,
      ),
      qstashMessages: round((PRICES.qstashPerHundredThousand.usd / 100_000) * million, 2),
    },
    floor,
    vsFloor: round(total / floor.usdPerMillion, 2),
  };
}
