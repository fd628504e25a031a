import type { Task } from '../core/task';
import type { WebhookEventType, WebhookQueue } from '../core/webhook-message';
import { deliverWebhook, type WebhookDeliveryDeps, type WebhookOutcome } from './deliver';
import { WEBHOOK_DELIVERY } from './settings';
import { messageOf, type WebhookSender } from './webhook-sender';

export interface DirectDeliveryDeps {
  queue: WebhookQueue;
  /** The webhook worker's delivery, less the read: the task comes from the write that ended it. */
  delivery: Omit<WebhookDeliveryDeps, 'getTask' | 'requestTimeoutMs' | 'maxQueueDelaySeconds'>;
  /** Milliseconds left in the invocation; undefined when unknown. */
  timeLeftMs(): number | undefined;
}

/** The first try's request timeout: the short direct one, cut to the time left; undefined when too little is left. */
export function directTimeoutMs(timeLeftMs: number | undefined): number | undefined {
  const { timeoutMs, reserveMs, minTimeoutMs } = WEBHOOK_DELIVERY.direct;
  const timeout = timeLeftMs === undefined ? timeoutMs : Math.min(timeoutMs, timeLeftMs - reserveMs);
  return timeout >= minTimeoutMs ? timeout : undefined;
}

/** The longest delay a message can be sent with (SQS DelaySeconds). */
const MAX_SEND_DELAY_SECONDS = 900;

/**
 * The task worker's webhook: its first attempt made at once, by the webhook worker's own attempt
 * (deliverWebhook: the same signer, SSRF guard, webhook-id, verdicts and conditional writes on the
 * record), with a short timeout that fits the invocation. A 2xx settles it, and a 410 or a refused
 * target gives up, with no queue message and no webhook worker invocation. A retryable failure is
 * recorded as attempt 1 and its message queued, delayed by the backoff (a longer delay is the
 * sweeper's), for the webhook worker's attempts and DLQ to take over. With too little time left, or
 * should the attempt fail before recording anything (the secret unreadable), the message is queued
 * as the API and the sweeper queue theirs. The write that ended the task already put it in the webhook
 * sweep, so a worker that dies during the try loses nothing: the sweeper sends it.
 */
export class DirectWebhookSender implements WebhookSender {
  constructor(private readonly deps: DirectDeliveryDeps) {}

  async send(task: Task, event: WebhookEventType): Promise<void> {
    const message = messageOf(task, event);
    const requestTimeoutMs = directTimeoutMs(this.deps.timeLeftMs());
    if (requestTimeoutMs === undefined) return this.deps.queue.send(message);
    let outcome: WebhookOutcome;
    try {
      outcome = await deliverWebhook(
        {
          ...this.deps.delivery,
          getTask: async () => task,
          requestTimeoutMs,
          maxQueueDelaySeconds: MAX_SEND_DELAY_SECONDS,
        },
        message,
      );
    } catch (error) {
      this.deps.delivery.log.warn('webhook first try failed before its attempt was recorded; queued', {
        task_id: task.id,
        error: String(error),
      });
      return this.deps.queue.send(message);
    }
    if (outcome.kind === 'retry') await this.deps.queue.send({ ...message, attempt_base: 1 }, outcome.delaySeconds);
  }
}
