import { describe, expect, it } from 'vitest';
import {
  alternativesPerMillion,
  childResumeLagMs,
  sleepResumeLagMs,
  suspension,
  type HistoryEntry,
  type WorkflowView,
} from '../../bench/workflow-stats';

/** An instant `ms` after a fixed time, as the API writes it. */
const at = (ms: number) => new Date(Date.UTC(2026, 11, 1, 18) + ms).toISOString();
const history = (...entries: Array<[string, number]>): HistoryEntry[] =>
  entries.map(([status, ms]) => ({ status, at: at(ms) }));

describe('alternativesPerMillion', () => {
  it.each([
    [5, 5, 125, 6, 300],
    [1, 1, 25, 2, 100],
  ])(
    'prices %i steps as %i Step Functions transitions ($%i) and %i Inngest executions ($%i) per million runs',
    (steps, transitions, stepFunctionsUsd, executions, inngestUsd) => {
      // Act
      const priced = alternativesPerMillion(steps);

      // Assess
      expect(priced).toEqual({
        stepFunctionsStandard: { transitions, usd: stepFunctionsUsd },
        inngest: { executions, usd: inngestUsd },
      });
    },
  );
});

describe('suspension', () => {
  it('finds the first suspension and the running entry after it, not the first start', () => {
    // Prepare
    const entries = history(['pending', 0], ['running', 10], ['sleeping', 20], ['running', 1050], ['completed', 1060]);

    // Act / Assess
    expect(suspension(entries, 'sleeping')).toEqual({ suspendedAt: at(20), resumedAt: at(1050) });
    expect(suspension(entries, 'waiting')).toBeUndefined();
  });
});

describe('sleepResumeLagMs', () => {
  it("measures from the sleep step's wake_at to the running entry after sleeping", () => {
    // Prepare
    const view: WorkflowView = {
      task_id: 't1',
      status: 'completed',
      status_history: history(
        ['pending', 0],
        ['running', 10],
        ['sleeping', 20],
        ['running', 1045],
        ['completed', 1060],
      ),
      steps: [{ name: 'cool-down', kind: 'sleep', status: 'completed', wake_at: at(1020) }],
    };

    // Act / Assess
    expect(sleepResumeLagMs(view)).toBe(25);
  });

  it('refuses a task that never resumed from a sleep rather than timing it from nothing', () => {
    // Prepare
    const view: WorkflowView = {
      task_id: 't2',
      status: 'completed',
      status_history: history(['running', 0], ['completed', 5]),
    };

    // Act / Assess
    expect(() => sleepResumeLagMs(view)).toThrow('task t2: no sleeping → running in its status_history');
  });
});

describe('childResumeLagMs', () => {
  const parent = (entries: HistoryEntry[]): WorkflowView => ({
    task_id: 'p1',
    status: 'completed',
    status_history: entries,
  });

  it('measures from the last child to end, on the fan-in path when the parent was already waiting', () => {
    // Prepare
    const view = parent(history(['running', 0], ['waiting', 50], ['running', 760], ['completed', 780]));

    // Act / Assess
    expect(childResumeLagMs(view, [at(600), at(700)])).toEqual({ lagMs: 60, path: 'fan-in' });
  });

  it('tells a parent that woke itself (its children ended before it waited) from the fan-in path', () => {
    // Prepare
    const view = parent(history(['running', 0], ['waiting', 50], ['running', 80]));

    // Act / Assess
    expect(childResumeLagMs(view, [at(20), at(40)])).toEqual({ lagMs: 40, path: 'self' });
  });

  it('is undefined for a parent that never waited', () => {
    // Act / Assess
    expect(childResumeLagMs(parent(history(['running', 0], ['completed', 90])), [at(20)])).toBeUndefined();
  });

  it("refuses a child's missing ended_at", () => {
    // Prepare
    const view = parent(history(['running', 0], ['waiting', 50], ['running', 760]));

    // Act / Assess
    expect(() => childResumeLagMs(view, [at(600), ''])).toThrow('task p1: no valid child ended_at ()');
  });
});
