/**
 * The local stack in a process of its own, driven over IPC by bench/throughput.ts, delayed-start.ts and
 * fairness.ts: the load generator then does not share the stack's event loop, and this process's memory
 * is the stack's.
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { issueApiKey } from '../functions/core/api-keys';
import { startLocalStack, type LocalStackOptions } from '../local/stack';
import { SdkCallLog } from './instrument';
import { RssSampler } from './memory';
import { startProfiler, type CpuBreakdown } from './profile';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const calls = new SdkCallLog().install();
// Counting costs CPU in this process: it runs only during the profiled run, where the profile shows its share.
calls.enabled = false;
/** Start options the parent may set (bench/stack-client.ts passes them as the first argument, in JSON). */
export type BenchStackOptions = Pick<LocalStackOptions, 'concurrencyPerTenant'>;
const options: BenchStackOptions = JSON.parse(process.argv[2] ?? '{}');
// No creation rate limit: the bench measures the stack, not the limiter.
const stack = await startLocalStack({
  port: 0,
  rateLimitPerSecond: 0,
  concurrencyPerTenant: options.concurrencyPerTenant,
});
const sent = countSentMessages();
const memory = new RssSampler();
let stopProfiler: (() => Promise<CpuBreakdown>) | undefined;

/** What the parent may ask; each answer goes back with the request's id. */
const methods = {
  phase: (name: string) => memory.enter(name),
  /** AWS calls so far by `Service.Operation` (empty receives apart, as `SQS.ReceiveMessage (empty)`). */
  calls: () => {
    const counts: Record<string, number> = {};
    for (const r of calls.records) {
      const key = `${r.service}.${r.operation}${r.empty ? ' (empty)' : ''}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  },
  /** CPU time of this process so far (ms, user + system). */
  cpu: () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  },
  /** Starts the CPU profiler and the call counter. */
  profileStart: async () => {
    calls.enabled = true;
    stopProfiler = await startProfiler();
  },
  profileStop: async () => {
    calls.enabled = false;
    return stopProfiler!();
  },
  memory: () => memory.report(),
  /** A key for another tenant (the stack's own key is tenant `local`'s). */
  issueKey: async (tenant: string) => (await issueApiKey(stack.apiKeys, tenant, { description: 'bench' })).secret,
  /** Messages in a task type's queue: visible, in flight and delayed. */
  queueDepth: async (type: string) => {
    const { Attributes: a = {} } = await stack.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: stack.config.queueUrls[type],
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return (
      Number(a.ApproximateNumberOfMessages) +
      Number(a.ApproximateNumberOfMessagesNotVisible) +
      Number(a.ApproximateNumberOfMessagesDelayed)
    );
  },
  /** Messages the stack has sent to a task type's queue so far: one per task created, one per deferred delivery. */
  sentMessages: (type: string) => sent[stack.config.queueUrls[type]!] ?? 0,
  stop: async () => {
    memory.stop();
    await stack.stop();
    setImmediate(() => process.exit(0));
  },
};

export type StackMethods = typeof methods;

process.on('message', async (message: { id: number; method: keyof StackMethods; args: unknown[] }) => {
  try {
    const result = await (methods[message.method] as (...args: unknown[]) => unknown)(...message.args);
    process.send!({ id: message.id, result });
  } catch (error) {
    process.send!({ id: message.id, error: String(error) });
  }
});

process.send!({
  ready: { apiUrl: stack.apiUrl, apiKey: stack.apiKey, endpoints: stack.endpoints, tableName: stack.config.tableName },
});

/**
 * Counts the messages the stack's own SQS client sends (API and workers share it), per queue URL:
 * a counter in a middleware, cheap enough to stay on (unlike the SdkCallLog's records).
 */
function countSentMessages(): Record<string, number> {
  const counts: Record<string, number> = {};
  stack.clients.sqs.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { QueueUrl?: string; Entries?: unknown[] };
      const n =
        context.commandName === 'SendMessageCommand'
          ? 1
          : context.commandName === 'SendMessageBatchCommand'
            ? (input.Entries?.length ?? 0)
            : 0;
      if (n && input.QueueUrl) counts[input.QueueUrl] = (counts[input.QueueUrl] ?? 0) + n;
      return next(args);
    },
    { step: 'initialize', name: 'benchSentMessages' },
  );
  return counts;
}
