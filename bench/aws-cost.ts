import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GSI_DEFINITIONS, TABLE_KEY, taskKey } from '../functions/adapters/table-schema';
import { LOCAL_TENANT, startLocalStack, type LocalStack } from '../local/stack';
import { API_ORIGIN, SdkCallLog, timeHandlers, type CallRecord, type Invocation } from './instrument';
import { PRICES, STEP_FUNCTIONS_TRANSITIONS_PER_TASK } from './prices';
import { progress } from './progress';
import { TARGETS } from './settings';
import { round, summarize, type Summary } from './stats';

/** The task priced: 10 steps, no work, every progress update written (as if they came ≥ 1 s apart). */
export const COST_PAYLOAD = { steps: 10, step_ms: 0 };
/** The API function's memory (infra/constructs/api.ts); workers report theirs in the Lambda context. */
const API_MEMORY_MB = 512;
/** The pollers delete messages after the handler returns (as the event source mapping does): wait for the last deletes. */
const SETTLE_MS = 1500;

/** The current index layout, and the alternative the report prices: every index KEYS_ONLY. */
const LAYOUTS = {
  current: GSI_DEFINITIONS,
  keysOnly: GSI_DEFINITIONS.map((g) => ({ ...g, projection: 'KEYS_ONLY' as const })),
};

export interface LambdaUsage {
  function: string;
  memoryMb: number;
  invocations: number;
  recordsPerInvocation: number;
  ms: Summary;
  gbSeconds: number;
}

export interface CostResult {
  tasks: number;
  payload: typeof COST_PAYLOAD;
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
  targetMet: boolean;
}

interface Receiver {
  server: Server;
  url: string;
  received: () => number;
}

function startReceiver(): Promise<Receiver> {
  let received = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received: () => received })),
  );
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(10);
  }
}

async function createTask(stack: LocalStack, webhookUrl: string | undefined): Promise<{ status: number; id?: string; ms: number; error?: string }> {
  const t0 = performance.now();
  const res = await fetch(`${stack.apiUrl}/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'generic', payload: COST_PAYLOAD, ...(webhookUrl ? { webhook_url: webhookUrl } : {}) }),
  });
  const body = (await res.json()) as { task_id?: string; error?: { message: string } };
  return { status: res.status, id: body.task_id, ms: performance.now() - t0, error: body.error?.message };
}

/** Status of a task, read with a client the counter ignores. */
async function taskStatus(stack: LocalStack, reader: DynamoDBClient, id: string): Promise<string | undefined> {
  const key = { [TABLE_KEY]: { S: taskKey(LOCAL_TENANT, id) } };
  const { Item } = await reader.send(new GetItemCommand({ TableName: stack.config.tableName, Key: key, ConsistentRead: true }));
  return Item?.status?.S;
}

/** Tasks run one at a time, so each invocation has one record and its duration is not shared with others, as in Lambda. */
async function runSequentially(stack: LocalStack, reader: DynamoDBClient, receiver: Receiver, webhookUrl: string | undefined, tasks: number): Promise<number[]> {
  const postMs: number[] = [];
  for (let i = 0; i < tasks; i++) {
    const webhooks = receiver.received();
    const out = await createTask(stack, webhookUrl);
    if (out.status !== 202 || !out.id) throw new Error(`POST /tasks answered ${out.status}: ${out.error}`);
    postMs.push(out.ms);
    await until(async () => (await taskStatus(stack, reader, out.id!)) === 'completed', 30_000, `task ${out.id} to complete`);
    if (webhookUrl) await until(() => receiver.received() > webhooks, 10_000, `the webhook of task ${out.id}`);
  }
  await sleep(SETTLE_MS);
  return postMs;
}

/**
 * AWS calls, Lambda time and dollars of generic tasks run through the embedded stack: one pass counts
 * every call with its DynamoDB units (reading each item before and after a write, which slows the
 * calls), a second, uncounted pass times the handlers.
 */
export async function measureAwsCost(tasks: number, timedTasks: number): Promise<CostResult> {
  const log = new SdkCallLog().install();
  const handlers = timeHandlers();
  const receiver = await startReceiver();
  // Rate limiting stays on as deployed (its window write is part of the bill), with room for the run.
  const stack = await startLocalStack({ port: 0, rateLimitPerSecond: 1_000_000, rateLimitBurst: 1_000_000, progressIntervalMs: 0, scheduleIntervalMs: 0 });
  const reader = new DynamoDBClient({ region: 'us-east-1', endpoint: stack.endpoints.dynamodb, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const notes: string[] = [];
  try {
    log.measureCapacity({ reader, tableName: stack.config.tableName, layouts: LAYOUTS });
    // One task first, uncounted: per-tenant one-offs (e.g. a webhook signing secret) are not per-task costs.
    let webhookUrl: string | undefined = receiver.url;
    let warmUp = await createTask(stack, webhookUrl);
    if (warmUp.status === 400) {
      notes.push(`webhook_url refused by the API (${warmUp.error}); tasks created without a webhook.`);
      webhookUrl = undefined;
      warmUp = await createTask(stack, undefined);
    }
    if (warmUp.status !== 202 || !warmUp.id) throw new Error(`POST /tasks answered ${warmUp.status}: ${warmUp.error}`);
    await until(async () => (await taskStatus(stack, reader, warmUp.id!)) === 'completed', 30_000, 'the first task to complete');
    if (webhookUrl) {
      await until(() => receiver.received() > 0, 10_000, 'the first webhook').catch((error: Error) => {
        notes.push(`${error.message}: webhooks not included.`);
        webhookUrl = undefined;
      });
    }
    await sleep(SETTLE_MS);
    log.reset();
    handlers.invocations.length = 0;

    progress(`aws cost: counting ${tasks} generic tasks (${COST_PAYLOAD.steps} progress updates each${webhookUrl ? ', a webhook each' : ''})`);
    const delivered = receiver.received();
    await runSequentially(stack, reader, receiver, webhookUrl, tasks);
    const records = [...log.records];
    const webhook = {
      included: Boolean(webhookUrl),
      delivered: receiver.received() - delivered,
      note: webhookUrl ? `${receiver.received() - delivered} of ${tasks} webhooks delivered to a local receiver` : 'not included (see notes)',
    };

    progress(`aws cost: timing ${timedTasks} more tasks uncounted`);
    log.enabled = false;
    handlers.invocations.length = 0;
    const postMs = await runSequentially(stack, reader, receiver, webhookUrl, timedTasks);
    return price(tasks, records, { postMs, invocations: [...handlers.invocations], tasks: timedTasks }, webhook, notes);
  } finally {
    log.uninstall();
    handlers.uninstall();
    await stack.stop();
    reader.destroy();
    receiver.server.close();
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
export function price(tasks: number, records: CallRecord[], timing: Timing, webhook: CostResult['webhook'], notes: string[]): CostResult {
  const billed = records.filter((r) => !r.empty);
  const calls: CostResult['perTask']['calls'] = {};
  for (const r of billed) {
    const key = `${r.service}.${r.operation}`;
    const entry = (calls[key] ??= { calls: 0, wru: 0, rru: 0 });
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
    wruTable: round(sum((r) => r.wru.current?.table ?? 0), 2),
    wruIndexes: round(sum((r) => r.wru.current?.indexes ?? 0), 2),
    wru: round(sum((r) => (r.wru.current?.table ?? 0) + (r.wru.current?.indexes ?? 0)), 2),
    wruKeysOnly: round(sum((r) => (r.wru.keysOnly?.table ?? 0) + (r.wru.keysOnly?.indexes ?? 0)), 2),
    rru: round(sum((r) => r.rru), 2),
  };
  const count = (service: string, operations?: RegExp) => round(sum((r) => (r.service === service && (!operations || operations.test(r.operation)) ? r.requests : 0)), 3);
  const s3 = { put: count('S3', /^(Put|Copy|Post|List|CreateMultipart|UploadPart|CompleteMultipart)/), get: count('S3', /^(Get|Head)/) };

  const invocationsOf = new Map<string, Invocation[]>();
  for (const i of timing.invocations) invocationsOf.set(i.functionName, [...(invocationsOf.get(i.functionName) ?? []), i]);
  const lambda = [
    // API Gateway invokes the API function once per request; its duration is the request as the client saw it (an upper bound).
    lambdaUsage(API_ORIGIN, API_MEMORY_MB, timing.postMs, timing.postMs.length, timing.tasks),
    ...[...invocationsOf].map(([name, list]) => lambdaUsage(name, list[0]!.memoryMb, list.map((i) => i.ms), list.reduce((s, i) => s + i.records, 0), timing.tasks)),
  ];
  notes.push('Authorizer: 0 invocations per task; API Gateway caches its answer per key (authorizerCacheTtlSeconds, 60 s).');

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
    { item: 'API Gateway REST requests', usd: perTask.apiGatewayRequests * PRICES.apiGatewayRestPerMillion.usd },
    { item: 'Lambda requests', usd: lambdaRequests * PRICES.lambdaRequestsPerMillion.usd },
    { item: 'Lambda duration (Arm)', usd: gbSeconds * PRICES.lambdaArmGbSecond.usd * million },
    { item: 'SQS requests', usd: perTask.sqsRequests * PRICES.sqsStandardPerMillion.usd },
    { item: 'DynamoDB writes', usd: dynamo.wru * PRICES.dynamoWritePerMillion.usd },
    { item: 'DynamoDB reads', usd: dynamo.rru * PRICES.dynamoReadPerMillion.usd },
    { item: 'S3 requests', usd: (s3.put * PRICES.s3PutPerThousand.usd + s3.get * PRICES.s3GetPerThousand.usd) * 1000 },
    { item: 'SES', usd: perTask.ses * PRICES.sesPerThousand.usd * 1000 },
  ].map((l) => ({ item: l.item, usd: round(l.usd, 2) }));
  const total = round(lines.reduce((s, l) => s + l.usd, 0), 2);
  const byFunction: Record<string, number> = {};
  const add = (who: string, usd: number) => (byFunction[who] = (byFunction[who] ?? 0) + usd);
  for (const r of billed) add(r.origin, (callUsd(r) * million) / tasks);
  for (const l of lambda) add(l.function, l.invocations * PRICES.lambdaRequestsPerMillion.usd + l.gbSeconds * PRICES.lambdaArmGbSecond.usd * million);
  add(API_ORIGIN, perTask.apiGatewayRequests * PRICES.apiGatewayRestPerMillion.usd);
  for (const who of Object.keys(byFunction)) byFunction[who] = round(byFunction[who]!, 2);
  const keysOnlyDelta = (dynamo.wruKeysOnly - dynamo.wru) * PRICES.dynamoWritePerMillion.usd;
  return {
    tasks,
    payload: COST_PAYLOAD,
    webhook,
    notes,
    perTask,
    idleReceives: records.filter((r) => r.empty).length,
    usdPerMillion: { lines, total, byFunction, totalWithKeysOnlyIndexes: round(total + keysOnlyDelta, 2) },
    comparison: {
      stepFunctionsStandardTransitions: round(STEP_FUNCTIONS_TRANSITIONS_PER_TASK * PRICES.stepFunctionsStandardPerThousandTransitions.usd * 1000, 2),
      qstashMessages: round((PRICES.qstashPerHundredThousand.usd / 100_000) * million, 2),
    },
    targetMet: total <= TARGETS.usdPerMillion,
  };
}
