import { describe, expect, it } from 'vitest';
import { drain, type FinishedTask, notStartedAt, peakRunning, waitVerdict } from '../../bench/fairness-stats';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 1, 18) + ms).toISOString();

/** A task as GET /tasks answers it, its times in ms after a fixed instant; no end for a task still queued or running. */
const task = (createdMs: number, startedMs?: number, endedMs?: number): FinishedTask => ({
  created_at: at(createdMs),
  started_at: startedMs === undefined ? undefined : at(startedMs),
  ended_at: endedMs === undefined ? undefined : at(endedMs),
});

/** Tasks created at 0 that waited these many ms before they started. */
const waited = (...waits: number[]) => waits.map((w) => task(0, w, w + 5));

describe('waitVerdict', () => {
  it.each([
    ['within the target at p50 and p99', waited(20, 40), waited(30, 80), { p50: 1.5, p99: 2 }, true],
    ['over the target at p99 only', waited(20, 40), waited(30, 81), { p50: 1.5, p99: 2.03 }, false],
    ['over the target at p50 only', waited(20, 40), waited(42, 42), { p50: 2.1, p99: 1.05 }, false],
    ['against an idle wait of 0 ms', waited(0, 40), waited(0, 40), { p50: null, p99: 1 }, false],
  ])('holds the loaded wait against the idle one %s', (_, idle, loaded, ratio, met) => {
    // Act
    const verdict = waitVerdict(idle, loaded, 2);

    // Assess
    expect(verdict.ratio).toEqual(ratio);
    expect(verdict.met).toBe(met);
  });

  it('summarizes both waits from created_at to started_at', () => {
    // Prepare
    const loaded = [task(100, 1100, 1105), task(200, 700, 705)];

    // Act
    const verdict = waitVerdict(waited(20, 40), loaded, 2);

    // Assess
    expect(verdict.idleMs).toMatchObject({ n: 2, min: 20, max: 40 });
    expect(verdict.loadedMs).toMatchObject({ n: 2, min: 500, max: 1000 });
  });
});

describe('drain', () => {
  it('runs from the first task created to the last one ended', () => {
    // Prepare
    const tasks = [task(1000, 1500, 9000), task(0, 200, 250), task(500, 12_000, 12_340)];

    // Act
    const result = drain(tasks, new Date(Date.parse(at(60_000))));

    // Assess
    expect(result).toEqual({ drained: true, ended: 3, seconds: 12.34 });
  });

  it('runs to when the bench stopped waiting, a lower bound, while some task has not ended', () => {
    // Prepare
    const tasks = [task(0, 200, 250), task(500, 900), task(700)];

    // Act
    const result = drain(tasks, new Date(Date.parse(at(30_000))));

    // Assess
    expect(result).toEqual({ drained: false, ended: 1, seconds: 30 });
  });
});

describe('peakRunning', () => {
  it('counts the most tasks running at the same instant', () => {
    // Prepare: three overlap from 300 to 400; the fourth starts as the first ends, without overlapping it.
    const tasks = [task(0, 100, 400), task(0, 200, 500), task(0, 300, 600), task(0, 400, 450)];

    // Act
    const peak = peakRunning(tasks);

    // Assess
    expect(peak).toBe(3);
  });

  it('leaves out tasks that have not ended', () => {
    // Act
    const peak = peakRunning([task(0, 100, 400), task(0, 200), task(0)]);

    // Assess
    expect(peak).toBe(1);
  });
});

describe('notStartedAt', () => {
  it('counts the tasks that started after the instant, or not at all', () => {
    // Prepare
    const tasks = [task(0, 100, 150), task(0, 1000, 1100), task(0, 1001), task(0)];

    // Act
    const backlog = notStartedAt(tasks, at(1000));

    // Assess
    expect(backlog).toBe(2);
  });
});
