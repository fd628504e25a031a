import type { Clock, Log } from '../core/ports';
import { maxRetryDelaySeconds, type BackoffSettings } from '../core/retry-policy';
import { sweepAtForWebhook } from '../core/sweep-policy';
import type { Task, WebhookDeliveryState } from '../core/task';
import { classifyStatus, deliveryDelaySeconds } from './delivery-policy';
import { webhookEventOf, webhookId, webhookPayload, type WebhookEventType, type WebhookMessage } from './event';
import { BlockedTargetError, DeliveryNetworkError } from './errors';
import type { DeliveryResponse } from './http-delivery';
import type { WebhookSecretStore } from './secret-store';
import { WEBHOOK_DELIVERY } from './settings';
import { signWebhook } from './signer';
import type { CheckedTarget, TargetPolicy } from './target-guard';

/**
 * When the sweeper should send the webhook: a grace period after a kept message should have come
 * back (it sends only if that message was lost), or, with no message left, the moment it is due.
 */
export function webhookSweepAt(now: string, next: NextAttempt): string {
  if (next.by === 'queue') return sweepAtForWebhook(now, next.inSeconds);
  return new Date(Date.parse(now) + next.inSeconds * 1000).toISOString();
}

/** The delivery state shown on the task record. */
export type WebhookState = WebhookDeliveryState;

/**
 * When the next attempt comes, and what brings it: the kept message once its visibility delay ends,
 * or, for a delay longer than SQS can hold a message, the sweeper sending a new one when it is due.
 */
export interface NextAttempt {
  inSeconds: number;
  by: 'queue' | 'sweeper';
}

export interface WebhookDeliveryDeps {
  getTask(tenant: string, id: string): Promise<Task | undefined>;
  /** Records an attempt's outcome. `next` undefined: the delivery is settled (delivered or given up). */
  recordAttempt(task: Task, state: WebhookState, next?: NextAttempt): Promise<void>;
  secrets: WebhookSecretStore;
  resolveTarget(url: string, policy: TargetPolicy): Promise<CheckedTarget>;
  post(
    target: CheckedTarget,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<DeliveryResponse>;
  policy: TargetPolicy;
  clock: Clock;
  log: Log;
  random?: () => number;
  /** Backoff between attempts; default WEBHOOK_DELIVERY's (the local stack's tests shorten it). */
  backoff?: BackoffSettings;
  /** How long the request may wait; default WEBHOOK_DELIVERY's (a task worker's first try waits less). */
  requestTimeoutMs?: number;
  /**
   * The longest retry delay the queue can hold the message for; longer ones are the sweeper's. Default:
   * what a received message's visibility can be set to; a message yet to be sent can be delayed 900 s.
   */
  maxQueueDelaySeconds?: number;
}

export type WebhookOutcome =
  /** `deferred`: the next attempt is the sweeper's to send, so this message is done with. */
  | { kind: 'ack'; reason: 'delivered' | 'gave_up' | 'duplicate' | 'not_found' | 'deferred' }
  | { kind: 'retry'; delaySeconds: number }
  | { kind: 'dead_letter' };

/** What one signed POST of a task's event needs: the tenant's secrets, the SSRF guard and the network. */
export type SignedPostDeps = Pick<WebhookDeliveryDeps, 'secrets' | 'resolveTarget' | 'post' | 'policy' | 'clock'>;

/**
 * Signs the task's event (Standard Webhooks, its stable webhook-id) and POSTs it to the checked
 * target. Throws BlockedTargetError when the guard refuses the target, DeliveryNetworkError when no
 * response came. The webhook worker and a task worker's first try (direct-delivery.ts) both send this way.
 */
export async function postSigned(
  deps: SignedPostDeps,
  task: Task,
  url: string,
  event: WebhookEventType,
  timeoutMs: number,
): Promise<DeliveryResponse> {
  const now = deps.clock.now();
  const body = JSON.stringify(webhookPayload(task, event, now));
  const headers = signWebhook(await deps.secrets.get(task.tenant, now), webhookId(task.id, event), now, body);
  const target = await deps.resolveTarget(url, deps.policy);
  return deps.post(target, headers, body, timeoutMs);
}

/**
 * One delivery attempt of a task's terminal event. The record says whether the event is still owed,
 * so a duplicate message or a redelivery after success sends nothing, and it counts the attempts
 * (a message the sweeper re-sent continues the count).
 */
export async function deliverWebhook(deps: WebhookDeliveryDeps, message: WebhookMessage): Promise<WebhookOutcome> {
  const task = await deps.getTask(message.tenant, message.task_id);
  const event = task && webhookEventOf(task);
  if (!task?.webhook_url || event !== message.event) return { kind: 'ack', reason: 'not_found' };
  const current = task.webhook;
  if (current && current.status !== 'pending') return { kind: 'ack', reason: 'duplicate' };
  const attempt = (current?.attempts ?? 0) + 1;

  const { maxAttempts } = WEBHOOK_DELIVERY.settings;
  const backoff = deps.backoff ?? WEBHOOK_DELIVERY.settings.backoff;

  let response: DeliveryResponse | undefined;
  let error: string | undefined;
  try {
    const timeoutMs = deps.requestTimeoutMs ?? WEBHOOK_DELIVERY.requestTimeoutMs;
    response = await postSigned(deps, task, task.webhook_url, event, timeoutMs);
  } catch (caught) {
    if (caught instanceof BlockedTargetError) {
      await deps.recordAttempt(task, { status: 'failed', attempts: attempt, last_error: caught.message });
      deps.log.warn('webhook target refused', { error: caught.message });
      return { kind: 'ack', reason: 'gave_up' };
    }
    if (!(caught instanceof DeliveryNetworkError)) throw caught;
    error = caught.message;
  }

  const verdict = response ? classifyStatus(response.statusCode) : 'retry';
  const state = {
    attempts: attempt,
    last_status_code: response?.statusCode,
    last_error: error ?? (verdict === 'delivered' ? undefined : `HTTP ${response?.statusCode}`),
  };
  if (verdict === 'delivered') {
    await deps.recordAttempt(task, { ...state, status: 'delivered', delivered_at: deps.clock.now().toISOString() });
    return { kind: 'ack', reason: 'delivered' };
  }
  if (verdict === 'give_up') {
    await deps.recordAttempt(task, { ...state, status: 'failed' });
    return { kind: 'ack', reason: 'gave_up' };
  }
  // The message's own receives decide its DLQ (maxReceiveCount = maxAttempts): attempts made before it
  // (the task worker's first try) do not use them up.
  if (attempt - (message.attempt_base ?? 0) >= maxAttempts) {
    await deps.recordAttempt(task, { ...state, status: 'failed' });
    return { kind: 'dead_letter' };
  }
  const delaySeconds = deliveryDelaySeconds(
    attempt,
    backoff,
    response?.retryAfterSeconds,
    WEBHOOK_DELIVERY.maxRetryAfterSeconds,
    deps.random,
  );
  // SQS keeps a message hidden at most 12 h from its receive: a longer wait is kept on the record,
  // whose sweep time brings the sweeper to send a new message when it is due.
  if (delaySeconds > (deps.maxQueueDelaySeconds ?? maxRetryDelaySeconds(WEBHOOK_DELIVERY.settings.timeoutSeconds))) {
    await deps.recordAttempt(task, { ...state, status: 'pending' }, { inSeconds: delaySeconds, by: 'sweeper' });
    return { kind: 'ack', reason: 'deferred' };
  }
  await deps.recordAttempt(task, { ...state, status: 'pending' }, { inSeconds: delaySeconds, by: 'queue' });
  return { kind: 'retry', delaySeconds };
}
