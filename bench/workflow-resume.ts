/**
 * Resume latency of durable steps on the local stack, in its own process as for the start lag: workflows
 * that sleep 1–2 s (sleep due → running again) and workflows waiting for children (the last child's terminal
 * write → the parent running again), read from the records' timestamps, not from the bench's polling.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Api } from './local-api';
import { progress } from './progress';
import { StackProcess } from './stack-client';
import { summarize, type Summary } from './stats';
import { childResumeLagMs, sleepResumeLagMs, type WorkflowView } from './workflow-stats';

/** Sleeps of whole seconds (the type's schema), alternating, so resumes do not all come due at once. */
const SLEEP_SECONDS = [1, 2] as const;
/** Children per parent, and each child's one step: long enough for the parent to be waiting when they end. */
const CHILDREN = 2;
const CHILD_MS = 500;
/** Between two creations: the runs overlap a little, as light load, not a burst. */
const GAP_MS = 200;
/** How often the bench asks whether its tasks completed: it only paces the wait. */
const POLL_MS = 250;
const PATIENCE_MS = 60_000;

export interface ResumeLatencyResult {
  sleep: { runs: number; sleepSeconds: readonly number[]; lagMs: Summary };
  children: {
    runs: number;
    children: number;
    childMs: number;
    /** Parents woken by their last child's end (the fan-in path). */
    lagMs: Summary;
    /** Parents whose children had all ended before they suspended: they woke themselves (not in lagMs). */
    selfWoken: number;
    /** Parents that never waited (every child ended before waitForChildren). */
    neverWaited: number;
  };
  gapMs: number;
}

/** Posts one workflow per payload, GAP_MS apart, and returns their views once all completed. */
async function runAll(api: Api, payloads: object[]): Promise<WorkflowView[]> {
  const ids: string[] = [];
  for (const payload of payloads) {
    ids.push((await api.request<{ task_id: string }>('POST', '/tasks', { type: 'workflow', payload })).task_id);
    await sleep(GAP_MS);
  }
  const deadline = Date.now() + PATIENCE_MS;
  const done = new Map<string, WorkflowView>();
  while (done.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`${ids.length - done.size} workflows did not complete in time`);
    await sleep(POLL_MS);
    for (const id of ids.filter((i) => !done.has(i))) {
      const view = await api.request<WorkflowView>('GET', `/tasks/${id}`);
      if (view.status === 'completed') done.set(id, view);
      else if (['failed', 'canceled', 'expired'].includes(view.status))
        throw new Error(`workflow ${id} ${view.status}`);
    }
  }
  return ids.map((id) => done.get(id)!);
}

/** `runs` sleeping workflows and `runs` workflows waiting for children on a fresh local stack. */
export async function measureResumeLatency(runs: number): Promise<ResumeLatencyResult> {
  const stack = await StackProcess.start();
  const api = new Api(stack.info);
  try {
    progress(`workflow resume: ${runs} workflows sleeping ${SLEEP_SECONDS.join(' or ')} s`);
    const sleepers = await runAll(
      api,
      Array.from({ length: runs }, (_, i) => ({ sleep_seconds: SLEEP_SECONDS[i % SLEEP_SECONDS.length] })),
    );
    const sleepLags = sleepers.map(sleepResumeLagMs);

    progress(`workflow resume: ${runs} workflows waiting for ${CHILDREN} children of ${CHILD_MS} ms`);
    const parents = await runAll(
      api,
      Array.from({ length: runs }, () => ({ children: CHILDREN, child_ms: CHILD_MS })),
    );
    const fanIn: number[] = [];
    let selfWoken = 0;
    let neverWaited = 0;
    for (const parent of parents) {
      const children = (parent.steps ?? []).filter((s) => s.kind === 'child');
      const ended = await Promise.all(
        children.map(async (c) => (await api.request<{ ended_at?: string }>('GET', `/tasks/${c.task_id}`)).ended_at),
      );
      const lag = childResumeLagMs(
        parent,
        ended.map((at) => at ?? ''),
      );
      if (!lag) neverWaited++;
      else if (lag.path === 'self') selfWoken++;
      else fanIn.push(lag.lagMs);
    }
    return {
      sleep: { runs, sleepSeconds: SLEEP_SECONDS, lagMs: summarize(sleepLags) },
      children: { runs, children: CHILDREN, childMs: CHILD_MS, lagMs: summarize(fanIn), selfWoken, neverWaited },
      gapMs: GAP_MS,
    };
  } finally {
    await stack.stop();
  }
}
