import type { Task } from './task';

/** Every webhook event: one per terminal status. */
export const WEBHOOK_EVENT_TYPES = ['task.completed', 'task.failed', 'task.canceled', 'task.expired'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The message on the webhook queue: the record is the source of truth, so only keys travel. */
export interface WebhookMessage {
  tenant: string;
  task_id: string;
  event: WebhookEventType;
  /**
   * Attempts made before this message existed (1 when the task worker's own first try failed): the
   * message still gets its full set of receives before its DLQ (see deliverWebhook).
   */
  attempt_base?: number;
}

/** Puts webhook deliveries on the webhook queue. */
export interface WebhookQueue {
  /** `delaySeconds`: hidden that long first (at most SQS's 900). */
  send(message: WebhookMessage, delaySeconds?: number): Promise<void>;
}

/** The event of a task's terminal status, or undefined for a status that sends none. */
export function webhookEventOf(task: Pick<Task, 'status'>): WebhookEventType | undefined {
  const { status } = task;
  if (status === 'completed' || status === 'failed' || status === 'canceled' || status === 'expired')
    return `task.${status}`;
  return undefined;
}
