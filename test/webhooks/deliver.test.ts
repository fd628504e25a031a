import { describe, expect, it } from 'vitest';
import type { Task, WebhookDeliveryState } from '../../functions/core/task';
import { deliverWebhook, type NextAttempt, type WebhookDeliveryDeps } from '../../functions/webhooks/deliver';
import { BlockedTargetError, DeliveryNetworkError } from '../../functions/webhooks/errors';
import { WEBHOOK_DELIVERY } from '../../functions/webhooks/settings';
import { taskItem } from '../helpers/factories';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const message = { tenant: 'acme', task_id: '01JNK8Z6S4Y5Q3W2E1R0T9P8N7', event: 'task.completed' as const };

/** Deps whose receiver answers with `answer`; records what was written. */
function setup(task: Task | undefined, answer: () => Promise<{ statusCode: number; retryAfterSeconds?: number }>) {
  const recorded: { state: WebhookDeliveryState; next?: NextAttempt }[] = [];
  let posts = 0;
  const deps: WebhookDeliveryDeps = {
    getTask: async () => task,
    recordAttempt: async (_task, state, next) => {
      recorded.push({ state, next });
    },
    secrets: {
      get: async () => ({ current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
      rotate: async () => ({ current: '' }),
    },
    resolveTarget: async (url) => ({ url: new URL(url), addresses: [{ address: '93.184.216.34', family: 4 }] }),
    post: async () => {
      posts++;
      return answer();
    },
    policy: { allowedSchemes: ['https'], allowLoopback: false },
    clock: { now: () => new Date('2026-11-28T00:00:00Z') },
    log: silent,
    random: () => 0.5,
  };
  return { deps, recorded, posts: () => posts };
}

const ended = (webhook?: WebhookDeliveryState) =>
  taskItem({
    status: 'completed',
    webhook_url: 'https://hooks.example.com/x',
    webhook: webhook ?? { status: 'pending', attempts: 0 },
  });

describe('deliverWebhook', () => {
  it('sends nothing for a delivery already settled (a duplicate message)', async () => {
    const { deps, posts } = setup(ended({ status: 'delivered', attempts: 1 }), async () => ({ statusCode: 200 }));

    expect(await deliverWebhook(deps, message)).toEqual({ kind: 'ack', reason: 'duplicate' });
    expect(posts()).toBe(0);
  });

  it('dead-letters after the last attempt fails, recording it failed', async () => {
    const { deps, recorded } = setup(
      ended({ status: 'pending', attempts: WEBHOOK_DELIVERY.settings.maxAttempts - 1 }),
      async () => ({ statusCode: 502 }),
    );

    expect(await deliverWebhook(deps, message)).toEqual({ kind: 'dead_letter' });
    expect(recorded).toEqual([
      {
        state: {
          status: 'failed',
          attempts: WEBHOOK_DELIVERY.settings.maxAttempts,
          last_status_code: 502,
          last_error: 'HTTP 502',
        },
        next: undefined,
      },
    ]);
  });

  it('gives a message sent after the task worker’s first attempt its full set of receives before the DLQ', async () => {
    const { deps, recorded } = setup(
      ended({ status: 'pending', attempts: WEBHOOK_DELIVERY.settings.maxAttempts - 1 }),
      async () => ({ statusCode: 502 }),
    );

    const outcome = await deliverWebhook(deps, { ...message, attempt_base: 1 });

    expect(outcome).toEqual({ kind: 'retry', delaySeconds: expect.any(Number) });
    expect(recorded[0]!.state).toMatchObject({ status: 'pending', attempts: WEBHOOK_DELIVERY.settings.maxAttempts });
  });

  it('retries a network error with backoff, counting the attempt', async () => {
    const { deps, recorded } = setup(ended({ status: 'pending', attempts: 2 }), async () => {
      throw new DeliveryNetworkError('no response within 15000 ms');
    });

    const outcome = await deliverWebhook(deps, message);

    expect(outcome).toMatchObject({ kind: 'retry' });
    expect(recorded[0]).toMatchObject({
      state: { status: 'pending', attempts: 3, last_error: 'no response within 15000 ms' },
    });
    expect(recorded[0]!.next).toEqual({ inSeconds: (outcome as { delaySeconds: number }).delaySeconds, by: 'queue' });
  });

  it.each([
    { retryAfter: 600, case: 'a short Retry-After' },
    { retryAfter: 43_110, case: 'the longest Retry-After SQS still holds after a 30 s worker' },
  ])('keeps the message for $case, visible again after it', async ({ retryAfter }) => {
    // Prepare
    const { deps, recorded } = setup(ended(), async () => ({ statusCode: 503, retryAfterSeconds: retryAfter }));

    // Act
    const outcome = await deliverWebhook(deps, message);

    // Assess
    expect(outcome).toEqual({ kind: 'retry', delaySeconds: retryAfter });
    expect(recorded).toEqual([
      {
        state: { status: 'pending', attempts: 1, last_status_code: 503, last_error: 'HTTP 503' },
        next: { inSeconds: retryAfter, by: 'queue' },
      },
    ]);
  });

  it.each([43_111, 43_200])(
    'hands a Retry-After of %i s, longer than SQS can hold the message, to the sweeper and acks the message',
    async (retryAfter) => {
      // Prepare
      const { deps, recorded } = setup(ended(), async () => ({ statusCode: 429, retryAfterSeconds: retryAfter }));

      // Act
      const outcome = await deliverWebhook(deps, message);

      // Assess
      expect(outcome).toEqual({ kind: 'ack', reason: 'deferred' });
      expect(recorded).toEqual([
        {
          state: { status: 'pending', attempts: 1, last_status_code: 429, last_error: 'HTTP 429' },
          next: { inSeconds: retryAfter, by: 'sweeper' },
        },
      ]);
    },
  );

  it('gives up at once on a blocked target', async () => {
    const { deps, recorded, posts } = setup(ended(), async () => ({ statusCode: 200 }));
    deps.resolveTarget = async () => {
      throw new BlockedTargetError('hooks.example.com resolves to 10.0.0.5, which is not a public address.');
    };

    expect(await deliverWebhook(deps, message)).toEqual({ kind: 'ack', reason: 'gave_up' });
    expect(recorded[0]!.state).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: expect.stringContaining('10.0.0.5'),
    });
    expect(posts()).toBe(0);
  });

  it('ignores a message for a task without a webhook, or for another event', async () => {
    expect(
      await deliverWebhook(setup(taskItem({ status: 'completed' }), async () => ({ statusCode: 200 })).deps, message),
    ).toEqual({ kind: 'ack', reason: 'not_found' });
    expect(
      await deliverWebhook(setup(ended(), async () => ({ statusCode: 200 })).deps, {
        ...message,
        event: 'task.failed',
      }),
    ).toEqual({
      kind: 'ack',
      reason: 'not_found',
    });
  });
});
