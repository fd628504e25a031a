import { noMetrics, type TaskMetrics } from './metrics';
import type { Clock, TaskCatalog, TaskMessage, TaskQueue } from './ports';
import { newPendingTask } from './new-task';
import type { BulkCreateOutcome, NewTask } from './task-services';

export type { BulkCreateOutcome, NewTask } from './task-services';

export interface BulkCreateDeps {
  store: Pick<TaskCatalog, 'create'>;
  queue: TaskQueue;
  clock: Clock;
  metrics?: TaskMetrics;
}

/**
 * Creates tasks of one tenant, all records first, then their messages in batches.
 *
 * Each record is a conditional put (not BatchWriteItem, which cannot carry a condition): a repeated
 * call never overwrites a task that has since run. A task found still `pending` gets its message
 * again, since the earlier call may have died between the write and the send; the worker
 * acknowledges a duplicate message, and the sweeper re-sends for any record whose send failed.
 */
export async function createTasks(
  deps: BulkCreateDeps,
  tenant: string,
  tasks: readonly NewTask[],
): Promise<BulkCreateOutcome> {
  const now = deps.clock.now().toISOString();
  const writes = await Promise.all(
    tasks.map((t) =>
      deps.store.create(newPendingTask({ id: t.id, tenant, type: t.type, payload: t.payload, source: t.source, now })),
    ),
  );
  const toSend = new Map<string, TaskMessage[]>();
  let created = 0;
  writes.forEach((write, i) => {
    const type = tasks[i]!.type.name;
    if (write.ok) {
      created++;
      (deps.metrics ?? noMetrics).count('created', type);
    }
    if (write.ok || write.current?.status === 'pending') {
      if (!toSend.has(type)) toSend.set(type, []);
      toSend.get(type)!.push({ tenant, task_id: tasks[i]!.id });
    }
  });
  for (const [type, messages] of toSend) await deps.queue.sendMany(type, messages);
  return { created, existing: tasks.length - created };
}
