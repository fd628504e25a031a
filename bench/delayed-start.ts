/**
 * Start lag of delayed tasks on the local stack, in its own process as for throughput: zero-work
 * tasks with `run_at` 1–5 s ahead, against as many without a delay in the same run as the baseline.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TERMINAL_STATUSES, type TaskStatus } from '../functions/core/task';
import { Api, ZERO_WORK } from './local-api';
import { progress } from './progress';
import { StackProcess } from './stack-client';
import { lagRatio, queueWait, spreadDelaysMs, startLag, type StartedTask } from './start-lag';
import type { Summary } from './stats';

/** Delays from creation: spread, so the tasks come due one by one rather than all at once. */
const DELAYS_MS = { from: 1000, to: 5000 } as const;
/** How often the bench asks whether its tasks completed: the lag is read from the records, so this only paces the wait. */
const POLL_MS = 250;
/** Beyond the last delay, how long the tasks may take to complete before the run is called broken. */
const PATIENCE_MS = 60_000;

interface Task extends StartedTask {
  task_id: string;
  status: TaskStatus;
}

export interface DelayedStartResult {
  /** Delayed tasks, and as many immediate ones. */
  tasks: number;
  delaysMs: { from: number; to: number };
  /** started_at − run_at of the delayed tasks. */
  lagMs: Summary;
  /** Delayed tasks that started before their run_at: must be 0. */
  startedEarly: number;
  /** started_at − created_at of the immediate tasks: the baseline. */
  immediateWaitMs: Summary;
  /** Delayed lag ÷ immediate wait, at p50 and p99. */
  ratio: { p50: number | null; p99: number | null };
}

/** Posts one task per body, one after another (each body built as it is sent), and returns them once all completed. */
async function runToCompletion(api: Api, bodies: Array<() => object>): Promise<Task[]> {
  const ids: string[] = [];
  for (const body of bodies) ids.push((await api.request<Task>('POST', '/tasks', body())).task_id);
  const deadline = Date.now() + DELAYS_MS.to + PATIENCE_MS;
  const done = new Map<string, Task>();
  while (done.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length - done.size} tasks did not complete in time`);
    await sleep(POLL_MS);
    for (const id of ids.filter((i) => !done.has(i))) {
      const task = await api.request<Task>('GET', `/tasks/${id}`);
      if (task.status === 'completed') done.set(id, task);
      else if (TERMINAL_STATUSES.has(task.status)) throw new Error(`task ${id} ended ${task.status}`);
    }
  }
  return ids.map((id) => done.get(id)!);
}

/** `tasks` delayed zero-work tasks and `tasks` immediate ones on a fresh local stack: how late the delayed ones start. */
export async function measureDelayedStart(tasks: number): Promise<DelayedStartResult> {
  const stack = await StackProcess.start();
  const api = new Api(stack.info);
  try {
    progress(`delayed: ${tasks} zero-work tasks without a delay (the baseline)`);
    const immediate = await runToCompletion(
      api,
      Array.from({ length: tasks }, () => () => ZERO_WORK),
    );
    progress(`delayed: ${tasks} zero-work tasks with run_at ${DELAYS_MS.from / 1000}–${DELAYS_MS.to / 1000} s ahead`);
    const delayed = await runToCompletion(
      api,
      spreadDelaysMs(tasks, DELAYS_MS.from, DELAYS_MS.to).map((delayMs) => () => ({
        ...ZERO_WORK,
        run_at: new Date(Date.now() + delayMs).toISOString(),
      })),
    );
    const { lagMs, startedEarly } = startLag(delayed);
    const immediateWaitMs = queueWait(immediate);
    return {
      tasks,
      delaysMs: { ...DELAYS_MS },
      lagMs,
      startedEarly,
      immediateWaitMs,
      ratio: lagRatio(lagMs, immediateWaitMs),
    };
  } finally {
    await stack.stop();
  }
}
