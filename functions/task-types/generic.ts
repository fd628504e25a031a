import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { RetryableTaskError } from '../core/errors';
import { defineTaskType } from '../core/task-type';

/**
 * A configurable stand-in for real work: `steps` steps of `step_ms` each (the defaults make the
 * classic 3-second job), reporting progress after each. `fail_attempts: n` fails the first n
 * attempts with a transient error so that retries can be watched.
 */
export const generic = defineTaskType({
  name: 'generic',
  description:
    'Sleeps through `steps` steps of `step_ms` ms, reporting progress; can fail its first attempts on purpose.',
  payloadSchema: z
    .object({
      steps: z.number().int().min(1).max(1000).default(3),
      step_ms: z.number().int().min(0).max(60_000).default(1000),
      fail_attempts: z.number().int().min(0).max(100).default(0),
    })
    .strict()
    .refine((p) => p.steps * p.step_ms <= 600_000, {
      message: 'steps × step_ms must be at most 600000 ms (the type timeout is 900 s)',
      path: ['step_ms'],
    }),
  settings: {
    timeoutSeconds: 900,
    maxAttempts: 5,
    backoff: { baseSeconds: 1, capSeconds: 30 },
    batchSize: 10,
    maxConcurrency: 10,
    memoryMb: 256,
    // Tasks given the same concurrency_key run one at a time (a demo of the per-key limit).
    concurrencyPerKey: 1,
  },
  async run(ctx) {
    const { steps, step_ms, fail_attempts } = ctx.payload;
    if (ctx.attempt <= fail_attempts) {
      throw new RetryableTaskError(
        `Simulated transient failure on attempt ${ctx.attempt} of ${fail_attempts} planned.`,
      );
    }
    for (let step = 1; step <= steps; step++) {
      await sleep(step_ms, undefined, { signal: ctx.signal });
      await ctx.progress((step / steps) * 100, `step ${step}/${steps}`);
    }
    return { steps, elapsed_ms: steps * step_ms };
  },
});
