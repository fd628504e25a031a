import { describe, expect, it } from 'vitest';
import type { Task, WebhookDeliveryState } from '../../functions/core/task';
import type { WebhookMessage } from '../../functions/core/webhook-message';
import type { NextAttempt } from '../../functions/webhooks/deliver';
import { DirectWebhookSender, directTimeoutMs } from '../../functions/webhooks/direct-delivery';
import { BlockedTargetError, DeliveryNetworkError } from '../../functions/webhooks/errors';
import { WEBHOOK_DELIVERY } from '../../functions/webhooks/settings';
import { taskItem } from '../helpers/factories';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

const ended: Task = taskItem({
  status: 'completed',
  webhook_url: 'https://hooks.example.com/x',
  webhook: { status: 'pending', attempts: 0 },
});

/** A sender whose receiver answers with `answer`; records the writes, the posts' timeouts and the queued messages. */
function setup(
  answer: () => Promise<{ statusCode: number; retryAfterSeconds?: number }>,
  options: { timeLeftMs?: number; secretsFail?: boolean } = {},
) {
  const recorded: { state: WebhookDeliveryState; next?: NextAttempt }[] = [];
  const timeouts: number[] = [];
  const queued: { message: WebhookMessage; delaySeconds?: number }[] = [];
  const sender = new DirectWebhookSender({
    queue: {
      send: async (message, delaySeconds) => {
        queued.push({ message, delaySeconds });
      },
    },
    delivery: {
      recordAttempt: async (_task, state, next) => {
        recorded.push({ state, next });
      },
      secrets: {
        get: async () => {
          if (options.secretsFail) throw new Error('DynamoDB unavailable');
          return { current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' };
        },
        rotate: async () => ({ current: '' }),
      },
      resolveTarget: async (url) => ({ url: new URL(url), addresses: [{ address: '93.184.216.34', family: 4 }] }),
      post: async (_target, _headers, _body, timeoutMs) => {
        timeouts.push(timeoutMs);
        return answer();
      },
      policy: { allowedSchemes: ['https'], allowLoopback: false },
      clock: { now: () => new Date('2026-11-28T00:00:00Z') },
      log: silent,
      random: () => 0.5,
    },
    timeLeftMs: () => options.timeLeftMs,
  });
  return { sender, recorded, timeouts, queued };
}

const message = { tenant: ended.tenant, task_id: ended.id, event: 'task.completed' as const };

describe('directTimeoutMs', () => {
  it.each([
    [undefined, WEBHOOK_DELIVERY.direct.timeoutMs],
    [60_000, WEBHOOK_DELIVERY.direct.timeoutMs],
    [2_500, 2_500 - WEBHOOK_DELIVERY.direct.reserveMs],
    [WEBHOOK_DELIVERY.direct.reserveMs + WEBHOOK_DELIVERY.direct.minTimeoutMs - 1, undefined],
    [0, undefined],
  ])('with %s ms left in the invocation, waits %s ms', (left, expected) => {
    expect(directTimeoutMs(left)).toBe(expected);
  });
});

describe('DirectWebhookSender', () => {
  it('settles a 2xx on the record and queues nothing', async () => {
    const { sender, recorded, queued, timeouts } = setup(async () => ({ statusCode: 204 }));

    await sender.send(ended, 'task.completed');

    expect(recorded).toEqual([
      {
        state: { status: 'delivered', attempts: 1, last_status_code: 204, delivered_at: '2026-11-28T00:00:00.000Z' },
        next: undefined,
      },
    ]);
    expect(queued).toEqual([]);
    expect(timeouts).toEqual([WEBHOOK_DELIVERY.direct.timeoutMs]);
  });

  it('records a retryable failure as attempt 1 and queues its message after the backoff, counting that attempt', async () => {
    const { sender, recorded, queued } = setup(async () => {
      throw new DeliveryNetworkError('no response within 3000 ms');
    });

    await sender.send(ended, 'task.completed');

    expect(recorded).toEqual([
      {
        state: { status: 'pending', attempts: 1, last_error: 'no response within 3000 ms' },
        next: { inSeconds: expect.any(Number), by: 'queue' },
      },
    ]);
    expect(queued).toEqual([{ message: { ...message, attempt_base: 1 }, delaySeconds: recorded[0]!.next!.inSeconds }]);
  });

  it('leaves a Retry-After longer than a queued message can wait to the sweeper, queueing nothing', async () => {
    const { sender, recorded, queued } = setup(async () => ({ statusCode: 429, retryAfterSeconds: 3600 }));

    await sender.send(ended, 'task.completed');

    expect(recorded[0]!.next).toEqual({ inSeconds: 3600, by: 'sweeper' });
    expect(queued).toEqual([]);
  });

  it.each([
    ['a 410', async () => ({ statusCode: 410 })],
    [
      'a refused target',
      async () => {
        throw new BlockedTargetError('10.0.0.1 is not a public address.');
      },
    ],
  ])('gives up on %s at once, as the webhook worker does, queueing nothing', async (_, answer) => {
    const { sender, recorded, queued } = setup(answer);

    await sender.send(ended, 'task.completed');

    expect(recorded).toEqual([{ state: expect.objectContaining({ status: 'failed', attempts: 1 }), next: undefined }]);
    expect(queued).toEqual([]);
  });

  it('queues the message without trying when too little of the invocation is left', async () => {
    const { sender, recorded, queued, timeouts } = setup(async () => ({ statusCode: 200 }), { timeLeftMs: 1_000 });

    await sender.send(ended, 'task.completed');

    expect(timeouts).toEqual([]);
    expect(recorded).toEqual([]);
    expect(queued).toEqual([{ message, delaySeconds: undefined }]);
  });

  it('queues the message when the attempt fails before it is recorded (the secret unreadable)', async () => {
    const { sender, recorded, queued } = setup(async () => ({ statusCode: 200 }), { secretsFail: true });

    await sender.send(ended, 'task.completed');

    expect(recorded).toEqual([]);
    expect(queued).toEqual([{ message, delaySeconds: undefined }]);
  });
});
