import { createHash, randomBytes } from 'node:crypto';
import * as z from 'zod';
import { RetryableTaskError } from '../core/errors';
import { STEP_LIMITS } from '../core/step-limits';
import { defineTaskType } from '../core/task-type';

/** The largest `step_kb` and `result_kb`: results up to 8 MiB, within the 10 MiB a result file may hold. */
const MAX_KB = 8192;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * The durable-steps walk-through (README: "Durable steps"): a step, optional `generic` children, a
 * step that can fail its first attempts, a wait for the children, an optional sleep, an optional
 * wait for a token, and a last step. With an empty payload it runs straight through. Code between
 * the steps is deterministic; the work is inside them.
 */
export const workflow = defineTaskType({
  name: 'workflow',
  description:
    'Durable steps: prepare, optional `children` (generic tasks, waited for), an optional large `generate` step, process (fails its first `fail_attempts` tries), `extra_steps` more steps, optional sleep and token, finish; optional large result.',
  payloadSchema: z
    .object({
      fail_attempts: z.number().int().min(0).max(2).default(0),
      sleep_seconds: z.number().int().min(0).max(STEP_LIMITS.maxSuspendSeconds).default(0),
      /** Wait for a token named `approval` (its id is on the task's steps) up to this long. */
      token_timeout_seconds: z.number().int().min(1).max(STEP_LIMITS.maxSuspendSeconds).optional(),
      /** Spawn this many `generic` children (one step of `child_ms` each) and wait for them. */
      children: z.number().int().min(0).max(50).default(0),
      child_ms: z.number().int().min(0).max(60_000).default(100),
      /** The first this many children fail every attempt (their failure shows in the outcomes). */
      failing_children: z.number().int().min(0).max(50).default(0),
      children_timeout_seconds: z.number().int().min(1).max(STEP_LIMITS.maxSuspendSeconds).default(3600),
      /** This many more steps (`step-1`, …) between process and finish: `extra_steps: 2` makes the bench's 5-step run. */
      extra_steps: z.number().int().min(0).max(20).default(0),
      /** A `generate` step returns this many KiB of random hex (over 64 KiB it goes to a file); the result has its hash. */
      step_kb: z.number().int().min(0).max(MAX_KB).default(0),
      /** The result carries this much filler (over 128 KiB it goes to a file and GET links to it). */
      result_kb: z.number().int().min(0).max(MAX_KB).default(0),
      /** Data to carry (over 256 KiB: by `payload_upload_id`); the result has its size and hash. */
      data: z
        .string()
        .max(MAX_KB * 1024)
        .optional(),
    })
    .strict(),
  // ctx.spawn creates tasks: its worker may send to the children's queue.
  uses: ['create_tasks'],
  settings: {
    timeoutSeconds: 60,
    maxAttempts: 3,
    backoff: { baseSeconds: 1, capSeconds: 10 },
    batchSize: 10,
    maxConcurrency: 5,
    memoryMb: 256,
  },
  async run(ctx) {
    const { fail_attempts, sleep_seconds, token_timeout_seconds, children, child_ms, failing_children } = ctx.payload;
    // Runs once: every later attempt and resume reads the stored time back.
    const prepared = await ctx.step('prepare', async () => ({ prepared_at: new Date().toISOString() }));
    // Spawned once each: a retry or resume finds the same children.
    for (let i = 0; i < children; i++) {
      const failing = i < failing_children;
      await ctx.spawn(`child-${i + 1}`, 'generic', { steps: 1, step_ms: child_ms, fail_attempts: failing ? 100 : 0 });
    }
    // Random, so only the stored copy can give a replay the same text: its hash proves what came back.
    const generated =
      ctx.payload.step_kb > 0
        ? await ctx.step('generate', async () => ({ data: randomBytes(ctx.payload.step_kb * 512).toString('hex') }))
        : undefined;
    const processed = await ctx.step('process', async () => {
      if (ctx.attempt <= fail_attempts)
        throw new RetryableTaskError(`process fails on attempt ${ctx.attempt} on purpose`);
      return { processed_on_attempt: ctx.attempt };
    });
    await ctx.progress(50, 'processed');
    for (let i = 1; i <= ctx.payload.extra_steps; i++) await ctx.step(`step-${i}`, async () => ({ step: i }));
    const outcomes =
      children > 0
        ? await ctx.waitForChildren('all', { timeoutSeconds: ctx.payload.children_timeout_seconds })
        : undefined;
    if (sleep_seconds > 0) await ctx.sleep('cool-down', sleep_seconds);
    let approval: unknown;
    if (token_timeout_seconds !== undefined) {
      const token = await ctx.createToken('approval');
      // A real workflow mails the token inside a step; this one logs it (it is on the record too).
      await ctx.step('ask-approval', async () => {
        ctx.log.info('approval requested', { token });
        return null;
      });
      approval = await ctx.waitForToken('approval', { timeoutSeconds: token_timeout_seconds });
    }
    const finished = await ctx.step('finish', async () => ({ finished_at: new Date().toISOString() }));
    return {
      ...prepared,
      ...processed,
      ...finished,
      ...(approval === undefined ? {} : { approval }),
      ...(outcomes === undefined ? {} : { children: outcomes }),
      ...(generated === undefined ? {} : { generated_sha256: sha256(JSON.stringify(generated)) }),
      ...(ctx.payload.result_kb > 0 ? { filler: 'f'.repeat(ctx.payload.result_kb * 1024) } : {}),
      ...(ctx.payload.data === undefined
        ? {}
        : { data_bytes: Buffer.byteLength(ctx.payload.data), data_sha256: sha256(ctx.payload.data) }),
    };
  },
});
