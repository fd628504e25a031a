import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_KEY, taskKey } from '../functions/adapters/table-schema';
import { LOCAL_TENANT } from '../local/stack';
import type { BenchSettings } from './settings';
import type { StackProcess } from './stack-client';
import { round, summarize, type Summary } from './stats';

/** Rounds of the raw SDK loops (each operation's median round is kept). */
const RAW_ROUNDS = 3;
/** How long the stack's idle CPU is sampled before the raw loops. */
const IDLE_SAMPLE_MS = 2000;

export interface RawLoop {
  operation: string;
  calls: number;
  opsPerSecond: number;
  latencyMs: Summary;
  /** CPU the stack's process (the emulator) spent per call. */
  emulatorCpuMs: number;
}

/**
 * `calls` calls of one operation straight from the SDK, `concurrency` at a time, while the stack
 * idles; the stack's idle CPU (its pollers' long polls) is taken off.
 */
async function rawLoop(
  stack: StackProcess,
  operation: string,
  calls: number,
  concurrency: number,
  idleCpuPerMs: number,
  call: (i: number) => Promise<unknown>,
): Promise<RawLoop> {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = await stack.call('cpu');
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const i = next++;
        const t = performance.now();
        await call(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const ms = performance.now() - t0;
  const seconds = ms / 1000;
  const cpu = (await stack.call('cpu')) - cpu0 - idleCpuPerMs * ms;
  return {
    operation,
    calls,
    opsPerSecond: round(calls / seconds, 1),
    latencyMs: summarize(latencies),
    emulatorCpuMs: round(cpu / calls, 3),
  };
}

/**
 * PutItem, GetItem and UpdateItem of a real task item, and SendMessage of a task-sized message,
 * straight from the SDK against the stack's emulators: what the emulators cost without our code.
 */
export async function rawLoops(stack: StackProcess, taskId: string, settings: BenchSettings): Promise<RawLoop[]> {
  const { endpoints, tableName } = stack.info;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint: endpoints.dynamodb, credentials });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: endpoints.sqs, credentials });
  try {
    // A real completed task item, copied under new keys: the same size and the same indexes as ours.
    const { Item } = await dynamo.send(
      new GetItemCommand({ TableName: tableName, Key: { [TABLE_KEY]: { S: taskKey(LOCAL_TENANT, taskId) } } }),
    );
    const key = (i: number) => ({ [TABLE_KEY]: { S: `BENCH#${i}` } });
    const item = (i: number): Record<string, AttributeValue> => ({ ...Item!, ...key(i) });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'tasklane-bench-raw' }));
    const body = JSON.stringify({ tenant: LOCAL_TENANT, task_id: taskId });
    const c = settings.e2eConcurrency;
    const idle0 = await stack.call('cpu');
    await sleep(IDLE_SAMPLE_MS);
    const idle = ((await stack.call('cpu')) - idle0) / IDLE_SAMPLE_MS;
    const loops: Array<[string, (i: number) => Promise<unknown>]> = [
      ['DynamoDB.PutItem', (i) => dynamo.send(new PutItemCommand({ TableName: tableName, Item: item(i) }))],
      [
        'DynamoDB.GetItem',
        (i) => dynamo.send(new GetItemCommand({ TableName: tableName, Key: key(i), ConsistentRead: true })),
      ],
      [
        'DynamoDB.UpdateItem',
        (i) =>
          dynamo.send(
            new UpdateItemCommand({
              TableName: tableName,
              Key: key(i),
              UpdateExpression: 'SET progress = :p, updated_at = :u',
              ConditionExpression: 'attribute_exists(pk)',
              ExpressionAttributeValues: { ':p': { N: '50' }, ':u': { S: new Date().toISOString() } },
              ReturnValues: 'ALL_NEW',
            }),
          ),
      ],
      ['SQS.SendMessage', () => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }))],
    ];
    // Operations take turns over a few rounds, and each keeps its median round: a burst of other
    // load on the machine then spoils one round, not one operation.
    const perRound = Math.ceil(settings.rawOps / RAW_ROUNDS);
    const rounds = new Map<string, RawLoop[]>();
    for (let round = 0; round < RAW_ROUNDS; round++) {
      for (const [operation, call] of loops) {
        const offset = round * perRound;
        const result = await rawLoop(stack, operation, perRound, c, idle, (i) => call(offset + i));
        rounds.set(operation, [...(rounds.get(operation) ?? []), result]);
      }
    }
    return loops.map(([operation]) => {
      const results = rounds.get(operation)!.sort((a, b) => a.opsPerSecond - b.opsPerSecond);
      return { ...results[Math.floor(results.length / 2)]!, calls: perRound * RAW_ROUNDS };
    });
  } finally {
    dynamo.destroy();
    sqs.destroy();
  }
}

/** Which raw loop stands for an operation of ours when estimating its emulator cost. */
export function rawEquivalent(call: string): string {
  if (call.startsWith('SQS.')) return 'SQS.SendMessage';
  if (call === 'DynamoDB.PutItem' || call === 'DynamoDB.BatchWriteItem') return 'DynamoDB.PutItem';
  if (call === 'DynamoDB.UpdateItem' || call === 'DynamoDB.DeleteItem') return 'DynamoDB.UpdateItem';
  return 'DynamoDB.GetItem';
}
