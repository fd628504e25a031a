import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { TABLE_KEY } from '../functions/adapters/table-schema';
import { EventSourcePoller, type PollerOptions } from '../local/event-source-poller';
import { itemWriteCost, type IndexShape, type Item, type WriteCost } from './dynamo-units';

/**
 * Bench-only instrumentation, installed by patching prototypes in this process: nothing in the
 * product knows about it, and `uninstall` puts everything back.
 */

/** Who made a call: a worker function, its event source mapping (receives and deletes), or the API. */
const origin = new AsyncLocalStorage<string>();
/** Calls made outside any worker or poller: the API (and its rate limiter and key lookups). */
export const API_ORIGIN = 'api';

/** One AWS API call as the bill sees it. */
export interface CallRecord {
  /** The function (or event source mapping) that made it. */
  origin: string;
  service: string;
  operation: string;
  ok: boolean;
  /** Billed requests: SQS counts each 64 KB chunk of payload; 1 for everything else. */
  requests: number;
  /** A ReceiveMessage that returned nothing (idle polling, a fixed cost rather than a per-task one). */
  empty: boolean;
  /** The error's name when the call failed (e.g. ConditionalCheckFailedException). */
  error?: string;
  /** DynamoDB read units (from ConsumedCapacity). */
  rru: number;
  /** DynamoDB write units per index layout, table and indexes, modelled from the item images. */
  wru: Record<string, WriteCost>;
  /** What a DynamoDB write touched: its keys' prefixes (`TASK`, `RATE`, …), e.g. `TASK` or `EVT+BATCH`. */
  entity?: string;
  /** The units the engine itself reported (ConsumedCapacity); absent when it returned none (failed calls, other services). */
  reported?: ReportedCapacity;
}

/** A DynamoDB call's ConsumedCapacity, summed over its tables. */
export interface ReportedCapacity {
  /** CapacityUnits: table and indexes together. */
  total: number;
  table: number;
  /** Units per global secondary index, by name; an index the call did not write is absent. */
  indexes: Record<string, number>;
}

export interface CapacityOptions {
  /** An uninstrumented client that reads item images before and after each write. */
  reader: DynamoDBClient;
  tableName: string;
  /** Index layouts to price each write under, e.g. the current schema and an alternative. */
  layouts: Record<string, readonly IndexShape[]>;
}

/** https://aws.amazon.com/sqs/pricing/: "Each 64 KB chunk of a payload is billed as 1 request." */
const SQS_CHUNK_BYTES = 64 * 1024;
export const DYNAMO_READS: ReadonlySet<string> = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem']);
/** The writes the product makes (it uses no transactions); each is priced from its item images. */
export const DYNAMO_WRITES: ReadonlySet<string> = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

type Input = Record<string, any>;
type Handler = (args: { input: Input }) => Promise<{ output: Input }>;
type Middleware = (next: Handler, context: { clientName?: string; commandName?: string }) => Handler;
interface Stack {
  add(middleware: Middleware, options: { step: 'initialize'; name: string; override: boolean }): void;
}
interface SdkClient {
  middlewareStack: Stack;
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

const bytes = (text: unknown) => Buffer.byteLength(typeof text === 'string' ? text : '');
const chunks = (total: number) => Math.max(1, Math.ceil(total / SQS_CHUNK_BYTES));

function sqsRequests(operation: string, input: Input, output: Input | undefined): number {
  if (operation === 'SendMessage') return chunks(bytes(input.MessageBody));
  if (operation === 'SendMessageBatch')
    return chunks((input.Entries ?? []).reduce((s: number, e: Input) => s + bytes(e.MessageBody), 0));
  if (operation === 'ReceiveMessage')
    return chunks((output?.Messages ?? []).reduce((s: number, m: Input) => s + bytes(m.Body), 0));
  return 1;
}

/** Partition key values a write touches (the table has a partition key only); values plain or marshalled. */
function writtenKeys(operation: string, input: Input): string[] {
  const key = (record: Input | undefined) => {
    const value = record?.[TABLE_KEY];
    return typeof value === 'string' ? value : (value?.S as string);
  };
  if (operation === 'PutItem') return [key(input.Item)];
  if (operation === 'UpdateItem' || operation === 'DeleteItem') return [key(input.Key)];
  return Object.values(input.RequestItems ?? {}).flatMap((requests) =>
    (requests as Input[]).map((r) => key(r.PutRequest?.Item ?? r.DeleteRequest?.Key)),
  );
}

/** Partition key prefixes of a write's keys, e.g. `TASK` for `TASK#<tenant>#<id>`. */
const entityOf = (keys: string[]) => [...new Set(keys.map((k) => k.split('#')[0]))].join('+');

/**
 * ConsumedCapacity of a DynamoDB answer (one object, or one per table for batch calls). With
 * `TOTAL` (a value the product set itself) there is no breakdown: all of it counts as the table's.
 */
function reportedCapacity(output: Input | undefined): ReportedCapacity | undefined {
  const consumed = output?.ConsumedCapacity;
  if (!consumed) return undefined;
  const reported: ReportedCapacity = { total: 0, table: 0, indexes: {} };
  for (const c of (Array.isArray(consumed) ? consumed : [consumed]) as Input[]) {
    const indexes = Object.entries((c.GlobalSecondaryIndexes ?? {}) as Record<string, Input>);
    reported.total += c.CapacityUnits ?? 0;
    reported.table +=
      c.Table?.CapacityUnits ?? (c.CapacityUnits ?? 0) - indexes.reduce((s, [, i]) => s + (i.CapacityUnits ?? 0), 0);
    for (const [name, i] of indexes) reported.indexes[name] = (reported.indexes[name] ?? 0) + (i.CapacityUnits ?? 0);
  }
  return reported;
}

/** Counts every AWS SDK call made in this process, by service and operation, with SQS requests and DynamoDB units. */
export class SdkCallLog {
  records: CallRecord[] = [];
  /** While false, calls pass through uncounted (and without the capacity reads, which take time). */
  enabled = true;
  private capacity: CapacityOptions | undefined;
  private readonly ignored = new WeakSet<object>();
  private readonly patched: Array<{ proto: SdkClient; send: SdkClient['send'] }> = [];

  /** Patches `send` of the SDK's base client class, which every client (DynamoDB, SQS, S3, Lambda, …) inherits. */
  install(): this {
    const log = this;
    const instrumented = new WeakSet<object>();
    const protos = new Set([DynamoDBClient, SQSClient].map((c) => Object.getPrototypeOf(c.prototype) as SdkClient));
    for (const proto of protos) {
      const send = proto.send;
      this.patched.push({ proto, send });
      proto.send = function (this: SdkClient, command: unknown, ...rest: unknown[]) {
        // A document client shares the middleware stack of the client it wraps: one counter per stack.
        if (!log.ignored.has(this) && !instrumented.has(this.middlewareStack)) {
          instrumented.add(this.middlewareStack);
          this.middlewareStack.add((next, context) => log.middleware(next, context), {
            step: 'initialize',
            name: 'benchCallLog',
            override: true,
          });
        }
        return send.call(this, command, ...rest);
      };
    }
    return this;
  }

  uninstall(): void {
    for (const { proto, send } of this.patched) proto.send = send;
    this.patched.length = 0;
  }

  /** Reads item images around each DynamoDB write with `reader` (never counted) and prices them under each layout. */
  measureCapacity(options: CapacityOptions): void {
    this.ignored.add(options.reader);
    this.capacity = options;
  }

  reset(): void {
    this.records = [];
  }

  private middleware(next: Handler, context: { clientName?: string; commandName?: string }): Handler {
    const service = (context.clientName ?? 'Unknown').replace(/Client$/, '');
    const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
    return async (args) => {
      if (!this.enabled) return next(args);
      const capacity = service === 'DynamoDB' ? this.capacity : undefined;
      const write = DYNAMO_WRITES.has(operation);
      // INDEXES: the engine's own count, table and each index apart, to hold the model against.
      if (capacity && (write || DYNAMO_READS.has(operation))) args.input.ReturnConsumedCapacity ??= 'INDEXES';
      const keys = capacity && write ? writtenKeys(operation, args.input) : [];
      const before = capacity ? await this.read(capacity, keys) : [];
      let output: Input | undefined;
      let error: string | undefined;
      try {
        output = (await next(args)).output;
        return { output } as Awaited<ReturnType<Handler>>;
      } catch (thrown) {
        // A failed conditional write is billed, but neither DynamoDB Local's error body nor the SDK's
        // error carries ConsumedCapacity (the error keeps only message and Item): `reported` stays unset.
        error = (thrown as Error).name;
        throw thrown;
      } finally {
        const ok = output !== undefined;
        const after = capacity && ok ? await this.read(capacity, keys) : [];
        const reported = reportedCapacity(output);
        this.records.push({
          origin: origin.getStore() ?? API_ORIGIN,
          service,
          operation,
          ok,
          ...(error ? { error } : {}),
          requests: service === 'SQS' ? sqsRequests(operation, args.input, output) : 1,
          empty: operation === 'ReceiveMessage' && ok && !output?.Messages?.length,
          rru: write ? 0 : (reported?.total ?? 0),
          wru: capacity ? this.writeUnits(capacity, before, after, ok) : {},
          ...(keys.length ? { entity: entityOf(keys) } : {}),
          ...(reported ? { reported } : {}),
        });
      }
    };
  }

  private read(capacity: CapacityOptions, keys: string[]): Promise<(Item | undefined)[]> {
    return Promise.all(
      keys.map(async (key) => {
        const out = await capacity.reader.send(
          new GetItemCommand({ TableName: capacity.tableName, Key: { [TABLE_KEY]: { S: key } }, ConsistentRead: true }),
        );
        return out.Item as Item | undefined;
      }),
    );
  }

  private writeUnits(
    capacity: CapacityOptions,
    before: (Item | undefined)[],
    after: (Item | undefined)[],
    ok: boolean,
  ): Record<string, WriteCost> {
    return Object.fromEntries(
      Object.entries(capacity.layouts).map(([name, layout]) => {
        const total: WriteCost = { table: 0, indexes: 0, byIndex: {} };
        for (const [i, b] of before.entries()) {
          const cost = itemWriteCost(b, after[i], ok, layout);
          total.table += cost.table;
          total.indexes += cost.indexes;
          for (const [index, units] of Object.entries(cost.byIndex))
            total.byIndex[index] = (total.byIndex[index] ?? 0) + units;
        }
        return [name, total];
      }),
    );
  }
}

/** One invocation of a worker handler by the local event source poller. */
export interface Invocation {
  functionName: string;
  memoryMb: number;
  records: number;
  ms: number;
}

/**
 * Times every handler invocation of the local event-source pollers (the worker Lambdas' stand-ins),
 * with the function name and memory size the local stack gives their Lambda context, and tags the
 * AWS calls made inside with that function (the poller's own receives and deletes with its event
 * source mapping).
 */
export function timeHandlers(): { invocations: Invocation[]; uninstall(): void } {
  const invocations: Invocation[] = [];
  const start = EventSourcePoller.prototype.start;
  EventSourcePoller.prototype.start = function (this: EventSourcePoller) {
    // The poller keeps its options private; the bench wraps the handler before the first poll.
    const options = (this as unknown as { options: PollerOptions }).options;
    const handler = options.handler;
    options.handler = async (event: SQSEvent, context: Context) => {
      const t0 = performance.now();
      try {
        return await origin.run(context.functionName, () => handler(event, context));
      } finally {
        invocations.push({
          functionName: context.functionName,
          memoryMb: Number(context.memoryLimitInMB),
          records: event.Records.length,
          ms: performance.now() - t0,
        });
      }
    };
    origin.run(`${options.context().functionName} event source mapping`, () => start.call(this));
  };
  return {
    invocations,
    uninstall: () => {
      EventSourcePoller.prototype.start = start;
    },
  };
}
