import type { Log, TaskStore, WriteResult } from '../core/ports';
import { webhookEventOf, type WebhookMessage } from './event';

/** Puts webhook deliveries on the webhook queue. */
export interface WebhookQueue {
  send(message: WebhookMessage): Promise<void>;
}

const TERMINAL_WRITES = ['complete', 'fail', 'cancelRunning', 'cancelWaiting'] as const;

/**
 * A TaskStore that, after a write which ended a task with a webhook_url, queues that task's webhook.
 * Whoever wins the (conditional) terminal write sends it, so one delivery is owed per task; should
 * the send fail or the process die first, the same write put the task in the webhook sweep, and the
 * sweeper sends it. Every other method is the wrapped store's own.
 */
export function withWebhookNotifications(store: TaskStore, queue: WebhookQueue, log: Log): TaskStore {
  const notify = async (result: WriteResult): Promise<WriteResult> => {
    const event = result.ok ? webhookEventOf(result.task) : undefined;
    if (result.ok && event && result.task.webhook_url) {
      await queue
        .send({ tenant: result.task.tenant, task_id: result.task.id, event })
        .catch((error: unknown) => log.warn('queueing the webhook failed; the sweeper will send it', { task_id: result.task.id, error: String(error) }));
    }
    return result;
  };
  const wrapped: TaskStore = Object.create(store);
  for (const name of TERMINAL_WRITES) {
    const write = store[name].bind(store) as (...args: unknown[]) => Promise<WriteResult>;
    Object.assign(wrapped, { [name]: (...args: unknown[]) => write(...args).then(notify) });
  }
  return wrapped;
}
