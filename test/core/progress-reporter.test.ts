import { describe, expect, it } from 'vitest';
import { TaskCanceledError } from '../../functions/core/errors';
import type { Clock, TaskLifecycle, WriteResult } from '../../functions/core/ports';
import { DEFAULT_PROGRESS_INTERVAL_MS, ProgressReporter } from '../../functions/core/progress-reporter';
import type { Task } from '../../functions/core/task';
import { FIXED_NOW, taskItem } from '../helpers/factories';

interface ProgressWrite {
  tenant: string;
  id: string;
  attempt: number;
  progress: number;
  message: string | undefined;
  now: string;
}

/** A store that records progress writes and answers with the task `respond` builds. */
function fakeStore(
  respond: (write: ProgressWrite) => WriteResult = (w) => ({ ok: true, task: runningTask({ progress: w.progress }) }),
) {
  const writes: ProgressWrite[] = [];
  const store: Pick<TaskLifecycle, 'progress'> = {
    async progress(tenant, id, attempt, progress, message, now) {
      const write = { tenant, id, attempt, progress, message, now };
      writes.push(write);
      return respond(write);
    },
  };
  return { store, writes };
}

function fakeClock(start = FIXED_NOW.getTime()) {
  let at = start;
  const clock: Clock = { now: () => new Date(at) };
  return { clock, advance: (ms: number) => (at += ms) };
}

function runningTask(overrides: Partial<Task> = {}): Task {
  return taskItem({ status: 'running', attempts: 2, started_at: FIXED_NOW.toISOString(), ...overrides });
}

const TASK = { tenant: 'acme', id: '01JNK8Z6S4Y5Q3W2E1R0T9P8N7', attempt: 2 };

function setup(respond?: (write: ProgressWrite) => WriteResult) {
  const { store, writes } = fakeStore(respond);
  const { clock, advance } = fakeClock();
  let canceled = 0;
  const reporter = new ProgressReporter(store, clock, TASK, () => canceled++, 1_000);
  return { reporter, writes, advance, canceledCalls: () => canceled };
}

describe('ProgressReporter', () => {
  it('writes the first report at once, with the attempt, message and clock time', async () => {
    // Prepare
    const { reporter, writes } = setup();

    // Act
    await reporter.report(12.5, 'step 1/8');

    // Assess
    expect(writes).toEqual([{ ...TASK, progress: 12.5, message: 'step 1/8', now: FIXED_NOW.toISOString() }]);
  });

  it('coalesces reports within one interval into a single write, then writes the latest value', async () => {
    // Prepare
    const { reporter, writes, advance } = setup();

    // Act
    await reporter.report(10);
    advance(300);
    await reporter.report(20);
    advance(300);
    await reporter.report(30);
    advance(399);
    await reporter.report(40);
    advance(1);
    await reporter.report(50);

    // Assess
    expect(writes.map((w) => w.progress)).toEqual([10, 50]);
    expect(reporter.value).toBe(50);
  });

  it('keeps the latest value when a report is coalesced', async () => {
    // Prepare
    const { reporter, writes, advance } = setup();
    await reporter.report(10);
    advance(100);

    // Act
    await reporter.report(70);

    // Assess
    expect(writes).toHaveLength(1);
    expect(reporter.value).toBe(70);
  });

  it('coalesces over DEFAULT_PROGRESS_INTERVAL_MS (one second) when no interval is given', async () => {
    // Prepare
    const { store, writes } = fakeStore();
    const { clock, advance } = fakeClock();
    const reporter = new ProgressReporter(store, clock, TASK, () => undefined);
    await reporter.report(10);

    // Act
    advance(999);
    await reporter.report(20);
    advance(1);
    await reporter.report(30);

    // Assess
    expect(DEFAULT_PROGRESS_INTERVAL_MS).toBe(1_000);
    expect(writes.map((w) => w.progress)).toEqual([10, 30]);
  });

  it('never goes backwards', async () => {
    // Prepare
    const { reporter, writes, advance } = setup();
    await reporter.report(60);
    advance(1_000);

    // Act
    await reporter.report(40);

    // Assess
    expect(writes.map((w) => w.progress)).toEqual([60, 60]);
    expect(reporter.value).toBe(60);
  });

  it.each([
    { percent: -5, expected: 0 },
    { percent: 0, expected: 0 },
    { percent: 33.333333, expected: 33.33 },
    { percent: 100, expected: 100 },
    { percent: 250, expected: 100 },
  ])('clamps and rounds $percent to $expected', async ({ percent, expected }) => {
    // Prepare
    const { reporter, writes } = setup();

    // Act
    await reporter.report(percent);

    // Assess
    expect(writes[0]?.progress).toBe(expected);
    expect(reporter.value).toBe(expected);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])(
    'rejects %s without writing',
    async (percent) => {
      // Prepare
      const { reporter, writes } = setup();

      // Act & Assess
      await expect(reporter.report(percent)).rejects.toThrow(TypeError);
      expect(writes).toEqual([]);
      expect(reporter.value).toBe(0);
    },
  );

  it.each([
    {
      case: 'cancellation was requested',
      result: (): WriteResult => ({ ok: true, task: runningTask({ cancel_requested: true }) }),
    },
    {
      case: 'the task was canceled meanwhile',
      result: (): WriteResult => ({ ok: false, current: runningTask({ status: 'canceled' }) }),
    },
    {
      case: 'a sweeper failed the task',
      result: (): WriteResult => ({ ok: false, current: runningTask({ status: 'failed' }) }),
    },
    {
      case: 'the task is retrying',
      result: (): WriteResult => ({ ok: false, current: runningTask({ status: 'retrying' }) }),
    },
    {
      case: 'another attempt owns the task',
      result: (): WriteResult => ({ ok: false, current: runningTask({ attempts: 3 }) }),
    },
    { case: 'the task no longer exists', result: (): WriteResult => ({ ok: false }) },
  ])('throws TaskCanceledError and calls onCancel when $case', async ({ result }) => {
    // Prepare
    const { reporter, canceledCalls } = setup(result);

    // Act & Assess
    await expect(reporter.report(50)).rejects.toBeInstanceOf(TaskCanceledError);
    expect(canceledCalls()).toBe(1);
  });

  it('keeps running when the write lost a race but the attempt still owns a running task', async () => {
    // Prepare
    const { reporter, canceledCalls } = setup(() => ({ ok: false, current: runningTask({ progress: 80 }) }));

    // Act
    await reporter.report(50);

    // Assess
    expect(canceledCalls()).toBe(0);
  });

  it('does not check for cancellation on a coalesced report', async () => {
    // Prepare
    let cancel = false;
    const { reporter, canceledCalls, advance, writes } = setup(() => ({
      ok: true,
      task: runningTask({ cancel_requested: cancel }),
    }));
    await reporter.report(10);
    cancel = true;
    advance(500);

    // Act
    await reporter.report(20);

    // Assess
    expect(writes).toHaveLength(1);
    expect(canceledCalls()).toBe(0);
  });

  it('cuts a huge progress message to what the record keeps', async () => {
    // Prepare
    const { store, writes } = fakeStore();
    const reporter = new ProgressReporter(store, fakeClock().clock, TASK, () => {});

    // Act
    await reporter.report(10, 'z'.repeat(1_000_000));

    // Assess
    expect(writes[0]!.message!.length).toBeLessThan(5_000);
    expect(writes[0]!.message).toMatch(/more characters cut\]$/);
  });
});
