import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhookId, webhookPayload } from '../../functions/webhooks/event';
import { generateWebhookSecret, signWebhook } from '../../functions/webhooks/signer';
import { taskItem } from '../helpers/factories';

describe('signWebhook', () => {
  const timestamp = new Date();
  const body = JSON.stringify({ type: 'task.completed' });

  it('produces headers any Standard Webhooks library verifies', () => {
    const secret = generateWebhookSecret();
    const headers = signWebhook({ current: secret }, 'msg_1', timestamp, body);

    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(headers['webhook-timestamp']).toBe(String(Math.floor(timestamp.getTime() / 1000)));
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'task.completed' });
  });

  it('signs with both secrets during a rotation, each verifying on its own', () => {
    const current = generateWebhookSecret();
    const previous = generateWebhookSecret();
    const headers = signWebhook({ current, previous }, 'msg_2', timestamp, body);

    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe('webhook events', () => {
  it('keeps one id per task and event, different between events', () => {
    expect(webhookId('01J', 'task.completed')).toBe(webhookId('01J', 'task.completed'));
    expect(webhookId('01J', 'task.completed')).not.toBe(webhookId('01J', 'task.failed'));
    expect(webhookId('01J', 'task.completed')).not.toBe(webhookId('01K', 'task.completed'));
  });

  it('builds the documented payload', () => {
    const task = taskItem({
      status: 'failed',
      error: { name: 'PermanentTaskError', message: 'nope' },
      ended_at: '2026-11-28T00:00:02.000Z',
    });
    const payload = webhookPayload(task as never, 'task.failed', new Date('2026-11-28T00:00:03.000Z'));

    expect(payload).toEqual({
      type: 'task.failed',
      timestamp: '2026-11-28T00:00:03.000Z',
      data: {
        task_id: task.id,
        type: task.type,
        status: 'failed',
        error: { name: 'PermanentTaskError', message: 'nope' },
        attempts: task.attempts,
        created_at: task.created_at,
        ended_at: '2026-11-28T00:00:02.000Z',
      },
    });
  });
});
