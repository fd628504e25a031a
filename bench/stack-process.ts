/**
 * The local stack in a process of its own, driven by bench/throughput.ts over IPC: the load
 * generator then does not share the stack's event loop, and this process's memory is the stack's.
 */
import { startLocalStack } from '../local/stack';
import { SdkCallLog } from './instrument';
import { RssSampler } from './memory';
import { startProfiler, type CpuBreakdown } from './profile';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const calls = new SdkCallLog().install();
// Counting costs CPU in this process: it runs only during the profiled run, where the profile shows its share.
calls.enabled = false;
const stack = await startLocalStack({ port: 0, rateLimitPerSecond: 0 });
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
