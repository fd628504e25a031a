import type { Task } from '../core/task';

export type WebhookEventType = 'task.completed' | 'task.failed' | 'task.canceled';

/** The message on the webhook queue: the record is the source of truth, so only keys travel. */
export interface WebhookMessage {
  tenant: string;
  task_id: string;
  event: WebhookEventType;
}

/** The event of a task's terminal status, or undefined for a status that sends none. */
export function webhookEventOf(task: Pick<Task, 'status'>): WebhookEventType | undefined {
  if (task.status === 'completed' || task.status === 'failed' || task.status === 'canceled') return `task.${task.status}`;
  return undefined;
}

/**
 * The Standard Webhooks `webhook-id`: the same on every retry of one event (and for a duplicate of
 * it), different between events. A task ends once, so task id + event identify the delivery.
 */
export function webhookId(taskId: string, event: WebhookEventType): string {
  return `msg_${taskId}_${event.slice('task.'.length)}`;
}

/** The JSON body integrators receive. */
export function webhookPayload(task: Task, event: WebhookEventType, timestamp: Date) {
  return {
    type: event,
    timestamp: timestamp.toISOString(),
    data: {
      task_id: task.id,
      type: task.type,
      status: task.status,
      ...(task.result === undefined ? {} : { result: task.result }),
      ...(task.error === undefined ? {} : { error: task.error }),
      attempts: task.attempts,
      created_at: task.created_at,
      ended_at: task.ended_at,
    },
  };
}
