import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GSI_DEFINITIONS, TABLE_KEY, taskKey } from '../functions/adapters/table-schema';
import { LOCAL_TENANT, startLocalStack, type LocalStack } from '../local/stack';
import { SdkCallLog, timeHandlers, type CallRecord, type Invocation } from './instrument';

/** The task priced: 10 steps, no work, every progress update written (as if they came ≥ 1 s apart). */
export const COST_PAYLOAD = { steps: 10, step_ms: 0 };
/** What a pass creates: a task type and its payload (generic tasks of COST_PAYLOAD unless told). */
export interface TaskBody {
  type: string;
  payload: unknown;
}
const GENERIC: TaskBody = { type: 'generic', payload: COST_PAYLOAD };

/** The second workload priced: as little progress as generic allows (one step, so one update). */
export const LOW_PROGRESS_PAYLOAD = { steps: 1, step_ms: 0 };

export type CostPayload = typeof COST_PAYLOAD;
/** The pollers delete messages after the handler returns (as the event source mapping does): wait for the last deletes. */
const SETTLE_MS = 1500;

/** The current index layout, and the alternative the report prices: every index KEYS_ONLY. */
const LAYOUTS = {
  current: GSI_DEFINITIONS,
  keysOnly: GSI_DEFINITIONS.map((g) => ({ ...g, projection: 'KEYS_ONLY' as const })),
};

/** One pass of tasks: the AWS calls it made (when counted) and the handlers' invocations. */
export interface Pass {
  records: CallRecord[];
  invocations: Invocation[];
  /** POST /tasks as the client saw it. */
  postMs: number[];
  /** Webhooks the local receiver got during the pass. */
  delivered: number;
}

/** A local stack whose every AWS call is counted, with DynamoDB write units modelled per index layout. */
export interface CountedStack {
  stack: LocalStack;
  /** Set when the API took the local receiver as a webhook target (it may refuse loopback URLs). */
  webhookUrl: string | undefined;
  notes: string[];
  /**
   * Runs tasks one at a time (generic unless `task` says otherwise, with a webhook unless `webhook` is false);
   * with `count` false the calls pass uncounted (and faster). `onTask` hears of each completed task (for progress lines).
   */
  run(
    tasks: number,
    options?: { count?: boolean; onTask?: (done: number) => void; task?: TaskBody; webhook?: boolean },
  ): Promise<Pass>;
  stop(): Promise<void>;
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
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        received: () => received,
      }),
    ),
  );
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(10);
  }
}

async function createTask(
  stack: LocalStack,
  webhookUrl: string | undefined,
  task: TaskBody = GENERIC,
): Promise<{ status: number; id?: string; ms: number; error?: string }> {
  const t0 = performance.now();
  const res = await fetch(`${stack.apiUrl}/tasks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ...task,
      ...(webhookUrl ? { webhook_url: webhookUrl } : {}),
    }),
  });
  const body = (await res.json()) as { task_id?: string; error?: { message: string } };
  return { status: res.status, id: body.task_id, ms: performance.now() - t0, error: body.error?.message };
}

/** Status of a task, read with a client the counter ignores. */
async function taskStatus(stack: LocalStack, reader: DynamoDBClient, id: string): Promise<string | undefined> {
  const key = { [TABLE_KEY]: { S: taskKey(LOCAL_TENANT, id) } };
  const { Item } = await reader.send(
    new GetItemCommand({ TableName: stack.config.tableName, Key: key, ConsistentRead: true }),
  );
  return Item?.status?.S;
}

/**
 * Starts the local stack (on `dynamodbEndpoint`, else the embedded dynalite or $TASKLANE_DYNAMODB_ENDPOINT)
 * with every AWS call of this process counted, and runs one uncounted task: per-tenant one-offs (e.g. a
 * webhook signing secret) are not per-task costs.
 */
export async function startCountedStack(options: { dynamodbEndpoint?: string } = {}): Promise<CountedStack> {
  const log = new SdkCallLog().install();
  const handlers = timeHandlers();
  const receiver = await startReceiver();
  const stopped: Array<() => unknown> = [
    () => receiver.server.close(),
    () => handlers.uninstall(),
    () => log.uninstall(),
  ];
  const stop = async () => {
    // Writes still in flight while the stack stops pass uncounted, without the capacity reader.
    log.enabled = false;
    for (const step of stopped.reverse()) await step();
  };
  try {
    // Rate limiting stays on as deployed (its window write is part of the bill), with room for the run.
    const stack = await startLocalStack({
      port: 0,
      rateLimitPerSecond: 1_000_000,
      rateLimitBurst: 1_000_000,
      progressIntervalMs: 0,
      scheduleIntervalMs: 0,
      dynamodbEndpoint: options.dynamodbEndpoint,
    });
    stopped.push(() => stack.stop());
    const reader = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.endpoints.dynamodb,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stopped.push(() => reader.destroy());
    log.measureCapacity({ reader, tableName: stack.config.tableName, layouts: LAYOUTS });

    const notes: string[] = [];
    let webhookUrl: string | undefined = receiver.url;
    let warmUp = await createTask(stack, webhookUrl);
    if (warmUp.status === 400) {
      notes.push(`webhook_url refused by the API (${warmUp.error}); tasks created without a webhook.`);
      webhookUrl = undefined;
      warmUp = await createTask(stack, undefined);
    }
    if (warmUp.status !== 202 || !warmUp.id) throw new Error(`POST /tasks answered ${warmUp.status}: ${warmUp.error}`);
    await until(
      async () => (await taskStatus(stack, reader, warmUp.id!)) === 'completed',
      30_000,
      'the first task to complete',
    );
    if (webhookUrl) {
      await until(() => receiver.received() > 0, 10_000, 'the first webhook').catch((error: Error) => {
        notes.push(`${error.message}: webhooks not included.`);
        webhookUrl = undefined;
      });
    }
    await sleep(SETTLE_MS);

    /** Tasks run one at a time, so each invocation has one record and its duration is not shared with others, as in Lambda. */
    const run: CountedStack['run'] = async (tasks, { count = true, onTask, task = GENERIC, webhook = true } = {}) => {
      const hook = webhook ? webhookUrl : undefined;
      log.enabled = count;
      log.reset();
      handlers.invocations.length = 0;
      const delivered = receiver.received();
      const postMs: number[] = [];
      for (let i = 0; i < tasks; i++) {
        const webhooks = receiver.received();
        const out = await createTask(stack, hook, task);
        if (out.status !== 202 || !out.id) throw new Error(`POST /tasks answered ${out.status}: ${out.error}`);
        postMs.push(out.ms);
        await until(
          async () => (await taskStatus(stack, reader, out.id!)) === 'completed',
          30_000,
          `task ${out.id} to complete`,
        );
        if (hook) await until(() => receiver.received() > webhooks, 10_000, `the webhook of task ${out.id}`);
        onTask?.(i + 1);
      }
      await sleep(SETTLE_MS);
      return {
        records: [...log.records],
        invocations: [...handlers.invocations],
        postMs,
        delivered: receiver.received() - delivered,
      };
    };
    return { stack, webhookUrl, notes, run, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
