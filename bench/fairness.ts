/**
 * Fairness between tenants on the local stack (issue 15): tenant A creates a burst of zero-work tasks,
 * then tenant B creates a few; B's queue wait is held against its wait alone on the same stack just
 * before. Two configurations, each on a fresh stack in its own process: as it is, and with a
 * per-tenant running cap (`concurrencyPerTenant`).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { TERMINAL_STATUSES, type TaskStatus } from '../functions/core/task';
import {
  type Drain,
  drain,
  type FinishedTask,
  notStartedAt,
  peakRunning,
  type WaitVerdict,
  waitVerdict,
} from './fairness-stats';
import { Api, ZERO_WORK } from './local-api';
import { progress } from './progress';
import { TARGETS, type BenchSettings } from './settings';
import { StackProcess } from './stack-client';
import { round } from './stats';

/**
 * How often the bench asks whether B's tasks completed. The waits are read from the records, so this only
 * paces the loop; each round stops at the first task not completed, so polling adds about one GET a
 * period to the load it measures.
 */
const POLL_MS = 500;
/** How often the queue's depth is read while A's burst drains. */
const DRAIN_POLL_MS = 500;
/**
 * After its burst, how long the bench waits for A to drain (and for B's tasks): a minute plus this much a
 * task of A. Past it, A's drain is reported as at least that long, with the tasks that did end: a
 * configuration that drains slowly then bounds the run's length instead of breaking it.
 */
const PATIENCE = { baseMs: 60_000, perTaskMs: 100 } as const;
/** The largest page GET /tasks answers (LIMITS.maxPageSize). */
const PAGE = 100;
/** The tenants, as issued keys name them. */
const TENANT_A = 'tenant-a';
const TENANT_B = 'tenant-b';

interface Task extends FinishedTask {
  task_id: string;
  status: TaskStatus;
}

export interface FairnessRun {
  /** The per-tenant running cap, or null for the stack as it is. */
  concurrencyPerTenant: number | null;
  /** B's queue wait alone and behind A's burst. */
  b: WaitVerdict;
  a: {
    tasks: number;
    /** Seconds the burst's POSTs took. */
    burstSeconds: number;
    /** From A's first task created to its last one ended, on the records (a lower bound if it did not drain in time). */
    drain: Drain;
    /** A's tasks that ended, per second of the drain. */
    tasksPerSecond: number;
    /** Most of A's tasks running at the same time (started_at to ended_at). */
    peakRunning: number;
    /** A's tasks not started yet when B's first task was created: the backlog B found. */
    aheadOfB: number;
  };
  /** Messages sent to the queue beyond one per task: deliveries deferred over the cap (and any the sweeper re-sent). */
  resent: number;
}

export interface FairnessResult {
  tasksA: number;
  tasksB: number;
  /** Connections of A's burst. */
  connections: number;
  /** B's loaded wait may be at most this multiple of its idle wait. */
  target: number;
  /** How long each configuration waited for A to drain after its burst. */
  patienceSeconds: number;
  runs: FairnessRun[];
}

const patienceMs = (tasksA: number) => PATIENCE.baseMs + tasksA * PATIENCE.perTaskMs;

/** Creates `n` zero-work tasks, `connections` at a time; their ids in the order created. */
async function createTasks(api: Api, n: number, connections: number, label?: string): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(connections, n) }, async () => {
      while (next < n) {
        next++;
        ids.push((await api.request<Task>('POST', '/tasks', ZERO_WORK)).task_id);
        if (label && ids.length % 1000 === 0) progress(`${label}: ${ids.length}/${n} created`);
      }
    }),
  );
  return ids;
}

/** Polls the tasks, in the order created, until all completed (a task ending otherwise breaks the run). */
async function awaitCompleted(api: Api, ids: readonly string[], deadline: number): Promise<Task[]> {
  const done: Task[] = [];
  while (done.length < ids.length) {
    if (Date.now() > deadline)
      throw new Error(`${ids.length - done.length} of tenant B's tasks did not complete in time`);
    await sleep(POLL_MS);
    for (const id of ids.slice(done.length)) {
      const task = await api.request<Task>('GET', `/tasks/${id}`);
      if (TERMINAL_STATUSES.has(task.status) && task.status !== 'completed')
        throw new Error(`task ${id} ended ${task.status}`);
      if (task.status !== 'completed') break;
      done.push(task);
    }
  }
  return done;
}

/** Waits until the type's queue holds no message (visible, in flight or delayed), or the deadline; reports its depth now and then. */
async function awaitDrained(stack: StackProcess, label: string, deadline: number): Promise<void> {
  let reported = Date.now();
  for (let depth = await stack.call('queueDepth', ZERO_WORK.type); depth > 0; ) {
    if (Date.now() > deadline) {
      progress(`${label}: ${depth} messages still queued; the bench stops waiting`);
      return;
    }
    if (Date.now() - reported > 15_000) {
      progress(`${label}: ${depth} messages still queued`);
      reported = Date.now();
    }
    await sleep(DRAIN_POLL_MS);
    depth = await stack.call('queueDepth', ZERO_WORK.type);
  }
}

/** Every task of the API key's tenant, checked to be the `expected` many, none failed or canceled. */
async function listTasks(api: Api, expected: number): Promise<Task[]> {
  const tasks: Task[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/tasks?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page: { items: Task[]; next_cursor: string | null } = await api.request('GET', query);
    tasks.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  const broken = tasks.filter((t) => TERMINAL_STATUSES.has(t.status) && t.status !== 'completed');
  if (tasks.length !== expected || broken.length > 0) {
    throw new Error(`tenant A has ${tasks.length} tasks (expected ${expected}), ${broken.length} failed or canceled`);
  }
  return tasks;
}

/** One configuration on a fresh stack: B alone, then A's burst and B right after it, then A drained. */
async function runConfiguration(settings: BenchSettings, cap: number | undefined): Promise<FairnessRun> {
  const label = `fairness (${cap === undefined ? 'as is' : `concurrencyPerTenant ${cap}`})`;
  const { fairnessTasksA: tasksA, fairnessTasksB: tasksB, apiConnections } = settings;
  const stack = await StackProcess.start(cap === undefined ? {} : { concurrencyPerTenant: cap });
  try {
    const a = new Api({ ...stack.info, apiKey: await stack.call('issueKey', TENANT_A) });
    const b = new Api({ ...stack.info, apiKey: await stack.call('issueKey', TENANT_B) });

    progress(`${label}: tenant B's ${tasksB} tasks alone (the baseline)`);
    const idle = await awaitCompleted(b, await createTasks(b, tasksB, 1), Date.now() + PATIENCE.baseMs);

    progress(`${label}: tenant A's burst of ${tasksA} tasks, ${apiConnections} connections`);
    const burstStart = performance.now();
    await createTasks(a, tasksA, apiConnections, label);
    const burstSeconds = (performance.now() - burstStart) / 1000;
    const deadline = Date.now() + patienceMs(tasksA);

    progress(`${label}: tenant B's ${tasksB} tasks right after it`);
    const loaded = await awaitCompleted(b, await createTasks(b, tasksB, 1), deadline);
    const verdict = waitVerdict(idle, loaded, TARGETS.fairnessWaitRatio);
    progress(`${label}: B's wait p50 ${verdict.loadedMs.p50} ms, p99 ${verdict.loadedMs.p99} ms; A draining`);
    await awaitDrained(stack, label, deadline);

    const stoppedAt = new Date();
    const aTasks = await listTasks(a, tasksA);
    const drained = drain(aTasks, stoppedAt);
    const firstB = loaded.map((t) => t.created_at).sort()[0]!;
    return {
      concurrencyPerTenant: cap ?? null,
      b: verdict,
      a: {
        tasks: tasksA,
        burstSeconds: round(burstSeconds, 2),
        drain: drained,
        tasksPerSecond: round(drained.ended / drained.seconds, 1),
        peakRunning: peakRunning(aTasks),
        aheadOfB: notStartedAt(aTasks, firstB),
      },
      resent: (await stack.call('sentMessages', ZERO_WORK.type)) - tasksA - 2 * tasksB,
    };
  } finally {
    await stack.stop();
  }
}

/** B's queue wait behind A's burst against its idle wait, on the stack as it is and with a per-tenant cap. */
export async function measureFairness(settings: BenchSettings): Promise<FairnessResult> {
  const runs: FairnessRun[] = [];
  for (const cap of [undefined, settings.fairnessConcurrencyPerTenant])
    runs.push(await runConfiguration(settings, cap));
  return {
    tasksA: settings.fairnessTasksA,
    tasksB: settings.fairnessTasksB,
    connections: settings.apiConnections,
    target: TARGETS.fairnessWaitRatio,
    patienceSeconds: patienceMs(settings.fairnessTasksA) / 1000,
    runs,
  };
}
