/**
 * The local stack in a process of its own for `npm run bench:soak`: the same `startLocalStack` as
 * `npm start`, its schedules every `argv[2]` ms, answering the parent's questions about its memory.
 */
import { startLocalStack } from '../local/stack';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** What the parent reads of this process's memory (bytes). */
export type Usage = Pick<NodeJS.MemoryUsage, 'rss' | 'heapUsed' | 'heapTotal' | 'external' | 'arrayBuffers'>;

function usage(): Usage {
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, heapTotal, external, arrayBuffers };
}

const stack = await startLocalStack({ port: 0, rateLimitPerSecond: 0, scheduleIntervalMs: Number(process.argv[2]) });
// The parent starts this process with --expose-gc.
const gc = (globalThis as { gc?: () => void }).gc!;

const methods = {
  /**
   * Memory after two full collections: what the stack still holds, without the garbage of the moment,
   * whose sawtooth would otherwise hide a slow growth for many minutes.
   */
  settled: () => {
    gc();
    gc();
    return usage();
  },
  stop: async () => {
    await stack.stop();
    setImmediate(() => process.exit(0));
  },
};

export type SoakStackMethods = typeof methods;

process.on('message', async (message: { id: number; method: keyof SoakStackMethods }) => {
  try {
    process.send!({ id: message.id, result: await methods[message.method]() });
  } catch (error) {
    process.send!({ id: message.id, error: String(error) });
  }
});

process.send!({ ready: { apiUrl: stack.apiUrl, apiKey: stack.apiKey } });
