import { describe, expect, it, vi } from 'vitest';
import type { Log, TaskCatalog, TaskLifecycle } from '../../functions/core/ports';
import type { Task } from '../../functions/core/task';
import { NotifyingTaskStore } from '../../functions/webhooks/notifying-task-store';
import { FIXED_NOW, taskItem } from '../helpers/factories';

const silent: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

describe('NotifyingTaskStore', () => {
  it("records a child's end on its parent without waiting for the child's webhook", async () => {
    // Prepare: a child task with a webhook whose receiver has not answered yet.
    const child = taskItem({
      status: 'completed',
      parent_id: '01JNK8Z6S4Y5Q3W2E1R0T9P8N7',
      webhook_url: 'https://hooks.example.com/tasklane',
    });
    const store = { complete: async () => ({ ok: true, task: child }) } as unknown as TaskCatalog & TaskLifecycle;
    const order: string[] = [];
    let answer: () => void = () => undefined;
    const webhooks = {
      send: () => {
        order.push('webhook sent');
        return new Promise<void>((resolve) => {
          answer = resolve;
        });
      },
    };
    let ending: Promise<unknown> = Promise.resolve();
    const parentRecorded = new Promise<Task>((resolve) => {
      const notifying = new NotifyingTaskStore(store, webhooks, silent, async (ended) => {
        order.push('parent recorded');
        resolve(ended);
      });
      ending = notifying.complete(child.tenant, child.id, 1, {}, FIXED_NOW.toISOString());
    });

    // Act: the parent hears of it while the receiver still has not answered (before, it waited on it).
    const recorded = await parentRecorded;
    await vi.waitFor(() => expect(order).toContain('webhook sent'));
    answer();
    await ending;

    // Assess
    expect(recorded.id).toBe(child.id);
    expect(order).toEqual(['parent recorded', 'webhook sent']);
  });
});
