import { describe, expect, it } from 'vitest';
import { lagRatio, queueWait, spreadDelaysMs, startLag, type StartedTask } from '../../bench/start-lag';
import { summarize } from '../../bench/stats';

/** A completed task as GET /tasks/{id} answers it, its times in ms after a fixed instant. */
const task = (createdMs: number, startedMs: number, runMs?: number): StartedTask => {
  const at = (ms: number) => new Date(Date.UTC(2026, 11, 1, 18) + ms).toISOString();
  return { created_at: at(createdMs), started_at: at(startedMs), run_at: runMs === undefined ? undefined : at(runMs) };
};

describe('spreadDelaysMs', () => {
  it.each([
    [5, [1000, 2000, 3000, 4000, 5000]],
    [4, [1000, 2333, 3667, 5000]],
    [1, [1000]],
  ])('spreads %i delays evenly from the first to the last, to the millisecond', (n, expected) => {
    // Act
    const delays = spreadDelaysMs(n, 1000, 5000);

    // Assess
    expect(delays).toEqual(expected);
  });
});

describe('startLag', () => {
  it('measures from run_at to started_at and counts the tasks that started before their run_at', () => {
    // Prepare
    const tasks = [task(0, 1300, 1000), task(0, 2050, 2000), task(0, 2900, 3000)];

    // Act
    const { lagMs, startedEarly } = startLag(tasks);

    // Assess
    expect(lagMs).toMatchObject({ n: 3, min: -100, p50: 50, max: 300 });
    expect(startedEarly).toBe(1);
  });

  it('refuses a task without a run_at rather than timing it from nothing', () => {
    // Act / Assess
    expect(() => startLag([task(0, 100)])).toThrow('a completed task has no valid run_at: undefined');
  });
});

describe('queueWait', () => {
  it('measures from created_at to started_at', () => {
    // Act
    const waitMs = queueWait([task(0, 40), task(10, 30)]);

    // Assess
    expect(waitMs).toMatchObject({ n: 2, min: 20, max: 40 });
  });
});

describe('lagRatio', () => {
  it('divides the lag by the wait at p50 and p99, and gives null for a wait of 0 ms', () => {
    // Prepare
    const lag = summarize([500, 900]);

    // Act
    const ratios = [lagRatio(lag, summarize([100, 300])), lagRatio(lag, summarize([0, 300]))];

    // Assess
    expect(ratios).toEqual([
      { p50: 5, p99: 3 },
      { p50: null, p99: 3 },
    ]);
  });
});
