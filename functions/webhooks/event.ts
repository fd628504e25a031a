import type { Task } from '../core/task';
import type { WebhookEventType } from '../core/webhook-message';

// The contract (event names, the queue message) is the core's: functions/core/webhook-message.ts.
export { webhookEventOf, type WebhookEventType, type WebhookMessage } from '../core/webhook-message';

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
      // A result in the result store: its size; GET /tasks/{id} gives a link to it.
      ...(task.result_ref ? { result_bytes: task.result_ref.bytes } : {}),
      ...(task.error === undefined ? {} : { error: task.error }),
      attempts: task.attempts,
      created_at: task.created_at,
      ended_at: task.ended_at,
    },
  };
}
