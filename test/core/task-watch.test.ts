import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../functions/core/errors';
import { systemClock, type ReadOptions } from '../../functions/core/ports';
import type { StatusChange, Task } from '../../functions/core/task';
import { TaskWatch, WATCH_DEFAULTS, type WatchItem, type WatchSettings } from '../../functions/core/task-watch';
import { taskItem } from '../helpers/factories';

const M = 1_000_000;
const at = '2025-03-04T05:00:00.000Z';
const FAST: WatchSettings = {
  pollIntervalMs: 5,
  heartbeatMs: 1000,
  maxDurationMs: 5000,
  retryMs: 100,
  authRecheckMs: 60_000,
};

const running = (progress: number, writes: number): Task =>
  taskItem({
    status: 'running',
    attempts: 1,
    progress,
    seq: M + writes,
    status_history: [
      { seq: 0, status: 'pending', attempt: 0, at, progress: 0 },
      { seq: M, status: 'running', attempt: 1, at, progress: 0 },
    ],
  });
const completed = (): Task => {
  const history: StatusChange[] = [
    ...running(0, 0).status_history!,
    { seq: 2 * M, status: 'completed', attempt: 1, at, progress: 100 },
  ];
  return taskItem({ status: 'completed', attempts: 1, progress: 100, seq: 2 * M, status_history: history });
};

/** A reader that returns the given snapshots in turn (the last one forever), recording how it was asked. */
function scripted(...snapshots: (Task | undefined)[]) {
  const reads: (ReadOptions | undefined)[] = [];
  let next = 0;
  return {
    reads,
    get: async (_tenant: string, _id: string, options?: ReadOptions) => {
      reads.push(options);
      return snapshots[Math.min(next++, snapshots.length - 1)];
    },
  };
}

async function drain(
  watch: TaskWatch,
  signal = new AbortController().signal,
  stillAuthorized?: () => Promise<boolean>,
): Promise<WatchItem[]> {
  const items: WatchItem[] = [];
  for await (const item of watch.follow(signal, stillAuthorized)) items.push(item);
  return items;
}

describe('TaskWatch', () => {
  it('opens with a consistent read and the current state, then follows with eventually consistent reads until the final event', async () => {
    // Prepare
    const reader = scripted(running(20, 1), running(20, 1), running(60, 3), completed());

    // Act
    const watch = await TaskWatch.open({ reader, clock: systemClock, settings: FAST }, 'acme', 'T1');
    const items = await drain(watch);

    // Assess
    expect(watch.initial.map((e) => [e.event, e.id, e.event === 'step' ? e.data.name : e.data.progress])).toEqual([
      ['status', M + 1, 20],
    ]);
    expect(
      items.map((i) =>
        i.kind !== 'event'
          ? i.kind
          : [i.event.event, i.event.id, i.event.event === 'step' ? i.event.data.name : i.event.data.progress],
      ),
    ).toEqual([
      ['progress', M + 3, 60],
      ['status', 2 * M, 100],
    ]);
    expect(reader.reads[0]).toBeUndefined();
    expect(reader.reads.slice(1).every((r) => r?.consistent === false)).toBe(true);
    expect(watch.finished).toBe(true);
  });

  it('fails with NotFoundError before any stream for an unknown or malformed id', async () => {
    // Prepare
    const reader = scripted(undefined);

    // Act & Assess
    await expect(
      TaskWatch.open({ reader, clock: systemClock, settings: FAST }, 'acme', '01M8FW54X830X4HT5D1AH85R16'),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      TaskWatch.open({ reader, clock: systemClock, settings: FAST }, 'acme', '../../etc'),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(reader.reads).toHaveLength(1);
  });

  it('follows step events between status events, and a superseded status change keeps the last progress sent', async () => {
    // Prepare: `prepare` stored at M + 2 (after progress 20 at M + 1); then attempt 1 retried and attempt 2 started.
    const withStep = (task: Task, status: 'completed' | 'failed', stepSeq: number): Task => ({
      ...task,
      seq: Math.max(task.seq ?? 0, stepSeq),
      progress_seq: M + 1,
      steps: { prepare: { kind: 'step', index: 0, status, attempts: 1, started_at: at, ended_at: at } },
      step_seqs: { prepare: stepSeq },
    });
    const retried: Task = {
      ...running(0, 0),
      attempts: 2,
      seq: 3 * M,
      status_history: [
        ...running(0, 0).status_history!,
        { seq: 2 * M, status: 'retrying', attempt: 1, at },
        { seq: 3 * M, status: 'running', attempt: 2, at, progress: 0 },
      ],
    };
    const done: Task = {
      ...retried,
      status: 'completed',
      progress: 100,
      seq: 4 * M,
      status_history: [...retried.status_history!, { seq: 4 * M, status: 'completed', attempt: 2, at, progress: 100 }],
    };
    const reader = scripted(
      running(20, 1),
      withStep(running(20, 1), 'completed', M + 2),
      withStep(retried, 'completed', M + 2),
      withStep(done, 'completed', M + 2),
    );

    // Act
    const watch = await TaskWatch.open({ reader, clock: systemClock, settings: FAST }, 'acme', 'T1');
    const events = (await drain(watch)).flatMap((i) => (i.kind === 'event' ? [i.event] : []));

    // Assess
    expect(
      events.map((e) => [e.event, e.id, e.event === 'step' ? `${e.data.name} ${e.data.status}` : e.data.progress]),
    ).toEqual([
      ['step', M + 2, 'prepare completed'],
      ['status', 2 * M, 20],
      ['status', 3 * M, 0],
      ['status', 4 * M, 100],
    ]);
  });

  it('resumes after Last-Event-ID with what the client missed', async () => {
    // Act
    const watch = await TaskWatch.open(
      { reader: scripted(completed()), clock: systemClock, settings: FAST },
      'acme',
      'T1',
      M + 4,
    );

    // Assess
    expect(watch.initial.map((e) => [e.event, e.id, e.data.status])).toEqual([['status', 2 * M, 'completed']]);
    expect(watch.finished).toBe(true);
  });

  it('is finished with nothing to send when the client already saw the final event', async () => {
    // Act
    const watch = await TaskWatch.open(
      { reader: scripted(completed()), clock: systemClock, settings: FAST },
      'acme',
      'T1',
      2 * M,
    );

    // Assess
    expect(watch.initial).toEqual([]);
    expect(watch.finished).toBe(true);
  });

  it('starts over with the current state when Last-Event-ID is ahead of the task', async () => {
    // Act
    const watch = await TaskWatch.open(
      { reader: scripted(running(10, 1)), clock: systemClock, settings: FAST },
      'acme',
      'T1',
      9 * M,
    );

    // Assess
    expect(watch.initial.map((e) => e.id)).toEqual([M + 1]);
  });

  it('sends a heartbeat after heartbeatMs without events', async () => {
    // Prepare
    const reader = scripted(running(10, 1), running(10, 1), running(10, 1), running(10, 1), completed());
    const watch = await TaskWatch.open(
      { reader, clock: systemClock, settings: { ...FAST, pollIntervalMs: 20, heartbeatMs: 30 } },
      'acme',
      'T1',
    );

    // Act
    const items = await drain(watch);

    // Assess
    expect(items.filter((i) => i.kind === 'heartbeat').length).toBeGreaterThanOrEqual(1);
    expect(items.at(-1)).toMatchObject({ kind: 'event', event: { event: 'status', data: { status: 'completed' } } });
  });

  it('ends at maxDurationMs, before the final event, so the client reconnects', async () => {
    // Prepare
    const watch = await TaskWatch.open(
      { reader: scripted(running(10, 1)), clock: systemClock, settings: { ...FAST, maxDurationMs: 60 } },
      'acme',
      'T1',
    );
    const started = Date.now();

    // Act
    const items = await drain(watch);

    // Assess
    expect(items.filter((i) => i.kind === 'event')).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(watch.finished).toBe(false);
  });

  it('checks the caller is still authorized every authRecheckMs, and ends with `revoked` once not', async () => {
    // Prepare: a task that never changes; each read moves a simulated clock on by one second.
    let now = 0;
    let reads = 0;
    const clock = { now: () => new Date(now) };
    const reader = {
      get: async () => {
        reads++;
        now += 1000;
        return running(20, 1);
      },
    };
    const checks: number[] = [];
    // The key is revoked at 100 s.
    const stillAuthorized = async () => {
      checks.push(now);
      return now < 100_000;
    };
    const watch = await TaskWatch.open(
      { reader, clock, settings: { ...WATCH_DEFAULTS, pollIntervalMs: 1 } },
      'acme',
      'T1',
    );

    // Act
    const items = await drain(watch, undefined, stillAuthorized);

    // Assess: checked at 61 s (1 s after the open) and at 121 s, when it ended without reading again.
    expect(checks).toEqual([61_000, 121_000]);
    expect(reads).toBe(121);
    expect(items.at(-1)).toEqual({ kind: 'revoked' });
    expect(items.filter((i) => i.kind === 'heartbeat')).toHaveLength(8);
    expect(watch.finished).toBe(false);
  });

  it('stops polling when the client goes away', async () => {
    // Prepare
    const reader = scripted(running(10, 1));
    const watch = await TaskWatch.open(
      { reader, clock: systemClock, settings: { ...FAST, pollIntervalMs: 10_000 } },
      'acme',
      'T1',
    );
    const gone = new AbortController();

    // Act
    const drained = drain(watch, gone.signal);
    gone.abort();
    const items = await drained;

    // Assess
    expect(items).toEqual([]);
    expect(reader.reads).toHaveLength(1);
  });
});
