import type { Task } from '../core/task';
import type { WebhookEventType, WebhookMessage, WebhookQueue } from '../core/webhook-message';

/** How the webhook owed by a write that just ended a task is sent on its way. */
export interface WebhookSender {
  /** Sends the webhook of a task that ended with `event`; throws only when it could not even be queued. */
  send(task: Task, event: WebhookEventType): Promise<void>;
}

/** The queue message of a task's webhook. */
export function messageOf(task: Task, event: WebhookEventType): WebhookMessage {
  return { tenant: task.tenant, task_id: task.id, event };
}

/** Straight onto the webhook queue: the API and the sweeper, which should not wait on a receiver. */
export function queuedWebhooks(queue: WebhookQueue): WebhookSender {
  return { send: (task, event) => queue.send(messageOf(task, event)) };
}
