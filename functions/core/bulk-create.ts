import { noMetrics, type TaskMetrics } from './metrics';
import type { Clock, TaskMessage, TaskQueue, TaskStore } from './ports';
import type { TaskSource } from './task';
import { newPendingTask } from './task-service';
import type { TaskTypeDefinition } from '../task-types/definition';

/** One task to create in bulk: its id is chosen by the caller (derived, so a repeat finds it) and its payload already validated. */
export interface NewTask {
  id: string;
  type: Pick<TaskTypeDefinition, 'name' | 'settings'>;
  payload: unknown;
  source?: TaskSource;
}

export interface BulkCreateOutcome {
  /** Written by this call. */
  created: number;
  /** Already there with the same id (written by an earlier attempt of the caller). */
  existing: number;
}

export interface BulkCreateDeps {
  store: TaskStore;
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
export async function createTasks(deps: BulkCreateDeps, tenant: string, tasks: readonly NewTask[]): Promise<BulkCreateOutcome> {
  const now = deps.clock.now().toISOString();
  const writes = await Promise.all(tasks.map((t) => deps.store.create(newPendingTask({ id: t.id, tenant, type: t.type, payload: t.payload, source: t.source, now }))));
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
